/**
 * Capacity wiring on tiny durations: autocannon reaches /poll, the figures are derived
 * from the measured req/s, and a server we spawn is gone afterwards. No speed threshold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { CapacityError, maxClientsByInterval, measureCapacity } from '../../run/capacity.ts';
import { liveChildren } from '../../run/children.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import { startServer, type PushServer } from '../../servers/server.ts';

const quiet = (): void => {};

describe('measureCapacity', () => {
  test('spawns a polling server, measures it, and closes it', async () => {
    const result = await measureCapacity({ connections: 5, durationMs: 500, headers: HEADER_PROFILES.minimal.poll, progress: quiet });
    assert.ok(result.requestsPerSecond > 0, `req/s ${result.requestsPerSecond}`);
    assert.ok(result.latencyMsP99 >= 0);
    assert.equal(result.connections, 5);
    assert.equal(result.durationMs, 500);
    assert.deepEqual(
      result.maxClientsByInterval,
      [250, 1000, 5000, 10_000].map((intervalMs) => ({ intervalMs, clients: Math.floor((result.requestsPerSecond * intervalMs) / 1000) })),
    );
    assert.equal(liveChildren(), 0, 'the spawned server process has exited');
    await assert.rejects(request(`${result.url}/`), /ECONNREFUSED/);
  });

  test('the clients-per-interval arithmetic', () => {
    assert.deepEqual(maxClientsByInterval(1234.5, [250, 1000, 5000]), [
      { intervalMs: 250, clients: 308 }, // 1234.5 x 0.25 = 308.6
      { intervalMs: 1000, clients: 1234 },
      { intervalMs: 5000, clients: 6172 }, // 1234.5 x 5 = 6172.5
    ]);
  });

  test('bad options are refused with the exact reason', async () => {
    await assert.rejects(measureCapacity({ connections: 0, headers: [] }), (error: unknown) => {
      assert.ok(error instanceof CapacityError);
      assert.equal(error.code, 'PUSHBENCH_CAPACITY');
      assert.equal(error.message, 'invalid connections: received 0; expected an integer >= 1');
      return true;
    });
    await assert.rejects(measureCapacity({ durationMs: 10, headers: [] }), { message: 'invalid durationMs: received 10; expected at least 100' });
    await assert.rejects(measureCapacity({ intervalsMs: [1000, 0], headers: [] }), {
      message: 'invalid intervalsMs: received 0; every interval must be a positive number of ms',
    });
  });
});

describe('measureCapacity against a running server', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ techniques: ['polling'], rate: 0 });
    for (let i = 0; i < 3; i++) server.publish('x');
  });
  after(() => server.close());

  test('polls from the current head with the given headers and leaves the server running', async () => {
    const result = await measureCapacity({ url: `${server.url}/`, connections: 2, durationMs: 300, headers: HEADER_PROFILES.browser.poll, progress: quiet });
    assert.equal(result.url, server.url);
    const stats = server.stats();
    assert.ok((stats.techniques.polling?.requests ?? 0) > 0);
    assert.equal(stats.techniques.polling?.emptyResponses, stats.techniques.polling?.requests, 'since=head: every poll came back []');
    assert.equal(stats.rejected.badRequest, 0);
    const res = await request(`${server.url}/`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  });
});
