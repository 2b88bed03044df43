import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCharts, type ChartSpec, TITLE_LINE_CHARS, wrapTitle } from '../../reports/charts.ts';
import { CURVE_PERCENTILES, percentileLabel } from '../../reports/histogram.ts';
import { FIXTURE_TECHNIQUES as TECHNIQUES } from '../fixtures/make-fixture.ts';
import { completedOf, loadFixture } from './helpers.ts';

const fixture = loadFixture();
const charts = buildCharts(fixture);

function chart(id: string): ChartSpec {
  const spec = charts.find((c) => c.id === id);
  assert.ok(spec, `chart ${id} exists (have: ${charts.map((c) => c.id).join(', ')})`);
  return spec;
}

function dataset(id: string, label: string): Array<number | null> {
  const found = chart(id).config.data.datasets.find((d) => d.label === label);
  assert.ok(found, `dataset ${label} in ${id}`);
  return found.data as Array<number | null>;
}

test('ids are unique and file-safe, and every config survives JSON (no functions)', () => {
  const ids = charts.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9-]+$/);
  for (const spec of charts) assert.deepEqual(JSON.parse(JSON.stringify(spec.config)), spec.config);
  assert.deepEqual(
    charts.filter((c) => c.scenarioId === null).map((c) => c.id),
    ['sweep-bandwidth', 'sweep-cpu', 'sweep-memory'],
  );
});

test('bytes per message: payload and overhead are the fixture numbers', () => {
  assert.deepEqual(chart('header-overhead-bytes').config.data.labels, ['Short polling', 'Long polling', 'Server-Sent Events', 'WebSocket']);
  assert.deepEqual(dataset('header-overhead-bytes', 'Payload (message JSON)'), [56, 56, 56, 56]);
  assert.deepEqual(dataset('header-overhead-bytes', 'Overhead (headers, framing, setup)'), [742, 745, 24, 2]);
  assert.equal(chart('header-overhead-bytes').config.options?.scales?.y?.stacked, true);
});

test('latency percentiles are the fixture summaries', () => {
  for (const key of ['p50', 'p90', 'p99', 'max'] as const) {
    const expected = TECHNIQUES.map((t) => completedOf(fixture, 'sparse', t).latencyMs[key]);
    assert.deepEqual(dataset('sparse-latency', key), expected);
  }
  assert.deepEqual(dataset('header-overhead-latency', 'p99'), [989.183, 1.625, 0.611, 0.453]);
});

test('the latency distribution is decoded from the histogram and meets the summaries', () => {
  const labels = CURVE_PERCENTILES.map(percentileLabel);
  assert.deepEqual(chart('chat-latency-distribution').config.data.labels, labels);
  for (const [t, label] of [
    ['polling', 'Short polling'],
    ['websocket', 'WebSocket'],
  ] as const) {
    const data = dataset('chat-latency-distribution', label);
    const summary = completedOf(fixture, 'chat', t).latencyMs;
    assert.equal(data[labels.indexOf('min')], summary.min);
    assert.equal(data[labels.indexOf('p50')], summary.p50);
    assert.equal(data[labels.indexOf('p99')], summary.p99);
    assert.equal(data[labels.indexOf('max')], summary.max);
  }
});

test('a failed technique is a labelled empty slot, never a silent gap', () => {
  assert.equal(chart('sweep-1000-bytes').config.data.labels?.[1], 'Long polling (failed)');
  assert.deepEqual(dataset('sweep-1000-bytes', 'Overhead (headers, framing, setup)'), [297.4, null, 24, 4]);
  assert.deepEqual(dataset('sweep-1000-latency-distribution', 'Long polling (failed)'), []);
  assert.deepEqual(dataset('sweep-bandwidth', 'Long polling (failed at 1,000 clients)'), [0.708, 7.08, null]);
});

test('empty polls: only request/response techniques, share in percent', () => {
  assert.deepEqual(chart('sparse-empty-polls').config.data.labels, ['Short polling', 'Long polling']);
  assert.deepEqual(dataset('sparse-empty-polls', 'Responses without a message'), [80, 0]);
});

test('chat charts bytes up and down per message', () => {
  const polling = completedOf(fixture, 'chat', 'polling').perMessage;
  assert.deepEqual(
    dataset('chat-up-down', 'Up: overhead'),
    TECHNIQUES.map((t) => completedOf(fixture, 'chat', t).perMessage.upOverheadBytes),
  );
  assert.equal(dataset('chat-up-down', 'Down: overhead')[0], polling.downOverheadBytes);
  assert.equal(dataset('chat-up-down', 'Down: payload')[0], polling.downBytes - polling.downOverheadBytes);
  assert.equal(
    charts.some((c) => c.id === 'sparse-up-down'),
    false,
    'broadcast scenarios have no up/down chart',
  );
});

test('group charts plot bandwidth, CPU and memory against client count', () => {
  assert.deepEqual(chart('sweep-bandwidth').config.data.labels, ['10', '100', '1,000']);
  assert.deepEqual(dataset('sweep-bandwidth', 'Short polling'), [349_920 / 1e6, 3_499_200 / 1e6, 34_992_000 / 1e6]);
  assert.deepEqual(dataset('sweep-cpu', 'WebSocket'), [0.4, 0.7, 3.5]);
  assert.deepEqual(dataset('sweep-memory', 'Short polling'), [3100, 3100, 3100]);
});

test('a long chart title is broken after its last colon, else at spaces, into lines of at most 80 characters; a short one stays one line', () => {
  assert.equal(wrapTitle('Header overhead: bytes per delivered message'), 'Header overhead: bytes per delivered message');
  assert.deepEqual(wrapTitle('Broadcast: 4 clients, 1 msg/s, 64 B payload: bytes per message on each wire, by part'), [
    'Broadcast: 4 clients, 1 msg/s, 64 B payload:',
    'bytes per message on each wire, by part',
  ]);
  const long = 'Header overhead, browser headers, HTTP/2 over TLS, bytes per message on each wire, by part, with setup left out';
  const lines = wrapTitle(long);
  assert.deepEqual(lines, [
    'Header overhead, browser headers, HTTP/2 over TLS, bytes per message on each',
    'wire, by part, with setup left out',
  ]);
  assert.equal((lines as string[]).join(' '), long);
  assert.deepEqual(wrapTitle(`${'a'.repeat(90)} b`, 80), ['a'.repeat(90), 'b']);
  for (const spec of charts) {
    const text = spec.config.options?.plugins?.title?.text;
    for (const line of Array.isArray(text) ? text : [text]) assert.ok(String(line).length <= TITLE_LINE_CHARS, `${spec.id}: ${line}`);
  }
});
