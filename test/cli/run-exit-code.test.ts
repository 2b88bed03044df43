/**
 * The exit code of a finished run, from its results: a loss is not a pass (4), a failed technique
 * is 1, an interrupted run 130, and only a run where every technique completed without loss is 0.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { runExitCode } from '../../cli/execute.ts';
import { EXIT } from '../../cli/exit-codes.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;

function clean(): ResultsFile {
  const results = structuredClone(fixture);
  results.state = 'completed';
  for (const scenario of results.scenarios) {
    for (const [id, r] of Object.entries(scenario.results)) {
      if (r?.state !== 'completed') delete scenario.results[id as keyof typeof scenario.results];
      else {
        r.messages.lost = 0;
        r.messages.delivered = r.messages.expected;
      }
    }
  }
  return results;
}

test('every technique completed, nothing lost: 0', () => {
  assert.equal(runExitCode(clean()), EXIT.ok);
});

test('one message lost in one technique: 4, the documented exit code for delivered < expected', () => {
  const results = clean();
  const r = Object.values(results.scenarios[0]!.results).find((x) => x?.state === 'completed');
  assert.ok(r !== undefined && r.state === 'completed');
  r.messages.delivered -= 1;
  r.messages.lost = 1;
  assert.equal(EXIT.messagesLost, 4);
  assert.equal(runExitCode(results), 4);
});

test('a failed technique outranks a loss (1); an interrupted run is 130', () => {
  const results = clean();
  results.state = 'failed';
  assert.equal(runExitCode(results), EXIT.failed);
  results.state = 'interrupted';
  assert.equal(runExitCode(results), EXIT.interrupted);
});
