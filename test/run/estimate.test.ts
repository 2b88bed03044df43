/** The run-time estimate printed before a session: the schedule plus stated overheads, worked out by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import type { ScenarioParams } from '../../core/results.ts';
import { pickupMs } from '../../core/techniques.ts';
import { estimateLine, estimateSession, formatEstimate } from '../../run/estimate.ts';
import { MICRO_CASES } from '../../run/micro.ts';
import type { ScenarioSpec } from '../../run/runner.ts';

const params: ScenarioParams = {
  workload: 'broadcast',
  clients: 100,
  rate: 1,
  payloadBytes: 64,
  messageBytes: 100,
  intervalMs: 1000,
  holdMs: 30_000,
  durationMs: 10_000,
  warmupMs: 2000,
  headers: 'browser',
  roomSize: 10,
  target: null,
};
const spec = (id: string, extra: Partial<ScenarioSpec> = {}): ScenarioSpec => ({
  id,
  group: id,
  title: id,
  description: '',
  params,
  techniques: TECHNIQUES,
  ...extra,
});

// Techniques whose clients pick a message up at once, and those that wait for the next poll.
const streaming = TECHNIQUES.filter((t) => pickupMs(t, params) === 0).length;
const polled = TECHNIQUES.filter((t) => pickupMs(t, params) === 1000).length;

test('every technique start is accounted for by one of the two kinds', () => {
  assert.equal(streaming + polled, TECHNIQUES.length);
});

test('one scenario: first start + reports, then per run overhead, connecting, margins, warm-up, window, pick-up', () => {
  // Per run: 200 overhead + 100 clients x 0.7 ms + (150 + 200) margins + 2000 warm-up + 10000 window = 12620 ms;
  // a polled technique waits one more interval (1000 ms) after the window: 13620 ms. Base: 1500 + 1000.
  // A broadcast scenario also measures the machine's floor: one more run with WebSocket clients (12620 ms).
  const expected = 2500 + streaming * 12_620 + polled * 13_620 + 12_620;
  assert.deepEqual(estimateSession([spec('a')], { generators: null, capacity: false, micro: false }), {
    techniqueRuns: TECHNIQUES.length + 1,
    scenarios: 1,
    estimatedMs: expected,
  });
  // Chat has no floor.
  const chat = estimateSession([spec('c', { params: { ...params, workload: 'chat' } })], {
    generators: null,
    capacity: false,
    micro: false,
  });
  assert.equal(chat.techniqueRuns, TECHNIQUES.length);
});

test('a shared scenario adds nothing; capacity adds 8 s and micro 550 ms per case; generators split the connecting', () => {
  const base = estimateSession([spec('a')], { generators: null, capacity: false, micro: false }).estimatedMs;
  const shared = estimateSession([spec('a'), spec('b', { sameAs: 'a' })], { generators: null, capacity: false, micro: false });
  assert.equal(shared.estimatedMs, base);
  assert.equal(shared.techniqueRuns, TECHNIQUES.length + 1);
  assert.equal(shared.scenarios, 2);
  assert.equal(
    estimateSession([spec('a')], { generators: null, capacity: true, micro: true }).estimatedMs,
    base + 8000 + MICRO_CASES.length * 550,
  );
  // 4 generators: 25 clients each, 17.5 ms of connecting per run instead of 70 (the floor's run too).
  // (The estimate is whole milliseconds: with an odd number of runs the saving ends in .5 and rounds.)
  const split = estimateSession([spec('a')], { generators: 4, capacity: false, micro: false }).estimatedMs;
  const runs = TECHNIQUES.length + 1;
  assert.ok(Math.abs(split - (base - runs * 52.5)) <= 0.5, `${split} ms, expected ${base - runs * 52.5} ms`);
});

test('capacity: one probe per wire the run measures (8 s each, 3 s under --quick)', () => {
  const on = (wire: ScenarioParams['wire']): ScenarioSpec => spec(`a-${wire}`, { params: { ...params, wire } });
  const base = estimateSession([on('http'), on('h2c')], { generators: null, capacity: false, micro: false }).estimatedMs;
  assert.equal(estimateSession([on('http'), on('h2c')], { generators: null, capacity: true, micro: false }).estimatedMs, base + 2 * 8000);
  assert.equal(
    estimateSession([on('http'), on('h2c')], { generators: null, capacity: true, micro: false, quick: true }).estimatedMs,
    base + 2 * 3000,
  );
  // Two scenarios on one wire: one probe.
  const one = estimateSession([on('h2'), on('h2')], { generators: null, capacity: false, micro: false }).estimatedMs;
  assert.equal(estimateSession([on('h2'), on('h2')], { generators: null, capacity: true, micro: false }).estimatedMs, one + 8000);
});

test('formatEstimate rounds as an estimate deserves', () => {
  assert.equal(formatEstimate(200), '1 s');
  assert.equal(formatEstimate(44_600), '45 s');
  assert.equal(formatEstimate(89_000), '89 s');
  assert.equal(formatEstimate(91_000), '2 min');
  assert.equal(formatEstimate(30 * 60_000), '30 min');
  assert.equal(formatEstimate(2 * 3_600_000), '2 h');
  assert.equal(formatEstimate(67 * 3_600_000 + 20 * 60_000), '67 h 20 min');
});

test('the line says what it covers and that it is an estimate', () => {
  assert.equal(
    estimateLine({ techniqueRuns: 1, scenarios: 1, estimatedMs: 12_000 }),
    '1 technique run in 1 scenario, estimated time about 12 s (from the windows, warm-ups and typical start-up; an estimate, not a measurement)',
  );
  assert.equal(
    estimateLine({ techniqueRuns: 200, scenarios: 50, estimatedMs: 3 * 3_600_000 }),
    '200 technique runs in 50 scenarios, estimated time about 3 h (from the windows, warm-ups and typical start-up; an estimate, not a measurement)',
  );
});
