/**
 * A time-compressed scenario says what was scaled, shows polling latency against the
 * interval, and the classic bandwidth table scales its per-second bytes back to the slower
 * situation the scenario stands for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExtrapolation, extrapolateMbps } from '../../reports/extrapolation.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { standsFor, timeScaleNote } from '../../reports/time-scale.ts';
import { completedOf, loadFixture } from './helpers.ts';

function scaledFixture() {
  const results = loadFixture();
  const scenario = results.scenarios.find((s) => s.id === 'header-overhead')!;
  // As the suite runs it: 5 msg/s with 200 ms polls, standing for 1 msg/s with 1 s polls.
  scenario.params.rate = 5;
  scenario.params.intervalMs = 200;
  scenario.timeScale = 5;
  completedOf(results, 'header-overhead', 'polling').latencyMs.p50 = 104;
  return { results, scenario };
}

test('standsFor: rate divided and interval multiplied by the time scale; null when unscaled', () => {
  const { scenario } = scaledFixture();
  assert.deepEqual(standsFor(scenario), { factor: 5, rate: 1, intervalMs: 1000 });
  delete scenario.timeScale;
  assert.equal(standsFor(scenario), null);
  assert.equal(timeScaleNote(scenario), null);
});

test('the note names both situations and puts polling p50 against the interval (104 ms of 200 ms = 52%)', () => {
  const { scenario } = scaledFixture();
  const note = timeScaleNote(scenario)!;
  assert.match(note, /Time compressed 5x: 5 msg\/s with 200 ms polls stands for 1 msg\/s \(a message every 1,000 ms\) with 1,000 ms polls/);
  assert.match(note, /ratio of poll interval to message gap \(1 here and there\)/);
  assert.match(note, /p50 104 ms is 52% of the 200 ms interval/);
});

test('the extrapolation divides per-second bytes by the time scale and says so', () => {
  const { results } = scaledFixture();
  const unscaled = buildExtrapolation(loadFixture())!;
  const scaled = buildExtrapolation(results)!;
  assert.equal(scaled.timeScale, 5);
  assert.equal(scaled.rate, 1);
  assert.equal(scaled.intervalMs, 1000);
  for (const [i, row] of scaled.rows.entries()) {
    const before = unscaled.rows[i]!;
    if (before.perClientBytesPerSecond === null) continue;
    assert.equal(row.perClientBytesPerSecond, before.perClientBytesPerSecond / 5);
    assert.equal(row.mbps[0], extrapolateMbps(before.perClientBytesPerSecond / 5, 1000));
  }
  const md = renderMarkdown(results, { charts: [] });
  assert.match(md, /Time compressed 5x/);
  assert.match(md, /run 5 times faster and its bytes per second divided by 5/);
});
