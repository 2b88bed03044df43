/** The busiest generator's event loop past GENERATOR_ELU_WARN is a warning: the figures are then partly the tool's. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENERATOR_ELU_WARN, type CompletedResult } from '../../core/results.ts';
import { saturationFindings } from '../../reports/conclusions.ts';
import { loadFixture } from './helpers.ts';

function websocketResult(busiest: number | undefined): CompletedResult {
  const scenario = loadFixture().scenarios.find((s) => s.id === 'header-overhead')!;
  const result = structuredClone(scenario.results.websocket) as CompletedResult;
  if (busiest === undefined) delete result.generatorEventLoop;
  else result.generatorEventLoop = { busiest, processes: [0.1, busiest] };
  return result;
}

test(`a generator busier than ${GENERATOR_ELU_WARN * 100}% of the window is flagged, naming its share; at the threshold or without the figure, nothing`, () => {
  const busy = saturationFindings([{ technique: 'websocket', result: websocketResult(0.93) }]);
  assert.equal(busy.length, 1);
  assert.match(
    busy[0]!.text,
    /the busiest load generator's event loop was busy 93(\.0)?% of the window \(over 80(\.0)?%: the figures are partly the generator's, not the server's; add --generators\)/,
  );
  assert.equal(saturationFindings([{ technique: 'websocket', result: websocketResult(GENERATOR_ELU_WARN) }]).length, 0);
  assert.equal(saturationFindings([{ technique: 'websocket', result: websocketResult(undefined) }]).length, 0);
});
