import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeFileAtomic, writeJsonAtomic } from '../../core/atomic-write.ts';

describe('writeFileAtomic', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-atomic-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const tempFiles = (folder: string): string[] => fs.readdirSync(folder).filter((name) => name.includes('.tmp-'));

  test('creates the folders and writes the whole file, leaving no temp file', () => {
    const target = path.join(dir, 'a', 'b', 'results.json');
    const data = 'x'.repeat(1_000_000);
    writeFileAtomic(target, data);
    assert.equal(fs.readFileSync(target, 'utf8'), data);
    assert.deepEqual(tempFiles(path.dirname(target)), []);
  });

  test('replaces an existing file and writes bytes', () => {
    const target = path.join(dir, 'chart.png');
    fs.writeFileSync(target, 'old');
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    writeFileAtomic(target, bytes);
    assert.deepEqual(new Uint8Array(fs.readFileSync(target)), bytes);
    assert.deepEqual(tempFiles(dir), []);
  });

  test('fails without a partial target when the folder is a file', () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'a file, not a folder');
    const target = path.join(blocker, 'results.json');
    assert.throws(
      () => writeFileAtomic(target, '{}'),
      (err: NodeJS.ErrnoException) => ['ENOTDIR', 'EEXIST'].includes(err.code ?? ''),
    );
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'a file, not a folder');
    assert.deepEqual(tempFiles(dir), []);
  });

  test('removes the temp file when the final rename fails', () => {
    // The target is a non-empty folder: the data is written to the temp file, then rename fails.
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep'), 'keep');
    assert.throws(
      () => writeFileAtomic(target, 'data'),
      (err: NodeJS.ErrnoException) => typeof err.code === 'string',
    );
    assert.ok(fs.statSync(target).isDirectory());
    assert.deepEqual(fs.readdirSync(target), ['keep']);
    assert.deepEqual(tempFiles(dir), []);
  });
});

describe('writeJsonAtomic', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-atomic-json-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('2-space JSON with a trailing newline', () => {
    const target = path.join(dir, 'results.json');
    writeJsonAtomic(target, { a: 1, b: [true] });
    assert.equal(fs.readFileSync(target, 'utf8'), '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });

  test('refuses a value JSON cannot represent', () => {
    const target = path.join(dir, 'nothing.json');
    assert.throws(() => writeJsonAtomic(target, undefined), TypeError);
    assert.equal(fs.existsSync(target), false);
  });
});
