/**
 * A compressed technique in the reports: its overhead is negative (the wire carries less than
 * the message JSON), which the bytes chart draws as the measured bar plus a pale "saved" top,
 * the lesson states as a saving, and the report and summary flag as the one fairness rule it
 * cannot keep (encode once), read from the technique's row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletedResult, ResultsFile } from '../../core/results.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { buildCharts } from '../../reports/charts.ts';
import { renderAll } from '../../reports/index.ts';
import { escapeHtml } from '../../core/html.ts';
import { completedOf, loadFixture, sectionById } from './helpers.ts';

const ID = 'websocket-deflate';

/** The fixture with a websocket-deflate result in the header-overhead scenario: 40 B per message for 56 B of JSON. */
function withDeflate(): ResultsFile {
  const results = loadFixture();
  const scenario = results.scenarios.find((s) => s.id === 'header-overhead')!;
  const plain = completedOf(results, 'header-overhead', 'websocket');
  const deflate: CompletedResult = structuredClone(plain);
  deflate.perMessage = { totalBytes: 40, overheadBytes: -16, upBytes: 0, downBytes: 40, upOverheadBytes: 0, downOverheadBytes: -16 };
  deflate.model = { ...deflate.model!, perMessage: { totalBytes: 40.5, overheadBytes: -15.5 } };
  scenario.results[ID] = deflate;
  return results;
}

test('the bytes chart draws the measured bytes and what compression saved, stacked', () => {
  const chart = buildCharts(withDeflate()).find((c) => c.id === 'header-overhead-bytes')!;
  const data = (label: string) => chart.config.data.datasets.find((d) => d.label === label)?.data;
  assert.deepEqual(chart.config.data.labels, ['Short polling', 'Long polling', 'Server-Sent Events', 'WebSocket', 'WebSocket + deflate']);
  assert.deepEqual(data('Payload (message JSON)'), [56, 56, 56, 56, 40]);
  assert.deepEqual(data('Overhead (headers, framing, setup)'), [742, 745, 24, 2, 0]);
  assert.deepEqual(data('Saved by compression (not on the wire)'), [0, 0, 0, 0, 16]);
  // Without a compressed technique there is no "saved" series at all.
  const plain = buildCharts(loadFixture()).find((c) => c.id === 'header-overhead-bytes')!;
  assert.equal(plain.config.data.datasets.length, 2);
});

test('report.html and summary.md name the fairness rule the technique breaks; the lesson states the saving', async () => {
  const files = await renderAll(withDeflate(), ['html', 'markdown']);
  const html = String(files.find((f) => f.file === 'report.html')?.content);
  const md = String(files.find((f) => f.file === 'summary.md')?.content);
  const breaks = TECHNIQUE_META[ID].breaks;
  assert.ok(breaks !== null);
  assert.ok(breaks.includes('encode once'));
  const intro = sectionById(html, 'intro');
  assert.ok(intro.includes('<h3>Rules of fairness</h3>'));
  assert.ok(
    intro.includes(`<p class="warning"><strong>WebSocket + deflate</strong> cannot keep one of these rules: ${escapeHtml(breaks)}.`),
  );
  assert.ok(md.includes('Fairness: **WebSocket + deflate** cannot keep one rule: encode once, write to every socket'));
  const lesson = sectionById(html, 'technique-websocket-deflate');
  assert.match(lesson, /<h3>WebSocket with permessage-deflate<\/h3>/);
  assert.ok(lesson.includes('16 B less than the message JSON it carries, framing included (measured)'));
  assert.ok(lesson.includes('<code>Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits</code>'));
  assert.equal(html.match(/<svg class="sequence"/g)?.length, 5);
  // A run without it has no such warning.
  const [plain] = await renderAll(loadFixture(), ['html']);
  assert.ok(!sectionById(String(plain?.content), 'intro').includes('class="warning"'));
});
