/**
 * The decision map's arithmetic without a run: its axes, which points it measures and how fast,
 * the cost fit, the model of a cell (against hand-worked values), the figure a cell shows, and
 * the winners under user limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MapCell, MapFigures } from '../../core/results.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import {
  cellCount,
  compression,
  queueAt,
  fitCost,
  logSpaced,
  modelFigures,
  pickWinners,
  planMeasuredPoints,
  runParams,
  shownFigure,
  type Calibration,
  type MapConfig,
} from '../../run/map.ts';

const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

const CONFIG: MapConfig = {
  rates: logSpaced(0.01, 100, 9),
  intervalsMs: [100, 1000, 10_000],
  clients: [10, 100, 1000],
  techniques: ['polling', 'longpoll', 'sse', 'websocket', 'websocket-deflate'],
  payloadBytes: 64,
  holdMs: 30_000,
  headers: 'browser',
  maxLatencyMs: null,
  maxBandwidthBytesPerSecond: null,
  maxMemoryBytes: null,
  quick: false,
  windowMs: 1500,
  warmupMs: 500,
};

describe('map plan', () => {
  test('rates are log-spaced to 3 significant digits; the default grid has 405 cells', () => {
    assert.deepEqual(logSpaced(0.01, 100, 9), [0.01, 0.0316, 0.1, 0.316, 1, 3.16, 10, 31.6, 100]);
    assert.equal(cellCount(CONFIG), 9 * 3 * 3 * 5);
  });

  test('time compression: enough messages in the window, never a poll interval below 20 ms or a hold below 100 ms', () => {
    // 1 msg/s, 1 s polls, 1.5 s window: 10 messages need a gap of 150 ms, 6.67x; the interval allows 50x.
    const c = compression(1, 1000, 30_000, 1500);
    close(c.timeScale, 1000 / 150, 'timeScale');
    assert.equal(c.feasible, true);
    // 100 msg/s needs none.
    assert.deepEqual(compression(100, 100, 30_000, 1500), { timeScale: 1, feasible: true });
    // A message every 100 s with 100 ms polls: at most 5x, 1 message in 1.5 s: not measurable.
    assert.deepEqual(compression(0.01, 100, 30_000, 1500), { timeScale: 5, feasible: false });
    // 10 s polls need 20x for 3 polls in 1.5 s; 100 msg/s may go only 2x (200 msg/s): not measurable; 10 msg/s is.
    assert.equal(compression(100, 10_000, 30_000, 1500).feasible, false);
    assert.deepEqual(compression(10, 10_000, 30_000, 1500), { timeScale: 20, feasible: true });
  });

  test('the measured points follow the stated rule: corners, the polling crossover, the most clients, a sample', () => {
    const points = planMeasuredPoints(CONFIG);
    assert.deepEqual(
      points.map((p) => [p.rate, p.intervalMs, p.clients, p.reason]),
      [
        [100, 100, 10, 'corner'],
        [1, 1000, 10, 'crossover'],
        [0.0316, 10_000, 10, 'corner'],
        // 1 msg/s is the lowest rate 100 ms polls can stand for: 5x faster (20 ms polls), 7.5 messages in 1.5 s.
        [1, 100, 10, 'corner'],
        // 100 msg/s with 10 s polls would need 20x (3 polls in 1.5 s) and may go 2x (200 msg/s at most): 10 msg/s runs 20x.
        [10, 10_000, 10, 'corner'],
        [1, 1000, 1000, 'corner'],
        // The middle one of the measurable points left (in clients, interval, rate order), the most clients aside.
        [10, 100, 100, 'sample'],
      ],
    );
    for (const p of points) assert.ok(compression(p.rate, p.intervalMs, CONFIG.holdMs, CONFIG.windowMs).feasible);
    // The run of a point keeps the ratio of interval to message gap (what bytes per message depend on).
    const slow = points[2]!;
    const run = runParams(CONFIG, slow, slow.timeScale);
    close((run.intervalMs * run.rate) / 1000, (slow.intervalMs * slow.rate) / 1000, 'messages per poll');
    assert.equal(planMeasuredPoints({ ...CONFIG, quick: true }).length, 3);
  });

  test("the queue between measured client counts: a line; below, the fewest's; above, in proportion", () => {
    const queue = { clients: [10, 100], ms: [1, 4] };
    close(queueAt(queue, 5), 1, 'below');
    close(queueAt(queue, 40), 1 + (3 * 30) / 90, 'between');
    close(queueAt(queue, 1000), 40, 'above');
  });

  test('the cost fit: least squares with costs that cannot be negative', () => {
    // y = 30x + 5 exactly.
    assert.deepEqual(
      fitCost([
        { x: 0, y: 5 },
        { x: 1, y: 35 },
        { x: 2, y: 65 },
      ]),
      { a: 30, b: 5 },
    );
    // One x: no slope, the mean.
    assert.deepEqual(
      fitCost([
        { x: 1, y: 10 },
        { x: 1, y: 20 },
      ]),
      { a: 0, b: 15 },
    );
    // A falling line is noise on a cost: no slope, the mean.
    assert.deepEqual(
      fitCost([
        { x: 0, y: 20 },
        { x: 2, y: 10 },
      ]),
      { a: 0, b: 15 },
    );
    // A negative intercept: a line through the origin, a = Σxy/Σx² = (1·10 + 2·40)/(1 + 4) = 18.
    assert.deepEqual(
      fitCost([
        { x: 1, y: 10 },
        { x: 2, y: 40 },
      ]),
      { a: 18, b: 0 },
    );
  });

  test('a cell of the model, by hand: short polling waits half the interval plus a trip; a push adds the fitted queue', () => {
    const calibration: Calibration = {
      rttMs: 0.4,
      queue: { websocket: { clients: [10, 1000], ms: [1, 12] } },
      cpu: { polling: { perRequestMicros: 30, perMessageMicros: 5 } },
      memoryBytesPerConnection: { websocket: 5000 },
    };
    const params = runParams(CONFIG, { rate: 0.5, intervalMs: 1000, clients: 100 }, 1);
    const poll = modelFigures('polling', params, calibration);
    close(poll.p50Ms, 500 + 0.2, 'polling p50');
    close(poll.p99Ms, 990 + 0.2, 'polling p99');
    // 1 poll/s for 0.5 msg/s: 2 polls per message, 30 × 2 + 5 = 65 µs.
    close(poll.cpuMicrosPerMessage!, 65, 'polling CPU');
    close(poll.bandwidthBytesPerSecond, poll.bytesPerMessage * 0.5, 'bandwidth = bytes × rate');
    assert.equal(poll.memoryBytesPerConnection, null);
    const ws = modelFigures('websocket', params, calibration);
    // A trip (0.2 ms) + a queue between 1 ms at 10 and 12 ms at 1,000 clients: 1 + 11 × 90/990 = 2 ms; p99: the trip + 2 × 0.99 × 2 ms.
    close(ws.p50Ms, 2.2, 'websocket p50');
    close(ws.p99Ms, 0.2 + 3.96, 'websocket p99');
    assert.equal(ws.memoryBytesPerConnection, 5000);
  });
});

function cell(technique: TechniqueId, f: Partial<MapFigures>, measurement?: MapCell['measurement']): MapCell {
  const model: MapFigures = {
    bytesPerMessage: 100,
    bandwidthBytesPerSecond: 100,
    p50Ms: 1,
    p99Ms: 2,
    cpuMicrosPerMessage: null,
    memoryBytesPerConnection: null,
    ...f,
  };
  return {
    rate: 1,
    intervalMs: 1000,
    clients: 10,
    technique,
    model,
    measured: measurement !== undefined,
    ...(measurement === undefined ? {} : { measurement }),
  };
}

describe('map winners', () => {
  test('the lowest figure wins, the margin is the runner-up over it, and a limit takes a technique out', () => {
    const cells = [
      cell('polling', { bytesPerMessage: 760, bandwidthBytesPerSecond: 760, p50Ms: 500, p99Ms: 990 }),
      cell('sse', { bytesPerMessage: 120, bandwidthBytesPerSecond: 120 }),
      cell('websocket', { bytesPerMessage: 101, bandwidthBytesPerSecond: 101, p99Ms: 3 }),
    ];
    const winners = pickWinners(cells, { maxLatencyMs: null, maxBandwidthBytesPerSecond: null });
    const bytes = winners.find((w) => w.criterion === 'bytes')!;
    assert.equal(bytes.technique, 'websocket');
    assert.equal(bytes.runnerUp, 'sse');
    close(bytes.margin!, 120 / 101, 'margin');
    // No technique has a CPU figure: no winner, said so.
    assert.equal(winners.find((w) => w.criterion === 'cpu')!.technique, null);
    // p99 at most 2.5 ms: WebSocket (3 ms) and polling are out, SSE wins bytes.
    const limited = pickWinners(cells, { maxLatencyMs: 2.5, maxBandwidthBytesPerSecond: null });
    assert.equal(limited.find((w) => w.criterion === 'bytes')!.technique, 'sse');
    assert.equal(limited.find((w) => w.criterion === 'bytes')!.runnerUp, null);
    // At most 110 B/s per client: only WebSocket.
    assert.equal(
      pickWinners(cells, { maxLatencyMs: null, maxBandwidthBytesPerSecond: 110 }).find((w) => w.criterion === 'p50')!.technique,
      'websocket',
    );
  });

  test("a measured cell shows its measurement, except a latency of a time-compressed run, which is the run's and not the cell's", () => {
    const measurement = (timeScale: number): MapCell['measurement'] => ({
      scenarioId: 'x',
      timeScale,
      figures: {
        bytesPerMessage: 130,
        bandwidthBytesPerSecond: 130,
        p50Ms: 7,
        p99Ms: 9,
        cpuMicrosPerMessage: 40,
        memoryBytesPerConnection: null,
      },
      modelAsRun: { bytesPerMessage: 100, p50Ms: 1, p99Ms: 2 },
      samples: 100,
      messages: 10,
      disagree: ['bytes', 'p50', 'p99'],
    });
    const unscaled = cell('sse', {}, measurement(1));
    assert.deepEqual(shownFigure(unscaled, 'bytes'), { value: 130, measured: true });
    assert.deepEqual(shownFigure(unscaled, 'p50'), { value: 7, measured: true });
    const scaled = cell('sse', {}, measurement(10));
    assert.deepEqual(shownFigure(scaled, 'bytes'), { value: 130, measured: true });
    assert.deepEqual(shownFigure(scaled, 'p50'), { value: 1, measured: false });
    assert.deepEqual(shownFigure(scaled, 'cpu'), { value: 40, measured: true });
  });
});
