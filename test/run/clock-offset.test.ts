import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { nowMicros } from '../../core/protocol.ts';
import { DelayProxy } from '../../load/delay-proxy.ts';
import { driftMicrosPerSecond, estimateOffset, probeClock } from '../../run/clock-offset.ts';
import { clockAnswer } from '../../run/coordinator.ts';

test('the minimum-round-trip sample wins, and the offset is the publisher clock moved onto the shard', () => {
  // Publisher 1000 µs ahead (true offset shard - publisher = -1000); way out 300 µs, way back 100 µs.
  const tight = { t0: 0, t1: 1300, t2: 1300, t3: 400 };
  // A slower exchange of the same clocks: 2000 µs out, 100 back.
  const loose = { t0: 10_000, t1: 13_000, t2: 13_000, t3: 12_100 };
  const estimate = estimateOffset([loose, tight]);
  // θ = ((1300 - 0) + (1300 - 400)) / 2 = 1100; offset = -θ; bound = (400 - 0) / 2.
  assert.equal(estimate.offsetMicros, -1100);
  assert.equal(estimate.boundMicros, 200);
  assert.equal(estimate.rttMicros, 400);
  assert.equal(estimate.atMicros, 200);
  assert.ok(Math.abs(estimate.offsetMicros - -1000) <= estimate.boundMicros);
});

test("the publisher's hold between receiving and answering is not round trip", () => {
  const estimate = estimateOffset([{ t0: 0, t1: 600, t2: 5600, t3: 5200 }]);
  assert.equal(estimate.rttMicros, 200);
  assert.equal(estimate.offsetMicros, -(600 + 400) / 2);
});

test('drift is the change of the offset per second between two estimates', () => {
  const a = { offsetMicros: 100, boundMicros: 5, rttMicros: 10, samples: 1, atMicros: 0 };
  const b = { ...a, offsetMicros: 130, atMicros: 2_000_000 };
  assert.equal(driftMicrosPerSecond(a, b), 15);
});

test('a sample whose round trip is negative is a clock bug, not an estimate', () => {
  assert.throws(() => estimateOffset([{ t0: 100, t1: 0, t2: 0, t3: 50 }]), /negative round trip/);
  assert.throws(() => estimateOffset([]), /no clock samples/);
});

// A publisher whose clock is 7 ms ahead, reached through a path 30 ms out and 5 ms back.
const SKEW_MICROS = 7000;
let server: http.Server;
let proxy: DelayProxy;

before(async () => {
  server = http.createServer((_req, res) => {
    const body = clockAnswer(() => nowMicros() + SKEW_MICROS);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy = await DelayProxy.start({
    delayMs: 5,
    upDelayMs: 30,
    upstream: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
  });
});

after(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('through an asymmetric delaying proxy the bound contains the true offset', async () => {
  const estimate = await probeClock(proxy.origin, 8);
  const truth = -SKEW_MICROS;
  assert.ok(
    Math.abs(estimate.offsetMicros - truth) <= estimate.boundMicros,
    `offset ${estimate.offsetMicros} ± ${estimate.boundMicros} does not contain ${truth}`,
  );
  // Every exchange crossed 30 + 5 ms of injected delay: the bound cannot be tighter than half of it.
  assert.ok(estimate.boundMicros >= 17_500, `bound ${estimate.boundMicros} µs is below half the injected round trip`);
  assert.equal(estimate.samples, 8);
});
