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
  assert.match(table, /^polling(\s+\S+){5}\s+[\d,.]+\s+989\.18\s/m, 'p99 in ms, two decimals');
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
