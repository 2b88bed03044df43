import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareResults, parseThreshold, type CompareRow } from '../../reports/compare.ts';
import { completedOf, loadFixture } from './helpers.ts';

const row = (rows: CompareRow[], scenarioId: string, technique: string, metric: string) =>
  rows.find((r) => r.scenarioId === scenarioId && r.technique === technique && r.metric === metric);

test('bytes are exact: a change within 1 byte passes, +1% and more than a byte fails', () => {
  const base = loadFixture();
  const current = loadFixture();
  completedOf(current, 'sparse', 'polling').perMessage.totalBytes += 1; // 3,846 → 3,847: < 1% and not > 1 byte
  completedOf(current, 'header-overhead', 'sse').perMessage.totalBytes += 2; // 80 → 82: +2.5% and 2 bytes
  const { rows, verdict } = compareResults(base, current);
  assert.equal(row(rows, 'sparse', 'polling', 'perMessage.totalBytes')?.verdict, 'pass');
  assert.equal(row(rows, 'header-overhead', 'sse', 'perMessage.totalBytes')?.verdict, 'regression');
  assert.equal(verdict, 'regression');
});

test('latency is noisy: it must grow by more than 50% and more than 2 ms', () => {
  const base = loadFixture();
  const current = loadFixture();
  completedOf(current, 'header-overhead', 'websocket').latencyMs.p99 = 2; // 0.453 → 2 ms: +340% but +1.5 ms
  completedOf(current, 'header-overhead', 'polling').latencyMs.p99 = 1400; // 989 → 1,400: +42%
  completedOf(current, 'sparse', 'polling').latencyMs.p50 = 800; // 506 → 800: +58% and +294 ms
  const { rows, regressions } = compareResults(base, current);
  assert.equal(row(rows, 'header-overhead', 'websocket', 'latencyMs.p99')?.verdict, 'pass');
  assert.equal(row(rows, 'header-overhead', 'polling', 'latencyMs.p99')?.verdict, 'pass');
  assert.deepEqual(
    regressions.map((r) => `${r.scenarioId}/${r.technique} ${r.metric}`),
    ['sparse/polling latencyMs.p50'],
  );
});

test('delivered ratio may not drop by more than 0.1 percentage point; getting better is marked', () => {
  const base = loadFixture();
  const current = loadFixture();
  const chatPolling = completedOf(current, 'chat', 'polling');
  chatPolling.messages.lost = 0;
  chatPolling.messages.delivered = chatPolling.messages.expected;
  const sse = completedOf(current, 'sparse', 'sse');
  sse.messages.delivered -= 10; // 3,000 → 2,990 of 3,000: −0.33 points
  const { rows } = compareResults(base, current);
  assert.equal(row(rows, 'chat', 'polling', 'messages.lost')?.verdict, 'improved');
  assert.equal(row(rows, 'sparse', 'sse', 'deliveredRatio')?.verdict, 'regression');
});

test('CPU needs +50% and +5 points; server null skips the metric', () => {
  const base = loadFixture();
  const current = loadFixture();
  completedOf(current, 'sweep-1000', 'polling').server!.cpuPercent = 30; // 17.1 → 30: +75%, +12.9 points
  completedOf(current, 'header-overhead', 'polling').server!.cpuPercent = 4; // 0.8 → 4: +400% but +3.2 points
  completedOf(current, 'sparse', 'sse').server = null;
  const { rows } = compareResults(base, current);
  assert.equal(row(rows, 'sweep-1000', 'polling', 'server.cpuPercent')?.verdict, 'regression');
  assert.equal(row(rows, 'header-overhead', 'polling', 'server.cpuPercent')?.verdict, 'pass');
  assert.equal(row(rows, 'sparse', 'sse', 'server.cpuPercent'), undefined);
});

test('a technique that failed in base and completes now is an improvement, not a comparison', () => {
  const base = loadFixture();
  const current = loadFixture();
  current.scenarios.find((s) => s.id === 'sweep-1000')!.results.longpoll = structuredClone(completedOf(base, 'sweep-100', 'longpoll'));
  const { rows, verdict } = compareResults(base, current);
  assert.equal(row(rows, 'sweep-1000', 'longpoll', 'state')?.verdict, 'improved');
  assert.equal(verdict, 'pass');
});

test('changed parameters and new scenarios are warnings', () => {
  const base = loadFixture();
  const current = loadFixture();
  current.scenarios[0]!.params.clients = 200;
  current.scenarios.push({ ...structuredClone(current.scenarios[1]!), id: 'brand-new' });
  const { warnings } = compareResults(base, current);
  assert.deepEqual(warnings, [
    'scenario header-overhead: parameters differ between base and current (clients 100 → 200); the comparison may not be like for like',
    'scenario brand-new is new in current and has no baseline',
  ]);
});

test('parseThreshold accepts metric=percent and a trailing %', () => {
  assert.deepEqual(parseThreshold('latencyMs.p99=30'), { metric: 'latencyMs.p99', percent: 30 });
  assert.deepEqual(parseThreshold('bitsPerSecond=12.5%'), { metric: 'bitsPerSecond', percent: 12.5 });
  assert.throws(() => parseThreshold('latencyMs.p99'), /expected metric=percent/);
  assert.throws(() => parseThreshold('latencyMs.p99=-1'), /expected metric=percent with a number ≥ 0/);
});

test('several runs on both sides: noisy metrics compare intervals, not single values', () => {
  // chat / SSE p50 runs in the fixture: the first run × [1, 1.04, 0.97, 1.08, 0.95].
  const base = loadFixture();
  const baseSse = completedOf(base, 'chat', 'sse');
  const p50s = baseSse.runs!.map((r) => r.latencyMs.p50);
  const lo = Math.min(...p50s);
  const hi = Math.max(...p50s);

  // Overlapping intervals, the median 3 ms (+1,200%) worse: one run reaching into the base interval keeps it a pass.
  const overlapping = loadFixture();
  completedOf(overlapping, 'chat', 'sse').runs!.forEach((r, i) => {
    r.latencyMs.p50 = i === 0 ? hi : 3 + i;
  });
  const a = row(compareResults(base, overlapping).rows, 'chat', 'sse', 'latencyMs.p50');
  assert.equal(a?.verdict, 'pass');
  assert.equal(a?.tolerance, '+50% and +2 ms, intervals apart');
  assert.deepEqual(a?.baseRange, [lo, hi]);

  // Every current run above the base interval and the median +2 ms and +50% worse: a regression.
  const apart = loadFixture();
  completedOf(apart, 'chat', 'sse').runs!.forEach((r, i) => {
    r.latencyMs.p50 = 10 + i;
  });
  const b = row(compareResults(base, apart).rows, 'chat', 'sse', 'latencyMs.p50');
  assert.equal(b?.verdict, 'regression');
  assert.equal(b?.current, 12, 'median of 10..14');

  // Bytes stay exact even with runs: 220.2 → 223.2 B (+1.4%, +3 B) fails whatever the spread.
  const bytes = loadFixture();
  completedOf(bytes, 'chat', 'sse').perMessage.totalBytes += 3;
  assert.equal(row(compareResults(base, bytes).rows, 'chat', 'sse', 'perMessage.totalBytes')?.verdict, 'regression');
});
