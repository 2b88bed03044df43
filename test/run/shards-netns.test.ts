import assert from 'node:assert/strict';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { cleanup, runLocalShards } from '../../scripts/shards-local.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { shardReader } from '../../cli/options.ts';

let dir = '';
after(async () => {
  cleanup();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

test('2 shards on separate hosts (network namespaces, else 127.0.1.x) merge to delivered = expected, offsets within their bounds', async (t) => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pushbench-shards-'));
  const outcome = await runLocalShards(
    { shards: 2, clients: 10, technique: 'websocket', rate: 20, durationMs: 600, warmupMs: 200, out: dir, loopback: false },
    () => {},
  );
  t.diagnostic(outcome.netns ? 'ran in network namespaces' : 'network namespaces unavailable: ran on 127.0.1.x');
  assert.equal(outcome.code, 0);
  const results = JSON.parse(await readFile(path.join(outcome.out, 'results.json'), 'utf8')) as ResultsFile;
  const r = results.scenarios[0]!.results.websocket!;
  assert.ok(r.state === 'completed');
  assert.ok(r.messages.published > 0);
  assert.equal(r.messages.expected, r.messages.published * 10);
  assert.equal(r.messages.delivered, r.messages.expected);
  // Client byte totals of both shards add up to the merged figure.
  const shardFiles = await Promise.all(
    [0, 1].map(
      async (i) =>
        JSON.parse(await readFile(path.join(dir, `shard-${i}.json`), 'utf8')) as {
          generators: Array<{ bytes: { down: number } }>;
          clock: { appliedOffsetMicros: number; boundMicros: number };
        },
    ),
  );
  assert.equal(
    r.bytes.down,
    shardFiles.reduce((n, s) => n + s.generators.reduce((m, g) => m + g.bytes.down, 0), 0),
  );
  // One machine, one monotonic clock: the true offset is 0, and each bound must contain it.
  for (const s of shardFiles)
    assert.ok(
      Math.abs(s.clock.appliedOffsetMicros) <= s.clock.boundMicros,
      `offset ${s.clock.appliedOffsetMicros} ± ${s.clock.boundMicros} µs`,
    );
  assert.deepEqual(
    results.shards!.rows.map((row) => row.status),
    ['merged', 'merged'],
  );
});

test('--shard out of range, auto without JOB_COMPLETION_INDEX and a shard without a coordinator are bad input', () => {
  assert.throws(() => shardReader({}).read('2/2', '--shard'), /invalid --shard: received "2\/2"; .*shard index 2 is out of range 0\.\.1/);
  assert.throws(() => shardReader({}).read('auto/4', '--shard'), /JOB_COMPLETION_INDEX is not set/);
  assert.deepEqual(shardReader({ JOB_COMPLETION_INDEX: '3' }).read('auto/4', '--shard'), { index: 3, count: 4 });
  assert.throws(() => shardReader({}).read('1-2', '--shard'), /I\/N with 0 <= I < N/);
  assert.throws(() => parseRunArgs(['--shard', '0/2', '--target', 'http://127.0.0.1:1', '--technique', 'sse']), /needs --coordinator URL/);
  assert.throws(
    () => parseRunArgs(['--shard', '0/2', '--coordinator', 'http://127.0.0.1:2', '--target', 'http://127.0.0.1:1']),
    /measures one technique/,
  );
  assert.throws(
    () => parseRunArgs(['--shard', '0/2', '--coordinator', 'http://10.0.0.1:2', '--target', 'http://127.0.0.1:1', '--technique', 'sse']),
    /refusing non-loopback --coordinator/,
  );
});
