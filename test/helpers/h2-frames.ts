/**
 * HTTP/2 spoken by hand, for attack tests: frames as bytes (RFC 9113 §4.1, a 9-byte header and a
 * payload), the little HPACK an attacker needs (RFC 7541: an indexed static entry, a literal
 * without indexing and a literal with incremental indexing, no Huffman), and a raw client on a
 * TLS (ALPN h2) or TCP socket that keeps every frame the server sends. Nothing here goes through
 * Node's http2, so the server cannot be spared a frame that its own client would never send.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;
/** RFC 9113 §7 error codes the tests look for. */
export const H2_ERROR = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  ENHANCE_YOUR_CALM: 11,
} as const;

/** The client connection preface (RFC 9113 §3.4), without its SETTINGS frame. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One frame: 24-bit length, type, flags, 31-bit stream id, payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** A SETTINGS frame with `pairs` (id, value). */
export function settingsFrame(pairs: ReadonlyArray<readonly [number, number]> = []): Buffer {
  const payload = Buffer.alloc(6 * pairs.length);
  pairs.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

export function rstStreamFrame(streamId: number, code: number = H2_ERROR.CANCEL): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, streamId, payload);
}

export function pingFrame(opaque = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(opaque, 4);
  return frame(FRAME.PING, 0, 0, payload);
}

/** An HPACK integer with an `n`-bit prefix whose high bits are `mask` (RFC 7541 §5.1). */
function hpackInteger(value: number, n: number, mask: number): Buffer {
  const max = (1 << n) - 1;
  if (value < max) return Buffer.from([mask | value]);
  const bytes = [mask | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7, 0x00), bytes]);
}

/** A header field as a literal without indexing, new name, no Huffman (RFC 7541 §6.2.2). */
export function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00]), hpackString(name), hpackString(value)]);
}

/** A header field as a literal with incremental indexing, new name (§6.2.1): it enters the dynamic table at index 62. */
export function literalIndexed(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40]), hpackString(name), hpackString(value)]);
}

/** A reference to table entry `index` (§6.1): 1 byte for indexes below 127. */
export function indexed(index: number): Buffer {
  return hpackInteger(index, 7, 0x80);
}

/** The header block of `GET path` on `authority` (https), all literals. */
export function getBlock(authority: string, path: string, scheme = 'https'): Buffer {
  return Buffer.concat([literal(':method', 'GET'), literal(':scheme', scheme), literal(':authority', authority), literal(':path', path)]);
}

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export interface RawH2Client {
  readonly socket: net.Socket;
  send(data: Buffer): boolean;
  /** Every complete frame received so far. */
  frames(): ReceivedFrame[];
  /** Bytes received so far. */
  bytesReceived(): number;
  /** The GOAWAY's error code once one came, else null. */
  goawayCode(): number | null;
  /** True once the server closed or reset the connection. */
  isClosed(): boolean;
  closed: Promise<void>;
  /** Waits until `predicate` holds; fails after `timeoutMs` naming `what`. */
  until(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  destroy(): void;
}

/**
 * Opens a raw HTTP/2 connection to 127.0.0.1:`port` (TLS with ALPN h2 when `secure`), sends the
 * preface and an empty SETTINGS, and ACKs the server's SETTINGS as a client must (without an ACK
 * the server would end the session for a SETTINGS timeout, not for the attack under test).
 */
export async function openRawH2(port: number, secure: boolean): Promise<RawH2Client> {
  const socket: net.Socket = secure
    ? tls.connect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false, servername: 'localhost' })
    : net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let closed = false;
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  if (secure && (socket as tls.TLSSocket).alpnProtocol !== 'h2')
    throw new Error(`ALPN picked ${String((socket as tls.TLSSocket).alpnProtocol)}, not h2`);
  const received: ReceivedFrame[] = [];
  let pending = Buffer.alloc(0);
  let total = 0;
  socket.on('data', (chunk: Buffer) => {
    total += chunk.length;
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const got = {
        type: pending[3]!,
        flags: pending[4]!,
        streamId: pending.readUInt32BE(5) & 0x7fffffff,
        payload: pending.subarray(9, 9 + length),
      };
      received.push(got);
      pending = pending.subarray(9 + length);
      if (got.type === FRAME.SETTINGS && (got.flags & FLAG.ACK) === 0 && !socket.destroyed)
        socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
    }
  });
  socket.write(Buffer.concat([PREFACE, settingsFrame()]));
  const client: RawH2Client = {
    socket,
    send: (data) => (socket.destroyed ? false : socket.write(data)),
    frames: () => received,
    bytesReceived: () => total,
    goawayCode: () => {
      const goaway = received.find((f) => f.type === FRAME.GOAWAY);
      return goaway === undefined ? null : goaway.payload.readUInt32BE(4);
    },
    isClosed: () => closed,
    closed: closedPromise,
    async until(predicate, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}; frames received: ${received
              .map((f) => `${f.type}/${f.flags}/${f.streamId}`)
              .slice(-20)
              .join(' ')}`,
          );
        await sleep(5);
      }
    },
    destroy: () => void socket.destroy(),
  };
  return client;
}
