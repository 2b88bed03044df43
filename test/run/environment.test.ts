import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectEnvironment } from '../../run/environment.ts';

describe('collectEnvironment', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-env-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('describes this machine', () => {
    const env = collectEnvironment(dir);
    assert.equal(env.node, process.version);
    assert.equal(env.os, `${os.type()} ${os.release()}`);
    assert.equal(env.platform, process.platform);
    assert.equal(env.arch, process.arch);
    assert.ok(env.cpuModel.length > 0);
    assert.ok(Number.isInteger(env.cores) && env.cores >= 1);
    assert.equal(env.memoryBytes, os.totalmem());
    // A JSON round trip keeps everything: results.json stores it as is.
    assert.deepEqual(JSON.parse(JSON.stringify(env)), env);
  });

  test('gitCommit is null outside a git checkout', () => {
    assert.equal(collectEnvironment(dir).gitCommit, null);
  });

  test('gitCommit is the commit HEAD names', () => {
    // A minimal repository by hand, detached at a fixed commit id: no git commit needed.
    const repo = path.join(dir, 'repo');
    const sha = '0123456789abcdef0123456789abcdef01234567';
    fs.mkdirSync(path.join(repo, '.git', 'objects'), { recursive: true });
    fs.mkdirSync(path.join(repo, '.git', 'refs'), { recursive: true });
    fs.writeFileSync(path.join(repo, '.git', 'HEAD'), `${sha}\n`);
    const commit = collectEnvironment(repo).gitCommit;
    // Machines without git get null; with git, exactly HEAD.
    assert.ok(commit === sha || commit === null, String(commit));
  });
});
