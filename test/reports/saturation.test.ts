/** A technique that ran out of capacity is called saturated, with the figures that show it. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { CompletedResult, ResultsFile } from '../../core/results.ts';
import { saturationFindings, scenarioConclusions } from '../../reports/conclusions.ts';
import { renderScenarioTable } from '../../reports/terminal.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;

test('late polls and a busy event loop make a saturation finding; a healthy run makes none', () => {
  const scenario = structuredClone(fixture.scenarios[0]!);
  assert.deepEqual(saturationFindings([{ technique: 'polling', result: scenario.results.polling as CompletedResult }]), []);
  const polling = scenario.results.polling as CompletedResult;
  polling.requests = { total: 1000, empty: 800, late: 600 };
  polling.server = { ...polling.server!, eventLoopUtilization: 0.995 };
  const [finding] = saturationFindings([{ technique: 'polling', result: polling }]);
  assert.equal(finding?.kind, 'saturation');
  assert.match(
    finding!.text,
    /^Short polling is saturated here: 600 of 1,000 requests went out later than scheduled; the server's event loop was busy 99\.5% of the window\./,
  );
  assert.ok(
    scenarioConclusions(scenario).findings.some((f) => f.kind === 'saturation'),
    'the report shows it',
  );
  assert.match(renderScenarioTable(scenario), /\n! Short polling is saturated here/, 'the terminal summary shows it');
});

test('a single late publish is timer noise, not saturation', () => {
  const scenario = structuredClone(fixture.scenarios[0]!);
  const ws = scenario.results.websocket as CompletedResult;
  ws.server = { ...ws.server!, lateTicks: 1 };
  ws.messages = { ...ws.messages, published: 1 };
  assert.deepEqual(saturationFindings([{ technique: 'websocket', result: ws }]), []);
  ws.server = { ...ws.server, lateTicks: 40 };
  ws.messages = { ...ws.messages, published: 100 };
  assert.match(saturationFindings([{ technique: 'websocket', result: ws }])[0]!.text, /40 messages were published more than 2 ms late/);
});
