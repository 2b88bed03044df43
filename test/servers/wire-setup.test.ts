/**
 * Setup split from per-message bytes, counted on both ends (core/wire-parts.ts, issue 16 item 4):
 * the WebSocket handshake's bytes on HTTP/1.1 are the request head ws writes and the 101 ws's
 * server writes, to the byte as hand-counted here; on HTTP/2 the extended CONNECT is its HEADERS
 * frames, the encoder's block + 9; and on every wire the server's taps count the same parts as
 * the client's, per direction, exactly (what one end wrote the other read), end to end with a
 * few clients and messages.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { Duplex, PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { nowMicros } from '../../core/protocol.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { builtinSubscription } from '../../core/targets.ts';
import type { TechniqueId } from '../../core/techniques.ts';
import { ConnectionParts, h2Tap, type DirectionParts, type WireParts } from '../../core/wire-parts.ts';
import { H2_CLIENT_SETTINGS, H2_SERVER_SETTINGS, type WireId } from '../../core/wires.ts';
import { Generator } from '../../load/generator.ts';
import { HEADER_PROFILES, profileOrigins } from '../../load/headers.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';
import { startServer } from '../../servers/server.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a WebSocket to pushbench's server on `wire` and hands back both ends' parts once it is open and settled. */
async function openedWebSocket(
  wire: WireId,
): Promise<{ client: WireParts; server: WireParts; port: number; tcp: { up: number; down: number } }> {
  const server = await startServer({ wire, rate: 0, techniques: ['websocket'], countParts: true });
  const counter = new SocketCounter();
  const url = `${server.url.replace(/^http/, 'ws')}/ws?since=0`;
  // No permessage-deflate offer: the request head is then the five lines counted below.
  const ws = CLIENT_WIRES[wire](server.url, counter).openWebSocket(url, [], { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await sleep(100);
    const parts = server.stats().bytes.parts;
    assert.ok(parts !== undefined, 'the server reports its parts');
    return { client: counter.partTotals(), server: parts, port: Number(new URL(server.url).port), tcp: counter.totals() };
  } finally {
    ws.terminate();
    await server.close();
  }
}

describe('the WebSocket handshake is setup, counted to the byte', () => {
  test('on http: the Upgrade request head as ws writes it, and the 101 as ws answers it', async () => {
    const { client, server, port, tcp } = await openedWebSocket('http');
    const host = `127.0.0.1:${port}`;
    // The request ws sends, line by line: its four handshake headers, then Host added by Node, then the blank line.
    const request =
      'GET /ws?since=0 HTTP/1.1\r\n'.length + // 26
      'Sec-WebSocket-Version: 13\r\n'.length + // 27
      `Sec-WebSocket-Key: ${'x'.repeat(24)}\r\n`.length + // 45: a 16-byte nonce in base64
      'Connection: Upgrade\r\n'.length + // 21
      'Upgrade: websocket\r\n'.length + // 20
      `Host: ${host}\r\n`.length +
      '\r\n'.length;
    assert.equal(request, 141 + 8 + host.length);
    // And the 101: status line, three headers (the accept key is a SHA-1 in base64, 28 characters), blank line.
    const response =
      'HTTP/1.1 101 Switching Protocols\r\n'.length + // 34
      'Upgrade: websocket\r\n'.length + // 20
      'Connection: Upgrade\r\n'.length + // 21
      `Sec-WebSocket-Accept: ${'x'.repeat(28)}\r\n`.length + // 52
      '\r\n'.length;
    assert.equal(response, 129);
    assert.equal(client.setup.upgradeUp, request);
    assert.equal(client.setup.upgradeDown, response);
    assert.equal(server.setup.upgradeUp, request);
    assert.equal(server.setup.upgradeDown, response);
    // Nothing published, nothing else sent: the handshake is every byte of the connection so far, each way.
    assert.deepEqual(tcp, { up: request, down: response });
  });

  test("on h2: the extended CONNECT's HEADERS frame is the HPACK encoder's block + 9 each way, none of it per message", async () => {
    const { client, server, port, tcp } = await openedWebSocket('h2');
    // The same request through Node's encoder on a fresh in-memory session: the CONNECT is the first request of its session in both.
    const block = await firstBlockBytes({
      ':method': 'CONNECT',
      ':authority': `127.0.0.1:${port}`,
      ':scheme': 'https',
      ':path': '/ws?since=0',
      ':protocol': 'websocket',
      'sec-websocket-version': '13',
    });
    assert.equal(client.setup.upgradeUp, 9 + block);
    assert.equal(server.setup.upgradeUp, 9 + block);
    // The 200: one HEADERS frame, `:status` and `date`.
    assert.ok(client.setup.upgradeDown > 9);
    assert.equal(server.setup.upgradeDown, client.setup.upgradeDown);
    assert.equal(client.up.h2HeaderBlockBytes, 0);
    assert.equal(client.down.h2HeaderBlockBytes, 0);
    // Setup (TLS, HTTP/2, the handshake) + the per-message parts = the TCP bytes, each way: on HTTP/2 every byte is in a part.
    assert.deepEqual({ up: countedBytes(client, 'up'), down: countedBytes(client, 'down') }, tcp);
  });
});

/** The HPACK block of `headers` as the first request of a fresh session, from Node's own encoder, counted by the tap. */
async function firstBlockBytes(headers: http2.OutgoingHttpHeaders): Promise<number> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = http2.createServer({ settings: { ...H2_SERVER_SETTINGS } });
  server.on('stream', (stream) => stream.respond({ ':status': 200 }, { endStream: true }));
  server.emit('connection', Duplex.from({ readable: toServer, writable: toClient }));
  const parts = new ConnectionParts();
  const session = http2.connect(`https://${headers[':authority']}`, {
    createConnection: () => h2Tap(Duplex.from({ readable: toClient, writable: toServer }), parts) as never,
    settings: { ...H2_CLIENT_SETTINGS },
  });
  session.on('error', () => {});
  try {
    // RFC 8441: a client sends :protocol only once the server's SETTINGS allow it.
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    const stream = session.request(headers, { endStream: false });
    await new Promise<void>((resolve, reject) => {
      stream.once('response', () => resolve());
      stream.once('error', reject);
    });
    return parts.snapshot().up.h2HeaderBlockBytes;
  } finally {
    session.destroy();
    server.close();
  }
}

/** One technique on one wire with a few clients and messages: both ends' parts at a quiet moment, before anyone closes. */
async function bothEnds(wire: WireId, technique: TechniqueId): Promise<{ client: WireParts; server: WireParts; delivered: number }> {
  const clients = 2;
  const messages = 3;
  const server = await startServer({ wire, rate: 0, techniques: [technique], allowedOrigins: profileOrigins(), countParts: true });
  const generator = new Generator({
    technique,
    wire,
    origin: server.url,
    fromClient: 0,
    toClient: clients,
    workload: 'broadcast',
    roomSize: 1,
    startSeq: 0,
    intervalMs: 40,
    holdMs: 5000,
    headers: HEADER_PROFILES.browser,
    rate: 1,
    payloadBytes: 3,
    connectConcurrency: clients,
    notBeforeT: nowMicros(),
    subscription: builtinSubscription(technique),
  });
  try {
    const outcome = await generator.connect();
    assert.equal(outcome.connected, clients, `${technique} on ${wire}: ${outcome.firstError ?? ''}`);
    const now = nowMicros();
    generator.setWindow({ startT: now, endT: now + 60_000_000 }, now, null);
    for (let i = 0; i < messages; i++) {
      server.publish(`m${i}`);
      await sleep(60);
    }
    await sleep(300);
    const result = await generator.collect();
    const parts = server.stats().bytes.parts;
    assert.ok(parts !== undefined);
    return { client: generator.counter.partTotals(), server: parts, delivered: result.counts.delivered / clients / messages };
  } finally {
    await generator.close();
    await server.close();
  }
}

/** Every counted byte of one direction: setup parts and per-message parts (HTTP/1.1 heads and framing are not counted apart). */
function countedBytes(parts: WireParts, dir: 'up' | 'down'): number {
  const side: DirectionParts = parts[dir];
  const setup =
    dir === 'up'
      ? parts.setup.tlsUp + parts.setup.h2Up + parts.setup.upgradeUp
      : parts.setup.tlsDown + parts.setup.h2Down + parts.setup.upgradeDown;
  return setup + side.tlsOverheadBytes + side.h2FrameHeaderBytes + side.h2HeaderBlockBytes + side.h2ControlBytes + side.h2DataBytes;
}

describe("the server's taps count what the client's count, per part and direction", () => {
  const cases: ReadonlyArray<readonly [WireId, TechniqueId]> = [
    ['http', 'websocket'],
    ['https', 'sse'],
    ['h2', 'websocket'],
    ['h2c', 'polling'],
    ['h2', 'sse'],
  ];
  for (const [wire, technique] of cases) {
    test(`${technique} on ${wire}`, async () => {
      const { client, server, delivered } = await bothEnds(wire, technique);
      assert.equal(delivered, 1, 'every client got every message');
      assert.deepEqual(server.up, client.up, 'per-message parts, client to server');
      assert.deepEqual(server.down, client.down, 'per-message parts, server to client');
      assert.deepEqual(server.setup, client.setup, 'setup parts');
      assert.ok(countedBytes(client, 'up') > 0 && countedBytes(client, 'down') > 0);
    });
  }
});
