/**
 * Every technique on every wire that carries it, end to end on real sockets: pushbench's server
 * on the wire (servers/transports.ts) and the load generator's clients through the wire's
 * strategy (load/wire-clients.ts). Each client gets every message published, and the bytes the
 * server counted on its TCP sockets equal what the clients counted on theirs (under TLS too).
 * Then the arithmetic of one WebSocket message on TLS, TLS 1.3 with the made certificate, and
 * the Host check on HTTP/2's :authority.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http2 from 'node:http2';
import tls from 'node:tls';
import { describe, test } from 'node:test';
import { encodeMessage, nowMicros, wsFrameHeaderBytes } from '../../core/protocol.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { builtinSubscription } from '../../core/targets.ts';
import { TLS13_RECORD_OVERHEAD_BYTES, techniquesOn, WIRE_META, WIRES, type WireId } from '../../core/wires.ts';
import { Generator } from '../../load/generator.ts';
import { HEADER_PROFILES, profileOrigins } from '../../load/headers.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';
import { startServer } from '../../servers/server.ts';
import { selfSignedIdentity } from '../../servers/tls-cert.ts';
import type { TechniqueId } from '../../core/techniques.ts';

const CLIENTS = 3;
const MESSAGES = 4;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs CLIENTS clients of `technique` on `wire` while MESSAGES messages are published; returns what they got and both byte counts, read before anyone closes. */
async function measure(
  wire: WireId,
  technique: TechniqueId,
): Promise<{ delivered: number; client: { up: number; down: number }; server: { up: number; down: number } }> {
  const server = await startServer({ wire, rate: 0, techniques: [technique], allowedOrigins: profileOrigins() });
  const generator = new Generator({
    technique,
    wire,
    origin: server.url,
    fromClient: 0,
    toClient: CLIENTS,
    workload: 'broadcast',
    roomSize: 1,
    startSeq: 0,
    intervalMs: 40,
    holdMs: 5000,
    headers: HEADER_PROFILES.browser,
    rate: 1,
    payloadBytes: 3,
    connectConcurrency: CLIENTS,
    notBeforeT: nowMicros(),
    subscription: builtinSubscription(technique),
  });
  try {
    const outcome = await generator.connect();
    assert.equal(outcome.connected, CLIENTS, `${technique} on ${wire}: ${outcome.firstError ?? ''}`);
    const now = nowMicros();
    generator.setWindow({ startT: now, endT: now + 60_000_000 }, now, null);
    for (let i = 0; i < MESSAGES; i++) {
      server.publish(`m${i}`);
      await sleep(60);
    }
    // Polls every 40 ms: the last message is picked up, and every exchange has ended, well within this.
    await sleep(300);
    const result = await generator.collect();
    const stats = server.stats();
    return {
      delivered: result.counts.delivered,
      client: generator.counter.totals(),
      server: { up: stats.bytes.up, down: stats.bytes.down },
    };
  } finally {
    await generator.close();
    await server.close();
  }
}

describe('every technique on every wire that carries it', () => {
  for (const wire of WIRES) {
    for (const technique of techniquesOn(wire)) {
      test(`${technique} on ${wire}: every client gets every message, and server and client bytes agree`, async () => {
        const { delivered, client, server } = await measure(wire, technique);
        assert.equal(delivered, CLIENTS * MESSAGES);
        assert.deepEqual(client, server, 'TCP bytes counted on both ends');
        assert.ok(client.down > 0 && client.up > 0);
      });
    }
  }
});

describe('bytes on TLS', () => {
  /** Bytes down for one WebSocket message of `messageBytes` on `wire`: the client's TCP counter across it. */
  async function oneWebSocketMessage(wire: WireId, messageBytes: number): Promise<{ received: number; down: number; serverDown: number }> {
    const server = await startServer({ wire, rate: 0, techniques: ['websocket'] });
    const counter = new SocketCounter();
    const tab = CLIENT_WIRES[wire](server.url, counter);
    const url = `${server.url.replace(/^http/, 'ws')}/ws?since=0`;
    const ws = tab.openWebSocket(url, [], {});
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      // TLS 1.3 sends its session tickets after the handshake: let them arrive before the baseline.
      await sleep(100);
      const before = counter.totals().down;
      const serverBefore = server.stats().bytes.down;
      const t = 1_000_000;
      const data = 'x'.repeat(messageBytes - encodeMessage({ seq: 1, t, data: '' }).length);
      const got = new Promise<Buffer>((resolve) => ws.once('message', (message: Buffer) => resolve(message)));
      server.publish(data, t);
      const message = await got;
      await sleep(50);
      return { received: message.length, down: counter.totals().down - before, serverDown: server.stats().bytes.down - serverBefore };
    } finally {
      ws.terminate();
      await server.close();
    }
  }

  test('a 99-byte WebSocket message on https is 99 + 2 (frame header) + 22 (one TLS 1.3 record) bytes down', async () => {
    const { received, down, serverDown } = await oneWebSocketMessage('https', 99);
    assert.equal(received, 99);
    assert.equal(wsFrameHeaderBytes(99, false), 2);
    assert.equal(TLS13_RECORD_OVERHEAD_BYTES, 5 + 1 + 16);
    assert.equal(down, 99 + 2 + 22);
    assert.equal(serverDown, down);
  });

  test('the same message on http is 99 + 2: the 22 bytes are TLS', async () => {
    const { down } = await oneWebSocketMessage('http', 99);
    assert.equal(down, 99 + 2);
  });

  test('on HTTP/2 the message is one DATA frame of its stream: 99 + 2 + 9 on h2c, and + 22 for its TLS record on h2', async () => {
    const h2c = await oneWebSocketMessage('h2c', 99);
    assert.equal(h2c.received, 99);
    assert.equal(h2c.down, 99 + 2 + 9);
    assert.equal(h2c.serverDown, h2c.down);
    const h2 = await oneWebSocketMessage('h2', 99);
    assert.equal(h2.down, 99 + 2 + 9 + 22);
    assert.equal(h2.serverDown, h2.down);
  });

  test('the server speaks TLS 1.3 on every TLS wire, with the ALPN of the wire, and issues session tickets', async () => {
    for (const wire of WIRES.filter((w) => WIRE_META[w].tls)) {
      const server = await startServer({ wire, rate: 0 });
      try {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: server.port,
          rejectUnauthorized: false,
          ALPNProtocols: [WIRE_META[wire].alpn!],
        });
        const ticket = new Promise<void>((resolve) => socket.once('session', () => resolve()));
        await new Promise<void>((resolve, reject) => {
          socket.once('secureConnect', () => resolve());
          socket.once('error', reject);
        });
        assert.equal(socket.getProtocol(), 'TLSv1.3', wire);
        assert.equal(socket.alpnProtocol, WIRE_META[wire].alpn, wire);
        await ticket;
        socket.destroy();
      } finally {
        await server.close();
      }
    }
  });

  test('a TLS 1.2 client is refused', async () => {
    const server = await startServer({ wire: 'https', rate: 0 });
    try {
      const socket = tls.connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false, maxVersion: 'TLSv1.2' });
      const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
      assert.match(error.message, /version|protocol/i);
    } finally {
      await server.close();
    }
  });

  test('the self-signed certificate is valid for the loopback names and signed by its own key', () => {
    const identity = selfSignedIdentity();
    const cert = new crypto.X509Certificate(identity.cert);
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(identity.key)));
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(new Date(cert.validFrom).getTime() <= Date.now() && Date.now() < new Date(cert.validTo).getTime());
    // Trusted as a CA by a client that is given it, the handshake verifies.
    assert.doesNotThrow(() => tls.createSecureContext({ cert: identity.cert, key: identity.key, ca: identity.cert }));
  });
});

describe('the Host check on HTTP/2', () => {
  for (const wire of WIRES.filter((w) => WIRE_META[w].httpVersion === '2')) {
    test(`on ${wire}, a foreign :authority is refused with 403 and the same session still answers its own`, async () => {
      const server = await startServer({ wire, rate: 0 });
      const session = http2.connect(server.url, { rejectUnauthorized: false });
      session.on('error', () => {});
      const get = (headers: http2.OutgoingHttpHeaders): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const stream = session.request({ ':path': '/poll', ...headers });
          let status = 0;
          let body = '';
          stream.once('response', (head) => (status = Number(head[':status'])));
          stream.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          stream.once('end', () => resolve({ status, body }));
          stream.once('error', reject);
        });
      try {
        const evil = await get({ ':authority': 'evil.example' });
        assert.equal(evil.status, 403);
        assert.match(
          (JSON.parse(evil.body) as { error: string }).error,
          /^Host "evil\.example" is not this server's; allowed: 127\.0\.0\.1:/,
        );
        const rebinding = await get({ ':authority': `attacker.example:${server.port}` });
        assert.equal(rebinding.status, 403);
        // Node's client sends a lone `host` as it is, without :authority: checked as HTTP/1.1's Host is.
        const hostOnly = await get({ host: 'evil.example' });
        assert.equal(hostOnly.status, 403);
        const twoHosts = await get({ ':authority': `127.0.0.1:${server.port}`, host: 'evil.example' });
        assert.equal(twoHosts.status, 400, 'a Host that differs from :authority');
        const own = await get({});
        assert.equal(own.status, 200);
        assert.equal(own.body, '[]');
        assert.equal(server.stats().rejected.forbidden, 3);
      } finally {
        session.destroy();
        await server.close();
      }
    });
  }
});

describe('WebSocket over HTTP/2 (RFC 8441 extended CONNECT)', () => {
  /** Opens a raw stream on a fresh session to a server on `wire` and returns its status and body. */
  async function connect(
    wire: WireId,
    headers: http2.OutgoingHttpHeaders,
  ): Promise<{ status: number; body: string; enableConnectProtocol: boolean | undefined }> {
    const server = await startServer({ wire, rate: 0 });
    const session = http2.connect(server.url, { rejectUnauthorized: false });
    session.on('error', () => {});
    try {
      const settings = await new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve));
      return await new Promise((resolve, reject) => {
        const stream = session.request({ ':method': 'CONNECT', ...headers }, { endStream: false });
        let status = 0;
        let body = '';
        stream.once('response', (head) => (status = Number(head[':status'])));
        stream.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        stream.once('end', () => resolve({ status, body, enableConnectProtocol: settings.enableConnectProtocol }));
        stream.once('error', reject);
      });
    } finally {
      session.destroy();
      await server.close();
    }
  }

  test('the server offers SETTINGS_ENABLE_CONNECT_PROTOCOL and answers extended CONNECT on the WebSocket path with 200', async () => {
    const server = await startServer({ wire: 'h2c', rate: 0 });
    server.publish('before');
    const counter = new SocketCounter();
    const ws = CLIENT_WIRES.h2c(server.url, counter).openWebSocket(`${server.url.replace(/^http/, 'ws')}/ws?since=0`, [], {});
    try {
      const head = new Promise<{ statusCode: number }>((resolve) => ws.once('upgrade', resolve));
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (data: Buffer) => resolve(data.toString()));
        ws.once('error', reject);
      });
      assert.equal((await head).statusCode, 200);
      assert.match(first, /^\{"seq":1,/, 'the catch-up from since=0');
      // Upstream frames (the chat workload) reach the feed through the stream too.
      ws.send(JSON.stringify({ data: 'up' }));
      const echoed = await new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
      assert.match(echoed, /"seq":2,.*"data":"up"/);
      assert.equal(server.stats().techniques.websocket?.open, 1);
    } finally {
      ws.close();
      await new Promise((resolve) => ws.once('close', resolve));
      await server.close();
    }
  });

  test('a CONNECT without :protocol websocket, or without version 13, or to the deflate path, or from a foreign :authority is refused', async () => {
    const plain = await connect('h2c', { ':authority': 'localhost:1' });
    assert.equal(plain.enableConnectProtocol, true);
    assert.equal(plain.status, 403, 'a plain CONNECT names a host: it must be this server');
    const noVersion = await connect('h2c', { ':protocol': 'websocket', ':path': '/ws' });
    assert.equal(noVersion.status, 400);
    assert.match((JSON.parse(noVersion.body) as { error: string }).error, /Sec-WebSocket-Version must be 13; received null/);
    const other = await connect('h2', { ':protocol': 'webtransport', ':path': '/ws', 'sec-websocket-version': '13' });
    assert.equal(other.status, 501);
    assert.match(
      (JSON.parse(other.body) as { error: string }).error,
      /CONNECT is served for :protocol websocket only \(RFC 8441\); received "webtransport"/,
    );
    const deflate = await connect('h2c', { ':protocol': 'websocket', ':path': '/ws-deflate', 'sec-websocket-version': '13' });
    assert.equal(deflate.status, 501);
    const foreign = await connect('h2c', {
      ':protocol': 'websocket',
      ':path': '/ws',
      ':authority': 'evil.example',
      'sec-websocket-version': '13',
    });
    assert.equal(foreign.status, 403);
  });
});
