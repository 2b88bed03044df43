/**
 * WebSocket with permessage-deflate on the wire: the server accepts Chromium's offer, every
 * frame is the message deflated on that socket's own context (checked byte for byte against
 * an independent zlib stream doing what RFC 7692 says), server and client count the same
 * bytes, and the client hands over the uncompressed JSON. The plain WebSocket endpoint of the
 * same server declines the same offer.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { encodeMessage, filler, nowMicros, wsFrameHeaderBytes } from '../../core/protocol.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { DEFLATE_UPGRADE_RESPONSE_BYTES } from '../../run/techniques/websocket-deflate.ts';
import { WS_UPGRADE_RESPONSE_BYTES, wsUpgradeRequestBytes } from '../../run/model.ts';
import { eventually } from '../helpers/wire.ts';

/** What Chromium sends (and ws sends by default). */
const CHROMIUM_OFFER = 'permessage-deflate; client_max_window_bits';

/** A deflate stream as RFC 7692 runs one per direction: each message sync-flushed, the 00 00 ff ff tail dropped. */
function rfc7692Deflater(): (message: Buffer) => Promise<Buffer> {
  const deflate = zlib.createDeflateRaw({ windowBits: 15, memLevel: 8 });
  return async (message) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => void chunks.push(chunk);
    deflate.on('data', onData);
    deflate.write(message);
    await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    deflate.off('data', onData);
    const out = Buffer.concat(chunks);
    assert.deepEqual([...out.subarray(-4)], [0x00, 0x00, 0xff, 0xff], 'a sync flush ends with an empty stored block');
    return out.subarray(0, -4);
  };
}

interface Opened {
  ws: WebSocket;
  socket: Socket;
  /** What the server answered. */
  extensions: string | undefined;
  received: Buffer[];
}

async function open(url: string): Promise<Opened> {
  const received: Buffer[] = [];
  let socket: Socket | undefined;
  let extensions: string | undefined;
  // ws's default client offer is Chromium's: permessage-deflate; client_max_window_bits.
  const ws = new WebSocket(url);
  ws.on('upgrade', (res) => {
    socket = res.socket as Socket;
    extensions = res.headers['sec-websocket-extensions'];
  });
  ws.on('message', (data: Buffer) => received.push(data));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, socket: socket!, extensions, received };
}

describe('permessage-deflate bytes', () => {
  let server: PushServer;
  const sockets: WebSocket[] = [];
  before(async () => {
    server = await startServer({ rate: 0 });
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await server.close();
  });

  test("the deflate endpoint accepts Chromium's offer; the plain one declines it", async () => {
    const base = server.url.replace('http', 'ws');
    const before = server.stats().bytes.setupUp;
    const deflate = await open(`${base}/ws-deflate?since=0`);
    const between = server.stats().bytes.setupUp;
    const plain = await open(`${base}/ws?since=0`);
    sockets.push(deflate.ws, plain.ws);
    // Both upgrade requests carry the offer: exactly the bytes of ws's request with that header line.
    const host = new URL(server.url).host;
    assert.equal(between - before, wsUpgradeRequestBytes('/ws-deflate?since=0', host, [], true));
    assert.equal(server.stats().bytes.setupUp - between, wsUpgradeRequestBytes('/ws?since=0', host, [], true));
    assert.equal(
      wsUpgradeRequestBytes('/ws', host, [], true) - wsUpgradeRequestBytes('/ws', host, [], false),
      `Sec-WebSocket-Extensions: ${CHROMIUM_OFFER}\r\n`.length,
    );
    assert.equal(deflate.extensions, 'permessage-deflate');
    assert.equal(deflate.ws.extensions, 'permessage-deflate');
    assert.equal(plain.extensions, undefined);
    assert.equal(plain.ws.extensions, '');
    // The 101s differ by exactly the extension line the model counts.
    assert.equal(deflate.socket.bytesRead, DEFLATE_UPGRADE_RESPONSE_BYTES);
    assert.equal(plain.socket.bytesRead, WS_UPGRADE_RESPONSE_BYTES);
  });

  test('every frame is the message deflated on its socket’s context, and both ends count the same bytes', async () => {
    const setupBefore = server.stats().bytes;
    // A room of its own: the sockets of the other tests hear nothing of it, so the server's total is this socket's.
    const room = 3;
    const { ws, socket, received } = await open(`${server.url.replace('http', 'ws')}/ws-deflate?room=${room}&since=0`);
    sockets.push(ws);
    const setupAfter = server.stats().bytes;
    assert.equal(setupAfter.setupDown - setupBefore.setupDown, DEFLATE_UPGRADE_RESPONSE_BYTES, 'the 101 is setup');

    const deflater = rfc7692Deflater();
    const messages: string[] = [];
    let expectedFrames = 0;
    const serverBefore = server.stats().bytes.down;
    const clientBefore = socket.bytesRead;
    for (let i = 1; i <= 40; i++) {
      const t = nowMicros();
      const data = filler(64, i);
      const seq = server.publish(data, t, room);
      const json = encodeMessage({ seq, t, room, data });
      messages.push(json);
      const compressed = await deflater(Buffer.from(json));
      expectedFrames += wsFrameHeaderBytes(compressed.length, false) + compressed.length;
    }
    await eventually(
      () => received.length === 40,
      () => `40 messages, got ${received.length}`,
    );
    assert.deepEqual(
      received.map((b) => b.toString()),
      messages,
      'the client hands over the uncompressed JSON, exactly',
    );
    await eventually(
      () => socket.bytesRead - clientBefore === expectedFrames,
      () => `client read ${socket.bytesRead - clientBefore} B, expected ${expectedFrames}`,
    );
    assert.equal(server.stats().bytes.down - serverBefore, expectedFrames, 'the server wrote exactly the RFC 7692 frames');
    const json = messages.reduce((n, m) => n + m.length, 0);
    assert.ok(expectedFrames < json, `context takeover: ${expectedFrames} B on the wire for ${json} B of JSON`);
  });

  test('an upstream frame the client compressed is inflated and published like any other', async () => {
    const { ws, received } = await open(`${server.url.replace('http', 'ws')}/ws-deflate?room=7&since=0`);
    sockets.push(ws);
    const t = nowMicros();
    ws.send(JSON.stringify({ room: 7, t, data: filler(80, 3) }));
    await eventually(() => received.length === 1, 'the room message back');
    assert.deepEqual(JSON.parse(received[0]!.toString()), { seq: 1, t, room: 7, data: filler(80, 3) });
  });
});
