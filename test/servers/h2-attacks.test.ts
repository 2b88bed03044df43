/**
 * Hostile HTTP/2 and TLS on real sockets, frames written by hand (test/helpers/h2-frames.ts):
 * rapid reset (CVE-2023-44487), a CONTINUATION flood (CVE-2024-27316 class), an HPACK bomb,
 * SETTINGS and PING floods, more streams than SETTINGS_MAX_CONCURRENT_STREAMS, a preface and then
 * nothing, a TLS handshake flood and a handshake that stalls. Each attack ends with the
 * attacker's connection closed by the server, what it got from the handlers bounded, and an
 * honest client answered afterwards. Every loop is bounded and stops once the server closes.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { H2_SERVER_SETTINGS, WIRE_META, type WireId } from '../../core/wires.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { H2_SERVER_LIMITS } from '../../servers/transports.ts';
import {
  FLAG,
  FRAME,
  frame,
  getBlock,
  H2_ERROR,
  indexed,
  literal,
  literalIndexed,
  openRawH2,
  pingFrame,
  rstStreamFrame,
  settingsFrame,
  type RawH2Client,
} from '../helpers/h2-frames.ts';

/** The head timeout the servers here run with: the session and handshake timers derive from it. */
const HEAD_TIMEOUT_MS = 1000;
/** How long an attack may take to be cut before the test fails (a deadline, not a measurement). */
const CUT_DEADLINE_MS = 15_000;

/** GET `path` with Node's own client on `wire`; resolves to the status and body. */
async function honestGet(server: PushServer, path: string): Promise<{ status: number; body: string }> {
  if (WIRE_META[server.wire].httpVersion === '1.1') {
    return await new Promise((resolve, reject) => {
      const req = https.get(`${server.url}${path}`, { rejectUnauthorized: false, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
  }
  const session = http2.connect(server.url, { rejectUnauthorized: false });
  try {
    return await new Promise((resolve, reject) => {
      session.once('error', reject);
      const stream = session.request({ ':path': path });
      let status = 0;
      let body = '';
      stream.setEncoding('utf8');
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
  } finally {
    session.destroy();
  }
}

async function assertServes(server: PushServer): Promise<void> {
  const answer = await honestGet(server, '/poll?since=0');
  assert.equal(answer.status, 200);
  assert.match(answer.body, /^\[\{"seq":1,/);
}

function requests(server: PushServer): number {
  return Object.values(server.stats().techniques).reduce((n, counters) => n + (counters?.requests ?? 0), 0);
}

/** Sends `make(i)` up to `max` times, yielding every `every` frames, until the server closes; returns how many were sent. */
async function flood(client: RawH2Client, max: number, every: number, make: (i: number) => Buffer): Promise<number> {
  let sent = 0;
  for (let i = 0; i < max && !client.isClosed(); i++) {
    client.send(make(i));
    sent++;
    if (i % every === every - 1) await sleep(1);
  }
  return sent;
}

async function cut(client: RawH2Client, what: string): Promise<void> {
  await client.until(() => client.isClosed(), `the server to close the connection after ${what}`, CUT_DEADLINE_MS);
}

for (const wire of ['h2', 'h2c'] as const satisfies readonly WireId[]) {
  describe(`HTTP/2 attacks on ${wire}`, () => {
    let server: PushServer;
    let authority: string;
    const secure = WIRE_META[wire].tls;
    const scheme = WIRE_META[wire].scheme;
    before(async () => {
      server = await startServer({ wire, rate: 0, headersTimeoutMs: HEAD_TIMEOUT_MS });
      server.publish('m1');
      authority = `127.0.0.1:${server.port}`;
    });
    after(() => server.close());

    test('rapid reset (HEADERS then RST_STREAM, 20,000 times) is cut with ENHANCE_YOUR_CALM after a bounded number of handler calls', async () => {
      const before = requests(server);
      const client = await openRawH2(server.port, secure);
      const sent = await flood(client, 20_000, 200, (i) =>
        Buffer.concat([
          frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 2 * i + 1, getBlock(authority, '/sse', scheme)),
          rstStreamFrame(2 * i + 1),
        ]),
      );
      await cut(client, 'a rapid reset flood');
      assert.ok(sent < 20_000, `the flood ran to its end (${sent} pairs) without being cut`);
      // The GOAWAY (ENHANCE_YOUR_CALM) is often lost: the server closes with the attacker's frames unread, and TCP resets.
      assert.ok(
        client.goawayCode() === null ||
          client.goawayCode() === H2_ERROR.ENHANCE_YOUR_CALM ||
          client.goawayCode() === H2_ERROR.INTERNAL_ERROR,
        `GOAWAY ${client.goawayCode()}`,
      );
      // At most one second's budget of resets reached a handler (plus those in flight when the budget ran out).
      const handled = requests(server) - before;
      assert.ok(handled <= 10 * H2_SERVER_LIMITS.resetStreamsPerSecond, `${handled} streams reached a handler`);
      await assertServes(server);
    });

    test('a CONTINUATION flood (a header block that never ends) is cut; no request reaches a handler', async () => {
      const before = requests(server);
      const client = await openRawH2(server.port, secure);
      client.send(frame(FRAME.HEADERS, FLAG.END_STREAM, 1, getBlock(authority, '/poll?since=0', scheme)));
      await flood(client, 50_000, 100, () => frame(FRAME.CONTINUATION, 0, 1, literal('x-flood', 'a'.repeat(20))));
      await cut(client, 'a CONTINUATION flood');
      assert.equal(requests(server) - before, 0);
      await assertServes(server);
    });

    test('an HPACK bomb (one 4 KB entry referenced 12,000 times: 48 MB decoded from 16 KB) resets its stream; the handler never sees it', async () => {
      const before = requests(server);
      const client = await openRawH2(server.port, secure);
      const block = Buffer.concat([
        getBlock(authority, '/poll?since=0', scheme),
        literalIndexed('x-bomb', 'a'.repeat(4000)),
        Buffer.alloc(12_000, indexed(62)),
      ]);
      client.send(frame(FRAME.HEADERS, FLAG.END_STREAM, 1, block.subarray(0, 16_000)));
      client.send(frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, block.subarray(16_000)));
      await client.until(
        () => client.isClosed() || client.frames().some((f) => f.type === FRAME.RST_STREAM && f.streamId === 1),
        'the bomb stream to be reset',
        CUT_DEADLINE_MS,
      );
      assert.equal(requests(server) - before, 0);
      client.destroy();
      await assertServes(server);
    });

    for (const [name, make] of [
      ['SETTINGS', () => settingsFrame()],
      ['PING', () => pingFrame(1)],
    ] as const) {
      test(`a ${name} flood from a peer that never reads the answers is cut past ${H2_SERVER_LIMITS.controlFramesPerSecond} a second`, async () => {
        const client = await openRawH2(server.port, secure);
        client.socket.pause();
        const sent = await flood(client, 200_000, 1000, make);
        client.socket.resume();
        await cut(client, `a ${name} flood`);
        assert.ok(sent < 200_000, `the flood ran to its end (${sent} frames) without being cut`);
        await assertServes(server);
      });
    }

    test('streams past SETTINGS_MAX_CONCURRENT_STREAMS are refused, then the session is ended; no more than the limit reach a handler', async () => {
      const before = requests(server);
      const client = await openRawH2(server.port, secure);
      await flood(client, 1000, 50, (i) =>
        frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 2 * i + 1, getBlock(authority, '/sse', scheme)),
      );
      await cut(client, 'a stream-count flood');
      // SSE streams never end by themselves: every handler call is a stream still open when the session ended.
      const handled = requests(server) - before;
      assert.ok(handled > 0 && handled <= H2_SERVER_SETTINGS.maxConcurrentStreams, `${handled} streams reached a handler`);
      const answered = client.frames().filter((f) => f.type === FRAME.HEADERS).length;
      assert.ok(answered <= H2_SERVER_SETTINGS.maxConcurrentStreams, `${answered} streams answered`);
      await assertServes(server);
    });

    test('a connection that never sends the preface is destroyed after the head timeout', async () => {
      const socket = secure
        ? tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, servername: 'localhost', ALPNProtocols: ['h2'] })
        : net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      // Reading, so that the server's close is seen.
      socket.resume();
      const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
      assert.equal(
        await Promise.race([closed, sleep(CUT_DEADLINE_MS).then(() => 'deadline' as const)]),
        'closed',
        'a silent connection stayed open',
      );
      await assertServes(server);
    });
  });
}

for (const wire of ['https', 'h2'] as const satisfies readonly WireId[]) {
  describe(`TLS attacks on ${wire}`, () => {
    let server: PushServer;
    before(async () => {
      server = await startServer({ wire, rate: 0, headersTimeoutMs: HEAD_TIMEOUT_MS });
      server.publish('m1');
    });
    after(() => server.close());

    test('a handshake flood (200 full TLS handshakes at once, then silence) is served alongside an honest client', async () => {
      const sockets = await Promise.all(
        Array.from(
          { length: 200 },
          () =>
            new Promise<tls.TLSSocket>((resolve, reject) => {
              const socket = tls.connect({
                host: '127.0.0.1',
                port: server.port,
                rejectUnauthorized: false,
                servername: 'localhost',
                ALPNProtocols: [WIRE_META[wire].alpn ?? 'http/1.1'],
              });
              socket.once('secureConnect', () => resolve(socket));
              socket.once('error', reject);
            }),
        ),
      );
      for (const socket of sockets) {
        socket.on('error', () => {});
        socket.resume();
      }
      await assertServes(server);
      if (WIRE_META[wire].httpVersion === '2') {
        // No preface on any of them: each session is destroyed after the head timeout.
        const closed = Promise.all(
          sockets.map((socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())))),
        );
        assert.equal(
          await Promise.race([closed.then(() => 'closed' as const), sleep(CUT_DEADLINE_MS).then(() => 'deadline' as const)]),
          'closed',
          'silent HTTP/2 connections stayed open',
        );
      }
      // On HTTP/1.1 a silent connection after its handshake is held as a silent cleartext one is (docs/safety.md).
      for (const socket of sockets) socket.destroy();
      await assertServes(server);
    });

    test('a client that stalls mid-handshake (half a ClientHello) is closed after the handshake timeout', async () => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // A handshake record header announcing 512 bytes, and 4 of them: the server waits for the rest.
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]));
      socket.resume();
      const closed = new Promise<'closed'>((resolve) => socket.once('close', () => resolve('closed')));
      assert.equal(
        await Promise.race([closed, sleep(CUT_DEADLINE_MS).then(() => 'deadline' as const)]),
        'closed',
        'a stalled handshake stayed open',
      );
      await assertServes(server);
    });
  });
}
