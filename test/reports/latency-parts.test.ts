/** What latency is made of: transit mean = latency mean - publisher lateness mean, worked out by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletedResult, Scenario } from '../../core/results.ts';
import { FLOOR_LABEL, latencyParts } from '../../reports/latency-parts.ts';
import { loadFixture } from './helpers.ts';

function withLatency(base: CompletedResult, meanMs: number, latenessMeanMs: number | null): CompletedResult {
  return {
    ...base,
    latencyMs: { ...base.latencyMs, mean: meanMs, count: 10 },
    publisher:
      latenessMeanMs === null
        ? null
        : { side: 'server', busyWaitCpuPercent: 0.2, latenessMs: { ...base.latencyMs, mean: latenessMeanMs, count: 5 } },
  };
}

test('the split is of the means, one row per technique and the floor last', () => {
  const scenario = structuredClone(loadFixture().scenarios[0]!) as Scenario;
  const ws = scenario.results.websocket as CompletedResult;
  scenario.results = { sse: withLatency(ws, 3, 0.5), websocket: withLatency(ws, 2.25, 0.25) };
  scenario.floor = withLatency(ws, 1.5, 0.125);
  const rows = latencyParts(scenario);
  assert.deepEqual(
    rows.map((r) => [r.label, r.floor, r.latencyMeanMs, r.transitMeanMs]),
    [
      ['Server-Sent Events', false, 3, 2.5],
      ['WebSocket', false, 2.25, 2],
      [FLOOR_LABEL, true, 1.5, 1.375],
    ],
  );
});

test('without publisher figures (an external target, an older file) there is no transit to state', () => {
  const scenario = structuredClone(loadFixture().scenarios[0]!) as Scenario;
  const ws = scenario.results.websocket as CompletedResult;
  scenario.results = { websocket: withLatency(ws, 2, null) };
  delete scenario.floor;
  const [row] = latencyParts(scenario);
  assert.equal(row!.publisher, null);
  assert.equal(row!.transitMeanMs, null);
});
