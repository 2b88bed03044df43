/**
 * Issue 8 item 8: a --out that cannot be written is named for what it is (read-only, not a folder,
 * nowhere to create folders), at once, with exit 2 and nothing started. The read-only case mounts
 * a read-only tmpfs in a user and mount namespace (`unshare -rm`) when the machine allows one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError } from '../../core/errors.ts';
import { exitCodeFor } from '../../cli/exit-codes.ts';
import { prepareOutDir } from '../../cli/out-dir.ts';
import { BIN } from '../helpers/cli.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-out-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function refuses(out: string, message: string): void {
  assert.throws(
    () => prepareOutDir(out),
    (error: unknown) => error instanceof ConfigError && exitCodeFor(error) === 2 && error.message === message,
  );
}

test('missing levels are created; an existing writable folder is accepted', () => {
  const out = path.join(dir, 'a', 'b', 'c');
  prepareOutDir(out);
  assert.ok(fs.statSync(out).isDirectory());
  prepareOutDir(out);
});

test('a file where a folder should be is named as such', () => {
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, '');
  refuses(file, `cannot write results to --out ${JSON.stringify(file)}: ${file} is not a folder (ENOTDIR); choose a writable folder`);
  refuses(
    path.join(file, 'x'),
    `cannot write results to --out ${JSON.stringify(path.join(file, 'x'))}: ${file} is not a folder (ENOTDIR); choose a writable folder`,
  );
});

test('under /proc it fails at once (a recursive mkdir there never returns)', { skip: !fs.existsSync('/proc/self') && 'no /proc' }, () => {
  refuses(
    '/proc/pushbench-no-such/x',
    'cannot write results to --out "/proc/pushbench-no-such/x": folders cannot be created in /proc (ENOENT); choose a writable folder',
  );
});

const unshare = spawnSync('unshare', ['-rm', 'true']);
test('a read-only file system is reported as read-only, by the real pushbench run', {
  skip: unshare.status !== 0 && 'unshare -rm is not allowed here',
}, () => {
  const mount = path.join(dir, 'ro');
  fs.mkdirSync(mount);
  const script = `mount -t tmpfs -o ro tmpfs "$1" && exec "$2" "$3" run --out "$1/results" --clients 1`;
  const result = spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', mount, process.execPath, BIN], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 2, result.stderr);
  assert.equal(
    result.stderr,
    `pushbench: cannot write results to --out "${mount}/results": ${mount} is on a read-only file system (EROFS); choose a writable folder\n`,
  );
  assert.equal(result.stdout, '');
});
