import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { escapeHtml } from '../../core/html.ts';
import { renderAll } from '../../reports/index.ts';
import { completedOf, loadFixture, rowCells, sectionById } from './helpers.ts';

let fixture: ResultsFile;
let html = '';

before(async () => {
  fixture = loadFixture();
  const [file] = await renderAll(fixture, ['html']);
  assert.equal(file?.file, 'report.html');
  html = String(file?.content);
});

test('the key-figures row shows the fixture numbers of header-overhead / websocket', () => {
  const ws = completedOf(fixture, 'header-overhead', 'websocket');
  // The expected strings below are the fixture's numbers; these guard against the fixture drifting.
  assert.equal(ws.perMessage.totalBytes, 58);
  assert.equal(ws.latencyMs.p99, 0.453);
  const section = sectionById(html, 'scenario-header-overhead');
  assert.deepEqual(rowCells(section, 'WebSocket'), ['58 B', '56 B', '2 B', '0 B', '58 B', '—', '46.4 kbit/s']);
  const second = section.slice(section.indexOf('<caption>Latency, delivery and server cost'));
  assert.deepEqual(rowCells(second, 'WebSocket'), [
    '0.203 ms',
    '0.453 ms',
    '0.699 ms',
    'n = 3,000 from 30 messages',
    '3,000 of 3,000',
    '0',
    '0',
    '0.4%',
    '9.40 kB',
    'yes',
  ]);
});

test('empty polls, losses and client errors show the fixture numbers', () => {
  assert.equal(completedOf(fixture, 'sparse', 'polling').requests?.empty, 2400);
  const sparse = rowCells(sectionById(html, 'scenario-sparse'), 'Short polling');
  assert.equal(sparse[0], '3,846 B');
  assert.equal(sparse[5], '80%');
  const chatSection = sectionById(html, 'scenario-chat');
  const chat = rowCells(chatSection.slice(chatSection.indexOf('<caption>Latency, delivery')), 'Short polling');
  assert.deepEqual(chat.slice(3, 7), ['5 runs, each n = 7,497 from 750 messages', '7,497 of 7,500', '3', '3']);
  // Five runs: median [interval] for p50 and CPU, and the unstable CPU named under the table.
  assert.equal(chat[0], '247 ms [235–267 ms]');
  assert.equal(chat[7], '0.8% [0.6–1%] unstable');
  assert.match(chatSection, /<li>Short polling: server CPU is unstable over 5 runs \(coefficient of variation 25%, above 10%\)\.<\/li>/);
  assert.match(chatSection, /<td class="num bad">3<\/td>/);
});

test('a failed technique is a visible row with its error, in its scenario and in the group table', () => {
  const section = sectionById(html, 'scenario-sweep-1000');
  assert.match(
    section,
    /<tr class="failed"><th scope="row">Long polling<\/th><td colspan="\d+">failed: server process exited with code 1: EMFILE: too many open files<\/td><\/tr>/,
  );
  assert.match(
    sectionById(html, 'group-sweep'),
    /<td class="bad">failed: server process exited with code 1: EMFILE: too many open files<\/td>/,
  );
});

test('measured versus model shows both figures, the gap and the formula', () => {
  const section = sectionById(html, 'scenario-header-overhead');
  const model = section.slice(section.indexOf('<table class="model"'));
  const cells = rowCells(model, 'Short polling');
  assert.deepEqual(cells, ['798 B', '795 B', '+3 B (+0.4%)', '492 ms', '500 ms', '-7.92 ms (-1.6%)']);
  const formula = escapeHtml(completedOf(fixture, 'header-overhead', 'polling').model!.formula);
  assert.ok(model.includes(`<tr class="formula"><td></td><td colspan="6">Model: ${formula}</td></tr>`));
});

test('the extrapolation table scales the measured per-client figures and shows the 2010 figures', () => {
  const section = sectionById(html, 'extrapolation');
  assert.match(section, /Extrapolated from the measured per-client figure/);
  assert.deepEqual(rowCells(section, 'WebSocket'), ['58 B/s', '0.464', '4.64', '46.4']);
  assert.deepEqual(rowCells(section, 'Short polling'), ['798 B/s', '6.38', '63.8', '638']);
  assert.deepEqual(rowCells(section, 'Polling every second, 871 bytes of HTTP headers per request and response'), [
    '871 B/s',
    '6.6',
    '66',
    '665',
  ]);
  assert.deepEqual(rowCells(section, 'WebSocket frames, 2 bytes of framing per message'), ['2 B/s', '0.015', '0.153', '1.526']);
});

test('header profiles are shown verbatim, with the environment and the reproduce command', () => {
  for (const [name, value] of fixture.headerProfiles.browser ?? []) {
    assert.ok(html.includes(`<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(value)}</td></tr>`), `header ${name}`);
  }
  assert.ok(html.includes(`<pre><code>${escapeHtml(fixture.command)}</code></pre>`));
  assert.ok(html.includes(escapeHtml(fixture.environment.cpuModel)));
  assert.ok(html.includes(fixture.environment.gitCommit ?? 'missing'));
});

test('conclusions are computed from the numbers', () => {
  const section = sectionById(html, 'scenario-header-overhead');
  assert.ok(section.includes('WebSocket is the cheapest per delivered message: 58 B up and down, 14× less than Long polling (801 B).'));
  assert.ok(section.includes('WebSocket has the lowest p99 latency: 0.453 ms, 2,184× lower than Short polling (989 ms).'));
  assert.ok(sectionById(html, 'scenario-chat').includes('Short polling lost 3 of 7,500 expected messages (0.04%).'));
});

test('the page is self-contained: chart.js inlined, one JSON block, nothing loaded by URL', () => {
  assert.ok(html.length > 150_000, 'chart.js is inlined');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.doesNotMatch(html, /<(script|img|iframe|audio|video|source)\b[^>]*\bsrc=/i);
  assert.doesNotMatch(html, /<link\b[^>]*href="(?!data:)/i);
  assert.doesNotMatch(html, /sourceMappingURL/);
  assert.equal(html.match(/<script type="application\/json"/g)?.length, 1);
  assert.equal(html.match(/<svg class="sequence"/g)?.length, 4);
  // 4 charts per scenario, 5 for chat (up/down), 3 for the sweep group, less the empty-responses
  // chart of the five scenarios where every request-based technique is at 0% (sparse keeps it), and
  // the verdict's copy of the headline scenario's bytes chart.
  assert.equal(html.match(/<canvas /g)?.length, 4 * 5 + 5 + 3 - 5 + 1);
  assert.match(
    sectionById(html, 'scenario-chat'),
    /<p class="no-chart">No request came back empty: Short polling and Long polling found a message in every response \(0%\), so there is no empty-responses chart\.<\/p>/,
  );
});

test('what the latency is made of: lateness and transit means, with the machine floor as its own row', () => {
  const section = sectionById(html, 'scenario-header-overhead');
  const parts = section.slice(section.indexOf('<caption>Mean latency = publisher lateness + transit'));
  // Mean latency, lateness mean, transit mean, server fan-out and clients' arrival spread (not in
  // this older fixture: dashes), lateness p99 (30 messages, too few: a dash), lateness max, messages, latency p50, p99.
  assert.deepEqual(rowCells(parts, 'WebSocket'), [
    '0.223 ms',
    '0.018 ms',
    '0.205 ms',
    '—',
    '—',
    '—',
    '0.040 ms',
    '30',
    '0.203 ms',
    '0.453 ms',
  ]);
  assert.deepEqual(rowCells(parts, 'Floor (bare ws)').slice(0, 3), ['0.225 ms', '0.022 ms', '0.203 ms']);
  assert.match(
    section,
    /The row <strong>Floor \(bare ws\)<\/strong> is the machine&#39;s floor|The row <strong>Floor \(bare ws\)<\/strong> is the machine's floor/,
  );
  assert.match(
    section,
    /its busy-wait cost 0.03% of a core here \(left out of the server CPU figures\) and the wait kept the server&#39;s event loop from other work 0.2% of the window|its busy-wait cost 0.03% of a core here \(left out of the server CPU figures\) and the wait kept the server's event loop from other work 0.2% of the window/,
  );
  // Chat publishes from the clients: no floor, no busy-wait.
  const chat = sectionById(html, 'scenario-chat');
  assert.match(chat, /each client publishes on its own timer \(no precise wait there\)/);
  assert.doesNotMatch(chat, /Floor \(bare ws\)/);
});

test("capacity: the rounds with both sides' event loops, the verdict, and the server's CPU per poll", () => {
  const section = sectionById(html, 'capacity');
  assert.match(section, /counted by the server itself: it answered a median of <strong>41,230 polls\/s<\/strong>/);
  assert.match(section, /the server, not the load tool, was the limit/);
  assert.match(
    section,
    /<tr><td class="num">2<\/td><td class="num">41,230<\/td><td class="num">23.7 µs<\/td><td class="num">0.987<\/td><td class="num">0.42, 0.4, 0.41<\/td><\/tr>/,
  );
  assert.match(section, /<strong>40 µs of CPU per poll<\/strong>/);
  assert.match(section, /<tr><td class="num">1,000 ms<\/td><td class="num">25,000<\/td><\/tr>/);
});
