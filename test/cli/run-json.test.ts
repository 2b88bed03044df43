/** `pushbench run --json`: results.json on stdout, exactly the file's text, nothing else; progress on stderr. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-json-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const TINY = ['--clients', '4', '--rate', '20', '--duration', '300ms', '--warmup', '100ms', '--interval', '100'];

test('--json prints the results.json written, byte for byte, and only that, on stdout', async () => {
  const out = path.join(dir, 'json');
  const result = await runCli(['run', '--technique', 'sse,websocket', ...TINY, '--json', '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const written = fs.readFileSync(path.join(out, 'results.json'), 'utf8');
  assert.equal(result.stdout, written, 'stdout is the file, nothing before or after it');
  const parsed = JSON.parse(result.stdout) as ResultsFile;
  assert.deepEqual(Object.keys(parsed.scenarios[0]!.results), ['sse', 'websocket']);
  assert.doesNotMatch(result.stdout, /^verdict: /m, 'no summary on stdout');
  assert.match(result.stderr, /websocket: warming up 100 ms, measuring 300 ms/, 'progress on stderr');
  assert.match(
    result.stderr,
    new RegExp(`^results: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/results\\.json$`, 'm'),
    'the file names go to stderr',
  );
});

test('--json and --verbose are flags of run and npm run bench, off by default', () => {
  assert.equal(parseRunArgs([]).json, false);
  assert.equal(parseRunArgs([]).verbose, false);
  const config = parseRunArgs(['--json', '--verbose']);
  assert.equal(config.json, true);
  assert.equal(config.verbose, true);
});

test('without --json the summary fits 120 columns, with one verdict line for the one scenario', async () => {
  const out = path.join(dir, 'summary');
  const result = await runCli(['run', '--technique', 'polling,websocket', ...TINY, '--out', out]);
  assert.equal(result.code, 0, result.stderr);
  const widest = Math.max(...result.stdout.split('\n').map((line) => [...line].length));
  assert.ok(widest <= 120, `widest line ${widest}:\n${result.stdout}`);
  assert.equal((result.stdout.match(/^verdict: /gm) ?? []).length, 1, result.stdout);
  assert.doesNotMatch(result.stdout, /latency mean ms = publisher lateness/, 'the decomposition waits for --verbose');
});
