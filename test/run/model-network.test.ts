/**
 * The model's network and batching terms, against values worked out by hand: one one-way trip
 * (half the RTT) for the push techniques, half an interval plus a trip for short polling, the
 * wait for the next request when long-poll messages come within a round trip of each other (and
 * the bytes of the answers they then share), the chat upstream trip and the publisher's lateness.
 * The chat long-poll formula is checked against a simulation of the rule it describes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  getRequestBytes,
  jsonResponseHeadBytes,
  modelFor,
  NO_MEASUREMENTS,
  pollBodyBytes,
  publishHopMs,
  typicalSeq,
  clientPath,
} from '../../run/model.ts';
import { predictedBatching } from '../../run/techniques/longpoll.ts';
import { seededRandom } from '../../core/protocol.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import type { ScenarioParams } from '../../core/results.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

const WIRE = { host: '127.0.0.1:41234' };
/** RTT 10 ms (a 5 ms trip each way), a publisher 1 ms late on average. */
const MEASURED = { rttMs: 10, publisherLatenessMs: 1, messagesPerAnswer: null, fanOutMs: 0, arrivalSpreadMs: 0 };
const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);

function broadcast(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  return tinyParams({ rate: 1, intervalMs: 1000, headers: 'browser', ...overrides });
}

describe('model: the network term', () => {
  test('push techniques: lateness + one one-way trip (1 + 10/2 = 6 ms)', () => {
    for (const technique of ['websocket', 'sse', 'websocket-deflate'] as const) {
      const model = modelFor(technique, broadcast(), WIRE, MEASURED);
      assert.deepEqual(model.latencyMs, { mean: 6, max: 6 }, technique);
      assert.match(model.formula, /RTT 10 ms \(measured: the fastest probe\)/);
    }
  });

  test('short polling: half the interval + a trip + lateness (500 + 5 + 1 = 506 ms; max 1000 + 5 + 1)', () => {
    assert.deepEqual(modelFor('polling', broadcast(), WIRE, MEASURED).latencyMs, { mean: 506, max: 1006 });
  });

  test('without measurements the network term is 0 (the figures of a delay-free network and an exact publisher)', () => {
    assert.deepEqual(modelFor('websocket', broadcast(), WIRE, NO_MEASUREMENTS).latencyMs, { mean: 0, max: 0 });
    assert.deepEqual(modelFor('polling', broadcast(), WIRE).latencyMs, { mean: 500, max: 1000 });
  });

  test("the fan-out's queue, measured: written-when-published techniques add the server's fan-out and the clients' arrival spread, polling neither", () => {
    const queued = { ...MEASURED, fanOutMs: 0.75, arrivalSpreadMs: 0.5 };
    // 1 ms lateness + 5 ms down + 0.75 + 0.5 = 7.25 ms, for each technique whose message is written as it is published.
    for (const technique of ['websocket', 'sse', 'websocket-deflate', 'longpoll'] as const) {
      assert.deepEqual(modelFor(technique, broadcast(), WIRE, queued).latencyMs, { mean: 7.25, max: 7.25 }, technique);
      assert.match(
        modelFor(technique, broadcast(), WIRE, queued).formula,
        /0\.75 ms the server's fan-out to 4 clients \+ 0\.5 ms the clients' mean arrival behind the first/,
      );
    }
    // A poll waits for its own phase: the spread of the arrivals is the poll phases', not a queue.
    assert.deepEqual(modelFor('polling', broadcast(), WIRE, queued).latencyMs, { mean: 506, max: 1006 });
  });

  test('chat adds the trip up to the server: websocket 1 + 5 + 5 = 11 ms', () => {
    const chat = tinyParams({ workload: 'chat', clients: 20, roomSize: 10, rate: 1 });
    assert.deepEqual(modelFor('websocket', chat, WIRE, MEASURED).latencyMs, { mean: 11, max: 11 });
  });
});

describe('model: long-poll batching', () => {
  test('messages further apart than an RTT: one trip, one request and one answer per message', () => {
    const params = broadcast({ rate: 10 });
    const model = modelFor('longpoll', params, WIRE, MEASURED);
    assert.deepEqual(model.latencyMs, { mean: 6, max: 6 });
    const request = getRequestBytes(clientPath('longpoll', params, typicalSeq(params)), WIRE.host, HEADER_PROFILES.browser.longPoll);
    const body = pollBodyBytes(1, params.messageBytes);
    close(model.perMessage.totalBytes, request + jsonResponseHeadBytes(body) + body, 'bytes');
  });

  test('a message every 5 ms with a 10 ms RTT: answers every RTT with 2 messages, which waited 5 ms on average', () => {
    const params = broadcast({ rate: 200 });
    assert.deepEqual(predictedBatching('broadcast', 200, 10), { perAnswer: 2, waitedShare: 1 });
    const model = modelFor('longpoll', params, WIRE, MEASURED);
    // 1 ms late + 5 ms waiting for the request + 5 ms down; at worst a whole RTT of waiting.
    assert.deepEqual(model.latencyMs, { mean: 11, max: 16 });
    const request = getRequestBytes(clientPath('longpoll', params, typicalSeq(params)), WIRE.host, HEADER_PROFILES.browser.longPoll);
    // `[m,m]`: two messages, one comma, two brackets; one request and one head for both.
    const body = 2 * params.messageBytes + 1 + 2;
    assert.equal(pollBodyBytes(2, params.messageBytes), body);
    close(model.perMessage.totalBytes, (request + jsonResponseHeadBytes(body) + body) / 2, 'bytes');
  });

  test('the messages per answer the clients counted replace the prediction (1.5: 3 messages in 2 answers)', () => {
    const params = broadcast({ rate: 10 });
    const model = modelFor('longpoll', params, WIRE, { ...MEASURED, messagesPerAnswer: 1.5, fanOutMs: 0, arrivalSpreadMs: 0 });
    const request = getRequestBytes(clientPath('longpoll', params, typicalSeq(params)), WIRE.host, HEADER_PROFILES.browser.longPoll);
    // 2 answers of 3 messages: 2 requests, 2 heads, 3 messages, 1 comma, 4 brackets; per message / 3.
    const m = params.messageBytes;
    // Each head carries the mean answer's Content-Length, 1.5 m + 2.5 (m holds the monotonic
    // clock's digits, so 1.5 m + 2.5 and m + 2 can differ in digits: on a host up less than
    // 16.7 minutes m is 97 and m + 2 = 99 has one digit less than 148).
    const head = jsonResponseHeadBytes(1.5 * m + 2.5);
    close(model.perMessage.totalBytes, (2 * request + 2 * head + 3 * m + 1 + 4) / 3, 'bytes');
    assert.match(model.formula, /as the clients counted; the RTT alone predicts 1\b/);
  });

  test('chat: roomSize senders on random phases; the formula matches a simulation of the rule', () => {
    // x = 10 msg/s x 10 senders x 10 ms = 1: e^-1 + 1 messages per answer, e / (1 + e) of them waited.
    const predicted = predictedBatching('chat', 100, 10);
    close(predicted.perAnswer, Math.exp(-1) + 1, 'per answer');
    close(predicted.waitedShare, Math.E / (1 + Math.E), 'waited share');
    // The rule: a message that finds a request held is answered at once and the next request is
    // back one RTT later; what arrives meanwhile waits for it and shares its answer.
    const random = seededRandom(12345);
    const rtt = 10;
    const lambdaPerMs = 0.1;
    let t = 0;
    let blindUntil = -Infinity;
    let pending = 0;
    let answers = 0;
    let messages = 0;
    let waited = 0;
    for (let i = 0; i < 200_000; i++) {
      t += -Math.log(1 - random()) / lambdaPerMs;
      // Answers due before this arrival go out, each reopening a blind spell while it carried any.
      while (pending > 0 && t >= blindUntil) {
        answers++;
        pending = 0;
        blindUntil += rtt;
      }
      messages++;
      if (t >= blindUntil) {
        answers++;
        blindUntil = t + rtt;
      } else {
        pending++;
        waited++;
      }
    }
    if (pending > 0) answers++;
    assert.ok(
      Math.abs(messages / answers - predicted.perAnswer) / predicted.perAnswer < 0.01,
      `simulated ${messages / answers} per answer, formula ${predicted.perAnswer}`,
    );
    assert.ok(
      Math.abs(waited / messages - predicted.waitedShare) < 0.01,
      `simulated ${waited / messages} waited, formula ${predicted.waitedShare}`,
    );
  });

  test('chat long polling: lateness + trip up + trip down + the share that waited x RTT/2', () => {
    const chat = tinyParams({ workload: 'chat', clients: 20, roomSize: 10, rate: 10 });
    const model = modelFor('longpoll', chat, WIRE, MEASURED);
    close(model.latencyMs.mean, 1 + 5 + 5 + (Math.E / (1 + Math.E)) * 5, 'mean');
  });
});

test('short polling with an RTT longer than the interval: polls go out back to back, one RTT apart', () => {
  // Interval 100 ms, RTT 150 ms: 6.67 polls/s; a message waits 75 ms on average, then 75 ms down.
  const model = modelFor('polling', broadcast({ intervalMs: 100 }), WIRE, {
    rttMs: 150,
    publisherLatenessMs: 0,
    messagesPerAnswer: null,
    fanOutMs: 0,
    arrivalSpreadMs: 0,
  });
  assert.deepEqual(model.latencyMs, { mean: 150, max: 225 });
  assert.match(model.formula, /6\.67 polls\/s/);
});

test("a foreign server (--target): the publish hop is the publish round trip less the answer's way back, added to every technique", () => {
  // Publish round trip 3 ms, probe RTT 12 ms through a 5 ms proxy: loopback RTT 2 ms, the answer's way back 1 ms.
  close(publishHopMs(3, 12, 5), 2, 'hop');
  // A way back longer than half the round trip would leave less than the way up: half the round trip is the floor.
  close(publishHopMs(1, 4, 0), 0.5, 'floor');
  const withHop = modelFor('websocket', broadcast(), WIRE, { ...MEASURED, publishHopMs: 2 });
  assert.deepEqual(withHop.latencyMs, { mean: 8, max: 8 });
  assert.match(withHop.formula, /2 ms the publish hop/);
  assert.deepEqual(modelFor('polling', broadcast(), WIRE, { ...MEASURED, publishHopMs: 2 }).latencyMs, { mean: 508, max: 1008 });
});

test('the network term: the fastest probe, not the median (a slower probe waited for a CPU)', async () => {
  const { networkRttMs } = await import('../../run/rtt-probe.ts');
  // The probe of 2026-12-07's SSE run at 5 ms each way, load average 13: median 15.434, fastest 10.941.
  const samplesMs = [15.434, 13.589, 14.376, 15.72, 20.322, 10.941, 29.38, 15.657, 13.576];
  assert.equal(networkRttMs({ samplesMs, rttMs: 15.434 }), 10.941);
  assert.equal(networkRttMs({ samplesMs: [], rttMs: 3 }), 3, 'no samples: the median given');
  // SSE: one trip, half the fastest probe: 10.941 / 2 + 1 ms lateness = 6.4705 ms.
  close(
    modelFor('sse', broadcast(), WIRE, { ...MEASURED, rttMs: networkRttMs({ samplesMs, rttMs: 15.434 }) }).latencyMs.mean,
    6.4705,
    'sse',
  );
});

test('the delaying proxy: its own lateness per chunk in the window, in full, once per hop (down; up and down in chat)', async () => {
  const { proxyLatenessIn } = await import('../../run/technique-run.ts');
  // Window: from 50 chunks 0.3 ms late each (15 ms) to 150 chunks 1.1 ms each (165 ms): 150 ms over 100 chunks, 1.5 ms.
  close(proxyLatenessIn({ chunks: 50, meanMs: 0.3, maxMs: 1, early: 0 }, { chunks: 150, meanMs: 1.1, maxMs: 3, early: 0 }), 1.5, 'window');
  assert.equal(proxyLatenessIn(undefined, undefined), 0, 'no proxy');
  assert.equal(
    proxyLatenessIn({ chunks: 5, meanMs: 1, maxMs: 1, early: 0 }, { chunks: 5, meanMs: 1, maxMs: 1, early: 0 }),
    0,
    'no release',
  );
  // 1 ms lateness + 5 ms down + 1.5 ms the proxy's = 7.5 ms.
  const model = modelFor('websocket', broadcast(), WIRE, { ...MEASURED, proxyExtraMs: 1.5 });
  assert.deepEqual(model.latencyMs, { mean: 7.5, max: 7.5 });
  assert.match(model.formula, /1\.5 ms the delaying proxy's own lateness in the window \(measured, 1 hop\)/);
  const chat = tinyParams({ workload: 'chat', clients: 20, roomSize: 10, rate: 1 });
  const withProxy = modelFor('websocket', chat, WIRE, { ...MEASURED, proxyExtraMs: 1.5 }).latencyMs.mean;
  close(withProxy - modelFor('websocket', chat, WIRE, MEASURED).latencyMs.mean, 3, 'chat: two hops');
  // Never below the network: a lateness is never negative, and none is subtracted.
  assert.deepEqual(modelFor('websocket', broadcast(), WIRE, { ...MEASURED, proxyExtraMs: 0 }).latencyMs, { mean: 6, max: 6 });
});

test('short polling with a round trip just past the interval: gaps of R and 3T - R, as the driver schedules them', async () => {
  const { pollCycle } = await import('../../run/techniques/polling.ts');
  // T 100, R 102: late at 102 (due 200), on time at 300, late at 402 (due 500), ...: gaps 102, 198.
  const cycle = pollCycle(100, 102);
  close(cycle.meanGapMs, 150, 'mean gap');
  close(cycle.meanWaitMs, (102 ** 2 + 198 ** 2) / (2 * 300), 'mean residual wait');
  assert.equal(cycle.maxGapMs, 198);
  const model = modelFor('polling', broadcast({ intervalMs: 100, rate: 10 }), WIRE, {
    rttMs: 102,
    publisherLatenessMs: 0,
    messagesPerAnswer: null,
    fanOutMs: 0,
    arrivalSpreadMs: 0,
  });
  close(model.latencyMs.mean, (102 ** 2 + 198 ** 2) / 600 + 51, 'mean latency');
  assert.match(model.formula, /polls come every 150 ms on average/);
});

test('long polling: the wait for the next request is not added again from the arrival spread that holds it', () => {
  // 10 msg/s, RTT 102 ms: every message waits RTT/2 = 51 ms; the clients' spread, 30 ms, is that wait, not a queue.
  const params = broadcast({ rate: 10 });
  const measured = { rttMs: 102, publisherLatenessMs: 0, messagesPerAnswer: null, fanOutMs: 0.2, arrivalSpreadMs: 30 };
  close(modelFor('longpoll', params, WIRE, measured).latencyMs.mean, 51 + 51 + 0.2, 'mean');
  // Messages further apart than the RTT never wait: the whole spread is queue.
  close(modelFor('longpoll', broadcast({ rate: 1 }), WIRE, { ...measured, rttMs: 10 }).latencyMs.mean, 5 + 0.2 + 30, 'no wait');
});
