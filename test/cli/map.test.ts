/**
 * `pushbench map` through the real bin: bad input exits 2 naming the value and what is allowed;
 * a tiny map measures its points with real servers and clients, writes results.json (valid, with
 * `map.cells`), the heatmap PNGs and report.html; and a measured cell equals the same point run
 * with `pushbench run` (bytes per message are protocol arithmetic: equal to the byte).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseResults } from '../../core/results-validate.ts';
import type { ResultsFile } from '../../core/results.ts';
import { parseMapArgs } from '../../cli/map.ts';
import { spawn } from 'node:child_process';
import { BIN, runCli } from '../helpers/cli.ts';
import { childPids, waitUntilGone } from '../helpers/processes.ts';

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-map-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('pushbench map: bad input', () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ['--rates', '100..0.01'],
      /invalid --rates: received "100\.\.0\.01"; expected a range FROM\.\.TO with 0\.0001 <= FROM < TO <= 10000 msg\/s .* \(the range is reversed\)/,
    ],
    [['--rates', '5..5'], /invalid --rates: received "5\.\.5"; .* \(the range is empty\)/],
    [['--rates', '10,1'], /invalid --rates: received "10,1"; .* \(the list must ascend, each value once\)/],
    [
      ['--intervals', '1s,100ms'],
      /invalid --intervals: received "1s,100ms"; expected an ascending comma-separated list of durations from 10ms to 10m \(it must ascend, each value once\)/,
    ],
    [['--criterion', 'speed'], /invalid --criterion: received "speed"; allowed: bytes, bandwidth, p50, p99, cpu, memory, weighted, all/],
    [
      ['--technique', 'carrier-pigeon'],
      /invalid --technique: received "carrier-pigeon"; allowed: polling, longpoll, sse, websocket, websocket-deflate, all/,
    ],
    [
      [
        '--rates',
        '0.01..100',
        '--rate-steps',
        '25',
        '--intervals',
        Array.from({ length: 20 }, (_, i) => `${(i + 1) * 10}ms`).join(','),
        '--clients',
        Array.from({ length: 20 }, (_, i) => i + 1).join(','),
      ],
      /too many map cells: received 25 rates × 20 intervals × 20 client counts × 5 techniques = 50000; at most 20000 are allowed/,
    ],
    [
      ['--max-memory', 'lots'],
      /invalid --max-memory: received "lots"; expected server memory in bytes, > 0, with an optional unit k, M or G \(binary\), e\.g\. 64M/,
    ],
    [['--rates', '1,2', '--rate-steps', '4'], /--rate-steps 4 applies to a range of --rates, and --rates is a list \(1,2\)/],
  ];
  for (const [argv, message] of cases) {
    test(`${argv.join(' ').slice(0, 60)}: exit 2 and the message`, async () => {
      const result = await runCli(['map', ...argv, '--out', path.join(dir, 'never')]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(fs.existsSync(path.join(dir, 'never')), false, 'nothing written');
    });
  }

  test('limits and units are read: 1s, 2k, 64M', () => {
    const config = parseMapArgs(['--max-latency', '1s', '--max-bandwidth', '2k', '--max-memory', '64M']);
    assert.ok(!config.help);
    assert.equal(config.maxLatencyMs, 1000);
    assert.equal(config.maxBandwidthBytesPerSecond, 2048);
    assert.equal(config.maxMemoryBytes, 64 * 1_048_576);
  });
});

describe('pushbench map: a tiny map, measured for real', () => {
  const POINT = { rate: 40, intervalMs: 100, clients: 3 };
  let results: ResultsFile;
  let out: string;

  before(async () => {
    out = path.join(dir, 'tiny');
    // Two rates, one interval: the plan measures 40 msg/s (the fastest at the shortest interval) and 20 msg/s.
    const run = await runCli([
      'map',
      '--rates',
      '20,40',
      '--intervals',
      '100ms',
      '--clients',
      '3',
      '--technique',
      'sse,websocket',
      '--window',
      '400ms',
      '--quick',
      '--max-latency',
      '1s',
      '--out',
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /4 cells from the model; 2 points measured/);
    assert.match(run.stdout, /^Winner by bytes per delivered message \(B\), per rate \(msg\/s\):$/m);
    assert.match(run.stdout, /^What the classic argument gets right and wrong:$/m);
    results = parseResults(fs.readFileSync(path.join(out, 'results.json'), 'utf8'), 'results.json');
  });

  test('results.json holds map.cells with coordinates, figures and measured true or false', () => {
    const map = results.map;
    assert.ok(map);
    assert.equal(map.cells.length, 4);
    assert.ok(map.cells.every((c) => c.measured === (c.measurement !== undefined)));
    assert.equal(map.cells.filter((c) => c.measured).length, 4, 'both points measured, both techniques each');
    const cell = map.cells.find((c) => c.rate === POINT.rate && c.technique === 'sse');
    assert.ok(cell?.measurement);
    assert.equal(cell.measurement.samples, cell.measurement.messages * POINT.clients);
    // Bytes are protocol arithmetic: the measured point agrees with the model to 1%, so it is not marked.
    assert.ok(!cell.measurement.disagree.includes('bytes'), JSON.stringify(cell.measurement));
    assert.equal(map.limits.maxLatencyMs, 1000);
    assert.ok(map.winners.some((w) => w.criterion === 'bytes' && w.technique === 'websocket'));
    for (const file of ['report.html', 'summary.md', 'charts/decision-map-bytes.png', 'charts/decision-map-p99.png'])
      assert.ok(fs.existsSync(path.join(out, file)), file);
    assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /<section id="decision-map">/);
    assert.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), /^## Decision map$/m);
  });

  test('a measured cell equals the same point run with pushbench run', async () => {
    const runOut = path.join(dir, 'run');
    // The map ran the point as it is (no compression at 40 msg/s): the same flags, warm-up a third of the window.
    const run = await runCli([
      'run',
      '--technique',
      'sse,websocket',
      '--clients',
      '3',
      '--rate',
      '40',
      '--interval',
      '100',
      '--duration',
      '400ms',
      '--warmup',
      '133ms',
      '--headers',
      'browser',
      '--out',
      runOut,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const alone = parseResults(fs.readFileSync(path.join(runOut, 'results.json'), 'utf8'), 'results.json');
    const scenario = alone.scenarios[0]!;
    const mapScenario = results.scenarios.find(
      (s) => s.id === results.map!.cells.find((c) => c.rate === POINT.rate)!.measurement!.scenarioId,
    )!;
    assert.deepEqual({ ...mapScenario.params }, { ...scenario.params }, 'the map ran the point with the parameters run uses');
    for (const technique of ['sse', 'websocket'] as const) {
      const a = scenario.results[technique];
      const b = results.map!.cells.find((c) => c.rate === POINT.rate && c.technique === technique)!.measurement!;
      assert.equal(a?.state, 'completed');
      if (a?.state !== 'completed') continue;
      const inMap = mapScenario.results[technique];
      assert.equal(inMap?.state, 'completed');
      if (inMap?.state !== 'completed') continue;
      // The map's cell is its scenario's figure, unchanged.
      assert.equal(b.figures.bytesPerMessage, inMap.perMessage.totalBytes);
      // Against the separate run: a WebSocket frame's header is the same to the byte; the totals
      // may differ by the seq's digits (`"seq":9` against `"seq":10`, and SSE's `id:` line), which
      // depend on where the window falls, never by more than a byte or two per message.
      if (technique === 'websocket') assert.equal(inMap.perMessage.overheadBytes, a.perMessage.overheadBytes, 'frame header bytes');
      assert.ok(
        Math.abs(b.figures.bytesPerMessage - a.perMessage.totalBytes) <= 2,
        `${technique}: ${b.figures.bytesPerMessage} against ${a.perMessage.totalBytes} B per message`,
      );
      assert.equal(a.messages.lost, 0);
      assert.equal(inMap.messages.lost, 0);
    }
  });
});

describe('pushbench map: Ctrl-C', () => {
  test('stops every process, writes the map of what was measured marked interrupted, and exits 130', async () => {
    const out = path.join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'map',
        '--rates',
        '20,40',
        '--intervals',
        '100ms',
        '--clients',
        '3',
        '--technique',
        'sse,websocket',
        '--window',
        '30s',
        '--quick',
        '--out',
        out,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let children: number[] = [];
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('measuring 30000 ms') && children.length === 0) {
        children = childPids(child.pid!);
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT: stopping, cleaning up and writing what was measured/);
    assert.ok(children.length > 0, 'the map had started its server and generator processes');
    assert.deepEqual(await waitUntilGone(children, 5000), [], 'no process left behind');
    const results = parseResults(fs.readFileSync(path.join(out, 'results.json'), 'utf8'), 'results.json');
    assert.equal(results.state, 'interrupted');
    // Nothing completed: every cell is the model's, none claims a measurement.
    assert.ok(results.map?.cells.every((c) => !c.measured));
  });
});
