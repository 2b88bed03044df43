import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, PUSHBENCH_ERROR_CODES, PushbenchError, ResultsFileError, RunStepError, ServerCrashedError, WriteError } from '../../core/errors.ts';
import { EXIT, exitCodeFor, reportError } from '../../cli/exit-codes.ts';

test('bad input exits 2, a write failure 3, an interruption 130, a failure 1', () => {
  assert.equal(exitCodeFor(new ConfigError('invalid --rate')), 2);
  assert.equal(exitCodeFor(new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', 'x')), 2);
  assert.equal(exitCodeFor(new ResultsFileError('PUSHBENCH_RESULTS_UNREADABLE', 'x')), 2);
  assert.equal(exitCodeFor(new WriteError('/x', 'x')), 3);
  assert.equal(exitCodeFor(new PushbenchError('PUSHBENCH_INTERRUPTED', 'x')), 130);
  assert.equal(exitCodeFor(new ServerCrashedError('x')), 1);
  assert.equal(exitCodeFor(new RunStepError('x')), 1);
  assert.equal(exitCodeFor(new Error('a bug')), 1);
  assert.equal(exitCodeFor('not even an error'), 1);
});

test('every code has an exit code from the EXIT table', () => {
  const allowed = new Set<number>(Object.values(EXIT));
  for (const code of PUSHBENCH_ERROR_CODES) assert.ok(allowed.has(exitCodeFor(new PushbenchError(code, 'x'))), code);
});

test('reportError prints "prefix: message" and returns the exit code; any other error is rethrown', () => {
  const written: string[] = [];
  assert.equal(reportError('pushbench run', new ConfigError('invalid --rate: received "0"; expected a number > 0'), (t) => written.push(t)), 2);
  assert.deepEqual(written, ['pushbench run: invalid --rate: received "0"; expected a number > 0\n']);
  const bug = new TypeError('x is undefined');
  assert.throws(() => reportError('pushbench run', bug, () => {}), (e: unknown) => e === bug);
});
