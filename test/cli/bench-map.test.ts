/**
 * `npm run bench` end to end, as small as it gets (`--quick`, WebSocket only, 5 clients, HTTP/1.1):
 * results.json holds the map, its one measured cell is the header-overhead scenario's own figures,
 * the report has the map's heatmaps, and stdout ends with the map's lines, within 120 columns.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-bench-map-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('npm run bench --quick: the map in results.json, report.html, the PNGs and a few terminal lines', () => {
  const bench = fileURLToPath(new URL('../../cli/bench.ts', import.meta.url));
  const out = path.join(dir, 'run');
  const args = ['--import', 'tsx', bench, '--quick', '--technique', 'websocket', '--clients', '5', '--wire', 'http', '--out', out];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  const map = results.map;
  assert.ok(map !== undefined);
  // The quick suite: header overhead (1 msg/s with 1 s polls, run 5x faster) and chat, which the map leaves out.
  assert.deepEqual(
    results.scenarios.map((s) => s.id),
    ['header-overhead', 'chat'],
  );
  assert.deepEqual(map.axes, {
    rates: [0.01, 0.1, 1, 10, 100],
    intervalsMs: [1000],
    clients: [5],
    techniques: ['websocket'],
    wires: ['http'],
  });
  assert.equal(map.measuredCells, 1);
  const cell = map.cells.find((c) => c.measured)!;
  const scenario = results.scenarios[0]!;
  const result = scenario.results.websocket;
  assert.ok(result?.state === 'completed');
  assert.deepEqual([cell.rate, cell.intervalMs, cell.clients, cell.measurement!.scenarioId], [1, 1000, 5, 'header-overhead']);
  assert.equal(cell.measurement!.figures.bytesPerMessage, result.perMessage.totalBytes);
  assert.equal(cell.measurement!.figures.p50Ms, result.latencyMs.p50);
  assert.equal(cell.measurement!.figures.bandwidthBytesPerSecond, result.perClientBytesPerSecond / 5);
  assert.ok(fs.existsSync(path.join(out, 'charts', 'decision-map-bytes.png')));
  assert.match(fs.readFileSync(path.join(out, 'report.html'), 'utf8'), /id="decision-map"/);
  const tail = run.stdout.slice(run.stdout.indexOf('Decision map from the model'));
  assert.match(tail, /^Decision map from the model \(1 of the suite's points measured on it\), at 1 s polls and 5 clients/);
  assert.match(tail, /^bytes +B +WS/m);
  assert.ok(Math.max(...run.stdout.split('\n').map((l) => l.length)) <= 120, run.stdout);
});
