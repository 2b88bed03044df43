/**
 * The capacity probe's HTTP/2 client: repeated GETs, one at a time, on one HTTP/2 connection
 * (TLS with ALPN h2, or cleartext with prior knowledge), written frame by frame as
 * load/keepalive-get.ts writes HTTP/1.1. Node's http2 client costs about three times what the
 * server spends on the same request (a CPU profile: 160 µs against about 50), so load processes
 * built on it cannot saturate a server on a 2-core machine; h2load, the C reference the probe is
 * checked against (perf:capacity), can. This client does what h2load does on the wire and no more:
 *
 * - the header block as an HPACK encoder with a dynamic table writes it (RFC 7541): the first
 *   request adds the profile's fields to the table ("literal with incremental indexing"), every
 *   later one names them by index, one byte each; `:method GET` and `:scheme` are static-table
 *   indexes, `:path` a literal of the static name (not indexed, so any path can follow);
 * - one HEADERS frame per request with END_STREAM and END_HEADERS on a new odd stream;
 * - of the answer only the status (the first field of the response block: nghttp2 writes
 *   `:status` first, and as one static-table byte for the common codes) and the DATA frames;
 * - SETTINGS and PING acknowledged, the connection window opened wide and topped up, GOAWAY or a
 *   reset stream failing the request in flight.
 *
 * It keeps no HPACK decoder: the response header block is not read past its first byte, which a
 * load that counts answers does not need. Bytes are counted on the TCP socket (core/socket-counter.ts).
 */
import type net from 'node:net';
import type { ByteAttribution, SecureDial, SocketCounter } from '../core/socket-counter.ts';
import { closeWithin, ConnectionClosedError, type GetResponse } from './keepalive-get.ts';
import { h2Headers } from './h2-tab.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_BYTES = 9;
const TYPE = { data: 0x0, headers: 0x1, rstStream: 0x3, settings: 0x4, ping: 0x6, goaway: 0x7, windowUpdate: 0x8 } as const;
const FLAG = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;
/** RFC 7541 Appendix A: the static table entries a GET uses, and the `:status` codes by their one-byte index. */
const STATIC = { authority: 1, methodGet: 2, path: 4, schemeHttp: 6, schemeHttps: 7 } as const;
const STATUS_BY_INDEX: Readonly<Record<number, number>> = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };
/** The decoder's table size a server has before its SETTINGS say otherwise (RFC 7541 §4.2), and the per-entry overhead (§4.1). */
const HPACK_TABLE_BYTES = 4096;
const HPACK_ENTRY_OVERHEAD = 32;
/** Largest window (RFC 9113 §6.9.1); the connection's is topped up by what was read once half of it is used. */
const MAX_WINDOW = 2 ** 31 - 1;
const EMPTY = Buffer.alloc(0);

/** An HPACK integer with an `prefixBits`-bit prefix, the first byte's high bits `first` (RFC 7541 §5.1). */
function hpackInteger(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** An HPACK string literal, raw (no Huffman: RFC 7541 §5.2). */
function hpackString(text: string): number[] {
  const bytes = Buffer.from(text, 'latin1');
  return [...hpackInteger(bytes.length, 7, 0x00), ...bytes];
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & MAX_WINDOW, 5);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

interface Pending {
  resolve: (response: GetResponse) => void;
  reject: (error: Error) => void;
  streamId: number;
  status: number;
  body: Buffer[];
  writtenBefore: number;
  readBefore: number;
}

export class H2LeanGet {
  private socket: net.Socket | undefined;
  private tcp: net.Socket | undefined;
  private ready: Promise<void> | undefined;
  private buffer: Buffer = EMPTY;
  private pending: Pending | undefined;
  private destroyed = false;
  private nextStreamId = 1;
  /** DATA bytes read since the connection window was last topped up. */
  private unacknowledged = 0;
  /** The header fields after the pseudo-headers: the first request's form (adds them to the table) and every later one's (indexes). */
  private readonly firstFields: Buffer;
  private readonly laterFields: Buffer;
  private sentFirst = false;
  /** `:method GET`, `:scheme`, `:authority` (indexed once the first request added it). */
  private readonly firstPseudo: Buffer;
  private readonly laterPseudo: Buffer;
  private readonly host: string;
  private readonly port: number;

  constructor(
    origin: string,
    headers: ReadonlyArray<readonly [string, string]>,
    private readonly counter: SocketCounter,
    private readonly secure: SecureDial | null,
    private readonly attribution: ByteAttribution = 'snapshot',
  ) {
    const url = new URL(origin);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    // Entries go into the table in the order written; the newest has index 62, so after k entries the i-th (0-based) is 62 + k - 1 - i.
    const fields: Array<[string, string]> = [[':authority', url.host]];
    for (const [name, value] of Object.entries(h2Headers(headers))) {
      for (const one of Array.isArray(value) ? value : [value]) fields.push([name, String(one)]);
    }
    const first: number[] = [];
    const indexed: Array<[string, string]> = [];
    const literalAlways: number[] = [];
    let tableBytes = 0;
    for (const [name, value] of fields) {
      const size = name.length + value.length + HPACK_ENTRY_OVERHEAD;
      if (tableBytes + size <= HPACK_TABLE_BYTES) {
        tableBytes += size;
        indexed.push([name, value]);
        // Literal with incremental indexing (§6.2.1): the static name index for :authority, else a new name.
        if (name === ':authority') first.push(...hpackInteger(STATIC.authority, 6, 0x40), ...hpackString(value));
        else first.push(0x40, ...hpackString(name), ...hpackString(value));
      } else {
        // Past the table's room: a literal without indexing (§6.2.2) on every request, as an encoder does.
        literalAlways.push(0x00, ...hpackString(name), ...hpackString(value));
      }
    }
    const later: number[] = [];
    for (let i = 0; i < indexed.length; i++) later.push(...hpackInteger(62 + indexed.length - 1 - i, 7, 0x80));
    const scheme = url.protocol === 'https:' ? STATIC.schemeHttps : STATIC.schemeHttp;
    this.firstPseudo = Buffer.from([0x80 | STATIC.methodGet, 0x80 | scheme]);
    this.laterPseudo = this.firstPseudo;
    this.firstFields = Buffer.from([...first, ...literalAlways]);
    this.laterFields = Buffer.from([...later, ...literalAlways]);
  }

  /** Resolves once the connection is up (under TLS, its handshake done with h2 agreed). */
  connect(): Promise<void> {
    this.open();
    return this.ready!;
  }

  /** GET `path` on a new stream; one at a time. `extraHeaders` are not supported (the probe sends none). */
  get(path: string, extraHeaders = ''): Promise<GetResponse> {
    if (this.destroyed) return Promise.reject(new ConnectionClosedError('the client was closed'));
    if (this.pending !== undefined) return Promise.reject(new Error('a request is already in flight on this connection'));
    if (extraHeaders !== '') return Promise.reject(new Error('H2LeanGet sends no extra headers (the capacity probe has none)'));
    const socket = this.open();
    const tcp = this.tcp!;
    const streamId = this.nextStreamId;
    this.nextStreamId += 2;
    // :path as a literal without indexing of the static name (§6.2.2): 0x04 is its 4-bit-prefix form.
    const pathField = Buffer.from([...hpackInteger(STATIC.path, 4, 0x00), ...hpackString(path)]);
    const block = this.sentFirst
      ? Buffer.concat([this.laterPseudo, pathField, this.laterFields])
      : Buffer.concat([this.firstPseudo, pathField, this.firstFields]);
    this.sentFirst = true;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, streamId, status: 0, body: [], writtenBefore: tcp.bytesWritten, readBefore: tcp.bytesRead };
      socket.write(frame(TYPE.headers, FLAG.endStream | FLAG.endHeaders, streamId, block));
    });
  }

  /** Ends the connection (GOAWAY, then FIN) and resolves once its TCP socket closed (destroyed after `timeoutMs`). */
  close(timeoutMs: number): Promise<void> {
    this.destroyed = true;
    this.fail(new ConnectionClosedError('the client was closed'));
    const socket = this.socket;
    const tcp = this.tcp;
    if (socket === undefined || tcp === undefined || tcp.destroyed) return Promise.resolve();
    return closeWithin(tcp, timeoutMs, () => {
      const goaway = Buffer.alloc(8);
      goaway.writeUInt32BE(Math.max(0, this.nextStreamId - 2), 0);
      socket.end(frame(TYPE.goaway, 0, 0, goaway));
    });
  }

  destroy(): void {
    this.destroyed = true;
    this.socket?.destroy();
    this.fail(new ConnectionClosedError('the client was closed'));
  }

  private open(): net.Socket {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    if (this.destroyed) throw new ConnectionClosedError('the client was closed');
    const { socket, tcp } = this.counter.dial(this.host, this.port, this.secure, this.attribution, false);
    this.socket = socket;
    this.tcp = tcp;
    this.buffer = EMPTY;
    this.nextStreamId = 1;
    this.sentFirst = false;
    this.unacknowledged = 0;
    this.ready = new Promise<void>((resolve, reject) => {
      socket.once(this.secure === null ? 'connect' : 'secureConnect', () => {
        const alpn = (socket as net.Socket & { alpnProtocol?: string | false }).alpnProtocol;
        if (this.secure !== null && alpn !== 'h2') {
          reject(new Error(`the server did not agree to h2 by ALPN (it picked ${JSON.stringify(alpn ?? false)})`));
          socket.destroy();
          return;
        }
        resolve();
      });
      socket.once('error', reject);
    });
    this.ready.catch(() => {});
    // Preface, our SETTINGS (no push; the widest stream window), and the connection window opened wide.
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(0x2, 0); // SETTINGS_ENABLE_PUSH
    settings.writeUInt32BE(0, 2);
    settings.writeUInt16BE(0x4, 6); // SETTINGS_INITIAL_WINDOW_SIZE
    settings.writeUInt32BE(MAX_WINDOW, 8);
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(MAX_WINDOW - 65_535, 0);
    socket.cork();
    socket.write(PREFACE);
    socket.write(frame(TYPE.settings, 0, 0, settings));
    socket.write(frame(TYPE.windowUpdate, 0, 0, increment));
    socket.uncork();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: Error) => this.fail(error));
    socket.on('close', () => this.fail(new ConnectionClosedError('the connection closed')));
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    const buffer = this.buffer;
    while (buffer.length - offset >= FRAME_HEADER_BYTES) {
      const length = buffer.readUIntBE(offset, 3);
      if (buffer.length - offset < FRAME_HEADER_BYTES + length) break;
      const type = buffer[offset + 3]!;
      const flags = buffer[offset + 4]!;
      const streamId = buffer.readUInt32BE(offset + 5) & MAX_WINDOW;
      const payload = buffer.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
      offset += FRAME_HEADER_BYTES + length;
      this.onFrame(type, flags, streamId, payload);
    }
    this.buffer = offset === buffer.length ? EMPTY : buffer.subarray(offset);
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    const pending = this.pending;
    switch (type) {
      case TYPE.headers: {
        if (pending === undefined || streamId !== pending.streamId) return;
        let start = flags & FLAG.padded ? 1 : 0;
        if (flags & FLAG.priority) start += 5;
        const first = payload[start] ?? 0;
        // An indexed field (high bit set) of the static :status entries; any other form is a status this client does not read.
        pending.status = first & 0x80 ? (STATUS_BY_INDEX[first & 0x7f] ?? -1) : -1;
        if (flags & FLAG.endStream) this.finish();
        return;
      }
      case TYPE.data: {
        this.unacknowledged += payload.length;
        if (this.unacknowledged > MAX_WINDOW / 2) this.topUpWindow();
        if (pending === undefined || streamId !== pending.streamId) return;
        const padding = flags & FLAG.padded ? (payload[0] ?? 0) + 1 : 0;
        const data = padding === 0 ? payload : payload.subarray(1, payload.length - (padding - 1));
        if (data.length > 0) pending.body.push(Buffer.from(data));
        if (flags & FLAG.endStream) this.finish();
        return;
      }
      case TYPE.settings:
        if (!(flags & FLAG.ack)) this.socket?.write(frame(TYPE.settings, FLAG.ack, 0, EMPTY));
        return;
      case TYPE.ping:
        if (!(flags & FLAG.ack)) this.socket?.write(frame(TYPE.ping, FLAG.ack, 0, payload));
        return;
      case TYPE.rstStream:
        if (pending !== undefined && streamId === pending.streamId)
          this.fail(new ConnectionClosedError(`the server reset the stream (code ${payload.readUInt32BE(0)})`));
        return;
      case TYPE.goaway:
        this.fail(new ConnectionClosedError(`the server sent GOAWAY (code ${payload.length >= 8 ? payload.readUInt32BE(4) : '?'})`));
        this.socket?.destroy();
        return;
      default:
        // WINDOW_UPDATE (a GET sends no body), PRIORITY, unknown types: nothing to do.
        return;
    }
  }

  private topUpWindow(): void {
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(this.unacknowledged, 0);
    this.unacknowledged = 0;
    this.socket?.write(frame(TYPE.windowUpdate, 0, 0, increment));
  }

  private finish(): void {
    const pending = this.pending!;
    this.pending = undefined;
    const tcp = this.tcp!;
    pending.resolve({
      status: pending.status,
      reason: '',
      head: `HTTP/2 ${pending.status}`,
      headers: new Map(),
      body: pending.body.length === 0 ? EMPTY : pending.body.length === 1 ? pending.body[0]! : Buffer.concat(pending.body),
      bytes: { up: tcp.bytesWritten - pending.writtenBefore, down: tcp.bytesRead - pending.readBefore },
    });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}
