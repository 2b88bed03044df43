/**
 * HTTP/2's keep-alive rule (servers/transports.ts guardSession): a session with no open stream
 * for the keep-alive timeout is closed with a GOAWAY, as an idle HTTP/1.1 keep-alive connection
 * is; a stream open past the timeout keeps its session, which is closed once the stream has ended
 * and the timeout has run again. One timer per session, re-armed (not remade) per request.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { SERVER_TRANSPORTS } from '../../servers/transports.ts';

const KEEP_ALIVE_MS = 300;

async function listen(): Promise<{ origin: string; release: () => void; close: () => Promise<void> }> {
  const transport = SERVER_TRANSPORTS.h2c({ keepAliveTimeoutMs: KEEP_ALIVE_MS, headersTimeoutMs: 5000, requestTimeoutMs: 5000, tls: null });
  const held: Array<() => void> = [];
  transport.onRequest((req, res) => {
    const answer = () => {
      res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Length', '2']);
      res.end('ok');
    };
    if (req.url === '/hold') held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => transport.server.listen(0, '127.0.0.1', resolve));
  const { port } = transport.server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    close: async () => {
      transport.closeAll();
      await new Promise<void>((resolve) => transport.server.close(() => resolve()));
    },
  };
}

/** The session's GOAWAY code, or a failure naming `what` if none came within 20 keep-alive timeouts (nothing hangs). */
function goaway(session: http2.ClientHttp2Session, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no GOAWAY ${what} within ${20 * KEEP_ALIVE_MS} ms`)), 20 * KEEP_ALIVE_MS);
    session.once('goaway', (code: number) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function get(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve(body));
    stream.on('error', reject);
  });
}

test('an idle session gets a GOAWAY after the keep-alive timeout; a held stream keeps it open until it ends', async () => {
  const server = await listen();
  const sessions: http2.ClientHttp2Session[] = [];
  try {
    // Several requests one after another (the timer re-armed after each), then nothing: the server sends GOAWAY.
    const idle = http2.connect(server.origin);
    sessions.push(idle);
    const idleGoaway = goaway(idle, 'to an idle session');
    for (let i = 0; i < 5; i++) assert.equal(await get(idle, '/'), 'ok');
    assert.equal(await idleGoaway, http2.constants.NGHTTP2_NO_ERROR);

    // A stream held for three keep-alive timeouts: no GOAWAY while it is open; one after it ended.
    const busy = http2.connect(server.origin);
    sessions.push(busy);
    let goawayAt: number | null = null;
    busy.once('goaway', () => (goawayAt = Date.now()));
    assert.equal(await get(busy, '/'), 'ok');
    const held = get(busy, '/hold');
    await sleep(3 * KEEP_ALIVE_MS);
    assert.equal(goawayAt, null, 'a session with an open stream is not idle');
    const endedAt = Date.now();
    server.release();
    assert.equal(await held, 'ok');
    if (goawayAt === null) await goaway(busy, 'after the held stream ended');
    assert.ok(goawayAt! >= endedAt, 'the GOAWAY came after the held stream ended');
  } finally {
    for (const session of sessions) session.destroy();
    await server.close();
  }
});
