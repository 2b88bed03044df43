/**
 * The quiet moment at a window edge (run/kernel-bytes.ts quietPair): the clients' and the kernel's
 * counters are taken as a pair only once neither side moved between two reads of it; a side that
 * keeps moving leaves `quiet` false once the search time is up; the two counts disagreeing is
 * never a reason to read again (a real disagreement cannot be retried away). Sources are
 * scripted sequences of readings, the clock a counter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quietPair, type KernelSnapshot } from '../../run/kernel-bytes.ts';
import type { ClientBytes } from '../../core/socket-counter.ts';

function kernel(sent: number, received: number): KernelSnapshot {
  return new Map([['127.0.0.1:40000', { sent, received }]]);
}

/** Readers that return the given readings in turn (the last one forever), and count their calls. */
function scripted<T>(readings: readonly T[]): { read: () => Promise<T>; calls: () => number } {
  let i = 0;
  return { read: async () => readings[Math.min(i++, readings.length - 1)]!, calls: () => i };
}

test('bytes moving on the client side, then still: the first pair read while both sides were still', async () => {
  const clients = scripted<ClientBytes>([
    { up: 0, down: 100 },
    { up: 0, down: 150 },
    { up: 0, down: 200 },
    { up: 0, down: 200 },
  ]);
  const k = scripted([kernel(150, 0), kernel(200, 0), kernel(200, 0), kernel(200, 0)]);
  const pair = await quietPair(clients.read, k.read, 10_000);
  assert.ok(pair !== null);
  assert.equal(pair.quiet, true);
  assert.deepEqual(pair.client, { up: 0, down: 200 });
  assert.deepEqual([...pair.kernel.values()], [{ sent: 200, received: 0 }]);
  assert.equal(clients.calls(), 4, 'two tries: the first saw the clients move');
});

test('the kernel moving while the clients are still is not quiet either', async () => {
  const clients = scripted<ClientBytes>([{ up: 10, down: 100 }]);
  const k = scripted([kernel(100, 10), kernel(130, 10), kernel(130, 10), kernel(130, 10)]);
  const pair = await quietPair(clients.read, k.read, 10_000);
  assert.equal(pair?.quiet, true);
  assert.equal(k.calls(), 4, 'the first try saw the kernel move');
});

test('never still: the last pair, marked not quiet, once the search time is up', async () => {
  let down = 0;
  let clock = 0;
  const pair = await quietPair(
    async () => ({ up: 0, down: (down += 10) }),
    async () => kernel(down, 0),
    5,
    () => (clock += 1),
  );
  assert.ok(pair !== null);
  assert.equal(pair.quiet, false);
});

test('both sides still but unequal: taken as it is, not read again (the disagreement is the finding)', async () => {
  const clients = scripted<ClientBytes>([{ up: 0, down: 100 }]);
  const k = scripted([kernel(120, 0)]);
  const pair = await quietPair(clients.read, k.read, 10_000);
  assert.equal(pair?.quiet, true);
  assert.deepEqual(pair?.client, { up: 0, down: 100 });
  assert.equal(clients.calls(), 2, 'one try');
});

test('no ss: null', async () => {
  assert.equal(
    await quietPair(
      async () => ({ up: 0, down: 0 }),
      async () => null,
      100,
    ),
    null,
  );
});
