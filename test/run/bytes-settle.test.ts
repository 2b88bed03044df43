/**
 * "Bytes agree" is read at a quiet moment: the runner waits until both ends' counters meet
 * (bytes in flight land) before any client closes, and when they never meet the result says
 * why instead of a bare NO. The waiting loop is driven here by counters that move as a real
 * fan-out's do (the clients' count catching up with the server's); the figures are by hand.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { settleBytes } from '../../run/window-edges.ts';
import { byteAgreement, type ServerWindow, type SettledBytes } from '../../run/result-builder.ts';
import type { ServerStats } from '../../core/protocol.ts';
import type { ClientBytes } from '../../core/socket-counter.ts';
import type { ResultsFile } from '../../core/results.ts';
import { renderScenarioTable } from '../../reports/terminal.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { validateResults } from '../../core/results-validate.ts';

function stats(up: number, down: number): ServerStats {
  return {
    at: 0,
    bytes: { up, down, setupUp: 0, setupDown: 0 },
    bytesByRoute: {},
    techniques: {},
    connections: { open: 0, total: 0 },
    published: 0,
    lateTicks: 0,
    maxTickLateMs: 0,
    publisher: { busyWaitMicros: 0, blockedMicros: 0, latenessHistogram: '', fanOutHistogram: '' },
    rejected: { badRequest: 0, notFound: 0, methodNotAllowed: 0, gone: 0, tooLarge: 0, forbidden: 0 },
    process: { cpuMicros: 0, rssBytes: 0, eluIdleMs: 0, eluActiveMs: 0 },
  };
}

/** A server that wrote `down` bytes and read `up`: its counters no longer move (publishing stopped). */
function quietServer(up: number, down: number): { stats: () => Promise<{ stats: ServerStats; windowCount: Record<string, number> }> } {
  return { stats: async () => ({ stats: stats(up, down), windowCount: {} }) };
}

/** A generator process whose clients read the given totals on successive samples (the last one repeats). */
function catchingUp(samples: ClientBytes[]): { bytes: () => Promise<ClientBytes> } {
  let i = 0;
  return { bytes: async () => samples[Math.min(i++, samples.length - 1)]! };
}

test('a fan-out still landing after the drain is waited for: the counts meet and agree exactly', async () => {
  // The server wrote 10,100 B down (100 frames of 101 B) and read 600 B up. Two generator
  // processes: A has read everything; B still misses 2 frames (202 B), then 1, then none.
  const a = catchingUp([{ up: 300, down: 5050 }]);
  const b = catchingUp([
    { up: 300, down: 4848 },
    { up: 300, down: 4949 },
    { up: 300, down: 5050 },
  ]);
  const settled = await settleBytes(quietServer(600, 10_100), [a, b], 60_000);
  assert.equal(settled.settled, true);
  assert.deepEqual(settled.server, { up: 600, down: 10_100 });
  assert.deepEqual(settled.client, { up: 600, down: 10_100 });
  assert.equal(settled.inFlightAtDrainBytes, 202);
});

test('counts that never meet end the wait and say what was missing', async () => {
  const settled = await settleBytes(quietServer(600, 10_100), [catchingUp([{ up: 600, down: 10_000 }])], 0);
  assert.equal(settled.settled, false);
  assert.equal(settled.inFlightAtDrainBytes, 100);
});

const SERVER_FINAL = (up: number, down: number): ServerWindow => ({
  idle: stats(0, 0),
  start: stats(0, 0),
  end: stats(0, 0),
  final: stats(up, down),
  windowCount: {},
});

test('the comparison is the quiet reading; the close handshake after it is named, not counted as a disagreement', () => {
  // Quiet: both at 600 up / 10,100 down. After closing, the server had written 4,478 close frames
  // of 4 B (17,912 B) the clients never read (they stopped waiting): the 19,500-client case.
  const settled: SettledBytes = {
    server: { up: 600, down: 10_100 },
    client: { up: 600, down: 10_100 },
    settled: true,
    waitedMs: 240,
    inFlightAtDrainBytes: 202,
  };
  const a = byteAgreement(SERVER_FINAL(700, 10_100 + 17_912 + 100), [{ up: 700, down: 10_200 }], settled)!;
  assert.equal(a.agree, true);
  assert.equal(a.reason, null);
  assert.deepEqual([a.serverUp, a.serverDown, a.clientUp, a.clientDown], [600, 10_100, 600, 10_100]);
  assert.match(a.note!, /202 B were still in flight after the drain; waited 240 ms/);
  assert.match(a.note!, /close handshake is not compared: after it the server had 28,112 B down and 700 B up, the clients 10,200 and 700/);
});

test('counts that never met: agree is false and the reason gives the bytes still in flight', () => {
  const settled: SettledBytes = {
    server: { up: 600, down: 10_100 },
    client: { up: 600, down: 9_899 },
    settled: false,
    waitedMs: 24_500,
    inFlightAtDrainBytes: 505,
  };
  const a = byteAgreement(SERVER_FINAL(600, 10_100), [{ up: 600, down: 10_100 }], settled)!;
  assert.equal(a.agree, false);
  assert.equal(
    a.reason,
    '201 B the server wrote had not reached the clients 24,500 ms after publishing and requests stopped: still in flight (a fan-out slower than the wait) or lost; the counts were never read at a quiet moment',
  );
});

test('without a quiet reading (an older runner) the whole-run totals are compared as before', () => {
  assert.deepEqual(byteAgreement(SERVER_FINAL(5, 7), [{ up: 5, down: 7 }], null), {
    serverUp: 5,
    serverDown: 7,
    clientUp: 5,
    clientDown: 7,
    agree: true,
  });
  assert.equal(byteAgreement(SERVER_FINAL(5, 7), [{ up: 5, down: 6 }], null)!.agree, false);
});

test('the reason reaches results.json, the terminal and summary.md', () => {
  const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;
  const scenario = fixture.scenarios[0]!;
  const ws = scenario.results.websocket!;
  assert.equal(ws.state, 'completed');
  if (ws.state !== 'completed') return;
  const reason = '31,660 B the server wrote had not reached the clients 24,500 ms after publishing and requests stopped: still in flight';
  ws.agreement = { ...ws.agreement!, serverDown: ws.agreement!.serverDown + 31_660, agree: false, reason, note: null };
  assert.doesNotThrow(() => validateResults(fixture, 'fixture'));
  assert.ok(renderScenarioTable(scenario).includes(`! Server and client byte counts disagree for WebSocket`));
  // The warning is wrapped to the terminal's 120 columns: compared with its line breaks folded.
  assert.ok(renderScenarioTable(scenario).replace(/\s+/g, ' ').includes(reason));
  assert.ok(renderMarkdown(fixture, { charts: [] }).includes(reason));
});
