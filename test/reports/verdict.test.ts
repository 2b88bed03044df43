/** The verdict: computed from the findings, first in report.html with its chart, escaped like everything else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml } from '../../core/html.ts';
import { buildCharts } from '../../reports/charts.ts';
import { renderHtml } from '../../reports/html.ts';
import { scenarioVerdict, verdictLine } from '../../reports/verdict.ts';
import { HOSTILE, hostileFixture, loadFixture, scenarioOf } from './helpers.ts';

const fixture = loadFixture();
const page = (results = fixture) => renderHtml(results, { charts: buildCharts(results), chartJsSource: '' });

/** The part of `html` from `<section id="id">` to its closing tag (sections here do not nest themselves). */
function section(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert.ok(start >= 0, `no section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

test('report.html leads with the verdict, then the contents and the scenarios, then the method and the lessons', () => {
  const html = page();
  const at = (marker: string) => {
    const i = html.indexOf(marker);
    assert.ok(i >= 0, marker);
    return i;
  };
  const order = [
    '<header>',
    '<section id="verdict">',
    '<nav aria-label="Contents">',
    '<section id="scenarios">',
    '<section id="capacity">',
    '<section id="intro">',
    '<section id="techniques">',
    '<footer>',
  ].map(at);
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );
  const contents = html.slice(at('<nav'), html.indexOf('</nav>'));
  assert.ok(
    contents.indexOf('href="#verdict"') < contents.indexOf('href="#scenario-') &&
      contents.indexOf('href="#scenario-') < contents.indexOf('href="#intro"'),
  );
});

test("the verdict table names each scenario's winners and factors, as computed by hand", () => {
  const verdict = section(page(), 'verdict');
  // Header overhead: 801 / 58 = 13.8 (shown 14×); 989.183 / 0.453 = 2,184×; CPU 0.4% (sse and websocket) against 0.9%: 2.3×.
  assert.ok(
    verdict.includes(
      '<td><strong>WebSocket</strong>, 14× fewer bytes than Long polling</td><td><strong>WebSocket</strong>, 2,184× lower than Short polling</td><td><strong>Server-Sent Events = WebSocket</strong>, 2.3× less than Long polling</td>',
    ),
    verdict,
  );
  assert.match(verdict, /In “Header overhead, one small message a second”: WebSocket is the cheapest per delivered message/);
  assert.match(verdict, /WebSocket is within 5% of it\./, 'a tie is said in the sentence too');
});

test("the verdict carries the headline scenario's bytes chart under an id of its own, drawn from the chart JSON", () => {
  const html = page();
  const verdict = section(html, 'verdict');
  assert.match(verdict, /<canvas id="chart-verdict-header-overhead-bytes"/);
  assert.match(html, /"id":"verdict-header-overhead-bytes"/);
  const ids = [...html.matchAll(/<canvas id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'every canvas id once');
});

test('no winner where the evidence does not allow one; a scenario with one completed technique says so', () => {
  const results = structuredClone(fixture);
  const chat = scenarioOf(results, 'chat');
  for (const r of Object.values(chat.results))
    if (r.state === 'completed') r.runs = r.runs!.map((run, i) => ({ ...run, latencyMs: { ...run.latencyMs, p99: i + 1 } }));
  const latency = scenarioVerdict(chat).parts.find((p) => p.criterion === 'latency')!;
  assert.equal(latency.winner, null);
  assert.equal(latency.short, 'no winner (intervals overlap)');
  const sweep = scenarioOf(results, 'sweep-1000');
  for (const t of ['polling', 'sse'] as const) sweep.results[t] = { state: 'failed', error: 'EMFILE' };
  assert.equal(verdictLine(scenarioVerdict(sweep)), 'verdict: only websocket completed: nothing to compare');
  assert.match(section(page(results), 'verdict'), /<td colspan="3" class="muted">only websocket completed: nothing to compare<\/td>/);
});

test('every string in the verdict stays escaped', () => {
  const html = page(hostileFixture());
  const verdict = section(html, 'verdict');
  assert.ok(verdict.includes(escapeHtml(HOSTILE)), 'the hostile title is there, escaped');
  assert.doesNotMatch(verdict, /<script|<!--/);
  assert.equal(html.match(/<script\b/gi)?.length, 3);
});
