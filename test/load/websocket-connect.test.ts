/**
 * A WebSocket that cannot connect settles at once with the reason (issue 8: connect() used to
 * hang, since ws leaves CONNECTING before it emits 'error'): a closed port, a plain HTTP server
 * (its status and the start of its answer), a handshake the server rejects, a server that
 * drops the connection, and one that accepts it and never answers (the handshake timeout).
 * Every one is a refusal (PUSHBENCH_TARGET_REFUSED): the run fails at once, naming it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { SocketCounter } from '../../core/socket-counter.ts';
import { builtinSubscription } from '../../core/targets.ts';
import type { PushbenchError, TargetRefusedError } from '../../core/errors.ts';
import { createWebSocketDriver, HANDSHAKE_TIMEOUT_MS, handshakeTimeoutFor } from '../../load/drivers/websocket.ts';
import type { DriverContext } from '../../load/drivers/types.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';

function context(origin: string, refusals: TargetRefusedError[] = []): DriverContext {
  const counter = new SocketCounter();
  return {
    origin,
    clientId: 0,
    room: undefined,
    startSeq: 0,
    intervalMs: 100,
    phase: 0,
    holdMs: 1000,
    headers: HEADER_PROFILES.minimal,
    counter,
    tab: CLIENT_WIRES.http(origin, counter),
    subscription: builtinSubscription('websocket'),
    receive: () => ({ count: 0, lastSeq: 0 }),
    countRequest() {},
    beginExchange() {},
    endExchange() {},
    fail() {},
    refuse: (e) => refusals.push(e),
    sampleHead() {},
  };
}

let plain: http.Server;
let silent: net.Server;
let closer: net.Server;
let rejecting: http.Server;
let wss: WebSocketServer;
const held = new Set<net.Socket>();
const port = (s: net.Server): number => (s.address() as net.AddressInfo).port;
before(async () => {
  plain = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no websocket here, try /elsewhere'));
  silent = net.createServer((socket) => void held.add(socket));
  closer = net.createServer((socket) => socket.destroy());
  rejecting = http.createServer();
  wss = new WebSocketServer({ server: rejecting, verifyClient: (_info, done) => done(false, 401, 'Unauthorized') });
  await Promise.all([plain, silent, closer, rejecting].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
});
after(() => {
  for (const socket of held) socket.destroy();
  wss.close();
  for (const s of [plain, silent, closer, rejecting]) s.close();
});

async function refusal(origin: string, refusals: TargetRefusedError[] = []): Promise<PushbenchError> {
  const driver = createWebSocketDriver(context(origin, refusals));
  try {
    await driver.connect();
  } catch (error) {
    return error as PushbenchError;
  } finally {
    await driver.close();
  }
  assert.fail('connect() resolved against a server that cannot speak WebSocket');
}

test('a plain HTTP server: the error names the status and quotes the body; the refusal is reported at once', {
  timeout: 30_000,
}, async () => {
  const refusals: TargetRefusedError[] = [];
  const error = await refusal(`http://127.0.0.1:${port(plain)}`, refusals);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(
    error.message,
    /WebSocket handshake GET ws:\/\/127\.0\.0\.1:\d+\/ws\?since=0 answered 404: no websocket here, try \/elsewhere/,
  );
  assert.equal(refusals.length, 1, 'the refusal reaches the generator, to fail the run');
});

test('a WebSocket server that rejects the handshake: its status is named', { timeout: 30_000 }, async () => {
  const error = await refusal(`http://127.0.0.1:${port(rejecting)}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /WebSocket handshake GET ws:\/\/127\.0\.0\.1:\d+\/ws\?since=0 answered 401/);
});

test('a closed port: the error names ECONNREFUSED', { timeout: 30_000 }, async () => {
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const closedPort = port(free);
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const error = await refusal(`http://127.0.0.1:${closedPort}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /ECONNREFUSED/);
});

test('a server that drops the connection: connect() rejects instead of hanging', { timeout: 30_000 }, async () => {
  const error = await refusal(`http://127.0.0.1:${port(closer)}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /WebSocket handshake GET .* failed/);
});

test(`a server that never answers: the handshake timeout (${HANDSHAKE_TIMEOUT_MS} ms) rejects connect()`, { timeout: 60_000 }, async () => {
  const error = await refusal(`http://127.0.0.1:${port(silent)}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /handshake has timed out/);
});

test('the handshake timeout grows with the run: 5 s up to 5,000 clients, 1 ms per client past that, 60 s at most', () => {
  assert.equal(handshakeTimeoutFor(1), 5000);
  assert.equal(handshakeTimeoutFor(5000), 5000);
  assert.equal(handshakeTimeoutFor(20_000), 20_000);
  assert.equal(handshakeTimeoutFor(100_000), 60_000);
});
