/** The machine's limits a run hit: /proc parsed by hand-worked figures, the 90% rule, the busiest source address. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { busiestSourceAddress, limitsHit, MachineWatch, parseMeminfo, parseProcStat } from '../../run/machine-watch.ts';

test('/proc/stat: busy is every tick but idle and iowait; cores are the cpuN lines', () => {
  const text = ['cpu  100 5 50 800 20 3 2 10 0 0', 'cpu0 50 2 25 400 10 1 1 5 0 0', 'cpu1 50 3 25 400 10 2 1 5 0 0', 'intr 12345'].join(
    '\n',
  );
  // total = 100+5+50+800+20+3+2+10 = 990; idle = 800 + 20 = 820; busy = 170.
  assert.deepEqual(parseProcStat(text), { busy: 170, total: 990, cores: 2 });
  assert.equal(parseProcStat('intr 1\n'), null);
});

test('/proc/meminfo: MemTotal and MemAvailable in bytes', () => {
  const text = 'MemTotal:       24576000 kB\nMemFree:         1000 kB\nMemAvailable:   20480000 kB\n';
  assert.deepEqual(parseMeminfo(text), { totalBytes: 24_576_000 * 1024, availableBytes: 20_480_000 * 1024 });
  assert.equal(parseMeminfo('MemTotal: 1 kB\n'), null);
});

const calm = {
  cores: 2,
  cpuBusy: 0.5,
  memoryTotalBytes: 1000,
  memoryMinAvailableBytes: 500,
  fileLimit: 20_000,
  filesBusiest: 10_000,
  portRange: 28_232,
  portsBusiest: 25_000,
};

test('a resource counts as hit at 90% of what the machine has, and only then', () => {
  assert.deepEqual(limitsHit(calm), []);
  assert.deepEqual(limitsHit({ ...calm, cpuBusy: 0.9 }), ['cpu']);
  // 1 - 100/1000 = 0.9 of memory used.
  assert.deepEqual(limitsHit({ ...calm, memoryMinAvailableBytes: 100 }), ['memory']);
  assert.deepEqual(limitsHit({ ...calm, memoryMinAvailableBytes: 101 }), []);
  // 18,000 of 20,000 files is 0.9; 25,409 of 28,232 ports is 0.9000...
  assert.deepEqual(limitsHit({ ...calm, filesBusiest: 18_000, portsBusiest: 25_409 }), ['files', 'ports']);
  assert.deepEqual(limitsHit({ ...calm, filesBusiest: 17_999, portsBusiest: 25_408 }), []);
  // No file limit: files are never the limit.
  assert.deepEqual(limitsHit({ ...calm, fileLimit: null, filesBusiest: 1e9 }), []);
  assert.deepEqual(limitsHit({ ...calm, cpuBusy: 1, memoryMinAvailableBytes: 0, filesBusiest: 20_000, portsBusiest: 28_232 }), [
    'cpu',
    'memory',
    'files',
    'ports',
  ]);
});

test('the busiest source address sums its generators: 20 generators of 5,000 over 4 addresses is 25,000 each', () => {
  const addresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
  const generators = Array.from({ length: 20 }, (_, i) => ({ clients: 5000, address: addresses[i % 4] }));
  assert.equal(busiestSourceAddress(generators, 1), 25_000);
  // Chat over HTTP holds two sockets per client; no source address: all on the default one.
  assert.equal(
    busiestSourceAddress(
      [
        { clients: 300, address: undefined },
        { clients: 200, address: undefined },
      ],
      2,
    ),
    1000,
  );
  assert.equal(
    busiestSourceAddress(
      [
        { clients: 300, address: '127.0.0.2' },
        { clients: 200, address: '127.0.0.3' },
      ],
      1,
    ),
    300,
  );
  assert.equal(busiestSourceAddress([], 1), 0);
});

test("a watch over a real window reads this machine: cores, busy share within 0..1, this process's own files", () => {
  const watch = new MachineWatch(() => [process.pid]);
  watch.startWindow();
  // Long enough for the kernel's tick counters (10 ms each) to move.
  const until = Date.now() + 100;
  while (Date.now() < until);
  watch.endWindow();
  const use = watch.use(20_000, 28_232, 10);
  assert.ok(use !== null, '/proc is readable here');
  assert.ok(use.cores >= 1);
  assert.ok(use.cpuBusy >= 0 && use.cpuBusy <= 1);
  assert.ok(use.memoryMinAvailableBytes > 0 && use.memoryMinAvailableBytes <= use.memoryTotalBytes);
  // stdio at least: this process holds files open.
  assert.ok(use.filesBusiest >= 3);
  assert.equal(use.portsBusiest, 10);
  assert.deepEqual(use.hit, limitsHit(use));
});
