/**
 * A WebSocket that cannot connect settles at once with the reason (issue 8: connect() used to
 * hang, since ws leaves CONNECTING before it emits 'error'): a closed port, a plain HTTP server,
 * a handshake the server rejects (its status and the start of its answer), and a server that
 * accepts the connection and never answers (the handshake timeout).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { SocketCounter } from '../../core/socket-counter.ts';
import { builtinSubscription } from '../../core/targets.ts';
import { TargetRefusedError } from '../../core/errors.ts';
import { DRIVERS, type DriverContext } from '../../load/drivers/index.ts';
import { HANDSHAKE_TIMEOUT_MS } from '../../load/drivers/websocket.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';

const closers: Array<() => void> = [];
after(() => closers.forEach((close) => close()));

function listen(server: net.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
}

function connect(origin: string): { done: Promise<void>; refusals: TargetRefusedError[] } {
  const refusals: TargetRefusedError[] = [];
  const ctx: DriverContext = {
    origin, clientId: 0, room: undefined, startSeq: 0, intervalMs: 1000, holdMs: 1000, headers: HEADER_PROFILES.minimal, counter: new SocketCounter(),
    subscription: builtinSubscription('websocket'),
    receive: () => ({ count: 0, lastSeq: 0 }), countRequest: () => {}, fail: () => {}, refuse: (e) => refusals.push(e), sampleHead: () => {},
  };
  return { done: DRIVERS.websocket.create(ctx).connect(), refusals };
}

test('a closed port rejects with ECONNREFUSED', { timeout: 30_000 }, async () => {
  const probe = net.createServer();
  const origin = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  await assert.rejects(connect(origin).done, /ECONNREFUSED/);
});

test('a plain HTTP server (no upgrade) rejects with its status and body', { timeout: 30_000 }, async () => {
  const server = http.createServer((req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no websocket here'));
  closers.push(() => server.close());
  const attempt = connect(await listen(server));
  await assert.rejects(attempt.done, (error: Error) => error instanceof TargetRefusedError && error.message === 'WebSocket handshake GET /ws?since=0 answered 404 Not Found: no websocket here');
  assert.equal(attempt.refusals.length, 1, 'the refusal is reported at once, to fail the run');
});

test('a WebSocket server that rejects the handshake: its status is named', { timeout: 30_000 }, async () => {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, verifyClient: (_info, done) => done(false, 401, 'Unauthorized') });
  closers.push(() => {
    wss.close();
    server.close();
  });
  await assert.rejects(connect(await listen(server)).done, /^TargetRefusedError: WebSocket handshake GET \/ws\?since=0 answered 401 Unauthorized/);
});

test(`a server that accepts the connection and never answers: the handshake times out (${HANDSHAKE_TIMEOUT_MS} ms)`, { timeout: 60_000 }, async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  closers.push(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  await assert.rejects(connect(await listen(server)).done, /Opening handshake has timed out/);
});
