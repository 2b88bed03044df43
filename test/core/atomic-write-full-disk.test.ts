/**
 * Atomic writes on a real file system that fills up or is read-only: the error is the
 * kernel's (ENOSPC, EROFS, not Node's ENOENT), the old file is untouched and no
 * temporary file is left.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeDirectory, writeFileAtomic } from '../../core/atomic-write.ts';
import { fill, mountTmpfs, type Mounted } from '../helpers/mounts.ts';

let dir: string;
let mount: Mounted;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-atomic-full-'));
  mount = mountTmpfs(path.join(dir, 'fs'), 256);
});
after(() => {
  if (!('skip' in mount)) mount.unmount();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('on a full disk: ENOSPC, the old file intact, no temporary file', (t) => {
  if ('skip' in mount) return t.skip(mount.skip);
  const target = path.join(mount.path, 'results.json');
  writeFileAtomic(target, 'old results');
  fill(mount.path, 8 * 1024);
  assert.throws(
    () => writeFileAtomic(target, 'x'.repeat(64 * 1024)),
    (error: NodeJS.ErrnoException) => error.code === 'ENOSPC',
  );
  assert.equal(fs.readFileSync(target, 'utf8'), 'old results');
  assert.deepEqual(
    fs.readdirSync(mount.path).filter((f) => f.includes('.tmp-')),
    [],
  );
  fs.rmSync(path.join(mount.path, 'filler'));
});

test('on a read-only file system: EROFS for a new folder and a new file, not ENOENT', (t) => {
  const m = mount;
  if ('skip' in m) return t.skip(m.skip);
  m.remountReadOnly();
  assert.throws(
    () => makeDirectory(path.join(m.path, 'new', 'deeper')),
    (error: NodeJS.ErrnoException) => error.code === 'EROFS',
  );
  assert.throws(
    () => writeFileAtomic(path.join(m.path, 'new', 'results.json'), '{}'),
    (error: NodeJS.ErrnoException) => error.code === 'EROFS',
  );
  assert.throws(
    () => writeFileAtomic(path.join(m.path, 'results.json'), '{}'),
    (error: NodeJS.ErrnoException) => error.code === 'EROFS',
  );
  assert.equal(fs.readFileSync(path.join(m.path, 'results.json'), 'utf8'), 'old results');
});
