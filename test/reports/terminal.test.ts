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
  assert.match(text, /\/poll sustains 41,230 req\/s/);
  assert.match(text, /poll every 1000 ms -> at most [\d,]+ clients/);
  assert.match(text, /Per-message server work \(tinybench\):\n {2}polling/);
});
