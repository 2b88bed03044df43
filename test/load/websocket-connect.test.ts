/**
 * A WebSocket client that cannot connect fails its connect() at once, naming why: a closed
 * port, a plain HTTP server that answers 404 (its status and the start of its body), a server
 * that closes the socket, and one that never answers (the handshake timeout).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createWebSocketDriver } from '../../load/drivers/websocket.ts';
import type { DriverContext } from '../../load/drivers/types.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { PushbenchError } from '../../core/errors.ts';

function context(origin: string): DriverContext {
  return {
    origin, clientId: 0, room: undefined, startSeq: 0, intervalMs: 100, holdMs: 1000, headers: HEADER_PROFILES.minimal,
    counter: new SocketCounter(), deliver() {}, countRequest() {}, fail() {},
  };
}

let plain: http.Server;
let silent: net.Server;
let closer: net.Server;
const held = new Set<net.Socket>();
const port = (s: net.Server): number => (s.address() as net.AddressInfo).port;
before(async () => {
  plain = http.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no websocket here, try /elsewhere'));
  silent = net.createServer((socket) => void held.add(socket));
  closer = net.createServer((socket) => socket.destroy());
  await Promise.all([plain, silent, closer].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
});
after(() => {
  for (const socket of held) socket.destroy();
  for (const s of [plain, silent, closer]) s.close();
});

async function refusal(origin: string): Promise<PushbenchError> {
  const driver = createWebSocketDriver(context(origin));
  try {
    await driver.connect();
  } catch (error) {
    return error as PushbenchError;
  } finally {
    await driver.close();
  }
  assert.fail('connect() resolved against a server that cannot speak WebSocket');
}

test('a plain HTTP server: the error names the status and quotes the body', async () => {
  const error = await refusal(`http://127.0.0.1:${port(plain)}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /WebSocket handshake GET ws:\/\/127\.0\.0\.1:\d+\/ws\?since=0 answered 404: no websocket here, try \/elsewhere/);
});

test('a closed port: the error names ECONNREFUSED', async () => {
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const closedPort = port(free);
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const error = await refusal(`http://127.0.0.1:${closedPort}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /ECONNREFUSED/);
});

test('a server that drops the connection: connect() rejects instead of hanging', async () => {
  const error = await refusal(`http://127.0.0.1:${port(closer)}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /WebSocket handshake GET .* failed/);
});

test('a server that never answers: the handshake timeout rejects connect()', async () => {
  const error = await refusal(`http://127.0.0.1:${port(silent)}`);
  assert.equal(error.code, 'PUSHBENCH_TARGET_REFUSED');
  assert.match(error.message, /handshake has timed out/);
});
