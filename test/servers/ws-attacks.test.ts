/**
 * WebSocket protocol violations, as raw frames on a raw socket: each gets the exact close
 * code RFC 6455 prescribes (or the exact handshake refusal), and the server goes on
 * serving. Also pings, paced and as a flood.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer, type PushServer } from '../../servers/server.ts';
import { MAX_PENDING_PONGS } from '../../servers/techniques/websocket.ts';
import { WS_CLOSE_BAD_REQUEST } from '../../core/protocol.ts';
import { eventually, exchangeRaw, getRequest, openRaw, parseResponses, type RawClient } from '../helpers/wire.ts';

const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  /** RSV1..3 as bits 0b100, 0b010, 0b001. */
  rsv?: number;
  masked?: boolean;
}

/** One client frame as RFC 6455 section 5.2 lays it out (masked unless told otherwise). */
function frame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, masked = true }: FrameSpec): Buffer {
  const length = payload.length;
  const lengthBytes =
    length < 126
      ? Buffer.from([length])
      : length < 65536
        ? Buffer.from([126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([127]),
            Buffer.alloc(4),
            Buffer.from([length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]),
          ]);
  lengthBytes[0]! |= masked ? 0x80 : 0;
  const first = Buffer.from([(fin ? 0x80 : 0) | (rsv << 4) | opcode]);
  if (!masked) return Buffer.concat([first, lengthBytes, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([first, lengthBytes, mask, body]);
}

function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, Buffer.from(reason)]);
}

/** Server frames (unmasked) after the 101 head. */
function serverFrames(bytes: Buffer): Array<{ opcode: number; payload: Buffer }> {
  const out: Array<{ opcode: number; payload: Buffer }> = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(at + 2);
      start = at + 4;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(at + 2));
      start = at + 10;
    }
    if (start + length > bytes.length) break;
    out.push({ opcode: bytes[at]! & 0x0f, payload: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return out;
}

function upgradeRequest(port: number, path = '/ws', headers: Record<string, string> = {}): string {
  const all = { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers };
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    ...Object.entries(all).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

describe('WebSocket protocol violations on a real server', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, rooms: 2 });
    server.publish('m1');
  });
  after(() => server.close());

  /** A connection past its 101, and the bytes the server sends after it. */
  async function upgraded(path = '/ws'): Promise<{ client: RawClient; after: () => Buffer }> {
    const client = await openRaw(server.port);
    client.send(upgradeRequest(server.port, path));
    await client.waitFor((t) => t.includes('\r\n\r\n'), 'the 101');
    assert.match(client.text(), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    const headLength = client.text().indexOf('\r\n\r\n') + 4;
    return { client, after: () => Buffer.from(client.text(), 'latin1').subarray(headLength) };
  }

  /** Sends `bytes` and returns the code and reason of the close frame the server answers with. */
  async function closeCodeFor(bytes: Buffer, path = '/ws'): Promise<{ code: number; reason: string }> {
    const { client, after } = await upgraded(path);
    client.send(bytes);
    await client.closed;
    const close = serverFrames(after()).find((f) => f.opcode === OP.close);
    assert.ok(close !== undefined, `a close frame; received ${JSON.stringify(after().toString('latin1'))}`);
    return { code: close.payload.readUInt16BE(0), reason: close.payload.subarray(2).toString() };
  }

  async function assertServes(): Promise<void> {
    assert.equal((await exchangeRaw(server.port, getRequest(server.port, '/poll?since=0'))).status, 200);
    const ws = await upgraded('/ws?since=0');
    await ws.client.waitFor(() => serverFrames(ws.after()).length === 1, 'the catch-up frame');
    assert.match(serverFrames(ws.after())[0]!.payload.toString(), /^\{"seq":1,/);
    ws.client.close();
  }

  const violations: Array<[string, () => Buffer, number]> = [
    ['an unmasked client frame', () => frame({ opcode: OP.text, payload: Buffer.from('{"data":"x"}'), masked: false }), 1002],
    ['RSV1 without an extension', () => frame({ opcode: OP.text, payload: Buffer.from('x'), rsv: 0b100 }), 1002],
    ['RSV2', () => frame({ opcode: OP.text, payload: Buffer.from('x'), rsv: 0b010 }), 1002],
    ['RSV3', () => frame({ opcode: OP.text, payload: Buffer.from('x'), rsv: 0b001 }), 1002],
    ['reserved data opcode 0x3', () => frame({ opcode: 0x3 }), 1002],
    ['reserved control opcode 0xB', () => frame({ opcode: 0xb }), 1002],
    ['a fragmented ping', () => frame({ opcode: OP.ping, fin: false }), 1002],
    ['a ping over 125 bytes', () => frame({ opcode: OP.ping, payload: Buffer.alloc(126) }), 1002],
    ['a continuation with nothing to continue', () => frame({ opcode: OP.continuation, payload: Buffer.from('x') }), 1002],
    ['invalid UTF-8 in a text frame', () => frame({ opcode: OP.text, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }), 1007],
    ['invalid UTF-8 in a close reason', () => frame({ opcode: OP.close, payload: closePayload(1000, Buffer.from([0xff, 0xfe])) }), 1007],
    ['a one-byte close payload', () => frame({ opcode: OP.close, payload: Buffer.from([3]) }), 1002],
  ];
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
    violations.push([`close code ${code}`, () => frame({ opcode: OP.close, payload: closePayload(code) }), 1002]);
  }

  for (const [what, bytes, expected] of violations) {
    test(`${what}: closed with ${expected}`, async () => {
      const close = await closeCodeFor(bytes());
      assert.equal(close.code, expected);
      // ws sends no reason: the code is the whole answer.
      assert.equal(close.reason, '');
      await assertServes();
    });
  }

  test('a valid close code in the registered (3000-4999) range is answered in kind', async () => {
    const close = await closeCodeFor(frame({ opcode: OP.close, payload: closePayload(4321, 'bye') }));
    assert.equal(close.code, 4321);
  });

  test('a room the server does not hold closes with 4400 naming the range', async () => {
    const { client, after } = await upgraded('/ws?room=7');
    await client.waitFor(() => serverFrames(after()).some((f) => f.opcode === OP.close), 'the close frame');
    const close = serverFrames(after()).find((f) => f.opcode === OP.close)!;
    // Answer it, as a client must: the server then closes the TCP connection.
    client.send(frame({ opcode: OP.close, payload: close.payload }));
    await client.closed;
    assert.equal(close.payload.readUInt16BE(0), WS_CLOSE_BAD_REQUEST);
    assert.equal(close.payload.subarray(2).toString(), 'invalid room: received 7; allowed 0..1');
  });

  test('a bad Sec-WebSocket-Key or version is refused with 400 before upgrading', async () => {
    for (const [headers, body, extra] of [
      [{ 'Sec-WebSocket-Key': 'too-short' }, 'Missing or invalid Sec-WebSocket-Key header', null],
      [{ 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ' }, 'Missing or invalid Sec-WebSocket-Key header', null],
      [{ 'Sec-WebSocket-Version': '12' }, 'Missing or invalid Sec-WebSocket-Version header', /\r\nSec-WebSocket-Version: 13, 8\r\n/],
      [{ 'Sec-WebSocket-Version': 'thirteen' }, 'Missing or invalid Sec-WebSocket-Version header', /\r\nSec-WebSocket-Version: 13, 8\r\n/],
    ] as const) {
      const client = await openRaw(server.port);
      client.send(upgradeRequest(server.port, '/ws', headers));
      await client.closed;
      const [response] = parseResponses(client.text());
      assert.equal(response!.status, 400, JSON.stringify(headers));
      assert.equal(response!.body, body);
      if (extra !== null) assert.match(response!.head, extra);
    }
    await assertServes();
  });

  test('pings one at a time are each answered by their own pong', async () => {
    const { client, after } = await upgraded();
    for (let i = 0; i < 200; i++) {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(i);
      client.send(frame({ opcode: OP.ping, payload }));
      await client.waitFor(() => serverFrames(after()).length === i + 1, `pong ${i}`);
    }
    assert.ok(serverFrames(after()).every((f, i) => f.opcode === OP.pong && f.payload.readUInt32BE(0) === i));
    client.close();
  });

  test(`a ping flood is cut once ${MAX_PENDING_PONGS} pongs wait unwritten; the pongs sent echo their pings in order`, async () => {
    const PINGS = 10_000;
    const { client, after } = await upgraded();
    const pings: Buffer[] = [];
    for (let i = 0; i < PINGS; i++) {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(i);
      pings.push(frame({ opcode: OP.ping, payload }));
    }
    client.send(Buffer.concat(pings));
    // Without the guard every ping would be answered and the connection would stay open.
    await Promise.race([client.closed, client.waitFor(() => serverFrames(after()).length === PINGS, 'every pong', 30_000)]);
    const frames = serverFrames(after());
    // Pongs still unwritten when it terminates are lost with the connection: fewer than 60 may arrive.
    assert.ok(frames.length < PINGS, `the server stopped answering: ${frames.length} pongs for ${PINGS} pings`);
    assert.ok(
      frames.every((f, i) => f.opcode === OP.pong && f.payload.readUInt32BE(0) === i),
      'no close frame: the connection is terminated',
    );
    await eventually(() => server.stats().techniques.websocket!.open === 0, 'the flooding socket to be gone');
    await assertServes();
  });
});
