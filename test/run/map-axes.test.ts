/**
 * The decision map's wire axis and weights without a run: the weighted winner of a cell worked
 * out by hand; an HTTP/2 cell's bytes equal the wire model's (run/wire-model.ts) and a sum done by
 * hand from the frame, HPACK and TLS record sizes; the cell count takes in the wire axis, leaving
 * out the pairs a wire refuses; crossovers per wire cross where the model's bytes are equal.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { MapCell, MapFigures } from '../../core/results.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import type { WireId } from '../../core/wires.ts';
import { H2_FRAME_HEADER_BYTES } from '../../core/wire-parts.ts';
import { TLS13_RECORD_OVERHEAD_BYTES } from '../../core/wires.ts';
import {
  blockKey,
  cellCount,
  dateChangeShare,
  h2DateChangeBytes,
  mapRequestBlocks,
  mapScenarios,
  modelFigures,
  pickWinners,
  pointId,
  runParams,
  weightedScores,
  type Calibration,
  type H2RequestBlocks,
  type MapConfig,
} from '../../run/map.ts';
import { mapCrossovers } from '../../run/map-crossovers.ts';
import { modelFor } from '../../run/model.ts';
import { pollBodyBytes, typicalSeq } from '../../run/wire-sizes.ts';

const CONFIG: MapConfig = {
  rates: [0.1, 1, 10],
  intervalsMs: [100, 1000, 10_000],
  clients: [10],
  techniques: ['polling', 'longpoll', 'sse', 'websocket'],
  payloadBytes: 64,
  holdMs: 30_000,
  headers: 'browser',
  maxLatencyMs: null,
  maxBandwidthBytesPerSecond: null,
  maxMemoryBytes: null,
  quick: true,
  windowMs: 1000,
  warmupMs: 333,
  wires: ['http', 'h2'],
};

function cell(technique: TechniqueId, f: Partial<MapFigures>, wire: WireId = 'http'): MapCell {
  const model: MapFigures = {
    bytesPerMessage: 100,
    bandwidthBytesPerSecond: 100,
    p50Ms: 1,
    p99Ms: 2,
    cpuMicrosPerMessage: null,
    memoryBytesPerConnection: null,
    ...f,
  };
  return { rate: 1, intervalMs: 1000, clients: 10, technique, wire, model, measured: false };
}

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

describe('map weights', () => {
  // bytes: 100, 200, 150 (best 100); p99: 30, 10, 20 ms (best 10); weights bytes=1, p99=2.
  const cells = [
    cell('polling', { bytesPerMessage: 100, p99Ms: 30 }),
    cell('sse', { bytesPerMessage: 200, p99Ms: 10 }),
    cell('websocket', { bytesPerMessage: 150, p99Ms: 20 }),
  ];
  const weights = { bytes: 1, p99: 2 };

  test('each figure over the best of the point, the weighted mean: worked by hand', () => {
    const [polling, sse, websocket] = weightedScores(cells, weights);
    close(polling!, (1 * (100 / 100) + 2 * (30 / 10)) / 3, 'polling: (1 + 6) / 3');
    close(sse!, (1 * (200 / 100) + 2 * (10 / 10)) / 3, 'SSE: (2 + 2) / 3');
    close(websocket!, (1 * (150 / 100) + 2 * (20 / 10)) / 3, 'WebSocket: (1.5 + 4) / 3');
  });

  test('the weighted winner is SSE at 4/3, WebSocket the runner-up at 5.5/3: margin 1.375', () => {
    const winners = pickWinners(cells, { maxLatencyMs: null, maxBandwidthBytesPerSecond: null }, weights);
    const weighted = winners.find((w) => w.criterion === 'weighted')!;
    assert.equal(weighted.technique, 'sse');
    assert.equal(weighted.runnerUp, 'websocket');
    close(weighted.margin!, 5.5 / 4, 'margin');
    // Bytes alone: polling; p99 alone: SSE. The weights decide between them.
    assert.equal(winners.find((w) => w.criterion === 'bytes')!.technique, 'polling');
    // Without weights there is no weighted ranking.
    assert.equal(
      pickWinners(cells, { maxLatencyMs: null, maxBandwidthBytesPerSecond: null }).some((w) => w.criterion === 'weighted'),
      false,
    );
  });

  test('a weighted criterion nobody has a figure for is left out; a cell missing one that others have gets no score', () => {
    // CPU is null everywhere: left out, so the scores are bytes alone.
    assert.deepEqual(weightedScores(cells, { bytes: 1, cpu: 5 }), [1, 2, 1.5]);
    const partly = [cell('polling', { cpuMicrosPerMessage: 10 }), cell('sse', { cpuMicrosPerMessage: null })];
    assert.deepEqual(weightedScores(partly, { cpu: 1 }), [1, null]);
  });
});

describe('map wires', () => {
  let blocks: H2RequestBlocks;
  let dateChange: number;
  before(async () => {
    blocks = await mapRequestBlocks(CONFIG, []);
    dateChange = await h2DateChangeBytes();
  });

  test('cells and measured scenarios take in the wire axis; a pair the wire refuses is left out', () => {
    assert.equal(cellCount(CONFIG), 3 * 3 * 1 * (4 + 4));
    // websocket-deflate is not carried on h2 (permessage-deflate rides the HTTP/1.1 Upgrade only): 5 + 4 pairs.
    assert.equal(cellCount({ ...CONFIG, techniques: ['polling', 'longpoll', 'sse', 'websocket', 'websocket-deflate'] }), 9 * 9);
    const specs = mapScenarios({ ...CONFIG, techniques: ['sse', 'websocket-deflate'] }, [
      { rate: 10, intervalMs: 100, clients: 10, reason: 'corner', timeScale: 1 },
    ]);
    assert.deepEqual(
      specs.map((s) => [s.id, s.params.wire, s.techniques]),
      [
        ['map-r10-i100-c10', 'http', ['sse', 'websocket-deflate']],
        ['map-r10-i100-c10-h2', 'h2', ['sse']],
      ],
    );
    assert.equal(pointId({ rate: 10, intervalMs: 100, clients: 10 }, 'h2'), 'map-r10-i100-c10-h2');
  });

  test("an HTTP/2 polling cell at one message per poll: the wire model's bytes, and the frames, HPACK blocks and records by hand", () => {
    // One of the measured cells counted 6.2 B per answer's HPACK block at 80 ms polls; the base is that less the date term.
    const base = 6.2;
    const calibration: Calibration = {
      rttMs: 0,
      queue: {},
      cpu: {},
      memoryBytesPerConnection: {},
      h2Response: { polling: { perDateChangeBytes: dateChange, baseBytes: base, points: 1 } },
    };
    const params = runParams(CONFIG, { rate: 1, intervalMs: 1000, clients: 10 }, 1, 'h2');
    const figures = modelFigures('polling', params, calibration, blocks);
    const request = blocks.get(blockKey('h2', 'polling', typicalSeq(params)))!;
    // A poll every second answers a `date` that changed since the last one: the whole literal.
    assert.equal(dateChangeShare('polling', params, 0), 1);
    const answerBlock = base + dateChange;
    assert.equal(
      figures.bytesPerMessage,
      modelFor('polling', params, {
        host: '127.0.0.1:40000',
        wire: 'h2',
        h2: {
          requestBlockBytes: request.steady,
          firstRequestBlockBytes: request.first,
          responseBlockBytes: answerBlock,
          responseBlockSource: '',
        },
      }).perMessage.totalBytes,
    );
    // By hand, one message per poll: a HEADERS frame with the request's block in one TLS record; the answer's HEADERS
    // frame and its DATA frame (the `[message]` body, END_STREAM on it) in one record.
    const F = H2_FRAME_HEADER_BYTES;
    const R = TLS13_RECORD_OVERHEAD_BYTES;
    assert.equal(F, 9);
    assert.equal(R, 22);
    const byHand = F + request.steady + R + (F + answerBlock + F + pollBodyBytes(1, params.messageBytes) + R);
    close(figures.bytesPerMessage, byHand, 'h2 polling bytes per message');
    // The encoder's steady state for the browser profile's poll: a few table indexes and the literal :path.
    assert.ok(request.steady < 40 && request.first > 250, JSON.stringify(request));
    // A date changed costs its literal: an index for the name, a length and the Huffman-coded value (29 characters).
    assert.ok(dateChange > 15 && dateChange < 29, `${dateChange}`);
  });

  test('crossovers on h2 are where the model on h2 gives equal bytes', () => {
    const calibration: Calibration = {
      rttMs: 0.4,
      queue: {},
      cpu: {},
      memoryBytesPerConnection: {},
      h2Response: {
        polling: { perDateChangeBytes: dateChange, baseBytes: 6, points: 1 },
        longpoll: { perDateChangeBytes: dateChange, baseBytes: 6, points: 1 },
      },
    };
    const h2 = { ...CONFIG, wires: ['h2' as const] };
    const crossovers = mapCrossovers(h2, calibration, [], blocks);
    const pollVsSse = crossovers.find((c) => c.id === 'polling-vs-sse-bytes@1')!;
    assert.ok(pollVsSse.value !== null, pollVsSse.formula);
    const bytes = (t: TechniqueId, intervalMs: number): number =>
      modelFigures(t, runParams(h2, { rate: 1, intervalMs, clients: 10 }, 1, 'h2'), calibration, blocks).bytesPerMessage;
    const T = pollVsSse.value;
    assert.ok(
      Math.abs(bytes('polling', T) - bytes('sse', T)) < 0.01 * bytes('sse', T),
      `${bytes('polling', T)} against ${bytes('sse', T)}`,
    );
    assert.ok(bytes('polling', T / 2) > bytes('sse', T / 2), 'polling costs more below it');
    assert.match(pollVsSse.text, /^On HTTP\/2 \+ TLS at 1 msg\/s, short polling costs more bytes per message than Server-Sent Events/);
    // HPACK moves the crossover: on HTTP/1.1 polling needs 35 messages per poll to catch up with SSE, on h2 a few.
    assert.ok(T < 35_000 / 4, `${T} ms`);
  });
});
