/**
 * A sharded run's publisher is the coordinator's: its overlapping publishes (two under way at
 * once, which the target may take in either order) reach each shard through /accepted, so that
 * the merge counts the late arrivals they explain as `reordered` (test/run/shard-merge.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coordinator, type AcceptedCount } from '../../run/coordinator.ts';
import { liveChildren } from '../../run/children.ts';
import { holdingTarget } from '../helpers/holding-target.ts';

test("/accepted carries the coordinator's overlapping publishes: the first, held until the second arrived, is one", async () => {
  const target = await holdingTarget(204);
  const coordinator = await Coordinator.start({
    target: target.origin,
    params: {
      technique: 'websocket',
      clients: 2,
      rate: 10,
      payloadBytes: 64,
      durationMs: 300,
      warmupMs: 0,
      workload: 'broadcast',
      roomSize: 2,
      target: 'url',
    },
    shards: 1,
    startAtMs: Date.now() + 50,
    startDelayMs: 0,
    readyTimeoutMs: 30_000,
    host: '127.0.0.1',
    port: 0,
    lingerMs: 0,
  });
  try {
    const response = await fetch(`${coordinator.origin}/accepted?shard=0`);
    assert.equal(response.status, 200);
    const count = (await response.json()) as AcceptedCount;
    assert.equal(count.runId, coordinator.runId);
    assert.equal(count.refused, 0);
    assert.equal(count.accepted, count.sent);
    assert.ok(count.sent >= 2, `sent ${count.sent}`);
    // The first publish was answered only after a later one was sent; every overlap recorded names a later seq.
    const overlaps = count.overlaps ?? {};
    assert.ok((overlaps['1'] ?? 0) >= 2, JSON.stringify(count));
    for (const [seq, sentBefore] of Object.entries(overlaps)) assert.ok(sentBefore > Number(seq), JSON.stringify(count));
  } finally {
    await coordinator.close();
    await target.close();
  }
  assert.equal(liveChildren(), 0);
});
