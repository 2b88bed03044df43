/**
 * The parts of a wire's bytes, counted as they pass: TLS records (parsed from their 5-byte
 * headers on the TCP bytes under TLS) and HTTP/2 frames (parsed from their 9-byte headers on the
 * plaintext the session reads and writes). A client puts a `WireTap` under its TLS socket and
 * another under its HTTP/2 session; each hands the bytes through unchanged and counts what they
 * are. Nothing here estimates: a TLS 1.3 record's overhead is its 5-byte header plus the bytes
 * its ciphertext is longer than the plaintext it carried (1 inner content type + the 16-byte AEAD
 * tag, RFC 8446 §5.2; no padding is added by OpenSSL), and test/core/wire-parts.test.ts checks
 * that plaintext + overhead = the TCP bytes.
 *
 * Setup (counted apart from the per-message parts): on TLS every record before the handshake is
 * done (the client's 'secureConnect') and the session tickets the server sends right after it
 * (one record each, told by the client's 'session' events);
 * on HTTP/2 the client preface and every SETTINGS, WINDOW_UPDATE and PING frame a direction
 * carries before its first HEADERS frame (the SETTINGS exchange and its acks, Chromium's opening
 * WINDOW_UPDATE); and the WebSocket handshake: on HTTP/1.1 the Upgrade request head and the
 * 101's head (plaintext bytes up to their blank line, read off the plaintext socket's counters
 * where the HTTP parser found the end of the head), on HTTP/2 the HEADERS (and CONTINUATION)
 * frames of the extended CONNECT stream both ways, frame headers included.
 *
 * Both ends count with the same walker and the same rules (`ConnectionParts` with a role), so
 * each part agrees to the byte per direction: what the client wrote is what the server read. The
 * one rule an end cannot observe the same way is where the session tickets are: a client is told
 * by its 'session' events, a server knows that OpenSSL sends `SERVER_SESSION_TICKETS` of them
 * right after reading the client's Finished, before any application data.
 */
import { Duplex } from 'node:stream';

/** TLS 1.3 with an AEAD cipher: every record is its plaintext plus a 5-byte header, a 1-byte inner content type and a 16-byte tag. */
export const TLS_RECORD_HEADER_BYTES = 5;
const TLS13_INNER_TYPE_AND_TAG_BYTES = 17;
/** An HTTP/2 frame header (RFC 9113 §4.1). */
export const H2_FRAME_HEADER_BYTES = 9;
/** The HTTP/2 client connection preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n` (RFC 9113 §3.4). */
export const H2_PREFACE_BYTES = 24;

const H2_DATA = 0;
const H2_HEADERS = 1;
const H2_CONTINUATION = 9;
const TLS_APPLICATION_DATA = 23;

/** What one direction of a connection carried, after its setup. */
export interface DirectionParts {
  /** TLS records (application data, after the handshake and the session tickets). */
  tlsRecords: number;
  /** Their overhead: record headers, inner content types, AEAD tags. */
  tlsOverheadBytes: number;
  /** HTTP/2 frames of every type. */
  h2Frames: number;
  /** Their 9-byte frame headers. */
  h2FrameHeaderBytes: number;
  /** HEADERS and CONTINUATION payloads: the HPACK header blocks. */
  h2HeaderBlockBytes: number;
  /** The payloads of control frames: SETTINGS (and acks), WINDOW_UPDATE, PING, RST_STREAM, GOAWAY, PRIORITY. */
  h2ControlBytes: number;
  /** DATA payloads: the HTTP bodies (message JSON and its framing: brackets, SSE lines, WebSocket frame headers). */
  h2DataBytes: number;
}

/** A connection's setup bytes, both directions. */
export interface SetupParts {
  /** Connections counted. */
  connections: number;
  /** TLS: the handshake records (to the client's 'secureConnect') and the session tickets after it. */
  tlsUp: number;
  tlsDown: number;
  /** Of them, the session tickets' records (down). */
  tlsTicketsDown: number;
  /** HTTP/2: the client preface and the SETTINGS, WINDOW_UPDATE and PING frames before the first HEADERS, each way (their TLS records are in tls*). */
  h2Up: number;
  h2Down: number;
  /**
   * The WebSocket handshake, plaintext: on HTTP/1.1 the Upgrade request's head (up) and the
   * 101's (down); on HTTP/2 the extended CONNECT's HEADERS frames (up) and its 200's (down),
   * 9-byte frame headers included. The TLS records carrying them are in the per-message parts.
   */
  upgradeUp: number;
  upgradeDown: number;
}

/** Per-message parts per direction, and setup parts. */
export interface WireParts {
  up: DirectionParts;
  down: DirectionParts;
  setup: SetupParts;
}

/** All zero. */
export function emptyDirection(): DirectionParts {
  return {
    tlsRecords: 0,
    tlsOverheadBytes: 0,
    h2Frames: 0,
    h2FrameHeaderBytes: 0,
    h2HeaderBlockBytes: 0,
    h2ControlBytes: 0,
    h2DataBytes: 0,
  };
}

/** All zero. */
export function emptyParts(): WireParts {
  return {
    up: emptyDirection(),
    down: emptyDirection(),
    setup: { connections: 0, tlsUp: 0, tlsDown: 0, tlsTicketsDown: 0, h2Up: 0, h2Down: 0, upgradeUp: 0, upgradeDown: 0 },
  };
}

function addDirection(into: DirectionParts, from: DirectionParts, sign: 1 | -1): void {
  for (const key of Object.keys(into) as Array<keyof DirectionParts>) into[key] += sign * from[key];
}

/** `into` += `from` (or -= with sign -1), field by field. */
export function addParts(into: WireParts, from: WireParts, sign: 1 | -1 = 1): WireParts {
  addDirection(into.up, from.up, sign);
  addDirection(into.down, from.down, sign);
  // `?? 0`: parts sent by an older generator or server have no upgrade fields.
  for (const key of Object.keys(into.setup) as Array<keyof SetupParts>) into.setup[key] += sign * (from.setup[key] ?? 0);
  return into;
}

/** A deep copy. */
export function copyParts(parts: WireParts): WireParts {
  return addParts(emptyParts(), parts);
}

/** `a` - `b`, field by field. */
export function diffParts(a: WireParts, b: WireParts): WireParts {
  return addParts(copyParts(a), b, -1);
}

/**
 * Streaming walker of length-prefixed units on one direction of a byte stream: TLS records (a
 * 5-byte header, the length in its bytes 3-4) on the TCP bytes, HTTP/2 frames (a 9-byte header,
 * the length in its bytes 0-2) on the plaintext after the client preface. The one walker both
 * ends use: it hands each unit's header to `onUnit` as soon as the header is whole, and skips
 * its body, wherever chunks end.
 */
class UnitWalker {
  private readonly header: Buffer;
  private headerFill = 0;
  private remaining = 0;
  private skipLeft: number;
  constructor(
    private readonly headerBytes: number,
    private readonly lengthOf: (header: Buffer) => number,
    private readonly onUnit: (header: Buffer, length: number) => void,
    /** Bytes at the start that are no unit (the HTTP/2 client preface), handed to `onSkipped`. */
    skipBytes = 0,
    private readonly onSkipped: (bytes: number) => void = () => {},
  ) {
    this.header = Buffer.alloc(headerBytes);
    this.skipLeft = skipBytes;
  }

  feed(chunk: Buffer): void {
    let offset = 0;
    if (this.skipLeft > 0) {
      const take = Math.min(this.skipLeft, chunk.length);
      this.skipLeft -= take;
      offset += take;
      this.onSkipped(take);
    }
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= take;
        offset += take;
        continue;
      }
      const take = Math.min(this.headerBytes - this.headerFill, chunk.length - offset);
      chunk.copy(this.header, this.headerFill, offset, offset + take);
      this.headerFill += take;
      offset += take;
      if (this.headerFill < this.headerBytes) return;
      this.headerFill = 0;
      const length = this.lengthOf(this.header);
      this.remaining = length;
      this.onUnit(this.header, length);
    }
  }
}

/** A walker of TLS records: `onRecord(type, wireBytes)`, header included. */
function tlsRecordWalker(onRecord: (type: number, wireBytes: number) => void): UnitWalker {
  return new UnitWalker(
    TLS_RECORD_HEADER_BYTES,
    (header) => header.readUInt16BE(3),
    (header, length) => onRecord(header[0]!, TLS_RECORD_HEADER_BYTES + length),
  );
}

/** A walker of HTTP/2 frames: `onFrame(type, payloadBytes, streamId)`, after `prefaceBytes` handed to `onPreface`. */
function h2FrameWalker(
  prefaceBytes: number,
  onPreface: (bytes: number) => void,
  onFrame: (type: number, payloadBytes: number, streamId: number) => void,
): UnitWalker {
  return new UnitWalker(
    H2_FRAME_HEADER_BYTES,
    (header) => header.readUIntBE(0, 3),
    // The stream identifier is the low 31 bits of bytes 5-8 (RFC 9113 §4.1).
    (header, length) => onFrame(header[3]!, length, header.readUInt32BE(5) & 0x7fffffff),
    prefaceBytes,
    onPreface,
  );
}

/** Which end of the connection counts: a tap's writes are `up` on a client, `down` on a server. */
export type PartsRole = 'client' | 'server';

/**
 * Session tickets a TLS 1.3 server of Node sends after each full handshake: OpenSSL's default
 * (SSL_CTX_set_num_tickets, which Node leaves alone). A client learns the number from its
 * 'session' events; test/servers/wire-setup.test.ts checks that both ends agree.
 */
export const SERVER_SESSION_TICKETS = 2;

/** Streams whose HEADERS frames are remembered until an end says whether it opened a WebSocket. */
const RECENT_HEADER_STREAMS = 16;

/**
 * The parts of one connection, fed by its taps: `tls` on the TCP bytes, `h2` on the plaintext,
 * and the HTTP/1.1 upgrade heads by whoever saw them end. `up` is what the client writes, on
 * either end.
 */
export class ConnectionParts {
  private readonly counted = emptyParts();
  /**
   * Whether each direction's handshake is over. Up: once the client's Finished has gone, which in
   * TLS 1.3 (no client certificate) is its first encrypted record; told by the record, since the
   * client's 'secureConnect' fires before its Finished has reached the tap. Down: on a client at
   * 'secureConnect', which needs the server's Finished read; the server sends nothing more
   * before it has read the client's Finished, so on a server: once that record is read.
   */
  private readonly tlsReady = { up: false, down: false };
  /** The first down records after the handshake, wire bytes each: the session tickets are among them (see `snapshot`). */
  private readonly firstDownRecords: number[] = [];
  /** Session tickets: on a client those it received ('session' events); on a server those OpenSSL sends. */
  private tickets = 0;
  private readonly h2Started = { up: false, down: false };
  /** HTTP/2 streams that carry a WebSocket (extended CONNECT): their HEADERS frames are setup. */
  private upgradeStreams: Set<number> | undefined;
  /** Payload sizes of the HEADERS frames of the last few streams, each way, counted per message until an end marks the stream as an upgrade. */
  private recentHeaders: Map<number, { up: number[]; down: number[] }> | undefined;

  constructor(readonly role: PartsRole = 'client') {
    this.counted.setup.connections = 1;
  }

  /** Counts a TLS record of `wireBytes` (header included) in direction `dir`. */
  tlsRecord(dir: 'up' | 'down', type: number, wireBytes: number): void {
    if (!this.tlsReady[dir]) {
      if (dir === 'up') {
        this.counted.setup.tlsUp += wireBytes;
        if (type === TLS_APPLICATION_DATA) {
          this.tlsReady.up = true;
          if (this.role === 'server') {
            this.tlsReady.down = true;
            this.tickets = SERVER_SESSION_TICKETS;
          }
        }
      } else this.counted.setup.tlsDown += wireBytes;
      return;
    }
    if (dir === 'down' && this.firstDownRecords.length < MAX_TICKETS) this.firstDownRecords.push(wireBytes);
    const side = this.counted[dir];
    side.tlsRecords++;
    // An application-data record is its plaintext plus the inner type and tag; any other type (an alert before encryption) is overhead whole.
    side.tlsOverheadBytes += type === TLS_APPLICATION_DATA ? TLS_RECORD_HEADER_BYTES + TLS13_INNER_TYPE_AND_TAG_BYTES : wireBytes;
  }

  /** The handshake is done on the client ('secureConnect'): records read from now on are the application's, but for the session tickets. */
  secureConnected(): void {
    this.tlsReady.down = true;
  }

  /**
   * A session ticket arrived (the client's 'session' event). A TLS 1.3 server (OpenSSL) sends its
   * tickets as soon as it has read the client's Finished, before any application data, so the
   * first N down records after the handshake are the N tickets.
   */
  ticket(): void {
    this.tickets++;
  }

  /** Counts the client preface's bytes. */
  h2Preface(bytes: number): void {
    this.counted.setup.h2Up += bytes;
  }

  /** Counts an HTTP/2 frame of `payloadBytes` on stream `streamId` in direction `dir`. */
  h2Frame(dir: 'up' | 'down', type: number, payloadBytes: number, streamId = 0): void {
    const isHeaders = type === H2_HEADERS || type === H2_CONTINUATION;
    if (isHeaders || type === H2_DATA) this.h2Started[dir] = true;
    if (!this.h2Started[dir]) {
      if (dir === 'up') this.counted.setup.h2Up += H2_FRAME_HEADER_BYTES + payloadBytes;
      else this.counted.setup.h2Down += H2_FRAME_HEADER_BYTES + payloadBytes;
      return;
    }
    if (isHeaders && this.upgradeStreams?.has(streamId) === true) {
      this.addUpgrade(dir, H2_FRAME_HEADER_BYTES + payloadBytes);
      return;
    }
    const side = this.counted[dir];
    side.h2Frames++;
    side.h2FrameHeaderBytes += H2_FRAME_HEADER_BYTES;
    if (isHeaders) {
      side.h2HeaderBlockBytes += payloadBytes;
      this.rememberHeaders(dir, streamId, payloadBytes);
    } else if (type === H2_DATA) side.h2DataBytes += payloadBytes;
    else side.h2ControlBytes += payloadBytes;
  }

  /**
   * HTTP/2 stream `streamId` carries a WebSocket (extended CONNECT): its HEADERS frames, both
   * ways, are the WebSocket handshake. A client says so before its CONNECT goes out; a server
   * once it has read it, so the frames already counted per message are moved to setup.
   */
  upgradeStream(streamId: number): void {
    (this.upgradeStreams ??= new Set()).add(streamId);
    const seen = this.recentHeaders?.get(streamId);
    if (seen === undefined) return;
    this.recentHeaders!.delete(streamId);
    for (const dir of ['up', 'down'] as const) {
      for (const payloadBytes of seen[dir]) {
        const side = this.counted[dir];
        side.h2Frames--;
        side.h2FrameHeaderBytes -= H2_FRAME_HEADER_BYTES;
        side.h2HeaderBlockBytes -= payloadBytes;
        this.addUpgrade(dir, H2_FRAME_HEADER_BYTES + payloadBytes);
      }
    }
  }

  /** Counts `bytes` of an HTTP/1.1 WebSocket handshake head in direction `dir`: the Upgrade request (up) or the 101 (down). */
  upgradeHead(dir: 'up' | 'down', bytes: number): void {
    this.addUpgrade(dir, bytes);
  }

  private addUpgrade(dir: 'up' | 'down', bytes: number): void {
    if (dir === 'up') this.counted.setup.upgradeUp += bytes;
    else this.counted.setup.upgradeDown += bytes;
  }

  private rememberHeaders(dir: 'up' | 'down', streamId: number, payloadBytes: number): void {
    const recent = (this.recentHeaders ??= new Map());
    let seen = recent.get(streamId);
    if (seen === undefined) {
      if (recent.size >= RECENT_HEADER_STREAMS) recent.delete(recent.keys().next().value!);
      seen = { up: [], down: [] };
      recent.set(streamId, seen);
    }
    seen[dir].push(payloadBytes);
  }

  /** The parts so far, the session tickets moved from the per-message records to setup. */
  snapshot(): WireParts {
    const out = copyParts(this.counted);
    const tickets = this.firstDownRecords.slice(0, this.tickets);
    for (const wireBytes of tickets) {
      out.down.tlsRecords--;
      out.down.tlsOverheadBytes -= TLS_RECORD_HEADER_BYTES + TLS13_INNER_TYPE_AND_TAG_BYTES;
      out.setup.tlsDown += wireBytes;
      out.setup.tlsTicketsDown += wireBytes;
    }
    return out;
  }
}

/** Session tickets looked for among the first down records after a handshake (OpenSSL sends 2). */
const MAX_TICKETS = 8;

/** Hooks a tap calls for what passes: `up` is what the upper layer writes, `down` what it reads. */
export interface TapListener {
  up(chunk: Buffer): void;
  down(chunk: Buffer): void;
}

/**
 * A Duplex between an upper layer (TLS, an HTTP/2 session) and the stream it would have used,
 * handing every byte through unchanged and showing it to `listener` first. Node wraps such a
 * stream for TLS and HTTP/2 (JSStreamSocket), so neither knows it is there.
 */
export class WireTap extends Duplex {
  private readonly innerOnData = (chunk: Buffer): void => {
    this.listener.down(chunk);
    if (!this.push(chunk)) this.inner.pause();
  };

  constructor(
    private readonly inner: Duplex,
    private readonly listener: TapListener,
  ) {
    super({ allowHalfOpen: true });
    inner.on('data', this.innerOnData);
    inner.once('end', () => this.push(null));
    // `on`, not `once`: a socket the peer ended can fail each write after; only the first error matters.
    inner.on('error', (error: Error) => {
      if (!this.destroyed) this.destroy(error);
    });
    inner.once('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.forward(chunk, callback);
  }

  private forward(chunk: Buffer, callback: (error?: Error | null) => void): void {
    // A write after the peer ended the connection goes nowhere (and is not counted).
    if (this.inner.destroyed || this.inner.writableEnded) {
      callback();
      return;
    }
    // Counted once the layer below has taken it: a TLS socket whose TCP socket is closing drops
    // what it is handed (a GOAWAY written as the peer hangs up), which then never reaches the wire.
    this.inner.write(chunk, (error) => {
      if (error == null) this.listener.up(chunk);
      callback(error);
    });
  }

  /**
   * Chunks written together (a writev: an HTTP/2 session's frames of one send, corked by Node's
   * JSStreamSocket) go on as one write, as they would to a native socket: under TLS one write is
   * one record, so writing them one by one would add records the wire does not have without the tap.
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.forward(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy(error ?? undefined);
    callback(error);
  }

  // TLS and HTTP/2 call these on a socket; the TCP socket under the tap answers them.
  setNoDelay(noDelay?: boolean): this {
    (this.inner as Duplex & { setNoDelay?: (v?: boolean) => void }).setNoDelay?.(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    (this.inner as Duplex & { setKeepAlive?: (e?: boolean, d?: number) => void }).setKeepAlive?.(enable, delay);
    return this;
  }
}

/** The tap's listener for `parts`' end: a client writes what goes up, a server what goes down. */
function sided(parts: ConnectionParts, up: (chunk: Buffer) => void, down: (chunk: Buffer) => void): TapListener {
  return parts.role === 'client' ? { up, down } : { up: down, down: up };
}

/** A tap that counts the TLS records passing on the TCP bytes under a TLS socket into `parts` (either end). */
export function tlsTap(inner: Duplex, parts: ConnectionParts): WireTap {
  const up = tlsRecordWalker((type, bytes) => parts.tlsRecord('up', type, bytes));
  const down = tlsRecordWalker((type, bytes) => parts.tlsRecord('down', type, bytes));
  return new WireTap(
    inner,
    sided(
      parts,
      (chunk) => up.feed(chunk),
      (chunk) => down.feed(chunk),
    ),
  );
}

/** A tap that counts the HTTP/2 frames a session (either end) writes and reads into `parts`. */
export function h2Tap(inner: Duplex, parts: ConnectionParts): WireTap {
  const up = h2FrameWalker(
    H2_PREFACE_BYTES,
    (bytes) => parts.h2Preface(bytes),
    (type, bytes, streamId) => parts.h2Frame('up', type, bytes, streamId),
  );
  const down = h2FrameWalker(
    0,
    () => {},
    (type, bytes, streamId) => parts.h2Frame('down', type, bytes, streamId),
  );
  return new WireTap(
    inner,
    sided(
      parts,
      (chunk) => up.feed(chunk),
      (chunk) => down.feed(chunk),
    ),
  );
}
