/**
 * `pushbench run --capacity` on the run's wires (issue 16), as a user meets it: a tiny run on
 * http and h2c whose results.json holds a probe per wire (the first in `capacity`, the other in
 * `capacityOtherWires`) with that wire and the run's header profile, polls answered by the
 * server on each, and the terminal summary, summary.md and report.html naming both wires.
 * `--quick` keeps the probe short (300 ms of warm-up, 2 rounds of 300 ms). No speed threshold.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { resultsProblems } from '../../core/results-validate.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-capacity-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('run --capacity --wire http,h2c: a probe per wire, in order, with its wire and the run header profile, named by every report', async () => {
  const out = path.join(dir, 'out');
  const result = await runCli([
    'run',
    '--technique',
    'polling',
    '--wire',
    'h2c,http',
    '--headers',
    'minimal',
    '--clients',
    '4',
    '--rate',
    '20',
    '--duration',
    '300ms',
    '--warmup',
    '100ms',
    '--interval',
    '100',
    '--quick',
    '--capacity',
    '--out',
    out,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /child processes still running/);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.deepEqual(resultsProblems(results), []);
  const probes = [results.capacity!, ...(results.capacityOtherWires ?? [])];
  assert.deepEqual(
    probes.map((c) => [c.wire, c.headers]),
    [
      ['http', 'minimal'],
      ['h2c', 'minimal'],
    ],
    "the scenarios' wires in order, the first scenario's header profile",
  );
  for (const c of probes) {
    assert.ok(c.requestsPerSecond > 0, `${c.wire}: ${c.requestsPerSecond} polls/s`);
    assert.equal(c.rounds?.length, 2, `${c.wire}: --quick, 2 rounds`);
    assert.equal(c.warmupMs, 300);
    assert.ok(c.loadProcessSearch !== undefined && c.loadProcessSearch[0]!.loadProcesses === 1, `${c.wire}: the count chosen from 1`);
    assert.equal(c.loadProcesses, c.loadProcessSearch.at(-1)!.loadProcesses);
    assert.ok(c.costAtFixedRate !== null && c.costAtFixedRate !== undefined && c.costAtFixedRate.cpuMicrosPerPoll > 0);
  }
  assert.match(results.capacityOtherWires![0]!.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'h2c is cleartext');
  // Every report names each wire.
  const terminal = result.stdout.replace(/\n\s+/g, ' ');
  assert.match(terminal, /Capacity on http \(HTTP\/1\.1\), minimal headers/);
  assert.match(terminal, /Capacity on h2c \(HTTP\/2 cleartext\), minimal headers/);
  const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
  assert.match(md, /## Polling capacity on http \(HTTP\/1\.1\)/);
  assert.match(md, /## Polling capacity on h2c \(HTTP\/2 cleartext\)/);
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /<section id="capacity">\n<h2>Polling capacity on http \(HTTP\/1\.1\)<\/h2>/);
  assert.match(html, /<section id="capacity-h2c">\n<h2>Polling capacity on h2c \(HTTP\/2 cleartext\)<\/h2>/);
});
