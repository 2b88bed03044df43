/**
 * The statistics of a technique result, computed from hand-made reports of two
 * generator processes and a server: every figure below is worked out by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GeneratorWindowResult } from '../../core/ipc.ts';
import { createLatencyHistogram, encodeHistogram, recordLatency } from '../../core/histogram.ts';
import {
  buildCompletedResult,
  expectedMessages,
  foreignServerCost,
  judgeDelivery,
  kernelCheck,
  roomMembers,
  type ServerWindow,
  type WindowInputs,
} from '../../run/result-builder.ts';
import type { ModelEstimate, ScenarioParams } from '../../core/results.ts';
import type { ServerStats } from '../../core/protocol.ts';

const MODEL: ModelEstimate = {
  requestHeadBytes: 0,
  responseHeadBytes: 0,
  perMessage: { totalBytes: 0, overheadBytes: 0 },
  latencyMs: { mean: 0, max: 0 },
  formula: '',
};

const PARAMS: ScenarioParams = {
  workload: 'broadcast',
  clients: 4,
  rate: 1,
  payloadBytes: 64,
  messageBytes: 98,
  intervalMs: 1000,
  holdMs: 30_000,
  durationMs: 2000,
  warmupMs: 0,
  headers: 'minimal',
  roomSize: 1,
  target: null,
};

/** The inputs that only a foreign target fills in, empty. */
const NOT_FOREIGN = { foreign: null, publisher: null, kernel: null } satisfies Partial<WindowInputs>;

function histogramOf(millis: number[]): string {
  const h = createLatencyHistogram();
  for (const ms of millis) recordLatency(h, ms * 1000);
  return encodeHistogram(h);
}

function generator(overrides: Partial<GeneratorWindowResult>): GeneratorWindowResult {
  return {
    counts: {
      delivered: 0,
      duplicated: 0,
      outOfOrder: 0,
      receivedInWindow: 0,
      payloadInWindow: 0,
      unmatched: 0,
      stale: 0,
      arrivalSpreadMicros: 0,
      latencySeqs: {},
    },
    histogram: histogramOf([]),
    publishLateness: histogramOf([]),
    bytes: { up: 0, down: 0 },
    windowMicros: 2_000_000,
    requests: { total: 0, empty: 0, late: 0 },
    sent: 0,
    sentPayload: 0,
    errors: { count: 0, first: [] },
    responseHead: null,
    ...overrides,
  };
}

function stats(
  at: number,
  cpuMicros: number,
  rssBytes: number,
  elu: [number, number],
  bytes: [number, number],
  open: number,
  publisher = { busyWaitMicros: 0, blockedMicros: 0, latenessHistogram: histogramOf([]), fanOutHistogram: histogramOf([]) },
): ServerStats {
  return {
    at,
    bytes: { up: bytes[0], down: bytes[1], setupUp: 0, setupDown: 0 },
    bytesByRoute: {},
    techniques: {},
    connections: { open, total: open },
    published: 0,
    lateTicks: 0,
    maxTickLateMs: 0,
    publisher,
    rejected: { badRequest: 0, notFound: 0, methodNotAllowed: 0, gone: 0, tooLarge: 0, forbidden: 0 },
    process: { cpuMicros, rssBytes, eluIdleMs: elu[0], eluActiveMs: elu[1] },
  };
}

test('two generator processes: counters add up and the latency histograms merge, never averaging percentiles', () => {
  // Process A's 2 clients received 2 messages each (latencies 1, 2, 3, 4 ms); process B's 2 clients
  // 2 messages each (100, 200, 300, 400 ms). Averaging the two p50s would say ~101 ms; the merged p50 is 4 ms.
  const a = generator({
    counts: {
      delivered: 4,
      duplicated: 0,
      outOfOrder: 0,
      receivedInWindow: 4,
      payloadInWindow: 4 * 98,
      unmatched: 0,
      stale: 0,
      arrivalSpreadMicros: 0,
      latencySeqs: { broadcast: [1, 2] },
    },
    histogram: histogramOf([1, 2, 3, 4]),
    bytes: { up: 0, down: 4 * 100 },
  });
  const b = generator({
    counts: {
      delivered: 4,
      duplicated: 1,
      outOfOrder: 0,
      receivedInWindow: 4,
      payloadInWindow: 4 * 98,
      unmatched: 0,
      stale: 0,
      arrivalSpreadMicros: 0,
      latencySeqs: { broadcast: [1, 2] },
    },
    histogram: histogramOf([100, 200, 300, 400]),
    bytes: { up: 0, down: 4 * 100 },
  });
  const server: ServerWindow = {
    idle: stats(0, 0, 50_000_000, [0, 0], [0, 0], 0),
    start: stats(1_000_000, 100_000, 60_000_000, [900, 100], [100, 200], 4),
    // 2 s later: 50 ms of CPU (2.5%), RSS 54 MB, 1.6 s idle and 0.4 s active (ELU 0.2).
    end: stats(3_000_000, 150_000, 54_000_000, [2500, 500], [100, 1000], 4),
    final: stats(4_000_000, 160_000, 54_000_000, [3000, 600], [500, 1500], 0),
    windowCount: { broadcast: 2 },
  };
  const r = buildCompletedResult({
    technique: 'websocket',
    params: PARAMS,
    requestBased: false,
    generators: [a, b],
    clientTotals: [
      { up: 250, down: 750 },
      { up: 250, down: 750 },
    ],
    server,
    published: server.windowCount,
    ...NOT_FOREIGN,
    model: MODEL,
  });

  assert.deepEqual(r.messages, { published: 2, expected: 8, delivered: 8, lost: 0, duplicated: 1, outOfOrder: 0, unmatched: 0, stale: 0 });
  assert.equal(r.latencyMs.count, 8);
  // Both processes saw seqs 1 and 2: 8 samples of 2 distinct messages (the union, not 2 + 2).
  assert.equal(r.latencyMs.messages, 2);
  assert.ok(Math.abs(r.latencyMs.p50 - 4) < 0.01, `merged p50 ${r.latencyMs.p50} ms`);
  assert.ok(Math.abs(r.latencyMs.max - 400) / 400 < 0.001, `merged max ${r.latencyMs.max} ms`);
  assert.ok(Math.abs(r.latencyMs.mean - 126.25) < 0.2, `merged mean ${r.latencyMs.mean} ms (1010 / 8)`);
  assert.ok(Math.abs(r.latencyMs.min - 1) < 0.01);

  // 800 bytes down for 8 messages of 98 B: 100 B each, 2 B of it overhead.
  assert.deepEqual(r.bytes, { up: 0, down: 800, payload: 784, setup: 0, setupUp: 0, setupDown: 0 });
  assert.equal(r.perMessage.totalBytes, 100);
  assert.equal(r.perMessage.overheadBytes, 2);
  assert.equal(r.perMessage.downOverheadBytes, 2);
  // 400 B per process per 2 s = 200 B/s each, 400 B/s together: 3,200 bit/s, 100 B/s per client.
  assert.equal(r.bitsPerSecond, 3200);
  assert.equal(r.perClientBytesPerSecond, 100);

  assert.equal(r.server!.cpuPercent, 2.5);
  assert.equal(r.server!.eventLoopUtilization, 0.2);
  assert.equal(r.server!.bytesPerConnection, 1_000_000, '(54 MB - 50 MB idle) / 4 clients');
  assert.deepEqual(r.agreement, { serverUp: 500, serverDown: 1500, clientUp: 500, clientDown: 1500, agree: true });
});

test('disagreeing byte totals are reported, not hidden', () => {
  const server: ServerWindow = {
    idle: stats(0, 0, 1, [0, 0], [0, 0], 0),
    start: stats(0, 0, 1, [0, 0], [0, 0], 0),
    end: stats(1, 0, 1, [0, 0], [0, 0], 0),
    final: stats(2, 0, 1, [0, 0], [500, 1500], 0),
    windowCount: {},
  };
  const r = buildCompletedResult({
    technique: 'sse',
    params: PARAMS,
    requestBased: false,
    generators: [generator({})],
    clientTotals: [{ up: 500, down: 1499 }],
    server,
    published: server.windowCount,
    ...NOT_FOREIGN,
    model: MODEL,
  });
  assert.equal(r.agreement!.agree, false);
});

test("chat: expected counts each room's messages times its members; lost is what did not arrive", () => {
  const params: ScenarioParams = { ...PARAMS, workload: 'chat', clients: 7, roomSize: 3 };
  assert.deepEqual(
    [0, 1, 2, 3].map((room) => roomMembers(room, 7, 3)),
    [3, 3, 1, 0],
  );
  // Rooms 0, 1 and 2 published 4, 5 and 6 messages: 4x3 + 5x3 + 6x1 = 33 deliveries expected.
  assert.deepEqual(expectedMessages(params, { 0: 4, 1: 5, 2: 6 }), { published: 15, expected: 33 });
  const r = buildCompletedResult({
    technique: 'websocket',
    params,
    requestBased: false,
    clientTotals: [null],
    server: null,
    ...NOT_FOREIGN,
    model: MODEL,
    published: { 0: 4, 1: 5, 2: 6 },
    generators: [
      generator({
        counts: {
          delivered: 30,
          duplicated: 0,
          outOfOrder: 2,
          receivedInWindow: 30,
          payloadInWindow: 3000,
          unmatched: 0,
          stale: 0,
          arrivalSpreadMicros: 0,
          latencySeqs: {},
        },
      }),
    ],
  });
  assert.equal(r.messages.expected, 33);
  assert.equal(r.messages.lost, 3);
  assert.equal(r.messages.outOfOrder, 2);
  assert.equal(r.server, null);
  assert.equal(r.agreement, null, 'no server totals to compare with');
});

test('memory per connection is not attributed when RSS grew less than the heap grows in one step', () => {
  const server = (endRss: number): ServerWindow => ({
    idle: stats(0, 0, 50_000_000, [0, 0], [0, 0], 0),
    start: stats(0, 0, 50_000_000, [0, 0], [0, 0], 10),
    end: stats(1, 0, endRss, [0, 0], [0, 0], 10),
    final: stats(2, 0, endRss, [0, 0], [0, 0], 0),
    windowCount: {},
  });
  const build = (endRss: number) =>
    buildCompletedResult({
      technique: 'sse',
      params: { ...PARAMS, clients: 10 },
      requestBased: false,
      generators: [generator({})],
      clientTotals: [null],
      server: server(endRss),
      published: {},
      ...NOT_FOREIGN,
      model: MODEL,
    });
  assert.equal(build(52_000_000).server!.bytesPerConnection, null, '2 MB over 10 clients is heap noise, not 200 kB each');
  assert.equal(build(46_000_000).server!.bytesPerConnection, null, 'RSS that shrank says nothing either');
  assert.equal(build(60_000_000).server!.bytesPerConnection, 1_000_000);
});

test('a run that delivers nothing, or has nothing published, fails instead of reading "0 lost"', () => {
  const base = buildCompletedResult({
    technique: 'sse',
    params: PARAMS,
    requestBased: false,
    generators: [generator({})],
    clientTotals: [null],
    server: null,
    published: { broadcast: 3 },
    ...NOT_FOREIGN,
    model: MODEL,
  });
  assert.equal(base.messages.expected, 3 * PARAMS.clients, 'expected comes from the publishes accepted, not from what arrived');
  const nothing = judgeDelivery(base);
  assert.equal(nothing.state, 'failed');
  assert.match(nothing.state === 'failed' ? nothing.error : '', /nothing delivered: 0 of \d+ expected messages arrived/);
  const unpublished = judgeDelivery(
    buildCompletedResult({
      technique: 'sse',
      params: PARAMS,
      requestBased: false,
      generators: [generator({})],
      clientTotals: [null],
      server: null,
      published: {},
      ...NOT_FOREIGN,
      model: MODEL,
    }),
  );
  assert.match(unpublished.state === 'failed' ? unpublished.error : '', /no message was accepted for publishing/);
});

test('the publisher: its lateness histogram is carried, and its busy-wait is taken out of the server CPU', () => {
  // 2 s window: 100 ms of process CPU, of which 20 ms were the publisher's busy-wait (1%): the server's own is 80 ms (4%).
  const lateness = histogramOf([0.002, 0.004, 0.03]);
  const server: ServerWindow = {
    idle: stats(0, 0, 50_000_000, [0, 0], [0, 0], 0),
    start: stats(1_000_000, 500_000, 50_000_000, [0, 0], [0, 0], 4, {
      busyWaitMicros: 10_000,
      blockedMicros: 50_000,
      latenessHistogram: histogramOf([]),
      fanOutHistogram: histogramOf([]),
    }),
    end: stats(3_000_000, 600_000, 50_000_000, [0, 0], [0, 0], 4, {
      busyWaitMicros: 30_000,
      blockedMicros: 130_000,
      latenessHistogram: histogramOf([0.002]),
      fanOutHistogram: histogramOf([0.2]),
    }),
    final: stats(4_000_000, 600_000, 50_000_000, [0, 0], [0, 0], 0, {
      busyWaitMicros: 30_000,
      blockedMicros: 130_000,
      latenessHistogram: lateness,
      fanOutHistogram: histogramOf([0.1, 0.2, 0.6]),
    }),
    windowCount: { broadcast: 3 },
  };
  const r = buildCompletedResult({
    technique: 'websocket',
    params: PARAMS,
    requestBased: false,
    generators: [generator({})],
    clientTotals: [null],
    server,
    published: server.windowCount,
    ...NOT_FOREIGN,
    model: MODEL,
  });
  assert.equal(r.server!.cpuPercent, 4);
  assert.equal(r.publisher!.side, 'server');
  assert.equal(r.publisher!.busyWaitCpuPercent, 1);
  // The wait (sleep and spin) blocked the loop 80 ms of the 2 s: 4%.
  assert.equal(r.publisher!.loopBlockedPercent, 4);
  // Read from the final sample (after the drain), which holds all three of the window's messages.
  assert.equal(r.publisher!.latenessMs.count, 3);
  assert.equal(r.publisher!.latenessMs.max, 0.03);
  assert.equal(r.publisher!.latenessMs.min, 0.002);
  // The fan-out of the same three messages, from the final sample too: mean (0.1 + 0.2 + 0.6) / 3 = 0.3 ms.
  assert.equal(r.publisher!.fanOutMs!.count, 3);
  assert.equal(r.publisher!.fanOutMs!.mean, 0.3);
});

test('chat: the publisher is the clients, their lateness histograms merge across generator processes', () => {
  const params: ScenarioParams = { ...PARAMS, workload: 'chat', clients: 4, roomSize: 2 };
  const r = buildCompletedResult({
    technique: 'sse',
    params,
    requestBased: false,
    clientTotals: [null, null],
    server: null,
    published: {},
    ...NOT_FOREIGN,
    model: MODEL,
    generators: [generator({ publishLateness: histogramOf([0.5, 1]) }), generator({ publishLateness: histogramOf([2]) })],
  });
  assert.deepEqual(
    {
      side: r.publisher!.side,
      count: r.publisher!.latenessMs.count,
      busy: r.publisher!.busyWaitCpuPercent,
      blocked: r.publisher!.loopBlockedPercent,
    },
    { side: 'clients', count: 3, busy: 0, blocked: 0 },
  );
  assert.equal(r.publisher!.latenessMs.max, 2);
});

test('broadcast with neither a server child nor a publisher process to ask: no publisher to report', () => {
  const r = buildCompletedResult({
    technique: 'sse',
    params: PARAMS,
    requestBased: false,
    generators: [generator({})],
    clientTotals: [null],
    server: null,
    published: {},
    ...NOT_FOREIGN,
    model: MODEL,
  });
  assert.equal(r.publisher, null);
});

test('a foreign server: expected is what the publisher had accepted, CPU and RSS come from its pid tree, no event loop, no model', () => {
  const publisher = {
    sent: 5,
    accepted: 4,
    refused: 1,
    roundTrip: histogramOf([1, 1, 2, 3]),
    lateness: histogramOf([0.5, 1.5]),
    busyWaitCpuPercent: 0.25,
    localEndpoints: ['127.0.0.1:40000'],
    bytes: { up: 1000, down: 500 },
  };
  const foreign = {
    idle: { at: 0, cpuMicros: 0, rssBytes: 10_000_000, processes: 2 },
    start: { at: 1_000_000, cpuMicros: 20_000, rssBytes: 11_000_000, processes: 2 },
    // 2 s later: 100 ms of CPU over both processes = 5% of one core; RSS grew 6 MB for 4 clients.
    end: { at: 3_000_000, cpuMicros: 120_000, rssBytes: 16_000_000, processes: 2 },
    connections: 4,
  };
  const r = buildCompletedResult({
    technique: 'websocket',
    params: PARAMS,
    requestBased: false,
    clientTotals: [{ up: 0, down: 1600 }],
    server: null,
    foreign,
    publisher,
    published: { broadcast: publisher.accepted },
    kernel: { kernel: { up: 0, down: 1600, sockets: 4, closed: 0 }, client: { up: 0, down: 1600 } },
    model: null,
    // 4 clients x 4 accepted = 16 expected; 15 arrived, 2 units had no stamp, 3 stamps were a replayed backlog.
    generators: [
      generator({
        counts: {
          delivered: 15,
          duplicated: 0,
          outOfOrder: 0,
          receivedInWindow: 15,
          payloadInWindow: 15 * 98,
          unmatched: 2,
          stale: 3,
          arrivalSpreadMicros: 0,
          latencySeqs: {},
        },
      }),
    ],
  });
  assert.deepEqual(r.messages, {
    published: 4,
    expected: 16,
    delivered: 15,
    lost: 1,
    duplicated: 0,
    outOfOrder: 0,
    unmatched: 2,
    stale: 3,
  });
  assert.deepEqual(r.server, {
    cpuPercent: 5,
    rssBytes: 16_000_000,
    rssIdleBytes: 10_000_000,
    eventLoopUtilization: null,
    bytesPerConnection: 1_500_000,
    connections: 4,
    lateTicks: null,
    source: 'proc',
  });
  assert.equal(r.model, null);
  assert.equal(r.publisher!.side, 'process');
  assert.equal(r.publisher!.accepted, 4);
  assert.equal(r.publisher!.refused, 1);
  assert.equal(r.publisher!.roundTripMs!.count, 4);
  assert.equal(r.publisher!.latenessMs.max, 1.5);
  assert.equal(r.publisher!.busyWaitCpuPercent, 0.25);
  assert.equal(r.kernel!.agree, true);
});

test('the kernel cross-check agrees only on equal counts, and cannot decide when sockets closed between its readings or bytes were moving at one', () => {
  assert.equal(kernelCheck({ kernel: { up: 10, down: 20, sockets: 2, closed: 0 }, client: { up: 10, down: 20 } }).agree, true);
  assert.equal(kernelCheck({ kernel: { up: 10, down: 21, sockets: 2, closed: 0 }, client: { up: 10, down: 20 } }).agree, false);
  const partial = kernelCheck({ kernel: { up: 5, down: 9, sockets: 1, closed: 1 }, client: { up: 10, down: 20 } });
  assert.equal(partial.agree, null);
  assert.equal(partial.unconfirmed, 'sockets-closed');
  assert.match(partial.note, /^1 server sockets closed between the two readings and took their counters with them/);
  // Bytes moving at an edge: the pair was not read at one state; equal counts do not make it a pass, unequal ones not a NO.
  const moving = kernelCheck({ kernel: { up: 10, down: 21, sockets: 2, closed: 0 }, client: { up: 10, down: 20 }, notQuiet: ['end'] });
  assert.equal(moving.agree, null);
  assert.equal(moving.unconfirmed, 'not-quiet');
  assert.match(moving.note, /^bytes were still moving at the second \(after the drain\) whenever/);
  assert.equal(
    kernelCheck({ kernel: { up: 10, down: 20, sockets: 2, closed: 0 }, client: { up: 10, down: 20 }, notQuiet: [] }).unconfirmed,
    undefined,
  );
  // Memory below the 4 MB rule is not attributed for a foreign server either.
  const small = foreignServerCost(
    {
      idle: { at: 0, cpuMicros: 0, rssBytes: 10_000_000, processes: 1 },
      start: { at: 0, cpuMicros: 0, rssBytes: 10_000_000, processes: 1 },
      end: { at: 1, cpuMicros: 0, rssBytes: 13_000_000, processes: 1 },
      connections: null,
    },
    10,
  );
  assert.equal(small.bytesPerConnection, null);
  assert.equal(small.connections, 10, 'unknown sockets: the clients connected');
});

test('a run that had nothing to expect, or delivered nothing, fails naming why; units without a stamp are named', () => {
  const base = buildCompletedResult({
    technique: 'sse',
    params: PARAMS,
    requestBased: false,
    generators: [generator({})],
    clientTotals: [null],
    server: null,
    published: {},
    ...NOT_FOREIGN,
    model: null,
  });
  const unpublished = judgeDelivery(base);
  assert.match(unpublished.state === 'failed' ? unpublished.error : '', /^no message was accepted for publishing in the measured window/);
  const none = judgeDelivery(
    buildCompletedResult({
      technique: 'sse',
      params: PARAMS,
      requestBased: false,
      clientTotals: [null],
      server: null,
      published: { broadcast: 3 },
      ...NOT_FOREIGN,
      model: null,
      generators: [
        generator({
          counts: {
            delivered: 0,
            duplicated: 0,
            outOfOrder: 0,
            receivedInWindow: 0,
            payloadInWindow: 0,
            unmatched: 6,
            stale: 0,
            arrivalSpreadMicros: 0,
            latencySeqs: {},
          },
          errors: { count: 2, first: ['GET /x answered 404'] },
        }),
      ],
    }),
  );
  assert.equal(
    none.state === 'failed' ? none.error : '',
    'nothing delivered: 0 of 12 expected messages arrived; 6 unit(s) arrived without pushbench\'s stamp ("seq":N,"t":T) (2 client errors, first: GET /x answered 404)',
  );
  const some = buildCompletedResult({
    technique: 'sse',
    params: PARAMS,
    requestBased: false,
    clientTotals: [null],
    server: null,
    published: { broadcast: 3 },
    ...NOT_FOREIGN,
    model: null,
    generators: [
      generator({
        counts: {
          delivered: 11,
          duplicated: 0,
          outOfOrder: 0,
          receivedInWindow: 11,
          payloadInWindow: 0,
          unmatched: 0,
          stale: 0,
          arrivalSpreadMicros: 0,
          latencySeqs: {},
        },
      }),
    ],
  });
  assert.equal(judgeDelivery(some), some, 'a run with a loss is completed; its loss shows, and the exit code says so');
  assert.equal(some.messages.lost, 1);
});
