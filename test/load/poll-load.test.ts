/**
 * The capacity probe's load: closed loop keeps every connection busy; open loop never sends
 * ahead of its schedule; both count responses, errors and event-loop use. A real server on
 * port 0; no timing thresholds (the open-loop bound is the schedule itself).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeHistogram } from '../../core/histogram.ts';
import { nowMicros } from '../../core/protocol.ts';
import { PollLoad } from '../../load/poll-load.ts';
import { startServer, type PushServer } from '../../servers/server.ts';

let server: PushServer;
before(async () => {
  server = await startServer({ techniques: ['polling'], rate: 0 });
});
after(() => server.close());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('closed loop: every response counted, by the load and by the server alike, with its latency', async () => {
  const before = server.stats().techniques.polling!.requests;
  const load = new PollLoad({
    origin: server.url,
    path: '/poll?since=0',
    headers: [['X-Probe', '1']],
    connections: 3,
    ratePerSecond: null,
  });
  await load.connect();
  load.start();
  await sleep(150);
  await load.stop();
  const sample = load.sample();
  assert.ok(sample.responses > 3, `responses ${sample.responses}`);
  assert.equal(sample.non200, 0);
  assert.equal(sample.errors, 0);
  assert.equal(
    server.stats().techniques.polling!.requests - before,
    sample.responses,
    'the server answered exactly what the load received',
  );
  assert.equal(decodeHistogram(sample.latency).totalCount, sample.responses);
  assert.ok(sample.eluActiveMs >= 0 && sample.eluIdleMs >= 0 && sample.cpuMicros > 0);
});

test('open loop: never ahead of its schedule, each connection on its own grid', async () => {
  const load = new PollLoad({ origin: server.url, path: '/poll?since=0', headers: [], connections: 2, ratePerSecond: 100 });
  await load.connect();
  const startAt = nowMicros() + 20_000;
  load.start(startAt);
  await sleep(320);
  await load.stop();
  const elapsedMicros = nowMicros() - startAt;
  const sample = load.sample();
  // Requests are due at startAt + k x 10 ms: at most one per due time that has passed.
  assert.ok(sample.responses <= Math.floor(elapsedMicros / 10_000) + 1, `${sample.responses} responses in ${elapsedMicros} µs`);
  assert.ok(sample.responses > 0);
  assert.equal(sample.errors, 0);
});

test('a refused connection is an error with its reason, not a crash', async () => {
  const load = new PollLoad({ origin: 'http://127.0.0.1:1', path: '/poll', headers: [], connections: 1, ratePerSecond: null });
  await assert.rejects(load.connect(), /ECONNREFUSED/);
  load.start();
  await sleep(120);
  await load.stop();
  const sample = load.sample();
  assert.ok(sample.errors >= 1);
  assert.match(sample.firstError ?? '', /ECONNREFUSED/);
  assert.equal(sample.responses, 0);
});
