/**
 * `pushbench map` over wires, against a target file and with weights, through the real bin: bad
 * input exits 2 naming the value and what is allowed (the cell cap counts the wire axis); a tiny
 * map on http and h2 measures each point on both wires, and its h2 cells equal the same point run
 * with `pushbench run --wire h2`; a tiny map against Nginx+Nchan (targets/nchan/target.json starts
 * nginx) fits its bytes from the measured cells and says so.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseResults } from '../../core/results-validate.ts';
import type { ResultsFile } from '../../core/results.ts';
import { parseMapArgs } from '../../cli/map.ts';
import { ConfigError, TargetFileError } from '../../core/errors.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-map-axes-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const NCHAN = fileURLToPath(new URL('../../targets/nchan/target.json', import.meta.url));

/** 20 intervals and 8 client counts at 25 rates: 4,000 points, × 5 techniques on http = 20,000 cells (the cap), × 9 pairs on http and h2. */
const BIG_GRID = [
  '--rates',
  '0.01..100',
  '--rate-steps',
  '25',
  '--intervals',
  Array.from({ length: 20 }, (_, i) => `${(i + 1) * 10}ms`).join(','),
  '--clients',
  '1,2,3,4,5,6,7,8',
];

describe('pushbench map --wire, --weights, --target-file: bad input', () => {
  const allowed = 'one of bytes, bandwidth, p50, p99, cpu, memory, each WEIGHT a number >= 0, not all 0, e.g. bytes=1,p99=2,cpu=1';
  const cases: Array<[string[], RegExp]> = [
    [
      ['--weights', 'speed=1'],
      new RegExp(
        `invalid --weights: received "speed=1"; expected NAME=WEIGHT pairs, .*${escapeRegExp(allowed)} \\(unknown criterion "speed"\\)`,
      ),
    ],
    [['--weights', 'bytes=0,p99=0'], /invalid --weights: received "bytes=0,p99=0"; .* \(all weights are 0\)/],
    [['--weights', 'bytes=-1'], /invalid --weights: received "bytes=-1"; .* \(bad weight "bytes=-1"\)/],
    [['--weights', 'bytes=1,bytes=2'], /invalid --weights: received "bytes=1,bytes=2"; .* \(bytes is named twice\)/],
    [['--criterion', 'weighted'], /invalid --criterion: received "weighted" without --weights; give --weights NAME=WEIGHT/],
    [['--wire', 'h3'], /invalid --wire: received "h3"; allowed: http, https, h2, h2c/],
    [
      ['--technique', 'websocket-deflate', '--wire', 'h2'],
      /invalid --technique with --wire h2: technique websocket-deflate cannot run on wire h2 \(HTTP\/2 \+ TLS\): .*; wires that carry websocket-deflate: http, https/,
    ],
    [
      ['--target-file', NCHAN, '--technique', 'websocket-deflate'],
      /invalid --technique: received "websocket-deflate", which target file ".*nchan\/target\.json" does not offer; it offers polling, longpoll, sse, websocket/,
    ],
    [['--target-file', path.join(os.tmpdir(), 'no-such-target.json')], /cannot read target file ".*no-such-target\.json"/],
    [
      [...BIG_GRID, '--wire', 'http,h2'],
      /too many map cells: received 25 rates × 20 intervals × 8 client counts × 9 technique and wire pairs \(2 wires\) = 36000; at most 20000 are allowed/,
    ],
  ];
  // Each is refused by the parser with a ConfigError (exit 2); two go through the real bin for the exit code and stderr.
  for (const [argv, message] of cases) {
    test(`${argv.join(' ').slice(0, 60)}: a ConfigError naming the value and what is allowed`, () => {
      assert.throws(
        () => parseMapArgs(argv),
        (error: Error) => (error instanceof ConfigError || error instanceof TargetFileError) && message.test(error.message),
      );
    });
  }
  for (const index of [0, cases.length - 1]) {
    const [argv, message] = cases[index]!;
    test(`pushbench map ${argv.join(' ').slice(0, 50)}: exit 2, the message on stderr, nothing written`, async () => {
      const result = await runCli(['map', ...argv, '--out', path.join(dir, 'never')]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(fs.existsSync(path.join(dir, 'never')), false, 'nothing written');
    });
  }

  test('the same grid on http alone is 20,000 cells, at the cap: the wire axis made the difference', () => {
    const config = parseMapArgs(BIG_GRID);
    assert.ok(!config.help);
    assert.deepEqual(config.wires, ['http']);
  });

  test('weights are read: bytes=1,p99=2,cpu=1', () => {
    const config = parseMapArgs(['--weights', 'bytes=1,p99=2,cpu=1']);
    assert.ok(!config.help);
    assert.deepEqual(config.weights, { bytes: 1, p99: 2, cpu: 1 });
    assert.ok(config.criteria.includes('weighted'));
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('pushbench map --wire http,h2: a tiny map, measured for real on both wires', () => {
  let results: ResultsFile;
  let out: string;

  before(async () => {
    out = path.join(dir, 'wires');
    const run = await runCli([
      'map',
      '--rates',
      '40',
      '--intervals',
      '100ms',
      '--clients',
      '3',
      '--technique',
      'sse,websocket',
      '--wire',
      'http,h2',
      '--window',
      '400ms',
      '--quick',
      '--weights',
      'bytes=1,p99=1',
      '--out',
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /4 cells from the model; 1 points measured/);
    assert.match(run.stdout, /^Winner by bytes per delivered message \(B\) on HTTP\/2 \+ TLS, per rate \(msg\/s\):$/m);
    assert.match(run.stdout, /^Winner by weighted score \(--weights\) \(× best\) across the wires, per rate \(msg\/s\):$/m);
    results = parseResults(fs.readFileSync(path.join(out, 'results.json'), 'utf8'), 'results.json');
  });

  test('each cell has its wire; winners per wire, across the wires as a technique and wire pair, and weighted', () => {
    const map = results.map!;
    assert.deepEqual(map.axes.wires, ['http', 'h2']);
    assert.deepEqual(
      map.cells.map((c) => `${c.technique}/${c.wire}/${c.measured}`),
      ['sse/http/true', 'websocket/http/true', 'sse/h2/true', 'websocket/h2/true'],
    );
    assert.deepEqual(
      results.scenarios.map((s) => [s.id, s.params.wire]),
      [
        ['map-r40-i100-c3', 'http'],
        ['map-r40-i100-c3-h2', 'h2'],
      ],
    );
    const across = map.winners.find((w) => w.wire === 'any' && w.criterion === 'bytes')!;
    assert.ok(across.technique !== null && across.winnerWire !== null && across.winnerWire !== undefined, JSON.stringify(across));
    // Every WebSocket frame on h2 carries a 9 B DATA frame header and a 22 B TLS record more: WebSocket over http wins bytes.
    assert.deepEqual([across.technique, across.winnerWire], ['websocket', 'http']);
    assert.ok(map.winners.some((w) => w.criterion === 'weighted' && w.wire === 'h2' && w.technique !== null));
    assert.ok(map.cells.every((c) => typeof c.weighted === 'number' && c.weighted >= 1));
    for (const file of ['charts/decision-map-bytes-h2.png', 'charts/decision-map-weighted-across-wires.png', 'report.html'])
      assert.ok(fs.existsSync(path.join(out, file)), file);
  });

  test('the h2 cells equal the same point run with pushbench run --wire h2, and agree with the model on h2', async () => {
    const runOut = path.join(dir, 'run-h2');
    const run = await runCli([
      'run',
      '--technique',
      'sse,websocket',
      '--wire',
      'h2',
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
    const alone = parseResults(fs.readFileSync(path.join(runOut, 'results.json'), 'utf8'), 'results.json').scenarios[0]!;
    const mapScenario = results.scenarios.find((s) => s.id === 'map-r40-i100-c3-h2')!;
    assert.deepEqual({ ...mapScenario.params }, { ...alone.params }, 'the map ran the point with the parameters run uses');
    for (const technique of ['sse', 'websocket'] as const) {
      const a = alone.results[technique];
      const inMap = mapScenario.results[technique];
      const cell = results.map!.cells.find((c) => c.wire === 'h2' && c.technique === technique)!;
      assert.equal(a?.state, 'completed');
      assert.equal(inMap?.state, 'completed');
      if (a?.state !== 'completed' || inMap?.state !== 'completed') continue;
      const m = cell.measurement!;
      // The map's cell is its scenario's figure, unchanged.
      assert.equal(m.figures.bytesPerMessage, inMap.perMessage.totalBytes);
      const mapParts = inMap.wireParts!.perMessage;
      const runParts = a.wireParts!.perMessage;
      // Above the wire (the event or frame and its payload) both runs agree to the byte, but for the seq's digits
      // (`"seq":9` against `"seq":10`), which depend on where the window falls.
      const above = (p: typeof mapParts): number => p.payloadBytes + p.httpBytes + p.headerBlockBytes;
      assert.ok(Math.abs(above(mapParts) - above(runParts)) <= 2, `${technique}: ${above(mapParts)} against ${above(runParts)} B`);
      // The wire: at most one 22 B TLS record and one 9 B DATA frame header per message, fewer when the server's
      // HTTP/2 session sends two messages in one (it does on a loaded machine: results/2026-12-07-map-wires.md).
      for (const parts of [mapParts, runParts]) assert.ok(parts.tlsBytes + parts.h2FramingBytes <= 31.5, JSON.stringify(parts));
      // The model on h2 is one record and one frame per message: with them, the measurement is the model to 1%.
      const uncoalesced = above(mapParts) + 22 + 9;
      assert.ok(
        Math.abs(uncoalesced - m.modelAsRun.bytesPerMessage) <= 0.01 * m.modelAsRun.bytesPerMessage,
        `${technique}: ${uncoalesced} B against the model's ${m.modelAsRun.bytesPerMessage} B`,
      );
    }
  });
});

describe('pushbench map --target-file: a tiny map against Nginx+Nchan', () => {
  let results: ResultsFile;
  let stdout: string;

  before(async () => {
    const out = path.join(dir, 'nchan');
    const run = await runCli([
      'map',
      '--target-file',
      NCHAN,
      '--rates',
      '20',
      '--intervals',
      '100ms',
      '--clients',
      '3',
      '--window',
      '400ms',
      '--quick',
      '--out',
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    stdout = run.stdout;
    results = parseResults(fs.readFileSync(path.join(out, 'results.json'), 'utf8'), 'results.json');
  });

  test('the point runs against the target; techniques it does not offer are left out, named', () => {
    const map = results.map!;
    assert.equal(map.params.target, 'nchan');
    assert.deepEqual(map.axes.techniques, ['polling', 'longpoll', 'sse', 'websocket', 'websocket-deflate']);
    assert.deepEqual(
      map.cells.map((c) => c.technique),
      ['polling', 'longpoll', 'sse', 'websocket'],
    );
    assert.match(map.axes.refused!.join('\n'), /target nchan does not offer websocket-deflate/);
    assert.deepEqual(
      results.scenarios.map((s) => s.id),
      ['map-r20-i100-c3@nchan'],
    );
    assert.equal(results.scenarios[0]!.target?.name, 'nchan');
  });

  test("the model's bytes are fitted from the measured cells, and the output says so", () => {
    const map = results.map!;
    assert.match(map.calibration, /Target nchan: bytes per message are a model fitted from measured cells, not the built-in formula/);
    assert.match(stdout, /model fitted from measured cells/);
    for (const cell of map.cells) {
      // One measured point: the fitted line is its mean, so the model at the run's parameters is the measurement.
      assert.ok(cell.measurement, cell.technique);
      assert.ok(
        Math.abs(cell.measurement.modelAsRun.bytesPerMessage - cell.measurement.figures.bytesPerMessage) < 1e-6,
        `${cell.technique}: ${cell.measurement.modelAsRun.bytesPerMessage} against ${cell.measurement.figures.bytesPerMessage}`,
      );
    }
  });
});
