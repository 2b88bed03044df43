import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ConfigError,
  PUSHBENCH_ERROR_CODES,
  PushbenchError,
  ResultsFileError,
  RunStepError,
  ServerCrashedError,
  WriteError,
} from '../../core/errors.ts';
import { EXIT, exitCodeFor, reportError } from '../../cli/exit-codes.ts';
import { FIXTURE_PATH } from '../fixtures/make-fixture.ts';
import { runCli } from '../helpers/cli.ts';

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
  assert.equal(
    reportError('pushbench run', new ConfigError('invalid --rate: received "0"; expected a number > 0'), (t) => written.push(t)),
    2,
  );
  assert.deepEqual(written, ['pushbench run: invalid --rate: received "0"; expected a number > 0\n']);
  const bug = new TypeError('x is undefined');
  assert.throws(
    () => reportError('pushbench run', bug, () => {}),
    (e: unknown) => e === bug,
  );
});

/** The real `pushbench` process, so the exit code is the one a shell sees. */
describe('exit codes of the commands, as a shell sees them', () => {
  let dir = '';
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-exit-codes-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('compare --out into a folder: exit 3, the message names --out and the folder, no temporary file', async () => {
    const folder = path.join(dir, 'out-folder');
    fs.mkdirSync(folder);
    const result = await runCli(['compare', FIXTURE_PATH, FIXTURE_PATH, '--out', folder]);
    assert.equal(result.code, EXIT.writeFailed, result.stderr);
    assert.equal(
      result.stderr,
      `pushbench compare: cannot write --out ${JSON.stringify(folder)}: it is a folder; --out takes a file name, e.g. ${path.join(folder, 'compare.md')}\n`,
    );
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
    );
  });

  test('compare --out below a file (unwritable): exit 3, the reason in words', async () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const out = path.join(file, 'compare.md');
    const result = await runCli(['compare', FIXTURE_PATH, FIXTURE_PATH, '--out', out]);
    assert.equal(result.code, EXIT.writeFailed, result.stderr);
    assert.equal(
      result.stderr,
      `pushbench compare: cannot write --out ${JSON.stringify(out)}: a part of the path is a file, not a folder (ENOTDIR)\n`,
    );
  });

  test('report --out below a file: exit 3 like run, the reason in words', async () => {
    const file = path.join(dir, 'another-file');
    fs.writeFileSync(file, 'x');
    const out = path.join(file, 'reports');
    const result = await runCli(['report', FIXTURE_PATH, '--out', out]);
    assert.equal(result.code, EXIT.writeFailed, result.stderr);
    assert.equal(
      result.stderr,
      `pushbench report: could not write the reports to ${out}: a part of the path is a file, not a folder (ENOTDIR)\n`,
    );
  });

  test('run --target with more than an origin, or --allow-remote with nothing remote: exit 2 before anything starts', async () => {
    for (const [args, message] of [
      [
        ['--target', 'http://127.0.0.1:9\\@example.com'],
        /^pushbench run: invalid --target: received "http:\/\/127\.0\.0\.1:9\\\\@example\.com"; expected the origin of a pushbench server: .*; it has the path "\/@example\.com"/,
      ],
      [
        ['--target', 'http://127.0.0.1:9/base?x=1#f'],
        /^pushbench run: invalid --target: received "http:\/\/127\.0\.0\.1:9\/base\?x=1#f"; .*; it has the path "\/base", the query "\?x=1", the fragment "#f"\n$/,
      ],
      [['--allow-remote'], /^pushbench run: --allow-remote does nothing in this run: /],
    ] as const) {
      const result = await runCli(['run', ...args, '--out', path.join(dir, 'never')]);
      assert.equal(result.code, EXIT.badInput, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(fs.existsSync(path.join(dir, 'never')), false, 'refused before the results folder was made');
    }
  });

  test('no command: exit 2 with the usage; an unknown one: exit 2 naming it and the commands allowed', async () => {
    const none = await runCli([]);
    assert.equal(none.code, EXIT.badInput);
    assert.match(none.stdout, /^usage: pushbench <command>/);
    const unknown = await runCli(['bogus']);
    assert.equal(unknown.code, EXIT.badInput);
    assert.equal(unknown.stderr, 'pushbench: unknown command "bogus"; allowed: run, serve, report, map, publish, k8s, merge, compare\n');
  });
});
