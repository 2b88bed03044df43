import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildCharts } from '../../reports/charts.ts';
import { runReportCommand, writeReports } from '../../cli/report.ts';
import { captureIo, FIXTURE_PATH, loadFixture, tempDir } from '../reports/helpers.ts';

let dir = '';

before(async () => {
  dir = await tempDir('report-command');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expectedFiles = () => ['report.html', 'summary.md', ...buildCharts(loadFixture()).map((c) => `charts/${c.id}.png`)];

test('writes every report next to the results file by default and prints the paths', async () => {
  const runDir = path.join(dir, 'run');
  await mkdir(runDir);
  const input = path.join(runDir, 'results.json');
  await copyFile(FIXTURE_PATH, input);
  const out = captureIo();
  assert.equal(await runReportCommand([input], out.io), 0);
  assert.equal(out.stderr(), '');
  const printed = out.stdout().trim().split('\n');
  assert.deepEqual(
    printed,
    expectedFiles().map((f) => path.join(runDir, f)),
  );
  const html = await readFile(path.join(runDir, 'report.html'), 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  const names = [...(await readdir(runDir)), ...(await readdir(path.join(runDir, 'charts')))];
  assert.deepEqual(
    names.filter((n) => n.includes('.tmp-')),
    [],
    'no temporary file is left',
  );
});

test('--out chooses the folder; a folder argument stands for its results.json', async () => {
  const runDir = path.join(dir, 'run');
  const outDir = path.join(dir, 'elsewhere');
  const out = captureIo();
  assert.equal(await runReportCommand([runDir, '--out', outDir], out.io), 0);
  assert.equal(out.stdout().trim().split('\n').length, expectedFiles().length);
  assert.ok((await readFile(path.join(outDir, 'summary.md'), 'utf8')).startsWith('# pushbench summary'));
});

test('writeReports returns the paths it wrote', async () => {
  const outDir = path.join(dir, 'from-runner');
  const written = await writeReports(loadFixture(), outDir);
  assert.deepEqual(
    written,
    expectedFiles().map((f) => path.join(outDir, f)),
  );
});

test('bad input: exit 2 with a message naming the file', async () => {
  const cases: Array<[string[], RegExp]> = [];
  const missing = path.join(dir, 'missing.json');
  cases.push([
    [missing],
    new RegExp(`^pushbench report: cannot read results file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file\\n$`),
  ]);
  const broken = path.join(dir, 'broken.json');
  await writeFile(broken, '{"schemaVersion": 1,');
  cases.push([[broken], /^pushbench report: .*broken\.json is not valid JSON: /]);
  const future = path.join(dir, 'future.json');
  await writeFile(future, JSON.stringify({ ...loadFixture(), schemaVersion: 2 }));
  cases.push([[future], /future\.json has schemaVersion 2; this pushbench reads schemaVersion 1\n$/]);
  const invalid = path.join(dir, 'invalid.json');
  await writeFile(invalid, JSON.stringify({ ...loadFixture(), scenarios: 'none' }));
  cases.push([[invalid], /invalid\.json is not a valid pushbench results file: \$\.scenarios: expected an array, found "none"/]);
  cases.push([[], /expected exactly one results file, got none/]);
  // Read as files, these never end (/dev/zero used to fail after seconds with "Invalid string length").
  cases.push([
    ['/dev/zero'],
    /^pushbench report: cannot read results file \/dev\/zero: it is a character device; expected a regular results\.json file\n$/,
  ]);
  const fifo = path.join(dir, 'fifo.json');
  execFileSync('mkfifo', [fifo]);
  cases.push([
    [fifo],
    new RegExp(
      `^pushbench report: cannot read results file ${fifo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is a named pipe; expected a regular results\\.json file\\n$`,
    ),
  ]);
  cases.push([[FIXTURE_PATH, '--colour'], /^pushbench report: unknown option --colour; allowed: --out, --help\n/]);
  for (const [argv, message] of cases) {
    const out = captureIo();
    assert.equal(await runReportCommand(argv, out.io), 2, argv.join(' '));
    assert.match(out.stderr(), message);
    assert.equal(out.stdout(), '');
  }
});
