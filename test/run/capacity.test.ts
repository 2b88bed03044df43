/**
 * Capacity wiring on tiny durations: load processes reach /poll, the rounds are counted by the
 * server itself with its event-loop use beside every load process's, the fixed-rate phase
 * gives the server's CPU per poll, the arithmetic is worked out by hand, and every process the
 * probe started is gone afterwards. No speed threshold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { median } from '../../core/spread.ts';
import {
  CapacityError,
  LOAD_ELU_TO_ADD,
  clientsPerCore,
  maxClientsByInterval,
  measureCapacity,
  nextLoadProcessCount,
  roundBetween,
  splitConnections,
  utilization,
} from '../../run/capacity.ts';
import { liveChildren } from '../../run/children.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import type { ServerStats } from '../../core/protocol.ts';
import type { PollLoadSample } from '../../load/poll-load.ts';

const quiet = (): void => {};
const TINY = {
  loadProcesses: 2,
  connections: 4,
  warmupMs: 100,
  rounds: 2,
  durationMs: 200,
  fixedRate: 200,
  fixedRateMs: 200,
  progress: quiet,
};

describe('measureCapacity', () => {
  test('spawns a polling server and load processes, measures rounds and the cost per poll, and closes them all', async () => {
    const result = await measureCapacity({ ...TINY, headers: HEADER_PROFILES.minimal.poll });
    assert.ok(result.requestsPerSecond > 0, `req/s ${result.requestsPerSecond}`);
    assert.equal(result.connections, 4);
    assert.equal(result.loadProcesses, 2, 'an explicit count wins');
    assert.equal(result.loadProcessSearch, undefined, 'no search when the count is given');
    assert.equal(result.wire, 'http');
    assert.equal(result.durationMs, 200);
    assert.equal(result.rounds?.length, 2);
    for (const round of result.rounds!) {
      assert.equal(round.loadEventLoopUtilization.length, 2, 'one figure per load process');
      assert.ok(round.serverEventLoopUtilization !== null && round.serverEventLoopUtilization > 0 && round.serverEventLoopUtilization <= 1);
      assert.ok(round.serverCpuMicrosPerPoll !== null && round.serverCpuMicrosPerPoll > 0);
    }
    assert.equal(result.requestsPerSecond, median(result.rounds!.map((r) => r.requestsPerSecond)));
    assert.equal(result.maxLoadEventLoopUtilization, Math.max(...result.rounds!.flatMap((r) => r.loadEventLoopUtilization)));
    assert.equal(typeof result.saturated, 'boolean');
    assert.deepEqual(result.maxClientsByInterval, maxClientsByInterval(result.requestsPerSecond, [250, 1000, 5000, 10_000]));
    const cost = result.costAtFixedRate!;
    assert.equal(cost.targetRequestsPerSecond, 200);
    assert.ok(cost.requestsPerSecond > 0 && cost.cpuMicrosPerPoll > 0);
    assert.deepEqual(cost.clientsPerCoreByInterval, clientsPerCore(cost.cpuMicrosPerPoll, [250, 1000, 5000, 10_000]));
    assert.equal(liveChildren(), 0, 'the server and the load processes have exited');
    await assert.rejects(request(`${result.url}/`), /ECONNREFUSED/);
  });

  test('without a count: starts with one load process and adds one only as the rule says, up to the cap', async () => {
    const { loadProcesses: _, ...auto } = TINY;
    const result = await measureCapacity({
      ...auto,
      connections: 3,
      maxLoadProcesses: 2,
      fixedRate: 0,
      headers: HEADER_PROFILES.minimal.poll,
      headerProfile: 'minimal',
    });
    const search = result.loadProcessSearch!;
    assert.ok(search.length >= 1 && search.length <= 2, JSON.stringify(search));
    assert.equal(search[0]!.loadProcesses, 1, 'the search starts with one');
    search.forEach((step, i) => {
      // Each step led to the next one exactly as the rule says, and the last one stayed.
      assert.equal(nextLoadProcessCount(step, 2), i + 1 < search.length ? search[i + 1]!.loadProcesses : null, JSON.stringify(search));
    });
    assert.equal(result.loadProcesses, search.at(-1)!.loadProcesses);
    assert.equal(result.rounds![0]!.loadEventLoopUtilization.length, result.loadProcesses, 'every load process measured in the rounds');
    assert.equal(result.connections, 3);
    assert.equal(result.headers, 'minimal');
    assert.equal(result.costAtFixedRate, null, 'fixedRate 0 skips the cost');
    assert.equal(liveChildren(), 0);
  });

  test('the rule: one more load process while the busiest is above the threshold, up to the cap', () => {
    assert.equal(LOAD_ELU_TO_ADD, 0.5);
    const step = (loadProcesses: number, server: number | null, load: number) => ({
      loadProcesses,
      serverEventLoopUtilization: server,
      maxLoadEventLoopUtilization: load,
    });
    // HTTP/1.1 on 2 cores: one load process at 0.6 gets a second, two at 0.4 stay.
    assert.equal(nextLoadProcessCount(step(1, 0.96, 0.6), 3), 2, 'a busy load process: add one, whatever the server read');
    assert.equal(nextLoadProcessCount(step(2, 0.99, 0.4), 3), null, 'two at 0.4: they stay');
    // HTTP/2: one at 0.3 stays.
    assert.equal(nextLoadProcessCount(step(1, 1, 0.3), 3), null);
    assert.equal(nextLoadProcessCount(step(2, 0.8, 0.51), 3), 3);
    assert.equal(nextLoadProcessCount(step(3, 0.8, 0.99), 3), null, 'at the cap: stays');
    assert.equal(nextLoadProcessCount(step(1, 0.8, 0.5), 3), null, 'at the threshold: stays (above it adds)');
    assert.equal(nextLoadProcessCount(step(1, null, 0.8), 3), 2, 'a server that cannot be asked: the same rule');
    // The first processes take one more where the count does not divide.
    assert.deepEqual(splitConnections(96, 1), [96]);
    assert.deepEqual(splitConnections(96, 2), [48, 48]);
    assert.deepEqual(splitConnections(96, 3), [32, 32, 32]);
    assert.deepEqual(splitConnections(97, 3), [33, 32, 32]);
    assert.deepEqual(splitConnections(5, 3), [2, 2, 1]);
  });

  test('the arithmetic: clients per interval from polls/s, clients per core from CPU per poll, utilisation, median', () => {
    assert.deepEqual(maxClientsByInterval(1234.5, [250, 1000, 5000]), [
      { intervalMs: 250, clients: 308 }, // 1234.5 x 0.25 = 308.6
      { intervalMs: 1000, clients: 1234 },
      { intervalMs: 5000, clients: 6172 }, // 1234.5 x 5 = 6172.5
    ]);
    // 40 µs per poll: a client polling every 250 ms costs 40 µs of each 250,000 µs: 6,250 clients per core.
    assert.deepEqual(clientsPerCore(40, [250, 1000]), [
      { intervalMs: 250, clients: 6250 },
      { intervalMs: 1000, clients: 25_000 },
    ]);
    assert.deepEqual(clientsPerCore(30, [1000]), [{ intervalMs: 1000, clients: 33_333 }]);
    assert.equal(utilization({ eluActiveMs: 100, eluIdleMs: 900 }, { eluActiveMs: 575, eluIdleMs: 925 }), 0.95);
  });

  test("a round: polls/s and CPU per poll from the server's own counters, event-loop use of each side", () => {
    const server = (at: number, requests: number, cpuMicros: number, active: number, idle: number): ServerStats =>
      ({
        at,
        techniques: { polling: { requests, emptyResponses: requests, messagesWritten: 0, open: 4 } },
        process: { cpuMicros, rssBytes: 0, eluActiveMs: active, eluIdleMs: idle },
      }) as unknown as ServerStats;
    const load = (responses: number, active: number, idle: number): PollLoadSample => ({
      at: 0,
      responses,
      non200: 0,
      errors: 0,
      firstError: null,
      late: 0,
      cpuMicros: 0,
      eluActiveMs: active,
      eluIdleMs: idle,
      latency: '',
    });
    // 0.5 s apart: 20,000 polls answered (40,000/s) for 400,000 µs of CPU (20 µs each); the server's loop 490 of 500 ms busy.
    const a = { at: 1_000_000, server: server(1_000_000, 10_000, 5_000_000, 1000, 100), loads: [load(9000, 10, 90), load(9000, 10, 90)] };
    const b = {
      at: 1_500_000,
      server: server(1_500_000, 30_000, 5_400_000, 1490, 110),
      loads: [load(19_000, 210, 390), load(19_000, 110, 490)],
    };
    assert.deepEqual(roundBetween(a, b), {
      requestsPerSecond: 40_000,
      serverCpuMicrosPerPoll: 20,
      serverEventLoopUtilization: 0.98,
      loadEventLoopUtilization: [0.4, 0.2],
    });
    // Against a server the probe cannot ask: the load's own responses, no server figures.
    assert.deepEqual(roundBetween({ ...a, server: null }, { ...b, server: null }), {
      requestsPerSecond: 40_000,
      serverCpuMicrosPerPoll: null,
      serverEventLoopUtilization: null,
      loadEventLoopUtilization: [0.4, 0.2],
    });
  });

  test('bad options are refused with the exact reason', async () => {
    await assert.rejects(measureCapacity({ loadProcesses: 0, headers: [] }), (error: unknown) => {
      assert.ok(error instanceof CapacityError);
      assert.equal(error.code, 'PUSHBENCH_CAPACITY');
      assert.equal(error.message, 'invalid loadProcesses: received 0; expected an integer >= 1');
      return true;
    });
    await assert.rejects(measureCapacity({ connections: 1.5, headers: [] }), {
      message: 'invalid connections: received 1.5; expected an integer >= 1',
    });
    await assert.rejects(measureCapacity({ maxLoadProcesses: 0, headers: [] }), {
      message: 'invalid maxLoadProcesses: received 0; expected an integer >= 1',
    });
    await assert.rejects(measureCapacity({ loadProcesses: 3, connections: 2, headers: [] }), {
      message: 'invalid connections: received 2; expected at least one per load process (loadProcesses 3)',
    });
    await assert.rejects(measureCapacity({ durationMs: 10, headers: [] }), {
      message: 'invalid durationMs: received 10; expected at least 100',
    });
    await assert.rejects(measureCapacity({ fixedRate: -1, headers: [] }), {
      message: 'invalid fixedRate: received -1; expected requests/s >= 0 (0 skips the cost measurement)',
    });
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
    const result = await measureCapacity({ ...TINY, url: `${server.url}/`, headers: HEADER_PROFILES.browser.poll });
    assert.equal(result.url, server.url);
    const stats = server.stats();
    assert.ok((stats.techniques.polling?.requests ?? 0) > 0);
    assert.equal(stats.techniques.polling?.emptyResponses, stats.techniques.polling?.requests, 'since=head: every poll came back []');
    assert.equal(stats.rejected.badRequest, 0);
    // A server the probe did not start: counted by the load, no server figures, no cost phase.
    assert.equal(result.serverEventLoopUtilization, null);
    assert.equal(result.costAtFixedRate, null);
    assert.equal(result.saturated, false);
    const res = await request(`${server.url}/`);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(liveChildren(), 0);
  });
});
