/** Issue 8 item 8: a run stopped by SIGTERM says SIGTERM in its results, not SIGINT. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { FailedResult, ResultsFile } from '../../core/results.ts';
import { BIN } from '../helpers/cli.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-sigterm-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('SIGTERM: the interrupted technique and the one not run both name SIGTERM', async () => {
  const out = path.join(dir, 'run');
  const [first, second] = TECHNIQUES.slice(-2) as [string, string];
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--technique', `${first},${second}`, '--clients', '2', '--duration', '30s', '--warmup', '0', '--out', out],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.includes('measuring 30000 ms') && !child.killed) child.kill('SIGTERM');
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /SIGTERM: stopping, cleaning up and writing what was measured/);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  const byTechnique = results.scenarios[0]!.results as Record<string, FailedResult>;
  assert.equal(byTechnique[first]!.error, 'interrupted (SIGTERM) before the window ended');
  assert.equal(byTechnique[second]!.error, 'not run: interrupted (SIGTERM)');
});
