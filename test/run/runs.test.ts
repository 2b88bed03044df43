/** `--runs N`: the order of technique runs and how repetitions become one result. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineRuns, interleavedRuns, runSummary } from '../../run/runner.ts';
import type { CompletedResult, TechniqueResult } from '../../core/results.ts';
import { loadFixture, completedOf } from '../reports/helpers.ts';

test('repetitions interleave techniques within a scenario; a sameAs scenario adds none', () => {
  // Chat: no floor run follows; broadcast on the built-in servers ends with one floor run (not repeated).
  const chat = { ...loadFixture().scenarios[0]!.params, workload: 'chat' as const };
  const broadcast = { ...chat, workload: 'broadcast' as const };
  const specs = [
    { id: 'a', techniques: ['polling', 'sse'] as const, params: chat },
    { id: 'b', techniques: ['sse'] as const, sameAs: 'a', params: chat },
    { id: 'c', techniques: ['websocket'] as const, params: broadcast },
  ];
  const order = interleavedRuns(specs, 2).map((r) => `${r.spec.id}/${r.technique}#${r.run}${r.floor ? ' floor' : ''}`);
  assert.deepEqual(order, ['a/polling#0', 'a/sse#0', 'a/polling#1', 'a/sse#1', 'c/websocket#0', 'c/websocket#1', 'c/websocket#0 floor']);
});

test('several runs: the first completed run in full, plus one summary per completed run', () => {
  const base = completedOf(loadFixture(), 'header-overhead', 'sse');
  const second: CompletedResult = { ...structuredClone(base), latencyMs: { ...base.latencyMs, p50: 9, count: 77, messages: 3 } };
  const failed: TechniqueResult = { state: 'failed', error: 'boom' };
  const combined = combineRuns([base, failed, second]);
  assert.equal(combined.state, 'completed');
  if (combined.state !== 'completed') return;
  assert.equal(combined.latencyMs.p50, base.latencyMs.p50);
  assert.deepEqual(
    combined.runs?.map((r) => [r.latencyMs.p50, r.latencyMs.count, r.latencyMs.messages]),
    [
      [base.latencyMs.p50, base.latencyMs.count, base.latencyMs.messages],
      [9, 77, 3],
    ],
  );
  assert.equal(combined.runs?.[0]?.cpuPercent, base.server?.cpuPercent);
  assert.deepEqual(runSummary(base).perMessageTotalBytes, base.perMessage.totalBytes);
});

test('one run stays as it is (no runs array); no completed run gives the first failure', () => {
  const base = completedOf(loadFixture(), 'header-overhead', 'sse');
  assert.equal((combineRuns([base]) as CompletedResult).runs, undefined);
  assert.deepEqual(
    combineRuns([
      { state: 'failed', error: 'x' },
      { state: 'failed', error: 'y' },
    ]),
    { state: 'failed', error: 'x' },
  );
});
