import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLatencyHistogram, encodeHistogram, recordLatency } from '../../core/histogram.ts';
import { ConfigError } from '../../core/errors.ts';
import type { ScenarioParams } from '../../core/results.ts';
import { validateShard, shardShare, type ShardResult } from '../../core/shard.ts';
import { resultsProblems } from '../../core/results-validate.ts';
import { mergeShards } from '../../run/shard-merge.ts';
import { boundedMs, renderShardTable } from '../../reports/shards.ts';

const PARAMS: ScenarioParams = {
  workload: 'broadcast',
  clients: 5,
  rate: 1,
  payloadBytes: 64,
  messageBytes: 99,
  intervalMs: 1000,
  holdMs: 30_000,
  durationMs: 3000,
  warmupMs: 0,
  headers: 'minimal',
  roomSize: 10,
  target: 'http://127.0.0.1:1',
};
const ENV = { node: 'v20', os: 'Linux', platform: 'linux', arch: 'x64', cpuModel: 'cpu', cores: 2, memoryBytes: 1, gitCommit: null };

/** A shard whose one generator recorded `latenciesMicros` and moved `bytes` in the window. */
function shard(
  index: number,
  latenciesMicros: number[],
  bytes: { up: number; down: number },
  over: Partial<ShardResult> = {},
): ShardResult {
  const h = createLatencyHistogram();
  for (const v of latenciesMicros) recordLatency(h, v);
  const share = shardShare(PARAMS.clients, index, 2);
  return {
    kind: 'pushbench-shard',
    version: 1,
    runId: 'run-a',
    shard: { index, count: 2 },
    technique: 'websocket',
    params: PARAMS,
    clients: share,
    target: 'http://127.0.0.1:1',
    coordinator: 'http://127.0.0.1:2',
    state: 'completed',
    clock: {
      before: { offsetMicros: 10, boundMicros: 100, rttMicros: 200, samples: 32, atMicros: 0 },
      after: null,
      appliedOffsetMicros: 10,
      boundMicros: 100 * (index + 1),
      driftMicrosPerSecond: 0,
    },
    window: { startT: 0, endT: 3e6, beginAt: 0, lateMicros: -1000 },
    published: { sent: 3, accepted: 3, refused: 0 },
    generators: [
      {
        counts: {
          delivered: latenciesMicros.length,
          duplicated: 0,
          outOfOrder: 0,
          receivedInWindow: latenciesMicros.length,
          payloadInWindow: latenciesMicros.length * 99,
          unmatched: 0,
          stale: 0,
          arrivalSpreadMicros: 0,
          latencySeqs: { broadcast: [1, 2, 3] },
        },
        histogram: encodeHistogram(h),
        publishLateness: encodeHistogram(createLatencyHistogram()),
        bytes,
        windowMicros: 3e6,
        requests: { total: 0, empty: 0, late: 0 },
        sent: 0,
        sentPayload: 0,
        errors: { count: 0, first: [] },
        responseHead: null,
        edges: [],
        eventLoopUtilization: 0.25 + index / 10,
      },
    ],
    clientTotals: [{ up: bytes.up + 500, down: bytes.down + 500 }],
    busiestGeneratorCpuPercent: 3,
    environment: ENV,
    host: `pod-${index}`,
    startedAt: '2026-12-06T22:00:00.000Z',
    ...over,
  };
}

test('shares: contiguous, differing by at most one client, covering every client once', () => {
  assert.deepEqual(
    [0, 1].map((i) => shardShare(5, i, 2)),
    [
      { from: 0, to: 3 },
      { from: 3, to: 5 },
    ],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => shardShare(10, i, 3)),
    [
      { from: 0, to: 4 },
      { from: 4, to: 7 },
      { from: 7, to: 10 },
    ],
  );
  // Chat deals whole rooms: 25 clients in rooms of 10 to 2 shards.
  assert.deepEqual(
    [0, 1].map((i) => shardShare(25, i, 2, 10)),
    [
      { from: 0, to: 20 },
      { from: 20, to: 25 },
    ],
  );
});

test('merge sums counters and bytes and adds histograms: percentiles of the union, never averaged', () => {
  // Shard 0 (3 clients): 9 deliveries of 1..9 ms; shard 1 (2 clients): 6 of 10..60 ms.
  const a = shard(
    0,
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map((ms) => ms * 1000),
    { up: 100, down: 1000 },
  );
  const b = shard(
    1,
    [10, 20, 30, 40, 50, 60].map((ms) => ms * 1000),
    { up: 50, down: 700 },
  );
  const merged = mergeShards([a, b], ['a', 'b'], { maxClockBoundMs: 5, command: 'test' });
  assert.deepEqual(resultsProblems(merged), []);
  const r = merged.scenarios[0]!.results.websocket!;
  assert.equal(r.state, 'completed');
  if (r.state !== 'completed') return;
  // 3 accepted x 5 clients.
  assert.equal(r.messages.expected, 15);
  assert.equal(r.messages.delivered, 15);
  assert.equal(r.bytes.up, 150);
  assert.equal(r.bytes.down, 1700);
  assert.equal(r.latencyMs.count, 15);
  // The union sorted: 1..9, 10..60 ms; the 8th of 15 (p50) is 8 ms. Averaging the shards' p50s (5 and 30) would say 17.5.
  assert.ok(Math.abs(r.latencyMs.p50 - 8) <= 0.008, `p50 ${r.latencyMs.p50}`);
  assert.ok(Math.abs(r.latencyMs.max - 60) <= 0.06, `max ${r.latencyMs.max}`);
  // Mean of the union: (45 + 210) / 15 = 17 ms.
  assert.ok(Math.abs(r.latencyMs.mean - 17) <= 0.02, `mean ${r.latencyMs.mean}`);
  const shards = merged.shards!;
  assert.equal(shards.clientsCovered, 5);
  assert.equal(shards.worstBoundMs, 0.2);
  assert.deepEqual(
    shards.rows.map((row) => [row.index, row.status, row.delivered, row.expected, row.lost]),
    [
      [0, 'merged', 9, 9, 0],
      [1, 'merged', 6, 6, 0],
    ],
  );
  // Each shard's busiest generator's event-loop use, beside its figures, so a shard that measured itself shows.
  assert.deepEqual(
    shards.rows.map((row) => row.generatorEventLoopUtilization),
    [0.25, 0.35],
  );
  assert.match(renderShardTable(merged), /\n0 +merged .* 3% +25% +pod-0\n1 +merged .* 3% +35% +pod-1\n/);
});

test("late arrivals the coordinator's overlapping publishes explain are reordered in the merge, not out of order", () => {
  // Seq 2 reached 2 clients of shard 0 and 1 of shard 1 after seq 3.
  const late = (shardIndex: number, count: number, overlaps?: Record<string, number>): ShardResult => {
    const s = shard(shardIndex, [1000, 2000, 3000], { up: 1, down: 1 });
    const g = s.generators[0]!;
    return {
      ...s,
      published: { sent: 3, accepted: 3, refused: 0, ...(overlaps === undefined ? {} : { overlaps }) },
      generators: [{ ...g, counts: { ...g.counts, outOfOrder: count, late: { '2': { count, after: 3 } } } }],
    };
  };
  const messagesOf = (shards: ShardResult[]) => {
    const merged = mergeShards(shards, ['a', 'b'], { maxClockBoundMs: 5, command: 'test' });
    assert.deepEqual(resultsProblems(merged), []);
    const r = merged.scenarios[0]!.results.websocket!;
    assert.equal(r.state, 'completed');
    return r.state === 'completed' ? r.messages : null;
  };
  // The coordinator sent seq 3 before seq 2 was answered: the target took them in its own order.
  for (const s of [late(0, 2, { '2': 3 }), late(1, 1, { '2': 3 })]) assert.deepEqual(validateShard(s, 'shard'), s);
  const explained = messagesOf([late(0, 2, { '2': 3 }), late(1, 1, { '2': 3 })])!;
  assert.equal(explained.outOfOrder, 0);
  assert.equal(explained.reordered, 3);
  // Without overlaps (or a shard written before they were kept), the 3 stay out of order.
  const unexplained = messagesOf([late(0, 2), late(1, 1)])!;
  assert.equal(unexplained.outOfOrder, 3);
  assert.equal(unexplained.reordered, undefined);
});

test('a missing shard is named and its clients are left out of expected, not counted lost', () => {
  const merged = mergeShards([shard(0, [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000], { up: 1, down: 1 })], ['a'], {
    maxClockBoundMs: 5,
    command: 'test',
  });
  const r = merged.scenarios[0]!.results.websocket!;
  assert.ok(r.state === 'completed');
  assert.equal(r.messages.expected, 9);
  assert.equal(r.messages.lost, 0);
  const row = merged.shards!.rows[1]!;
  assert.equal(row.status, 'missing');
  assert.equal(row.clients, 2);
  assert.equal(merged.shards!.clientsCovered, 3);
});

test('failed, late and clock-bound shards are named and left out', () => {
  const ok = shard(0, [1000], { up: 1, down: 1 });
  const late = shard(1, [1000], { up: 1, down: 1 }, { window: { startT: 0, endT: 3e6, beginAt: 0, lateMicros: 250_000 } });
  assert.match(
    mergeShards([ok, late], ['a', 'b'], { maxClockBoundMs: 5, command: 't' }).shards!.rows[1]!.reason ?? '',
    /^late: its clients began 250\.0 ms after/,
  );
  const failed = shard(1, [], { up: 0, down: 0 }, { state: 'failed', error: 'generator died' });
  assert.equal(
    mergeShards([ok, failed], ['a', 'b'], { maxClockBoundMs: 5, command: 't' }).shards!.rows[1]!.reason,
    'failed: generator died',
  );
  // Shard 1's bound is 0.2 ms: past a 0.15 ms limit.
  const rows = mergeShards([ok, shard(1, [1000], { up: 1, down: 1 })], ['a', 'b'], { maxClockBoundMs: 0.15, command: 't' }).shards!.rows;
  assert.equal(rows[1]!.status, 'clock');
  assert.match(rows[1]!.reason ?? '', /clock bound ±0\.200 ms is past the limit ±0\.150 ms/);
});

test('shards of different runs, parameters or the same index twice are refused (exit 2)', () => {
  const a = shard(0, [1000], { up: 1, down: 1 });
  assert.throws(
    () =>
      mergeShards([a, shard(1, [1000], { up: 1, down: 1 }, { runId: 'run-b' })], ['a.json', 'b.json'], {
        maxClockBoundMs: 5,
        command: 't',
      }),
    (e: Error) => e instanceof ConfigError && /b\.json is of run run-b, a\.json of run run-a/.test(e.message),
  );
  assert.throws(
    () =>
      mergeShards([a, shard(1, [1000], { up: 1, down: 1 }, { params: { ...PARAMS, rate: 2 } })], ['a.json', 'b.json'], {
        maxClockBoundMs: 5,
        command: 't',
      }),
    /rate 1 vs 2/,
  );
  assert.throws(
    () => mergeShards([a, a], ['a.json', 'c.json'], { maxClockBoundMs: 5, command: 't' }),
    /shard 0 of 2 is given twice \(a\.json and c\.json\)/,
  );
  assert.throws(
    () =>
      mergeShards([shard(0, [], { up: 0, down: 0 }, { state: 'failed', error: 'x' })], ['a.json'], { maxClockBoundMs: 5, command: 't' }),
    /no shard can be merged/,
  );
});

test('a shard file is validated: kind, schema and index within the count', () => {
  assert.throws(() => validateShard({ schemaVersion: 1 }, 'r.json'), /r\.json is not a pushbench shard result/);
  assert.throws(
    () => validateShard({ ...shard(0, [1], { up: 0, down: 0 }), shard: { index: 2, count: 2 } }, 's.json'),
    /shard\.index: expected less than shard\.count 2, found 2/,
  );
});

test('a latency is printed no finer than the clock bound', () => {
  assert.equal(boundedMs(3.91234, 0.144), '3.9');
  assert.equal(boundedMs(3.91234, 0.04), '3.91');
  assert.equal(boundedMs(0.05, 0.144), '< 0.2');
  assert.equal(boundedMs(null, 1), '-');
});
