/**
 * The committed CI baseline (bench/baseline/results.json) is what `pushbench compare` checks a
 * pull request's quick bench against: a scenario or technique missing from it is compared with
 * nothing, so a regression there would pass CI unseen. Refresh it with the README's command.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parseRunArgs } from '../../cli/options.ts';
import { TECHNIQUES } from '../../core/protocol.ts';
import { validateResults } from '../../core/results-validate.ts';
import { measuresFloor } from '../../run/runner.ts';
import { suiteScenarios } from '../../run/scenarios.ts';

const BASELINE = new URL('../../bench/baseline/results.json', import.meta.url);

test('the CI baseline holds a completed result for every technique of every scenario `npm run bench -- --quick` runs', () => {
  const baseline = validateResults(JSON.parse(fs.readFileSync(BASELINE, 'utf8')) as unknown, 'bench/baseline/results.json');
  const specs = suiteScenarios(parseRunArgs(['--quick']));
  assert.deepEqual(
    specs.flatMap((spec) => spec.techniques).filter((t, i, all) => all.indexOf(t) === i),
    [...TECHNIQUES],
    'the quick bench runs every technique',
  );
  assert.deepEqual(
    baseline.scenarios.map((s) => s.id),
    specs.map((s) => s.id),
    'the same scenarios, in order',
  );
  for (const spec of specs) {
    const scenario = baseline.scenarios.find((s) => s.id === spec.id)!;
    for (const technique of spec.techniques) {
      const result = scenario.results[technique];
      assert.equal(
        result?.state,
        'completed',
        `${spec.id}/${technique}: refresh the baseline (npm run bench -- --quick --out bench/baseline)`,
      );
      // A baseline that lost messages was measured on a machine too busy to stand for the code: re-measure it.
      if (result.state === 'completed') assert.equal(result.messages.lost, 0, `${spec.id}/${technique}: the baseline lost messages`);
    }
    assert.equal(scenario.floor?.state === 'completed', measuresFloor(spec.params, spec.target, spec.floor), `${spec.id}: the floor`);
  }
});
