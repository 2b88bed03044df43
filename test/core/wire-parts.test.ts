/**
 * The parts of a wire's bytes (core/wire-parts.ts): the record and frame parsers fed by hand,
 * then real connections to pushbench's server on every tapped wire, where the parts must add
 * up to the TCP bytes exactly and one WebSocket message must split as its arithmetic says.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { encodeMessage } from '../../core/protocol.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { ConnectionParts, h2Tap, tlsTap, type DirectionParts, type WireParts } from '../../core/wire-parts.ts';
import type { WireId } from '../../core/wires.ts';
import { HEADER_PROFILES, profileOrigins } from '../../load/headers.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';
import { startServer } from '../../servers/server.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TLS record of `type` whose ciphertext is `length` bytes. */
function record(type: number, length: number): Buffer {
  const out = Buffer.alloc(5 + length);
  out[0] = type;
  out.writeUInt16BE(0x0303, 1);
  out.writeUInt16BE(length, 3);
  return out;
}

/** An HTTP/2 frame of `type` with a payload of `length` bytes. */
function frame(type: number, length: number): Buffer {
  const out = Buffer.alloc(9 + length);
  out.writeUIntBE(length, 0, 3);
  out[3] = type;
  return out;
}

/** Writes `bytes` through `tap` one byte at a time (the parsers must not care where chunks end). */
async function writeBytewise(tap: NodeJS.WritableStream, bytes: Buffer): Promise<void> {
  for (const byte of bytes) tap.write(Buffer.from([byte]));
  await sleep(5);
}

describe('the parsers', () => {
  test('TLS records split across chunks: handshake records before the Finished are setup, then 22 B per record', async () => {
    const parts = new ConnectionParts();
    const inner = new PassThrough();
    const tap = tlsTap(inner, parts);
    tap.resume();
    inner.resume();
    // ClientHello (type 22), middlebox CCS (20), the client's Finished (first type 23): all setup.
    await writeBytewise(tap, Buffer.concat([record(22, 300), record(20, 1), record(23, 53)]));
    // Two application records: 99 + 17 and 10 + 17 bytes of ciphertext.
    await writeBytewise(tap, Buffer.concat([record(23, 116), record(23, 27)]));
    const got = parts.snapshot();
    assert.equal(got.setup.tlsUp, 305 + 6 + 58);
    assert.equal(got.up.tlsRecords, 2);
    assert.equal(got.up.tlsOverheadBytes, 2 * 22);
  });

  test("down records read after secureConnect are the application's, but for one record per session ticket", () => {
    const parts = new ConnectionParts();
    parts.tlsRecord('down', 22, 128);
    parts.secureConnected();
    parts.tlsRecord('down', 23, 300);
    parts.tlsRecord('down', 23, 280);
    parts.tlsRecord('down', 23, 50);
    parts.ticket();
    parts.ticket();
    const got = parts.snapshot();
    assert.equal(got.setup.tlsDown, 128 + 300 + 280);
    assert.equal(got.setup.tlsTicketsDown, 580);
    assert.equal(got.down.tlsRecords, 1);
    assert.equal(got.down.tlsOverheadBytes, 22);
  });

  test('HTTP/2 frames: the preface and the control frames before the first HEADERS are setup; then frame headers, HPACK blocks, DATA and control apart', async () => {
    const parts = new ConnectionParts();
    const inner = new PassThrough();
    const tap = h2Tap(inner, parts);
    tap.resume();
    inner.resume();
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    // SETTINGS (4) with 2 settings, WINDOW_UPDATE (8), then HEADERS (1) 30 B, CONTINUATION (9) 5 B, DATA (0) 40 B, SETTINGS ack, PING (6).
    await writeBytewise(
      tap,
      Buffer.concat([preface, frame(4, 12), frame(8, 4), frame(1, 30), frame(9, 5), frame(0, 40), frame(4, 0), frame(6, 8)]),
    );
    const got = parts.snapshot();
    assert.equal(got.setup.h2Up, 24 + 21 + 13);
    const want: DirectionParts = {
      tlsRecords: 0,
      tlsOverheadBytes: 0,
      h2Frames: 5,
      h2FrameHeaderBytes: 45,
      h2HeaderBlockBytes: 35,
      h2ControlBytes: 8,
      h2DataBytes: 40,
    };
    assert.deepEqual(got.up, want);
  });
});

/** Sum of the counted parts of one direction: on a tapped HTTP/2 connection, every byte but the setup. */
function counted(side: DirectionParts): number {
  return side.tlsOverheadBytes + side.h2FrameHeaderBytes + side.h2HeaderBlockBytes + side.h2ControlBytes + side.h2DataBytes;
}

describe('on real connections', () => {
  for (const wire of ['h2', 'h2c'] as const) {
    test(`on ${wire}, setup + the counted parts = the TCP bytes of a polling session, each way, to the byte`, async () => {
      const server = await startServer({ wire, rate: 0, techniques: ['polling'], allowedOrigins: profileOrigins() });
      const counter = new SocketCounter();
      const get = CLIENT_WIRES[wire](server.url, counter).gets(HEADER_PROFILES.browser.poll, [], 'snapshot');
      try {
        await get.connect();
        server.publish('x');
        for (let i = 0; i < 3; i++) assert.equal((await get.get('/poll?since=0')).status, 200);
        await sleep(50);
        const parts = counter.partTotals();
        const tcp = counter.totals();
        assert.equal(parts.setup.tlsUp + parts.setup.h2Up + counted(parts.up), tcp.up);
        assert.equal(parts.setup.tlsDown + parts.setup.h2Down + counted(parts.down), tcp.down);
        if (wire === 'h2') assert.ok(parts.setup.tlsTicketsDown > 0, 'TLS 1.3 session tickets counted in setup');
      } finally {
        get.destroy();
        await server.close();
      }
    });
  }

  test('a repeated poll on h2c: one HEADERS frame up whose block is the steady-state HPACK size, the parts of the exchange reported with it', async () => {
    const server = await startServer({ wire: 'h2c', rate: 0, techniques: ['polling'], allowedOrigins: profileOrigins() });
    const counter = new SocketCounter();
    const get = CLIENT_WIRES.h2c(server.url, counter).gets(HEADER_PROFILES.browser.poll, [], 'exchange');
    try {
      await get.connect();
      const first = await get.get('/poll?since=0');
      const second = await get.get('/poll?since=0');
      const third = await get.get('/poll?since=0');
      assert.ok(first.parts !== undefined && second.parts !== undefined && third.parts !== undefined);
      // The first request carries the browser header set in full; later ones are table indexes and the literal :path.
      assert.ok(first.parts.up.h2HeaderBlockBytes > 5 * second.parts.up.h2HeaderBlockBytes);
      assert.equal(second.parts.up.h2HeaderBlockBytes, third.parts.up.h2HeaderBlockBytes);
      assert.equal(second.parts.up.h2Frames, 1);
      assert.equal(second.bytes.up, 9 + second.parts.up.h2HeaderBlockBytes);
      assert.equal(second.bytes.down, counted(second.parts.down));
    } finally {
      get.destroy();
      await server.close();
    }
  });

  /** The parts of one 99-byte WebSocket message down on `wire`. */
  async function oneMessage(wire: WireId): Promise<{ down: number; parts: WireParts['down'] }> {
    const server = await startServer({ wire, rate: 0, techniques: ['websocket'] });
    const counter = new SocketCounter();
    const ws = CLIENT_WIRES[wire](server.url, counter).openWebSocket(`${server.url.replace(/^http/, 'ws')}/ws?since=0`, [], {});
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      await sleep(100);
      const before = counter.partTotals();
      const bytesBefore = counter.totals().down;
      const t = 1_000_000;
      const got = new Promise<Buffer>((resolve) => ws.once('message', (m: Buffer) => resolve(m)));
      server.publish('x'.repeat(99 - encodeMessage({ seq: 1, t, data: '' }).length), t);
      assert.equal((await got).length, 99);
      await sleep(50);
      const after = counter.partTotals();
      const parts = Object.fromEntries(
        Object.entries(after.down).map(([k, v]) => [k, v - before.down[k as keyof DirectionParts]]),
      ) as unknown as DirectionParts;
      return { down: counter.totals().down - bytesBefore, parts };
    } finally {
      ws.terminate();
      await server.close();
    }
  }

  test('a 99-byte WebSocket message on https: one TLS record, 22 B of it counted as TLS, 99 + 2 + 22 in all', async () => {
    const { down, parts } = await oneMessage('https');
    assert.equal(down, 99 + 2 + 22);
    assert.equal(parts.tlsRecords, 1);
    assert.equal(parts.tlsOverheadBytes, 22);
    assert.equal(parts.h2Frames, 0);
  });

  test('on h2: one DATA frame of 99 + 2 in one TLS record: 99 + 2 + 9 + 22', async () => {
    const { down, parts } = await oneMessage('h2');
    assert.equal(down, 99 + 2 + 9 + 22);
    assert.deepEqual(parts, {
      tlsRecords: 1,
      tlsOverheadBytes: 22,
      h2Frames: 1,
      h2FrameHeaderBytes: 9,
      h2HeaderBlockBytes: 0,
      h2ControlBytes: 0,
      h2DataBytes: 101,
    });
  });
});
