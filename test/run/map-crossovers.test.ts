/**
 * The decision map's crossovers against values worked out by hand from the model's formulas,
 * and against the model itself (at the crossover the two techniques' modelled bytes are equal).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { breakEvenMessagesPerAnswer, longPollPollingCrossoverRate, mapCrossovers } from '../../run/map-crossovers.ts';
import { MAP_WIRE, runParams, type Calibration, type MapConfig } from '../../run/map.ts';
import { modelFor } from '../../run/model.ts';

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);

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
  maxMemoryBytes: 64 * 1_048_576,
  quick: false,
  windowMs: 1500,
  warmupMs: 500,
};

const NO_CALIBRATION: Calibration = { rttMs: 0.4, queue: {}, cpu: {}, memoryBytesPerConnection: {} };

describe('map crossovers: closed forms against hand-worked values', () => {
  test("long polling = short polling at r* = p(Q + H0 + 2)/(Q' + H0 + 2): 1 poll/s, Q 501, Q' 505, H0 155 -> 658/662 msg/s", () => {
    close(longPollPollingCrossoverRate(501, 505, 155, 1000), 658 / 662, 1e-12, 'r*');
    // Ten polls a second: ten times the rate.
    close(longPollPollingCrossoverRate(501, 505, 155, 100), 6580 / 662, 1e-12, 'r* at 100 ms');
  });

  test('short polling = a stream at k* = (Q + H + 1)/(e - 1): Q 501, a 99 B message, SSE overhead 20 B -> 660/19 messages per poll', () => {
    // At k* ≈ 35 the body is 35 × 99 + 34 + 2 = 3,501 B, so H is node's head with a 4-digit length:
    // 17 status + 32 Content-Type + 22 Content-Length + 37 Date + 24 Connection + 24 Keep-Alive + 2 = 158 B.
    close(breakEvenMessagesPerAnswer(501, 99, 20), 660 / 19, 1e-9, 'k*');
    // A WebSocket frame header of 2 B: k* = 501 + H + 1 with a 5-digit body (≈ 65,000 B): H = 159.
    close(breakEvenMessagesPerAnswer(501, 99, 2), 661, 1e-9, 'k* vs WebSocket');
    // A stream that adds 1 byte or less is never caught up with.
    assert.equal(breakEvenMessagesPerAnswer(501, 99, 1), Infinity);
  });

  test('at the computed crossovers the model itself gives both techniques the same bytes per message', () => {
    const crossovers = mapCrossovers(CONFIG, NO_CALIBRATION, []);
    const lp = crossovers.find((c) => c.id === 'longpoll-vs-polling-bytes@1000');
    assert.ok(lp?.value != null);
    const atLp = runParams(CONFIG, { rate: lp.value, intervalMs: 1000, clients: 10 }, 1);
    const pollBytes = modelFor('polling', atLp, MAP_WIRE).perMessage.totalBytes;
    const longBytes = modelFor('longpoll', atLp, MAP_WIRE).perMessage.totalBytes;
    // The value is rounded to 4 significant digits: the two agree to a fraction of a byte.
    close(pollBytes, longBytes, 0.5, 'polling vs long polling at r*');
    // Below the crossover long polling is cheaper, above it dearer.
    const below = runParams(CONFIG, { rate: lp.value / 2, intervalMs: 1000, clients: 10 }, 1);
    assert.ok(modelFor('longpoll', below, MAP_WIRE).perMessage.totalBytes < modelFor('polling', below, MAP_WIRE).perMessage.totalBytes);

    const sse = crossovers.find((c) => c.id === 'polling-vs-sse-bytes@1');
    assert.ok(sse?.value != null);
    const atSse = runParams(CONFIG, { rate: 1, intervalMs: sse.value, clients: 10 }, 1);
    close(
      modelFor('polling', atSse, MAP_WIRE).perMessage.totalBytes,
      modelFor('sse', atSse, MAP_WIRE).perMessage.totalBytes,
      0.5,
      'polling vs SSE at T*',
    );
  });

  test('CPU: polling a·p/r + b against a constant C crosses at r* = a·p/(C - b): 30 µs, 1 poll/s, C 20, b 5 -> 2 msg/s', () => {
    const calibration: Calibration = {
      ...NO_CALIBRATION,
      cpu: {
        polling: { perRequestMicros: 30, perMessageMicros: 5 },
        sse: { perRequestMicros: 0, perMessageMicros: 20 },
        websocket: { perRequestMicros: 0, perMessageMicros: 4 },
      },
    };
    const crossovers = mapCrossovers(CONFIG, calibration, []);
    assert.equal(crossovers.find((c) => c.id === 'polling-vs-sse-cpu@1000')?.value, 2);
    assert.equal(crossovers.find((c) => c.id === 'polling-vs-sse-cpu@100')?.value, 20);
    // WebSocket's 4 µs is below polling's per-message 5 µs: polling never catches up.
    assert.equal(crossovers.find((c) => c.id === 'polling-vs-websocket-cpu@1000')?.value, null);
  });

  test('memory: the held connections pass the limit at N* = L / m: 64 MiB / 4,096 B -> 16,384 clients', () => {
    const calibration: Calibration = { ...NO_CALIBRATION, memoryBytesPerConnection: { sse: 4096 } };
    const crossovers = mapCrossovers(CONFIG, calibration, []);
    assert.equal(crossovers.find((c) => c.id === 'memory-limit-sse')?.value, 16_384);
    assert.equal(crossovers.find((c) => c.id === 'memory-limit-websocket')?.value, null, 'not measured: no value, said so');
  });

  test('long polling against a stream: it catches up only at r* = k*/RTT', () => {
    const crossovers = mapCrossovers(CONFIG, { ...NO_CALIBRATION, rttMs: 0.5 }, []);
    const c = crossovers.find((x) => x.id === 'longpoll-vs-sse-bytes');
    assert.ok(c?.value != null);
    const params = runParams(CONFIG, { rate: 1, intervalMs: 100, clients: 10 }, 1);
    const e = modelFor('sse', params, MAP_WIRE).perMessage.totalBytes - params.messageBytes;
    const longPollRequest = modelFor('longpoll', params, MAP_WIRE).requestHeadBytes;
    const k = breakEvenMessagesPerAnswer(longPollRequest, params.messageBytes, e);
    close(c.value, (1000 * k) / 0.5, 1e-3 * c.value, 'r*');
  });
});
