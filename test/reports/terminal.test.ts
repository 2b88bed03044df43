/** The terminal summary shows the numbers of results.json, failures included, in 120 columns. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { kernelUnconfirmedLabel, renderScenarioTable, renderSummary, TERMINAL_WIDTH, wrap } from '../../reports/terminal.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;
const VERBOSE = { verbose: true };

/** The widest line of a text, in characters (what a terminal's columns count). */
function widest(text: string): number {
  return Math.max(...text.split('\n').map((line) => [...line].length));
}

/** Whitespace runs folded to one space: wrapped lines compared as the sentence they are. */
function folded(text: string): string {
  return text.replace(/\s+/g, ' ');
}

test('each technique row carries delivered/lost, B/msg (overhead), p50, p99 and their n/messages, CPU, mem/conn, bytes mark', () => {
  const table = renderScenarioTable(fixture.scenarios[0]!);
  assert.match(table, /^polling\s+3000\/3000\s+0\s+798\.0 \(742\.0\)\s+491\s+989\s+3,000\/30\s+0\.8\s+3\.0 KiB\s+ok$/m);
  assert.match(table, /^websocket\s+3000\/3000\s+0\s+58\.0 \(2\.0\)\s+0\.203\s+0\.453\s+3,000\/30\s+0\.4\s+9\.2 KiB\s+ok$/m);
  assert.match(table, /^technique\s+delivered\s+lost\s+B\/msg \(overhead\)\s+p50 ms\s+p99 ms\s+n\/msgs\s+CPU %\s+mem\/conn\s+bytes$/m);
});

test('the default output of the fixture fits 120 columns; the old one was 254 wide', () => {
  assert.equal(TERMINAL_WIDTH, 120);
  const text = renderSummary(fixture);
  assert.ok(widest(text) <= 120, `widest line ${widest(text)}:\n${text}`);
});

test('a failed technique with a long error neither widens the table nor a line: its row is cut, the error wrapped below', () => {
  const sweep = structuredClone(fixture.scenarios.find((s) => s.id === 'sweep-1000')!);
  const error = `server process exited with code 1: EMFILE: too many open files ${'at /very/long/path/to/a/module.js:12:34 '.repeat(12)}`;
  sweep.results.longpoll = { state: 'failed', error };
  const text = renderScenarioTable(sweep);
  assert.ok(widest(text) <= 120, `widest line ${widest(text)}:\n${text}`);
  const header = text.split('\n').find((line) => line.startsWith('technique'))!;
  const row = text.split('\n').find((line) => line.startsWith('longpoll'))!;
  assert.ok(row.length <= header.length, 'the failed row is no wider than the header');
  assert.match(row, /^longpoll\s+failed: server process exited with code 1: EMFILE.*…$/);
  // The columns are as wide as without the long error.
  assert.equal(
    header,
    renderScenarioTable(fixture.scenarios.find((s) => s.id === 'sweep-1000')!)
      .split('\n')
      .find((line) => line.startsWith('technique')),
  );
  assert.ok(folded(text).includes(folded(`longpoll failed: ${error}`).trim()), 'the whole error is printed below the table');
});

test('a failed row on the stacks table does not stretch it either', () => {
  const results = structuredClone(fixture);
  const base = results.scenarios[0]!;
  const other = structuredClone(base);
  other.id = `${base.id}@nchan`;
  other.target = { name: 'nchan', kind: 'file', file: 'targets/nchan/target.json', description: 'nginx + Nchan', server: 'started' };
  other.results.sse = { state: 'failed', error: `the target refused a subscription: ${'x'.repeat(300)}` };
  results.scenarios = [base, other];
  const text = renderSummary(results);
  assert.match(text, /Stacks side by side/);
  assert.ok(widest(text) <= 120, `widest line ${widest(text)}:\n${text}`);
  assert.ok(folded(text).includes(`Server-Sent Events on nchan: failed: the target refused a subscription: ${'x'.repeat(50)}`), text);
});

test('the verdict line names the winners computed by hand from the fixture', () => {
  // Header overhead: websocket 58.0 B/msg against longpoll's 801.0 (801 / 58 = 13.8, shown 14x);
  // p99 websocket 0.453 ms against polling's 989.183 (2,183.6x); CPU sse and websocket 0.4% each
  // (a tie: both named) against longpoll's 0.9% (2.25, shown 2.3x).
  const table = renderScenarioTable(fixture.scenarios[0]!);
  assert.match(
    table,
    /^verdict: bytes websocket 14x below longpoll; p99 websocket 2,184x below polling; CPU sse=websocket 2\.3x below longpoll$/m,
  );
  // Chat, 5 runs: p99 medians websocket 0.467 against polling 495.103 (1,060x), the min–max intervals apart.
  const chat = renderScenarioTable(fixture.scenarios.find((s) => s.id === 'chat')!);
  assert.match(
    chat,
    /^verdict: bytes websocket 7\.5x below longpoll; p99 websocket 1,060x below polling; CPU sse=websocket 3x below longpoll$/m,
  );
});

test('the verdict names no winner where the intervals overlap or the samples are too few', () => {
  const chat = structuredClone(fixture.scenarios.find((s) => s.id === 'chat')!);
  // Every technique's p99 runs spread over 1–5 ms: the intervals of the lowest and the highest median overlap.
  for (const r of Object.values(chat.results))
    if (r.state === 'completed') r.runs = r.runs!.map((run, i) => ({ ...run, latencyMs: { ...run.latencyMs, p99: i + 1 } }));
  assert.match(renderScenarioTable(chat), /^verdict: .*p99 no winner \(intervals overlap\);/m);
  const thin = structuredClone(fixture.scenarios[0]!);
  for (const r of Object.values(thin.results)) if (r.state === 'completed') Object.assign(r.latencyMs, { count: 40, messages: 1 });
  assert.match(renderScenarioTable(thin), /^verdict: .*p99 too few samples to compare;/m);
});

test('byte counts that disagree are marked NO in the table and keep bytes out of the verdict', () => {
  const scenario = structuredClone(fixture.scenarios[0]!);
  const ws = scenario.results.websocket!;
  if (ws.state === 'completed') ws.agreement = { agree: false, serverUp: 1, serverDown: 2, clientUp: 1, clientDown: 3 };
  const text = renderScenarioTable(scenario);
  assert.match(text, /^websocket\s.*\s+NO$/m);
  assert.match(text, /^verdict: bytes suspect;/m);
  assert.match(text, /^! Server and client byte counts disagree for WebSocket/m);
});

test('a p99 of fewer than 100 samples is "—"; the reason is a --verbose note', () => {
  const scenario = structuredClone(fixture.scenarios[0]!);
  const ws = scenario.results.websocket!;
  assert.equal(ws.state, 'completed');
  if (ws.state === 'completed') Object.assign(ws.latencyMs, { count: 40, messages: 1 });
  assert.match(renderScenarioTable(scenario), /^websocket(\s+\S+){4}\s+0\.203\s+—\s+40\/1\s/m);
  assert.doesNotMatch(renderScenarioTable(scenario), /p99 needs/);
  assert.match(renderScenarioTable(scenario, VERBOSE), /websocket: p99 needs ≥ 100 samples, has 40, so it is not shown\./);
});

test('with several runs: median ±the interval, unstable marked, the reason under --verbose, wall time printed', () => {
  const chatScenario = fixture.scenarios.find((s) => s.id === 'chat')!;
  const chat = renderScenarioTable(chatScenario);
  // polling p50 runs: 247 ms × [1, 1.04, 0.97, 1.08, 0.95] → median 247, interval 235–267: the wider side 20 / 247 = 8%.
  assert.match(chat, /^polling(\s+\S+){4}\s+247 ±8%\s+495 ±8%\s+5×7,497\/750\s+0\.8 ±25%\*\s/m);
  assert.match(chat, /5 runs per technique: median ±the interval's wider side, \* unstable/);
  assert.match(renderScenarioTable(chatScenario, VERBOSE), /polling: server CPU is unstable over 5 runs/);
  assert.match(renderSummary(fixture), /Session wall time: 96\.4 s/);
});

test('--verbose adds the detail columns and the latency decomposition; the default has neither', () => {
  const compact = renderScenarioTable(fixture.scenarios[0]!);
  const verbose = renderScenarioTable(fixture.scenarios[0]!, VERBOSE);
  for (const text of [
    /model B\/msg/,
    /late p99 ms/,
    /latency mean ms = publisher lateness \+ transit/,
    /late p99 = the publisher's lateness/,
    /floor \(bare ws\): the textbook ws broadcast/,
  ]) {
    assert.doesNotMatch(compact, text);
    assert.match(verbose, text);
  }
  assert.ok(verbose.startsWith(compact), 'verbose is the compact output and more');
  assert.match(
    verbose,
    /^polling\s+795\.0\s+1,000\.45\s+—\s+638\.4\s+0\.0%\s+yes$/m,
    'model B/msg, max ms, late p99, kbit/s, empty polls, bytes agree',
  );
});

test('the floor row sits under the techniques; --verbose has the publisher lateness column and the latency split', () => {
  const table = renderScenarioTable(fixture.scenarios[0]!, VERBOSE);
  assert.match(table, /^floor \(bare ws\)\s+3000\/3000\s+0\s+58\.0 \(2\.0\)\s/m);
  // websocket's p99 lateness in the fixture: 0.040 ms of 30 messages, too few for a p99: a dash.
  assert.match(table, /^websocket\s+58\.0\s+0\.70\s+—\s/m);
  assert.match(table, /late p99 = the publisher's lateness against each due time, — below 100 messages/);
  // With 150 messages behind it the p99 is a number (three decimals), and the fan-out's queue has its line.
  const many = structuredClone(fixture.scenarios[0]!);
  const ws = many.results.websocket!;
  assert.equal(ws.state, 'completed');
  if (ws.state === 'completed') {
    ws.publisher!.latenessMs.count = 150;
    ws.publisher!.fanOutMs = { ...ws.publisher!.latenessMs, mean: 0.125 };
    ws.arrivalSpreadMs = 0.0625;
  }
  const manyTable = renderScenarioTable(many, VERBOSE);
  assert.match(manyTable, /^websocket\s+58\.0\s+0\.70\s+0\.040\s/m);
  assert.ok(
    manyTable.includes(
      "the fan-out's queue ms = server fan-out + clients' mean arrival behind the first (two overlapping parts of the transit; the model adds them, too high with many clients): websocket 0.125 + 0.063",
    ),
    manyTable,
  );
  assert.doesNotMatch(table, /fan-out's queue/, 'a file without the queue figures has no such line');
  assert.ok(table.includes('latency mean ms = publisher lateness + transit: polling 492.082 = 0.022 + 492.060;'), table);
  assert.ok(table.includes('floor (bare ws) 0.225 = 0.022 + 0.203'), table);
  // No floor in chat (there is none to measure), and no split line without publisher figures.
  const chat = fixture.scenarios.find((s) => s.id === 'chat')!;
  assert.doesNotMatch(renderScenarioTable(chat, VERBOSE), /^floor/m);
  const old = structuredClone(fixture.scenarios[0]!);
  delete old.floor;
  for (const r of Object.values(old.results)) if (r.state === 'completed') delete r.publisher;
  const text = renderScenarioTable(old, VERBOSE);
  assert.doesNotMatch(text, /publisher lateness \+ transit/);
  assert.match(text, /^websocket\s+58\.0\s+0\.70\s+-\s/m, 'a file without publisher figures shows a dash');
});

test("a scenario that reuses another one's measurement is named, not printed a second time", () => {
  const results = structuredClone(fixture);
  const header = results.scenarios[0]!;
  // What the suite writes: sweep-100 is the header-overhead run (sameAs), under its own id, group and title.
  const sweepPoint = { ...structuredClone(header), id: 'sweep-100', group: 'sweep', title: 'Client sweep: 100 clients' };
  results.scenarios.splice(1, 0, sweepPoint);
  const text = renderSummary(results);
  assert.equal(text.split('\n').filter((line) => line.startsWith('polling          3000/3000')).length, 1, text);
  assert.equal((text.match(/^verdict: /gm) ?? []).length, fixture.scenarios.length);
  assert.match(
    text,
    /^Client sweep: 100 clients\nthe same measurement as "Header overhead, one small message a second" above \(same parameters, measured once\)$/m,
  );
  // Different results are printed, even with equal parameters.
  const different = structuredClone(results);
  const polling = different.scenarios[1]!.results.polling!;
  if (polling.state === 'completed') polling.messages.lost = 1;
  assert.equal((renderSummary(different).match(/^verdict: /gm) ?? []).length, fixture.scenarios.length + 1);
});

test('wrap breaks long text at spaces within the width and keeps the indentation', () => {
  const line = `  ${'word '.repeat(40).trim()}`;
  const wrapped = wrap(line, 30);
  assert.ok(
    wrapped.split('\n').every((l) => l.length <= 30),
    wrapped,
  );
  assert.ok(
    wrapped
      .split('\n')
      .slice(1)
      .every((l) => l.startsWith('    word')),
    wrapped,
  );
  assert.equal(folded(wrapped).trim(), folded(line).trim());
});

test('capacity and micro-benchmarks are summarised when present', () => {
  const text = folded(renderSummary(fixture));
  assert.ok(
    text.includes(
      'Capacity on http (HTTP/1.1), browser headers (3 load processes, 100 connections, 1000 ms warm-up, 3 rounds of 10000 ms): the server answered 41,230 polls/s (median; rounds 40,950, 41,230, 41,500)',
    ),
    text,
  );
  assert.ok(text.includes(' event loop: server 0.987, busiest load process 0.430: the server was the limit'));
  assert.ok(
    text.includes(
      ' server CPU per poll at 2,000 polls/s (open loop): 40.0 µs; one core then serves 6,250 clients at 250 ms, 25,000 clients at 1000 ms, 125,000 clients at 5000 ms',
    ),
  );
  assert.match(text, /poll every 1000 ms -> at most [\d,]+ clients/);
  assert.match(renderSummary(fixture), /Per-message server work \(tinybench\):\n {2}polling/);
});

test('a probe that did not saturate the server says so; a file of the autocannon probe still renders', () => {
  const unsaturated = structuredClone(fixture);
  unsaturated.capacity = { ...unsaturated.capacity!, saturated: false, maxLoadEventLoopUtilization: 0.99 };
  assert.match(
    folded(renderSummary(unsaturated)),
    /busiest load process 0\.990: NOT a saturated server \(a load process or the machine was the limit\): the figure is a lower bound/,
  );
  const old = structuredClone(fixture);
  const { url, connections, durationMs, requestsPerSecond, latencyMsP99, maxClientsByInterval } = old.capacity!;
  old.capacity = { url, connections, durationMs, requestsPerSecond, latencyMsP99, maxClientsByInterval };
  assert.match(
    renderSummary(old),
    /Capacity on http \(HTTP\/1\.1\) \(autocannon, 100 connections, 10000 ms\): \/poll sustains 41,230 req\/s/,
  );
});

test("the kernel's count that cannot confirm the clients' says why: bytes still moving, or sockets closed", () => {
  assert.equal(kernelUnconfirmedLabel({ unconfirmed: 'not-quiet' }), 'n/a (bytes still moving)');
  assert.equal(kernelUnconfirmedLabel({ unconfirmed: 'sockets-closed' }), 'n/a (sockets closed)');
});
