/** Charts show their evidence: n in the caption, intervals over runs, no percentile of too few samples, no empty chart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCharts, emptyPollsSentence } from '../../reports/charts.ts';
import { spreadOf } from '../../core/spread.ts';
import { completedOf, loadFixture } from './helpers.ts';

const fixture = loadFixture();

test('latency charts say n and messages per technique in their caption', () => {
  const spec = buildCharts(fixture).find((c) => c.id === 'header-overhead-latency')!;
  assert.match(spec.caption, /^Short polling: n = 3,000 from 30 messages; Long polling: n = 3,000 from 30 messages; /);
  assert.doesNotMatch(spec.caption, /interval/, 'one run: no interval to draw');
});

test('with runs, p50 and p99 get a floating bar from the interval low to high', () => {
  const spec = buildCharts(fixture).find((c) => c.id === 'chat-latency')!;
  const interval = spec.config.data.datasets.find((d) => d.label === 'p50, 95% interval over runs');
  assert.ok(interval, 'interval dataset present');
  const polling = completedOf(fixture, 'chat', 'polling');
  const s = spreadOf(polling.runs!.map((r) => r.latencyMs.p50));
  assert.deepEqual(interval.data[0], [s.low, s.high]);
  assert.match(spec.caption, /95% interval of p50 and p99 over 5 runs/);
});

test('a p99 of fewer than 100 samples is not drawn and the caption says why', () => {
  const results = structuredClone(fixture);
  const ws = results.scenarios[0]!.results.websocket!;
  if (ws.state === 'completed') Object.assign(ws.latencyMs, { count: 50, messages: 1 });
  const spec = buildCharts(results).find((c) => c.id === 'header-overhead-latency')!;
  const p99 = spec.config.data.datasets.find((d) => d.label === 'p99')!;
  assert.equal(p99.data[3], null);
  assert.notEqual(p99.data[0], null);
  assert.match(spec.caption, /WebSocket: n = 50 from 1 message \(p99 not drawn: too few samples\)/);
});

test('an empty-responses chart where every technique is at 0% becomes one sentence', () => {
  const charts = buildCharts(fixture);
  assert.equal(
    charts.some((c) => c.id === 'header-overhead-empty-polls'),
    false,
  );
  assert.equal(
    charts.some((c) => c.id === 'sparse-empty-polls'),
    true,
    'sparse has 80% empty polls: drawn',
  );
  assert.match(emptyPollsSentence(fixture.scenarios[0]!) ?? '', /^No request came back empty: Short polling and Long polling/);
  assert.equal(emptyPollsSentence(fixture.scenarios.find((s) => s.id === 'sparse')!), null);
});

test('sweep CPU: with runs, a pale band from the interval low to high per technique; bandwidth (exact) gets none', () => {
  const results = structuredClone(fixture);
  const cpus = [
    [10, 14, 12],
    [20, 26, 22],
    [30, 31, 35],
  ];
  for (const [i, id] of ['sweep-10', 'sweep-100', 'sweep-1000'].entries()) {
    const r = results.scenarios.find((s) => s.id === id)!.results.websocket!;
    if (r.state !== 'completed') continue;
    const summary = {
      latencyMs: { p50: 1, p99: 2, mean: 1, count: 1000, messages: 10 },
      rssBytes: null,
      perMessageTotalBytes: 100,
      delivered: 1000,
      lost: 0,
    };
    r.runs = cpus[i]!.map((cpuPercent) => ({ ...summary, cpuPercent }));
  }
  const charts = buildCharts(results);
  const cpu = charts.find((c) => c.id === 'sweep-cpu')!;
  const low = cpu.config.data.datasets.find((d) => d.label === 'WebSocket, 95% interval (low edge)')!;
  const high = cpu.config.data.datasets.find((d) => d.label === 'WebSocket, 95% interval')!;
  // Three runs: the interval is min–max.
  assert.deepEqual(low.data, [10, 20, 30]);
  assert.deepEqual(high.data, [14, 26, 35]);
  assert.equal((high as { fill?: unknown }).fill, '-1');
  assert.match(cpu.caption, /95% interval over 3 runs/);
  const bandwidth = charts.find((c) => c.id === 'sweep-bandwidth')!;
  assert.equal(
    bandwidth.config.data.datasets.some((d) => String(d.label).includes('interval')),
    false,
  );
  // One run: no band and no word of one.
  const single = buildCharts(fixture).find((c) => c.id === 'sweep-cpu')!;
  assert.equal(
    single.config.data.datasets.some((d) => String(d.label).includes('interval')),
    false,
  );
  assert.equal(single.caption, '');
});
