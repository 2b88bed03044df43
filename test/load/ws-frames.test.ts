/**
 * The generator's lean WebSocket frame reader (load/ws-frames.ts) against a raw TCP server that
 * writes frames byte by byte as RFC 6455 lays them out: whole, fragmented, with a 16-bit length
 * split across writes, a ping (answered with a masked pong), then a close handed back to ws.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { readFramesLean } from '../../load/ws-frames.ts';

/** An unmasked server frame. */
function frame(fin: boolean, opcode: number, payload: Buffer): Buffer {
  const head = payload.length < 126 ? Buffer.from([0, payload.length]) : Buffer.from([0, 126, payload.length >> 8, payload.length & 0xff]);
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

/** The first byte of each unmasked frame in `bytes` (payloads under 65,536 B). */
function frameFirstBytes(bytes: Buffer): number[] {
  const firsts: number[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    firsts.push(bytes[offset]!);
    const length = bytes[offset + 1]! & 0x7f;
    offset += length === 126 ? 4 + bytes.readUInt16BE(offset + 2) : 2 + length;
  }
  return firsts;
}

test('messages whole, fragmented and split across writes; a ping answered; a close handed back to ws', async () => {
  let pong: Buffer | undefined;
  let serverSocket: net.Socket | undefined;
  const server = net.createServer((socket) => {
    serverSocket = socket;
    let handshaken = false;
    socket.on('data', (chunk: Buffer) => {
      if (!handshaken) {
        handshaken = true;
        const key = /sec-websocket-key: (\S+)/i.exec(chunk.toString('latin1'))![1]!;
        const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        return;
      }
      // A client frame: masked; the pong (opcode 0xA) carries the ping's payload.
      if ((chunk[0]! & 0x0f) === 0x0a) {
        const length = chunk[1]! & 0x7f;
        const mask = chunk.subarray(2, 6);
        pong = Buffer.from(chunk.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]!));
        // Then a close frame (1000), which ws must handle.
        socket.write(frame(true, 0x8, Buffer.from([0x03, 0xe8])));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const received: string[] = [];
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  ws.on('message', () => assert.fail('ws must not read the frames the lean reader took'));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve) =>
    ws.once('open', () => {
      assert.equal(
        readFramesLean(ws, (data, start, end) => received.push(data.toString('utf8', start, end))),
        true,
      );
      resolve();
    }),
  );
  const long = Buffer.alloc(200, 'x');
  const bytes = Buffer.concat([
    frame(true, 0x1, Buffer.from('a')),
    frame(false, 0x1, Buffer.from('he')),
    frame(true, 0x0, Buffer.from('llo')),
    frame(true, 0x1, long),
  ]);
  // Cut inside the 16-bit length of the last frame, and send the rest later.
  const cut = bytes.length - long.length - 2;
  serverSocket!.write(bytes.subarray(0, cut));
  await new Promise((resolve) => setTimeout(resolve, 20));
  serverSocket!.write(bytes.subarray(cut));
  await new Promise((resolve) => setTimeout(resolve, 20));
  serverSocket!.write(frame(true, 0x9, Buffer.from('p')));
  assert.equal(await closed, 1000);
  assert.deepEqual(received, ['a', 'hello', long.toString()]);
  assert.equal(pong?.toString(), 'p');
  server.close();
});

test('several frames in one write and a frame cut inside its payload: each message read in place, hand-worked bytes', async () => {
  let serverSocket: net.Socket | undefined;
  const server = net.createServer((socket) => {
    serverSocket = socket;
    socket.once('data', (chunk: Buffer) => {
      const key = /sec-websocket-key: (\S+)/i.exec(chunk.toString('latin1'))![1]!;
      const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { perMessageDeflate: false });
  const received: Array<{ text: string; start: number; end: number; within: boolean }> = [];
  await new Promise<void>((resolve) =>
    ws.once('open', () => {
      readFramesLean(ws, (data, start, end) =>
        received.push({ text: data.toString('latin1', start, end), start, end, within: end <= data.length }),
      );
      resolve();
    }),
  );
  // RFC 6455 §5.2 by hand: 0x81 = FIN + text; the second byte is the payload length (unmasked, < 126).
  const first = Buffer.from([0x81, 0x02, 0x61, 0x62]); // "ab"
  const second = Buffer.from([0x81, 0x03, 0x63, 0x64, 0x65]); // "cde"
  const third = Buffer.from([0x81, 0x05, 0x66, 0x67, 0x68, 0x69, 0x6a]); // "fghij"
  // One write of the three whole frames and the first two payload bytes of the third.
  serverSocket!.write(Buffer.concat([first, second, third.subarray(0, 4)]));
  await new Promise((resolve) => setTimeout(resolve, 20));
  serverSocket!.write(third.subarray(4));
  await new Promise((resolve) => setTimeout(resolve, 20));
  ws.terminate();
  server.close();
  assert.deepEqual(
    received.map((r) => r.text),
    ['ab', 'cde', 'fghij'],
  );
  // In place in the first chunk: payloads at bytes [2, 4) and [6, 9); the cut frame was joined, so its payload is after its 2-byte header.
  assert.deepEqual(
    received.map(({ start, end }) => [start, end]),
    [
      [2, 4],
      [6, 9],
      [2, 7],
    ],
  );
  assert.ok(received.every((r) => r.within));
});

test('with permessage-deflate agreed: uncompressed frames read here, ws reads (and inflates) from the first compressed one on', async () => {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const big = 'y'.repeat(4000);
  const wire: Buffer[] = [];
  wss.on('connection', (socket, request) => {
    const raw = request.socket;
    const write = raw.write.bind(raw);
    raw.write = ((chunk: Buffer, ...rest: never[]) => {
      wire.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    }) as typeof raw.write;
    socket.send('hello', { compress: false });
    socket.send('world', { compress: false });
    socket.send(big, { compress: true });
    socket.send('after', { compress: false });
  });
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, { perMessageDeflate: true });
  const lean: string[] = [];
  const byWs: string[] = [];
  const allByWs = new Promise<void>((resolve) =>
    ws.on('message', (data: Buffer) => {
      byWs.push(data.toString());
      if (byWs.length === 2) resolve();
    }),
  );
  await new Promise<void>((resolve) =>
    ws.once('open', () => {
      assert.deepEqual(Object.keys((ws as unknown as { _extensions: object })._extensions), ['permessage-deflate']);
      assert.equal(
        readFramesLean(ws, (data, start, end) => lean.push(data.toString('utf8', start, end))),
        true,
      );
      resolve();
    }),
  );
  await allByWs;
  // 0x81: FIN + text, uncompressed; 0xc1: FIN + RSV1 + text, compressed (RFC 7692 §6).
  assert.deepEqual(frameFirstBytes(Buffer.concat(wire)), [0x81, 0x81, 0xc1, 0x81]);
  assert.deepEqual(lean, ['hello', 'world']);
  // The compressed message inflated by ws, and the one after it read by ws too (the hand-back is for good).
  assert.deepEqual(byWs, [big, 'after']);
  ws.terminate();
  await new Promise((resolve) => wss.close(resolve));
});
