/**
 * The one error module: one base class, one code spelling, `cause` kept, and no deliberate
 * error anywhere in the source tree outside it (a scan fails on a new `extends Error` or on a
 * code literal that core/errors.ts does not list).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ChildTimeoutError,
  ConfigError,
  ERROR_CODES,
  GeneratorCrashedError,
  InterruptedError,
  OpenFileLimitError,
  PUSHBENCH_ERROR_CODES,
  PushbenchError,
  ResultsFileError,
  RunStepError,
  ServerCrashedError,
  WriteError,
} from '../../core/errors.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYERS = ['core', 'servers', 'load', 'run', 'reports', 'cli', 'perf'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js)$/.test(entry.name)) out.push(full);
  }
  return out;
}

test('every code is spelled PUSHBENCH_<WHAT>, without the old ERR_ infix', () => {
  assert.ok(PUSHBENCH_ERROR_CODES.length >= 10);
  for (const code of PUSHBENCH_ERROR_CODES) {
    assert.match(code, /^PUSHBENCH_[A-Z]+(?:_[A-Z]+)*$/, code);
    assert.doesNotMatch(code, /^PUSHBENCH_ERR_/, code);
    assert.equal(typeof ERROR_CODES[code], 'string');
  }
});

test('each error class carries its code, its own name, the message and the cause', () => {
  const cause = new Error('EACCES: permission denied');
  const cases: Array<[PushbenchError, string, string]> = [
    [new ConfigError('invalid --rate', { cause }), 'PUSHBENCH_INVALID_CONFIG', 'ConfigError'],
    [new ResultsFileError('PUSHBENCH_RESULTS_JSON', 'x.json is not valid JSON', { cause }), 'PUSHBENCH_RESULTS_JSON', 'ResultsFileError'],
    [new ServerCrashedError('server process 1 exited', { cause }), 'PUSHBENCH_SERVER_CRASHED', 'ServerCrashedError'],
    [new GeneratorCrashedError('load generator 2 exited', { cause }), 'PUSHBENCH_GENERATOR_CRASHED', 'GeneratorCrashedError'],
    [new ChildTimeoutError('server process 3 did not answer stats within 5 s', { cause }), 'PUSHBENCH_CHILD_TIMEOUT', 'ChildTimeoutError'],
    [new RunStepError('2 of 10 clients could not connect', { cause }), 'PUSHBENCH_RUN_STEP', 'RunStepError'],
    [new OpenFileLimitError('needs 30000 sockets', { cause }), 'PUSHBENCH_OPEN_FILE_LIMIT', 'OpenFileLimitError'],
    [new InterruptedError('interrupted (SIGTERM)', { cause }), 'PUSHBENCH_INTERRUPTED', 'InterruptedError'],
    [new WriteError('/ro/results.json', 'cannot write /ro/results.json', { cause }), 'PUSHBENCH_WRITE_FAILED', 'WriteError'],
  ];
  for (const [error, code, name] of cases) {
    assert.ok(error instanceof PushbenchError, name);
    assert.ok(error instanceof Error, name);
    assert.equal(error.code, code, name);
    assert.equal(error.name, name);
    assert.equal(error.cause, cause, name);
    assert.ok(error.message.length > 0, name);
    assert.ok(code in ERROR_CODES, code);
  }
});

test('an open-file limit is a run step error (the runner turns both into a failed result)', () => {
  const error = new OpenFileLimitError('needs 30000 sockets');
  assert.ok(error instanceof RunStepError);
  assert.equal(error.code, 'PUSHBENCH_OPEN_FILE_LIMIT');
});

test('ConfigError.invalid gives the one shape of a bad value: the label, what was received, what is allowed', () => {
  const error = ConfigError.invalid('--rate', '"-1"', 'expected a number > 0');
  assert.equal(error.message, 'invalid --rate: received "-1"; expected a number > 0');
  assert.equal(new WriteError('/x/results.json', 'no space').path, '/x/results.json');
});

test('no error class outside core/errors.ts extends Error directly: they all extend PushbenchError', () => {
  const offenders: string[] = [];
  for (const layer of LAYERS) {
    for (const file of sourceFiles(path.join(ROOT, layer))) {
      if (file === path.join(ROOT, 'core', 'errors.ts')) continue;
      const source = fs.readFileSync(file, 'utf8');
      for (const match of source.matchAll(/class\s+(\w+)\s+extends\s+(?:Error|TypeError|RangeError)\b/g)) {
        offenders.push(`${path.relative(ROOT, file)}: ${match[1]}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('every PUSHBENCH_ code literal in the source tree is one core/errors.ts lists', () => {
  const unknown: string[] = [];
  for (const layer of [...LAYERS, 'test']) {
    for (const file of sourceFiles(path.join(ROOT, layer))) {
      const source = fs.readFileSync(file, 'utf8');
      for (const match of source.matchAll(/['"](PUSHBENCH_[A-Z_]+)['"]/g)) {
        if (!(match[1]! in ERROR_CODES)) unknown.push(`${path.relative(ROOT, file)}: ${match[1]}`);
      }
    }
  }
  assert.deepEqual(unknown, []);
});
