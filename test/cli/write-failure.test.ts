/**
 * A run whose results cannot be written loses nothing: on a real full tmpfs, or one
 * remounted read-only mid-run, the summary still reaches stdout, results.json is saved
 * to the system temp dir with a message naming both paths (or printed as JSON on stderr
 * when that fails too), the exit code is 3, and no half-written file is left. (A --out that is
 * read-only before the run starts is refused with exit 2: test/cli/out-dir.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { ResultsFile } from '../../core/results.ts';
import { BIN, runCli, type CliResult } from '../helpers/cli.ts';
import { fill, mountTmpfs, type Mounted } from '../helpers/mounts.ts';

const tiny = (duration = '300ms'): string[] => [
  '--technique',
  TECHNIQUES.at(-1)!,
  '--clients',
  '2',
  '--rate',
  '20',
  '--duration',
  duration,
  '--warmup',
  '100ms',
];
const TINY = tiny();

let dir: string;
const mounts: Array<Exclude<Mounted, { skip: string }>> = [];
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-write-failure-'))));
after(() => {
  for (const m of mounts) m.unmount();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh tmpfs of `sizeKiB`, or the reason it cannot be mounted. */
function tmpfs(name: string, sizeKiB: number): Exclude<Mounted, { skip: string }> | string {
  const mounted = mountTmpfs(path.join(dir, name), sizeKiB);
  if ('skip' in mounted) return mounted.skip;
  mounts.push(mounted);
  return mounted;
}

/** A folder of its own for the fallback (TMPDIR), so the test can find and check what was saved there. */
function fallbackRoot(name: string): string {
  const root = path.join(dir, `${name}-tmpdir`);
  fs.mkdirSync(root);
  return root;
}

function savedTo(stderr: string): string {
  const match = /The results are saved to (\S+results\.json) instead\./.exec(stderr);
  assert.ok(match !== null, `the message names the fallback file: ${stderr}`);
  return match[1]!;
}

/** Every file under `root` whose name marks an unfinished atomic write. */
function tempFiles(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp-'));
}

function assertSummary(result: CliResult): void {
  assert.match(result.stdout, /technique\s+delivered\s+lost/, 'the summary reached stdout');
}

test('disk full: results.json goes to the temp dir, the message names both paths, exit 3', { timeout: 120_000 }, async (t) => {
  const fs64 = tmpfs('full', 64);
  if (typeof fs64 === 'string') return t.skip(fs64);
  const out = path.join(fs64.path, 'out');
  fs.mkdirSync(out);
  fill(fs64.path);
  const tmp = fallbackRoot('full');
  const result = await runCli(['run', ...TINY, '--out', out], { env: { TMPDIR: tmp } });
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `could not write ${path.join(out, 'results.json')}: no space left on the device \\(ENOSPC\\)\\. The results are saved to ${tmp}/pushbench-results-\\w+/results\\.json instead\\.`,
    ),
  );
  const saved = JSON.parse(fs.readFileSync(savedTo(result.stderr), 'utf8')) as ResultsFile;
  assert.equal(saved.state, 'completed');
  assert.ok(fs.existsSync(path.join(path.dirname(savedTo(result.stderr)), 'report.html')), 'the reports went beside the saved results');
  assertSummary(result);
  assert.match(result.stdout, new RegExp(`results: ${tmp}/pushbench-results-\\w+/results\\.json`));
  assert.deepEqual(fs.readdirSync(out), [], 'nothing half-written in --out');
});

test('disk full and the temp dir unusable too: the results are printed as JSON on stderr, exit 3', { timeout: 120_000 }, async (t) => {
  const full = tmpfs('full-both', 64);
  if (typeof full === 'string') return t.skip(full);
  const out = path.join(full.path, 'out');
  fs.mkdirSync(out);
  fill(full.path);
  // The fallback is on the same full file system.
  const result = await runCli(['run', ...TINY, '--out', out], { env: { TMPDIR: full.path } });
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    /could not write \S+results\.json: no space left on the device \(ENOSPC\), nor \S+: no space left on the device \(ENOSPC\)\. Here are the results as JSON/,
  );
  const json = /----- BEGIN pushbench results\.json -----\n([\s\S]*)\n----- END pushbench results\.json -----/.exec(result.stderr)?.[1];
  assert.ok(json !== undefined, 'the JSON is between the markers');
  assert.equal((JSON.parse(json) as ResultsFile).state, 'completed');
  assertSummary(result);
  assert.match(result.stdout, /results: \(not saved: printed as JSON on stderr\)/);
  assert.deepEqual(tempFiles(full.path), [], 'no half-written file');
});

test('only the reports do not fit: results.json is whole in --out, the message says so, exit 3 (never 0)', {
  timeout: 120_000,
}, async (t) => {
  const small = tmpfs('reports', 1024);
  if (typeof small === 'string') return t.skip(small);
  const out = path.join(small.path, 'out');
  fs.mkdirSync(out);
  // results.json of this run is about 5 KB; report.html (chart.js inlined) over 200 KB.
  fill(small.path, 64 * 1024);
  const result = await runCli(['run', ...TINY, '--out', out], { env: { TMPDIR: fallbackRoot('reports') } });
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `the reports could not be written to ${out}: no space left on the device \\(ENOSPC\\)\\. The results are saved in ${path.join(out, 'results.json')}; render the reports elsewhere with: pushbench report`,
    ),
  );
  assert.equal((JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile).state, 'completed');
  assertSummary(result);
  assert.deepEqual(tempFiles(out), [], 'no half-written report');
});

test('--out turns read-only mid-run: the results are saved to the temp dir, the message says read-only, exit 3', {
  timeout: 120_000,
}, async (t) => {
  const mount = tmpfs('goes-ro', 1024);
  if (typeof mount === 'string') return t.skip(mount);
  const out = path.join(mount.path, 'out');
  const tmp = fallbackRoot('goes-ro');
  const child = spawn(process.execPath, [BIN, 'run', ...tiny('2s'), '--out', out], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.includes('measuring 2000 ms') && !stderr.includes('(remounted)')) {
      stderr += '(remounted)';
      mount.remountReadOnly();
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.ok(stderr.includes('(remounted)'), stderr);
  assert.equal(code, 3, stderr);
  assert.match(
    stderr,
    new RegExp(`could not write ${path.join(out, 'results.json')}: read-only file system \\(EROFS\\)\\. The results are saved to ${tmp}/`),
  );
  assert.equal((JSON.parse(fs.readFileSync(savedTo(stderr), 'utf8')) as ResultsFile).state, 'completed');
  assertSummary({ code, signal: null, stdout, stderr });
});
