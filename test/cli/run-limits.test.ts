/**
 * Issue 8 items 4 and 8 through the real `pushbench run` and `npm run bench` processes: each bad
 * input exits 2 at once with the exact message, starts nothing and writes nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-limits-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const sweep = (n: number): string => Array.from({ length: n }, (_, i) => i + 1).join(',');

test('pushbench run: resource bounds, config files and duplicated flags exit 2 with the exact message', async () => {
  const out = path.join(dir, 'never');
  const cases: Array<[string[], string]> = [
    [
      ['--config', '/dev/zero'],
      'cannot read config file "/dev/zero": it is a character device; expected a regular JSON file of at most 1048576 bytes',
    ],
    [
      ['--generators', '1000'],
      'invalid --generators: received "1000"; expected an integer from 1 to 64 or auto (each generator is a Node process of about 100 MB)',
    ],
    [
      ['--clients', sweep(5000)],
      'invalid --clients: received a list of 5000 client counts (a sweep runs every technique once per entry); at most 50 are allowed',
    ],
    [['--rate', '2', '--rate', '3'], 'duplicate option --rate: received "--rate 2" and "--rate 3"; give each option once'],
  ];
  for (const [args, message] of cases) {
    const started = Date.now();
    const result = await runCli(['run', ...args, '--out', out], { timeoutMs: 30_000 });
    assert.equal(result.code, 2, `${args.join(' ').slice(0, 60)}: ${result.stderr}`);
    assert.equal(result.stderr, `pushbench run: ${message}\n`);
    assert.equal(result.stdout, '');
    // Refused before anything starts: no estimate line, no progress. (A loose bound: /dev/zero used to read for minutes.)
    assert.ok(Date.now() - started < 25_000);
  }
  assert.equal(fs.existsSync(out), false, 'nothing was written');
});

test('npm run bench: the same parser, the same message and exit code', () => {
  const bench = fileURLToPath(new URL('../../cli/bench.ts', import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench, '--config', '/dev/zero'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 2, result.stderr);
  assert.equal(
    result.stderr,
    'npm run bench: cannot read config file "/dev/zero": it is a character device; expected a regular JSON file of at most 1048576 bytes\n',
  );
});
