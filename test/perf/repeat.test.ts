/** perf:repeat's table: median and coefficient of variation of p50 across invocations, worked out by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletedResult, ResultsFile } from '../../core/results.ts';
import { repeatRows, repeatTable } from '../../perf/repeat.ts';
import { loadFixture } from '../reports/helpers.ts';

function withP50(p50s: Record<string, number>, floor: number): ResultsFile {
  const results = loadFixture();
  const scenario = results.scenarios.find((s) => s.id === 'header-overhead')!;
  results.scenarios = [scenario, { ...structuredClone(scenario), id: 'copy' }];
  for (const s of results.scenarios) {
    for (const [technique, p50] of Object.entries(p50s)) (s.results[technique as 'polling'] as CompletedResult).latencyMs.p50 = p50;
    if (s.floor !== undefined && s.floor.state === 'completed') s.floor.latencyMs.p50 = floor;
  }
  return results;
}

test('median and CV of p50 over invocations: 10, 12, 14 ms -> median 12, CV 2/12 = 16.7% (unstable)', () => {
  const files = [10, 12, 14].map((v) => withP50({ websocket: v, sse: 5 }, v / 2));
  const rows = repeatRows(files);
  const ws = rows.find((r) => r.scenario === 'header-overhead' && r.label === 'websocket')!;
  assert.deepEqual(ws.p50Ms, [10, 12, 14]);
  assert.equal(ws.medianMs, 12);
  // Sample standard deviation: sqrt(((10-12)^2 + 0 + (14-12)^2) / 2) = 2.
  assert.ok(Math.abs(ws.cv! - 2 / 12) < 1e-12);
  const sse = rows.find((r) => r.scenario === 'header-overhead' && r.label === 'sse')!;
  assert.equal(sse.cv, 0);
  // A scenario whose figures are another's (a shared measurement) is listed once.
  assert.equal(
    rows.some((r) => r.scenario === 'copy'),
    false,
  );
  const table = repeatTable(rows, [100_000, 101_500, null]);
  assert.match(table, /\| header-overhead \| websocket \| 12\.0 \| 10\.0, 12\.0, 14\.0 \| 16\.7% \(unstable\) \|/);
  assert.match(table, /\| header-overhead \| sse \| 5\.00 \| 5\.00, 5\.00, 5\.00 \| 0\.0% \|/);
  assert.match(table, /Wall time per invocation: 100\.0 s, 101\.5 s, —\./);
});

test('an invocation that did not complete a technique shows — and is left out of its CV', () => {
  const files = [withP50({ websocket: 10 }, 1), withP50({ websocket: 20 }, 1)];
  files[1]!.scenarios[0]!.results.websocket = { state: 'failed', error: 'boom' };
  const row = repeatRows(files).find((r) => r.label === 'websocket')!;
  assert.deepEqual(row.p50Ms, [10, null]);
  assert.equal(row.cv, null, 'one value: no spread');
});
