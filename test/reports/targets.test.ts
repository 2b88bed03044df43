/**
 * Stacks side by side: the same scenario on two targets becomes one comparison, in the terminal
 * summary, summary.md and report.html; its figures and findings are computed from the numbers
 * (checked by hand here), and a server's response head is shown verbatim but escaped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile, Scenario } from '../../core/results.ts';
import { buildCharts } from '../../reports/charts.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { baseScenarioId, comparisonFindings, comparisonLines, headBytes, targetComparisons } from '../../reports/targets.ts';
import { renderSummary } from '../../reports/terminal.ts';
import { formatByteSize } from '../../reports/format.ts';
import { completedOf, HOSTILE, loadFixture, scenarioOf } from './helpers.ts';

const NCHAN_HEAD = 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 98';

/** The fixture's header-overhead scenario on builtin, and a copy of it "on nchan" with its long poll and WebSocket figures changed. */
function twoTargets(): ResultsFile {
  const results = loadFixture();
  const builtin = scenarioOf(results, 'header-overhead');
  builtin.target = { name: 'builtin', kind: 'builtin', file: null, description: "pushbench's own servers", server: 'started' };
  const nchan: Scenario = structuredClone(builtin);
  nchan.id = 'header-overhead@nchan';
  nchan.group = 'header-overhead@nchan';
  nchan.title = `${builtin.title}, on nchan`;
  nchan.target = { name: 'nchan', kind: 'file', file: 'targets/nchan/target.json', description: 'nginx + Nchan', server: 'started' };
  for (const id of Object.keys(nchan.results))
    if (id !== 'longpoll' && id !== 'websocket') delete nchan.results[id as keyof typeof nchan.results];
  const long = nchan.results.longpoll!;
  assert.equal(long.state, 'completed');
  if (long.state === 'completed') {
    long.perMessage = { ...long.perMessage, totalBytes: 900, overheadBytes: 800 };
    long.latencyMs = { ...long.latencyMs, p50: 3 };
    long.server = { ...long.server!, cpuPercent: 0.5, eventLoopUtilization: null, lateTicks: null, source: 'proc' };
    long.responseHead = NCHAN_HEAD;
    long.model = null;
  }
  const builtinLong = builtin.results.longpoll!;
  if (builtinLong.state === 'completed') builtinLong.responseHead = 'HTTP/1.1 200 OK\r\nContent-Length: 98';
  results.scenarios.push(nchan);
  return results;
}

test('scenarios of one base id on two targets make one comparison; others make none', () => {
  const results = twoTargets();
  assert.equal(baseScenarioId(scenarioOf(results, 'header-overhead@nchan')), 'header-overhead');
  const comparisons = targetComparisons(results);
  assert.equal(comparisons.length, 1);
  const [c] = comparisons;
  assert.equal(c!.baseId, 'header-overhead');
  assert.deepEqual(
    c!.targets.map((t) => t.name),
    ['builtin', 'nchan'],
  );
  assert.equal(targetComparisons(loadFixture()).length, 0, 'a single target compares nothing');
});

test('every technique on every target is a line; one the target does not offer says so', () => {
  const [c] = targetComparisons(twoTargets());
  const lines = comparisonLines(c!);
  const polling = lines.filter((l) => l.technique === 'Short polling');
  assert.deepEqual(
    polling.map((l) => [l.target, l.delivered]),
    [
      [
        'builtin',
        `${completedOf(loadFixture(), 'header-overhead', 'polling').messages.delivered}/${completedOf(loadFixture(), 'header-overhead', 'polling').messages.expected}`,
      ],
      ['nchan', 'not offered'],
    ],
  );
  const nchanLong = lines.find((l) => l.technique === 'Long polling' && l.target === 'nchan')!;
  // 900 B per message, 800 of it overhead: 100 B of payload; the head is its bytes plus the blank line that ends it.
  assert.deepEqual(
    [nchanLong.bytesPerMessage, nchanLong.payload, nchanLong.overhead, nchanLong.head, nchanLong.cpu],
    ['900 B', '100 B', '800 B', `${headBytes(NCHAN_HEAD)} B`, '0.5%'],
  );
  assert.equal(headBytes(NCHAN_HEAD), NCHAN_HEAD.length + 4);
});

test('the findings name the dearer target, the head sizes, the overhead gap, the p50 range and the CPU ratio', () => {
  const [c] = targetComparisons(twoTargets());
  // The fixture's builtin long poll: 801 B per message, 745 B of it overhead, p50 0.68 ms, CPU 0.9%.
  // nchan: 900 B, 800 B overhead (55 B more), p50 3 ms, CPU 0.5% (0.9 / 0.5 = 1.8x); heads of 61 B and 39 B.
  assert.equal(
    comparisonFindings(c!).find((f) => f.startsWith('Long polling')),
    'Long polling: nchan costs 900 B per message, builtin 801 B; their response heads are 61 B and 39 B; 55 B of overhead per message more on nchan (headers per response, the envelope around the message and its escaping, framing); p50 0.680 ms on builtin to 3.00 ms on nchan; server CPU 0.9% on builtin against 0.5% on nchan (1.8×).',
  );
});

test('terminal, summary.md and report.html each show the comparison; a hostile head is escaped', () => {
  const results = twoTargets();
  const nchanLong = scenarioOf(results, 'header-overhead@nchan').results.longpoll!;
  if (nchanLong.state === 'completed') {
    nchanLong.responseHead = `HTTP/1.1 200 OK\r\nX-Evil: ${HOSTILE}`;
    nchanLong.publisher = {
      side: 'process',
      latenessMs: { ...nchanLong.latencyMs, max: 0.75 },
      busyWaitCpuPercent: 0,
      sent: 10,
      accepted: 9,
      refused: 1,
      roundTripMs: { ...nchanLong.latencyMs, p50: 1.25, p99: 4.5 },
    };
  }
  const text = renderSummary(results, { verbose: true });
  assert.match(text, /Stacks side by side: .*\non builtin, nchan\n/);
  assert.ok(
    text.includes(
      'longpoll: pushbench published 9/10 accepted, publish round trip p50 1.25 ms, p99 4.50 ms, at most 0.75 ms behind schedule',
    ),
    'the publish round trip beside the latency',
  );
  const md = renderMarkdown(results, { charts: [] });
  assert.match(md, /## Stacks side by side: /);
  assert.match(md, /\| Long polling \| nchan \| /);
  assert.ok(!md.includes('<script>alert(1)'), 'the head is escaped in summary.md');
  const page = renderHtml(results, { charts: buildCharts(results), chartJsSource: '' });
  assert.match(page, /<section id="stacks">/);
  assert.match(page, /<a href="#stacks">Stacks side by side<\/a>/);
  assert.ok(page.includes('X-Evil: &lt;script&gt;alert(1)&lt;/script&gt;'), 'the head is shown, escaped');
  assert.ok(!page.includes('<script>alert(1)'));
  assert.match(page, /pushbench(&#39;|&#x27;|')s publisher \(the server does not publish by itself\)/);
});

test('a framework session: its envelope and heartbeats per message and its connect bytes per client, computed by hand', () => {
  const results = twoTargets();
  const long = scenarioOf(results, 'header-overhead@nchan').results.longpoll!;
  assert.equal(long.state, 'completed');
  if (long.state !== 'completed') return;
  long.messages = { ...long.messages, delivered: 100 };
  // 100 messages: 1,000 B of envelope (10 B each, Socket.IO's 42["msg",]) and 2 pings whose exchanges took 300 + 200 B.
  long.session = {
    protocol: 'engine.io',
    transport: 'engine.io polling',
    heartbeats: 2,
    heartbeatBytes: { up: 300, down: 200 },
    envelopeBytes: 1000,
    envelopeMessages: 100,
    connect: {
      clients: 4,
      steps: [
        { name: 'polling: handshake GET (0 open)', up: 400, down: 1200 },
        { name: 'polling: POST 40 (namespace connect)', up: 800, down: 700 },
      ],
    },
  };
  const [c] = targetComparisons(results);
  const line = comparisonLines(c!).find((l) => l.technique === 'Long polling' && l.target === 'nchan')!;
  assert.equal(line.framework, '15 B'); // (1000 + 300 + 200) / 100
  assert.equal(line.connect, '775 B'); // (400 + 1200 + 800 + 700) / 4
  assert.equal(comparisonLines(c!).find((l) => l.technique === 'Long polling' && l.target === 'builtin')!.framework, '—');
  assert.match(
    comparisonFindings(c!).join(' '),
    /on nchan \(engine\.io polling\) the framework adds 10 B of envelope and 5 B of heartbeats per message \(2 pings in the window\), and a client pays 775 B to connect/,
  );
});

test('the Redis hop: NAME-redis against NAME per technique, latency with its samples, CPU and RSS, computed by hand', () => {
  const results = loadFixture();
  const builtin = scenarioOf(results, 'header-overhead');
  const formOf = (name: string, p50: number, p99: number, count: number, cpuPercent: number, rssBytes: number): Scenario => {
    const scenario: Scenario = structuredClone(builtin);
    scenario.id = `header-overhead@${name}`;
    scenario.group = scenario.id;
    scenario.title = `${builtin.title}, on ${name}`;
    scenario.target = { name, kind: 'file', file: `targets/${name}/target.json`, description: name, server: 'started' };
    for (const id of Object.keys(scenario.results)) if (id !== 'websocket') delete scenario.results[id as keyof typeof scenario.results];
    const ws = scenario.results.websocket!;
    assert.equal(ws.state, 'completed');
    if (ws.state === 'completed') {
      ws.latencyMs = { ...ws.latencyMs, p50, p99, count };
      ws.server = { ...ws.server!, cpuPercent, rssBytes, eventLoopUtilization: null, lateTicks: null, source: 'proc' };
    }
    return scenario;
  };
  results.scenarios.push(formOf('django-channels', 1.5, 6, 1000, 4, 40e6), formOf('django-channels-redis', 2.75, 9.5, 1000, 10, 100e6));
  const [c] = targetComparisons(results);
  // p50 2.75 - 1.5 = +1.25 ms, p99 9.5 - 6 = +3.5 ms; CPU 10 / 4 = 2.5x. builtin has no Redis form: no sentence for it.
  const hops = comparisonFindings(c!).filter((f) => f.startsWith('The Redis hop'));
  assert.deepEqual(hops, [
    `The Redis hop, WebSocket: django-channels-redis against django-channels; p50 2.75 ms against 1.50 ms (+1.25 ms), p99 9.50 ms against 6.00 ms (+3.50 ms) (n = 1,000 and 1,000); server CPU 10% against 4% (2.5×); RSS ${formatByteSize(100e6)} against ${formatByteSize(40e6)}.`,
  ]);
  // Too few samples for a p99 on one side: named, not printed.
  const single = results.scenarios.at(-2)!.results.websocket!;
  if (single.state === 'completed') single.latencyMs = { ...single.latencyMs, count: 50 };
  assert.match(comparisonFindings(targetComparisons(results)[0]!).at(-1)!, /p99 not compared \(too few samples\) \(n = 1,000 and 50\)/);
  assert.match(renderMarkdown(results, { charts: [] }), /The Redis hop, WebSocket: django-channels-redis against django-channels/);
});
