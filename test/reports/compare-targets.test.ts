/**
 * compare matches results by target and technique: a scenario's id names its target
 * (`header-overhead@nchan`), so a run on Nchan is compared with Nchan's baseline, a regression on
 * one target is named with it, and a run on another server than its baseline's has nothing in common.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile, Scenario } from '../../core/results.ts';
import { compareResults, CompareInputError } from '../../reports/compare.ts';
import { loadFixture, scenarioOf } from './helpers.ts';

/** The fixture's header-overhead scenario on builtin and on nchan. */
function onTwoTargets(): ResultsFile {
  const results = loadFixture();
  results.scenarios = [scenarioOf(results, 'header-overhead')];
  const builtin = results.scenarios[0]!;
  builtin.target = { name: 'builtin', kind: 'builtin', file: null, description: "pushbench's own servers", server: 'started' };
  const nchan: Scenario = structuredClone(builtin);
  nchan.id = 'header-overhead@nchan';
  nchan.target = { name: 'nchan', kind: 'file', file: 'targets/nchan/target.json', description: 'nginx + Nchan', server: 'started' };
  results.scenarios.push(nchan);
  return results;
}

test("each target is compared with its own baseline: a regression on nchan is named as nchan's", () => {
  const base = onTwoTargets();
  const current = onTwoTargets();
  const long = scenarioOf(current, 'header-overhead@nchan').results.longpoll!;
  assert.equal(long.state, 'completed');
  if (long.state === 'completed') long.perMessage.totalBytes += 100;
  const comparison = compareResults(base, current);
  assert.equal(comparison.verdict, 'regression');
  assert.deepEqual(
    comparison.regressions.map((r) => [r.scenarioId, r.technique, r.metric]),
    [['header-overhead@nchan', 'longpoll', 'perMessage.totalBytes']],
    'the builtin scenario, unchanged, passes',
  );
});

test("a run on another server than the baseline's shares no scenario with it", () => {
  const base = onTwoTargets();
  base.scenarios = base.scenarios.filter((s) => s.id.endsWith('@nchan'));
  const current = onTwoTargets();
  current.scenarios = current.scenarios.filter((s) => !s.id.endsWith('@nchan'));
  assert.throws(
    () => compareResults(base, current),
    (error: Error) =>
      error instanceof CompareInputError &&
      error.message === 'BASE and CURRENT have no scenario in common (BASE: header-overhead@nchan; CURRENT: header-overhead)',
  );
});

test('one id measured on two targets is flagged', () => {
  const base = onTwoTargets();
  const current = onTwoTargets();
  scenarioOf(current, 'header-overhead').target!.name = 'url';
  assert.ok(
    compareResults(base, current).warnings.includes(
      'scenario header-overhead: measured on target builtin in base and on url in current; the comparison is not like for like',
    ),
  );
});
