/** The terminal summary shows the numbers of results.json, failures included. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { renderScenarioTable, renderSummary } from '../../reports/terminal.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;

test('each technique row carries its bytes per message and p99 from the results', () => {
  const table = renderScenarioTable(fixture.scenarios[0]!);
  assert.match(table, /^polling\s+\S+\s+\d+\s+798\.0\s/m);
  assert.match(table, /^websocket\s+\S+\s+\d+\s+58\.0\s/m);
  assert.match(table, /^polling(\s+\S+){5}\s+491 ms\s+989 ms\s+1,000\.45\s+3,000 from 30 messages\s/m, 'p50, p99, max, then n and messages');
});

test('a p99 of fewer than 100 samples is "—" with the reason under the table', () => {
  const scenario = structuredClone(fixture.scenarios[0]!);
  const ws = scenario.results.websocket!;
  assert.equal(ws.state, 'completed');
  if (ws.state === 'completed') Object.assign(ws.latencyMs, { count: 40, messages: 1 });
  const table = renderScenarioTable(scenario);
  assert.match(table, /^websocket(\s+\S+){5}\s+0\.203 ms\s+—\s+0\.70\s+40 from 1 message\s/m);
  assert.match(table, /websocket: p99 needs ≥ 100 samples, has 40, so it is not shown\./);
});

test('with several runs: median [interval] per noisy metric, unstable flagged, wall time printed', () => {
  const chat = renderScenarioTable(fixture.scenarios.find((s) => s.id === 'chat')!);
  // polling p50 runs: the first run (247 ms) × [1, 1.04, 0.97, 1.08, 0.95] → median 247, min 235 (×0.95), max 267 (×1.08)
  assert.match(chat, /^polling(\s+\S+){5}\s+247 ms \[235–267 ms\]/m);
  assert.match(chat, /0\.8% \[0\.6–1%\] unstable/);
  assert.match(chat, /polling: server CPU is unstable over 5 runs/);
  assert.match(chat, /5 runs, each n = 7,497 from 750 messages/);
  assert.match(renderSummary(fixture), /Session wall time: 96\.4 s/);
});

test('a failed technique shows its reason instead of figures', () => {
  const sweep = fixture.scenarios.find((s) => s.id === 'sweep-1000')!;
  assert.match(renderScenarioTable(sweep), /^longpoll\s+failed: server process exited with code 1: EMFILE: too many open files/m);
});

test('capacity and micro-benchmarks are summarised when present', () => {
  const text = renderSummary(fixture);
  assert.ok(text.includes('Capacity (3 load processes, 100 connections, 1000 ms warm-up, 3 rounds of 10000 ms): the server answered 41,230 polls/s (median; rounds 40,950, 41,230, 41,500)'), text);
  assert.ok(text.includes('  event loop: server 0.987, busiest load process 0.430: the server was the limit'));
  assert.ok(text.includes('  server CPU per poll at 2,000 polls/s (open loop): 40.0 µs; one core then serves 6,250 clients at 250 ms, 25,000 clients at 1000 ms, 125,000 clients at 5000 ms'));
  assert.match(text, /poll every 1000 ms -> at most [\d,]+ clients/);
  assert.match(text, /Per-message server work \(tinybench\):\n {2}polling/);
});

test('the floor row sits under the techniques, with the publisher lateness column and the latency split', () => {
  const table = renderScenarioTable(fixture.scenarios[0]!);
  assert.match(table, /^floor \(bare ws\)\s+3000\/3000\s+0\s+58\.0\s/m);
  assert.match(table, /late p99 ms/);
  // websocket's p99 lateness in the fixture: 0.040 ms of 30 messages, too few for a p99: a dash.
  assert.match(table, /^websocket\s.*messages\s+—\s/m);
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
  const manyTable = renderScenarioTable(many);
  assert.match(manyTable, /^websocket\s.*messages\s+0\.040\s/m);
  assert.ok(manyTable.includes("the fan-out's queue ms = server fan-out + clients' mean arrival behind the first (two overlapping parts of the transit; the model adds them, too high with many clients): websocket 0.125 + 0.063"), manyTable);
  assert.doesNotMatch(table, /fan-out's queue/, 'a file without the queue figures has no such line');
  assert.ok(table.includes('latency mean ms = publisher lateness + transit: polling 492.082 = 0.022 + 492.060;'), table);
  assert.ok(table.includes('floor (bare ws) 0.225 = 0.022 + 0.203'), table);
  // No floor in chat (there is none to measure), and no split line without publisher figures.
  const chat = fixture.scenarios.find((s) => s.id === 'chat')!;
  assert.doesNotMatch(renderScenarioTable(chat), /^floor/m);
  const old = structuredClone(fixture.scenarios[0]!);
  delete old.floor;
  for (const r of Object.values(old.results)) if (r.state === 'completed') delete r.publisher;
  const text = renderScenarioTable(old);
  assert.doesNotMatch(text, /publisher lateness \+ transit/);
  assert.match(text, /^websocket\s.*messages\s+-\s/m, 'a file without publisher figures shows a dash');
});

test('a probe that did not saturate the server says so; a file of the autocannon probe still renders', () => {
  const unsaturated = structuredClone(fixture);
  unsaturated.capacity = { ...unsaturated.capacity!, saturated: false, maxLoadEventLoopUtilization: 0.99 };
  assert.match(renderSummary(unsaturated), /busiest load process 0\.990: NOT a saturated server \(a load process or the machine was the limit\): the figure is a lower bound/);
  const old = structuredClone(fixture);
  const { url, connections, durationMs, requestsPerSecond, latencyMsP99, maxClientsByInterval } = old.capacity!;
  old.capacity = { url, connections, durationMs, requestsPerSecond, latencyMsP99, maxClientsByInterval };
  assert.match(renderSummary(old), /Capacity \(autocannon, 100 connections, 10000 ms\): \/poll sustains 41,230 req\/s/);
});
