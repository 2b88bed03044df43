/**
 * Issue 8 items 4 and 8 at the parser: bounds on flags that cost machine resources, config files
 * that must be small regular files, a byte-order mark accepted, duplicated flags refused. Each
 * case checks the exact message (and, through exitCodeFor, exit code 2); test/cli/run-limits.test.ts
 * checks the same through the real `pushbench run` process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { exitCodeFor } from '../../cli/exit-codes.ts';
import { MAX_CONFIG_FILE_BYTES, readConfigText } from '../../cli/config-file.ts';
import { parseRunArgs, parseServeArgs } from '../../cli/options.ts';
import { LIMITS } from '../../run/config.ts';

function assertConfigError(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'PUSHBENCH_INVALID_CONFIG');
    assert.equal(exitCodeFor(err), 2);
    assert.equal(err.message, message);
    return true;
  });
}

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-options-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--generators upper bound', () => {
  test(`${LIMITS.maxGenerators} is allowed, one more is refused naming the bound`, () => {
    assert.equal(LIMITS.maxGenerators, 64);
    assert.equal(parseRunArgs(['--generators', '64']).generators, 64);
    assertConfigError(
      () => parseRunArgs(['--generators', '65']),
      'invalid --generators: received "65"; expected an integer from 1 to 64 or auto (each generator is a Node process of about 100 MB)',
    );
    assertConfigError(
      () => parseRunArgs(['--generators', '1000']),
      'invalid --generators: received "1000"; expected an integer from 1 to 64 or auto (each generator is a Node process of about 100 MB)',
    );
  });
});

describe('sweep length', () => {
  const counts = (n: number): string => Array.from({ length: n }, (_, i) => i + 1).join(',');

  test('50 client counts make a sweep; 51 are refused naming the bound', () => {
    assert.equal(parseRunArgs(['--clients', counts(50)]).clients.length, 50);
    assertConfigError(
      () => parseRunArgs(['--clients', counts(51)]),
      'invalid --clients: received a list of 51 client counts (a sweep runs every technique once per entry); at most 50 are allowed',
    );
    assertConfigError(
      () => parseRunArgs(['--clients', counts(5000)]),
      'invalid --clients: received a list of 5000 client counts (a sweep runs every technique once per entry); at most 50 are allowed',
    );
  });

  test('duplicates are removed before counting, and the bound holds in a config file too', () => {
    assert.equal(parseRunArgs(['--clients', `${counts(50)},1,2,3`]).clients.length, 50);
    const file = path.join(dir, 'sweep.json');
    fs.writeFileSync(file, JSON.stringify({ clients: Array.from({ length: 60 }, (_, i) => i + 1) }));
    assertConfigError(
      () => parseRunArgs(['--config', file]),
      `invalid "clients" in config file "${file}": received a list of 60 client counts (a sweep runs every technique once per entry); at most 50 are allowed`,
    );
  });
});

describe('config files: regular files under a size limit', () => {
  test('/dev/zero is refused at once, naming the file and what it is', () => {
    assertConfigError(
      () => parseRunArgs(['--config', '/dev/zero']),
      'cannot read config file "/dev/zero": it is a character device; expected a regular JSON file of at most 1048576 bytes',
    );
  });

  test('a directory is refused', () => {
    assertConfigError(
      () => parseRunArgs(['--config', dir]),
      `cannot read config file "${dir}": it is a directory; expected a regular JSON file of at most 1048576 bytes`,
    );
  });

  test('a named pipe with no writer is refused instead of waiting for one', () => {
    const fifo = path.join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    assertConfigError(
      () => parseRunArgs(['--config', fifo]),
      `cannot read config file "${fifo}": it is a named pipe; expected a regular JSON file of at most 1048576 bytes`,
    );
  });

  test('a file over the limit is refused with its size; one at the limit is read', () => {
    assert.equal(MAX_CONFIG_FILE_BYTES, 1_048_576);
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, MAX_CONFIG_FILE_BYTES + 1);
    assertConfigError(
      () => parseRunArgs(['--config', big]),
      `cannot read config file "${big}": received 1048577 bytes; at most 1048576 bytes are allowed`,
    );
    // Exactly at the limit: a JSON object padded with spaces is read and applied.
    const atLimit = path.join(dir, 'at-limit.json');
    const json = '{"rate": 3}';
    fs.writeFileSync(atLimit, json + ' '.repeat(MAX_CONFIG_FILE_BYTES - json.length));
    assert.equal(readConfigText(atLimit).length, MAX_CONFIG_FILE_BYTES);
    assert.equal(parseRunArgs(['--config', atLimit]).rate, 3);
  });

  test('a config file that starts with a UTF-8 byte-order mark is accepted', () => {
    const file = path.join(dir, 'bom.json');
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"rate": 4, "technique": "sse"}')]));
    const config = parseRunArgs(['--config', file]);
    assert.equal(config.rate, 4);
    assert.deepEqual(config.techniques, ['sse']);
  });
});

describe('duplicated flags', () => {
  test('every form of a repeated flag names both occurrences', () => {
    assertConfigError(
      () => parseRunArgs(['--clients=10', '--clients', '20']),
      'duplicate option --clients: received "--clients=10" and "--clients 20"; give each option once',
    );
    assertConfigError(
      () => parseRunArgs(['--quick', '--rate', '1', '--quick=false']),
      'duplicate option --quick: received "--quick" and "--quick=false"; give each option once',
    );
    assertConfigError(
      () => parseRunArgs(['--config', 'a.json', '--config', 'b.json']),
      'duplicate option --config: received "--config a.json" and "--config b.json"; give each option once',
    );
    assertConfigError(
      () => parseServeArgs(['--port', '1', '--port', '2']),
      'duplicate option --port: received "--port 1" and "--port 2"; give each option once',
    );
  });

  test('a flag repeated after a config file sets it once on the command line is fine', () => {
    const file = path.join(dir, 'rate.json');
    fs.writeFileSync(file, '{"rate": 2}');
    assert.equal(parseRunArgs(['--config', file, '--rate', '5']).rate, 5);
  });
});
