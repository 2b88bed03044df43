/**
 * Wires side by side (reports/wires.ts): the fixture's header-overhead scenario copied onto h2
 * with byte parts set by hand, then the rows, the lesson's numbers and both renderings checked
 * against values worked out here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletedResult, ResultsFile, Scenario } from '../../core/results.ts';
import { formatBytes } from '../../reports/format.ts';
import { buildCharts } from '../../reports/charts.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { wireComparisons, wireLesson, wirePartsNote, wireTableLine } from '../../reports/wires.ts';
import { loadFixture, scenarioOf } from './helpers.ts';

/** The fixture with its header-overhead scenario measured again on h2: polling 240 B and WebSocket 131 B per message, split by hand. */
function withH2(): ResultsFile {
  const results = loadFixture();
  const http = scenarioOf(results, 'header-overhead');
  const h2: Scenario = structuredClone(http);
  h2.id = 'header-overhead-h2';
  h2.title = `${http.title}, over HTTP/2 + TLS`;
  h2.params = { ...h2.params, wire: 'h2' };
  const set = (technique: 'polling' | 'websocket', total: number, parts: { tls: number; h2: number; headers: number }): void => {
    const result = h2.results[technique] as CompletedResult;
    const payload = result.perMessage.totalBytes - result.perMessage.overheadBytes;
    result.perMessage = { ...result.perMessage, totalBytes: total, overheadBytes: total - payload };
    result.wireParts = {
      perMessage: {
        payloadBytes: payload,
        tlsBytes: parts.tls,
        h2FramingBytes: parts.h2,
        headerBlockBytes: parts.headers,
        httpBytes: total - payload - parts.tls - parts.h2 - parts.headers,
      },
      window: {
        tlsRecordsUp: 0,
        tlsRecordsDown: 0,
        h2FramesUp: 0,
        h2FramesDown: 0,
        h2HeaderBlockBytesUp: 0,
        h2HeaderBlockBytesDown: 0,
        h2ControlBytes: 0,
        h2DataBytes: 0,
      },
      setupPerConnection: { connections: 10, tlsBytes: 1800, tlsTicketBytes: 574, h2Bytes: 94 },
    };
  };
  const pollingPayload = (() => {
    const r = http.results.polling as CompletedResult;
    return r.perMessage.totalBytes - r.perMessage.overheadBytes;
  })();
  const wsPayload = (() => {
    const r = http.results.websocket as CompletedResult;
    return r.perMessage.totalBytes - r.perMessage.overheadBytes;
  })();
  set('polling', pollingPayload + 66 + 36 + 39 + 2, { tls: 66, h2: 36, headers: 39 });
  set('websocket', wsPayload + 22 + 9 + 2, { tls: 22, h2: 9, headers: 0 });
  results.scenarios.splice(1, 0, h2);
  return results;
}

test('a scenario on two wires is one comparison, a row per technique and wire, parts adding up to the bytes per message', () => {
  const comparisons = wireComparisons(withH2());
  assert.equal(comparisons.length, 1);
  const [comparison] = comparisons;
  assert.deepEqual(comparison!.wires, ['http', 'h2']);
  assert.equal(comparison!.baseId, 'header-overhead');
  const polling = comparison!.rows.filter((r) => r.technique === 'polling');
  assert.deepEqual(
    polling.map((r) => r.wire),
    ['http', 'h2'],
  );
  for (const row of comparison!.rows) {
    const sum = Object.values(row.parts).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - row.totalBytes) < 1e-9, `${row.technique} on ${row.wire}`);
  }
  const h2Polling = polling[1]!;
  assert.deepEqual(
    { tls: h2Polling.parts.tls, h2: h2Polling.parts.h2Framing, headers: h2Polling.parts.headers, http: h2Polling.parts.http },
    { tls: 66, h2: 36, headers: 39, http: 2 },
  );
  assert.equal(h2Polling.setupTlsBytes, 1800);
  assert.equal(h2Polling.setupH2Bytes, 94);
  // On http nothing is TLS or HTTP/2: all overhead is HTTP's.
  assert.equal(polling[0]!.parts.tls + polling[0]!.parts.h2Framing + polling[0]!.parts.headers, 0);
});

test('the lesson says in numbers whether header waste survives HTTP/2, what TLS costs per message and what setup costs', () => {
  const results = withH2();
  const [comparison] = wireComparisons(results);
  const http = scenarioOf(results, 'header-overhead').results.polling as CompletedResult;
  const lesson = wireLesson(comparison!).join('\n');
  // Polling's heads on HTTP/1.1 are its overhead; on h2, HPACK + frame headers + body framing = 39 + 36 + 2 = 77 B.
  assert.match(lesson, /over HTTP\/2 \+ TLS \(39 B HPACK \+ 36 B frame headers \+ 2 B body framing\)/);
  // On HTTP/1.1 all of polling's overhead is heads and framing.
  assert.ok(
    lesson.includes(`Short polling spends ${formatBytes(http.perMessage.overheadBytes)} per message on heads and framing over HTTP/1.1`),
    lesson,
  );
  assert.match(lesson, /survives, smaller/);
  assert.match(lesson, /WebSocket 22 B on HTTP\/2 \+ TLS/);
  assert.match(lesson, /1,800 B of TLS 1\.3 handshake and session tickets plus 94 B of HTTP\/2 preface and SETTINGS/);
});

test('summary.md and report.html show the comparison, the stacked bar of each row and the lesson', () => {
  const results = withH2();
  const markdown = renderMarkdown(results, { charts: [] });
  assert.match(markdown, /## Wires side by side: /);
  assert.match(markdown, /\| Short polling \| HTTP\/2 \+ TLS \| [^|]+ \| [^|]+ \| 66 B \| 36 B \| 39 B \| 2 B \|/);
  const page = renderHtml(results, { charts: [], chartJsSource: '' });
  assert.match(page, /<section id="wires">/);
  assert.match(page, /<svg class="wire-bar"[^>]*><rect class="part-payload"/);
  assert.match(page, /<title>TLS records: 66 B<\/title>/);
});

test('a file with one wire has no comparison', () => {
  assert.deepEqual(wireComparisons(loadFixture()), []);
});

test('the PNG and report.html chart: one horizontal bar per technique and wire, stacked by the five parts', () => {
  const results = withH2();
  const chart = buildCharts(results).find((c) => c.kind === 'wire-bytes')!;
  assert.equal(chart.id, 'header-overhead-wires-bytes');
  const [comparison] = wireComparisons(results);
  assert.equal(chart.config.data.labels?.length, comparison!.rows.length);
  assert.deepEqual(
    chart.config.data.datasets.map((d) => d.label),
    ['payload', 'TLS records', 'HTTP/2 frames', 'HPACK headers', 'HTTP heads and framing'],
  );
  const row = comparison!.rows.findIndex((r) => r.technique === 'polling' && r.wire === 'h2');
  assert.deepEqual(
    chart.config.data.datasets.slice(1).map((d) => d.data[row]),
    [66, 36, 39, 2],
  );
  assert.match(
    renderHtml(results, { charts: [chart], chartJsSource: '' }),
    /<section class="wires"[\s\S]*<canvas id="chart-header-overhead-wires-bytes"/,
  );
});

test('setup per connection by part beside the bytes per message: the WebSocket handshake, and whether both ends agree', () => {
  const results = withH2();
  const h2 = scenarioOf(results, 'header-overhead-h2');
  const ws = h2.results.websocket as CompletedResult;
  const parts = ws.wireParts!;
  parts.setupPerConnection = { ...parts.setupPerConnection, upgradeBytes: 402 };
  const end = {
    up: {
      tlsRecords: 1,
      tlsOverheadBytes: 22,
      h2Frames: 1,
      h2FrameHeaderBytes: 9,
      h2HeaderBlockBytes: 0,
      h2ControlBytes: 0,
      h2DataBytes: 40,
    },
    down: {
      tlsRecords: 2,
      tlsOverheadBytes: 44,
      h2Frames: 2,
      h2FrameHeaderBytes: 18,
      h2HeaderBlockBytes: 0,
      h2ControlBytes: 0,
      h2DataBytes: 90,
    },
    setup: { connections: 1, tlsUp: 400, tlsDown: 1400, tlsTicketsDown: 574, h2Up: 60, h2Down: 34, upgradeUp: 368, upgradeDown: 34 },
  };
  parts.ends = { agree: true, differing: [], client: end, server: structuredClone(end) };
  const [comparison] = wireComparisons(results);
  const row = comparison!.rows.find((r) => r.technique === 'websocket' && r.wire === 'h2')!;
  assert.equal(row.setupUpgradeBytes, 402);
  assert.equal(row.endsAgree, true);
  assert.equal(wireTableLine(row).at(-1), 'TLS 1,800 B + HTTP/2 94 B + WebSocket handshake 402 B');
  const lesson = wireLesson(comparison!).join('\n');
  assert.match(lesson, /The WebSocket handshake per connection, counted: 402 B on HTTP\/2 \+ TLS/);
  assert.match(lesson, /agree on every part, each way, on the one row compared/);
  // --verbose: the bytes per message by part, then setup per connection by part, then both ends.
  assert.equal(
    wirePartsNote(ws),
    `bytes/msg payload ${formatBytes(parts.perMessage.payloadBytes)} + TLS 22 B + HTTP/2 frames 9 B + HPACK 0 B + HTTP 2 B; ` +
      'setup per connection (10) TCP 0 B (no payload) + TLS 1,800 B + HTTP/2 preface and SETTINGS 94 B + WebSocket handshake 402 B; server and clients agree on every part',
  );
  parts.ends = { agree: false, differing: ['down.h2Frames'], client: end, server: end };
  assert.match(wirePartsNote(ws)!, /server and clients differ on down\.h2Frames$/);
  assert.match(wireLesson(wireComparisons(results)[0]!).join('\n'), /differ between server and clients on WebSocket over HTTP\/2 \+ TLS/);
});
