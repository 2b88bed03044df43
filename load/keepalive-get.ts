/**
 * A lean keep-alive HTTP/1.1 GET client for the request-per-message drivers (polling,
 * long polling). It writes exactly the bytes undici writes for the same request
 * (`GET path HTTP/1.1`, `host`, `connection: keep-alive`, the profile's headers), so
 * the wire and the analytic model are unchanged, but it builds the header block once
 * per client instead of once per request. Measured by `npm run perf:generator`: undici
 * spent about twice autocannon's CPU per poll in an open-loop schedule, most of it per
 * request bookkeeping; the load generator must not be the bottleneck.
 *
 * Responses are framed by Content-Length or chunked encoding; a response with neither
 * is read until the server closes. A closed connection is reopened on the next request.
 *
 * Per poll it does no more than autocannon does (docs/results/2026-12-07-generator-poll.md): a
 * request identical to the last one writes the same buffer again, cleartext reads come to a
 * callback (net's `onread`) instead of a readable stream, the head parser cuts out only the lines
 * that can frame a response, and getThen() answers through a callback, without promises.
 */
import type net from 'node:net';
import { partsOf, type ByteAttribution, type ClientBytes, type SecureDial, type SocketCounter } from '../core/socket-counter.ts';
import { diffParts, type ConnectionParts, type WireParts } from '../core/wire-parts.ts';
import { PushbenchError } from '../core/errors.ts';

export interface GetResponse {
  status: number;
  /** The reason phrase of the status line (`Not Found`), maybe empty. */
  reason: string;
  body: Buffer;
  /** The response head as received (status line and header lines, without the blank line). */
  head: string;
  /** The response headers the client asked to capture, by lower-case name. */
  headers: ReadonlyMap<string, string>;
  /** The exchange's bytes on the wire, request (`up`) and response (`down`), from the socket's own counters. */
  bytes: ClientBytes;
  /** The exchange's TLS records and HTTP/2 frames, on a tapped connection (core/wire-parts.ts); absent on HTTP/1.1 cleartext. */
  parts?: WireParts;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
/** The headers of a response when none are captured: one empty map for all. */
const NO_HEADERS: ReadonlyMap<string, string> = new Map();
/**
 * Where every cleartext connection of the process reads into (net's `onread`): what arrives is
 * copied out into a buffer of its own size at once, so one buffer serves them all. This skips
 * the readable stream's per-read work ('data' events, a 64 KiB allocation cut down per read).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class ConnectionClosedError extends PushbenchError<'PUSHBENCH_CONNECTION_CLOSED'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_CONNECTION_CLOSED', message, options);
  }
}

/** Hears how a request ended: its response, or why there is none. */
export type GetDone = (error: Error | null, response: GetResponse | undefined) => void;

interface Pending {
  done: GetDone;
  /** The TCP socket (under TLS, the one under it): its counters are the exchange's bytes. */
  socket: net.Socket;
  /** The socket's counters before the request was written: one request at a time, so the exchange is what they grow by. */
  writtenBefore: number;
  readBefore: number;
  /** The connection's parts before the request, on a tapped connection. */
  partsBefore: WireParts | undefined;
}

/** Parser state of the response being read. */
interface Reading {
  status: number;
  /** Bytes of body still expected (Content-Length), or -1 for chunked, -2 for read-until-close. */
  remaining: number;
  body: Buffer[];
  /** Chunked: bytes left in the current chunk, or -1 while reading a size line. */
  chunkLeft: number;
  keepAlive: boolean;
  reason: string;
  head: string;
  headers: ReadonlyMap<string, string>;
}

export class KeepAliveGet {
  private socket: net.Socket | undefined;
  /** The TCP socket under `socket` (itself on a cleartext wire). */
  private tcp: net.Socket | undefined;
  /** Settles once `socket` can carry a request (connected; under TLS, its handshake done). */
  private ready: Promise<void> | undefined;
  private buffer: Buffer = EMPTY;
  private pending: Pending | undefined;
  private reading: Reading | undefined;
  private destroyed = false;
  /** Everything after the request line but the final blank line, encoded once. */
  private readonly headerBlock: Buffer;
  /** Response headers to capture (lower case): a cursor the next request carries, multipart's boundary. */
  private readonly capture: ReadonlySet<string>;

  private readonly host: string;
  private readonly port: number;
  /** The TCP socket and its counters as the last exchange ended (cleartext only). */
  private countedTcp: net.Socket | undefined;
  private countedWritten = 0;
  private countedRead = 0;
  /** The parts counter of `tcp`, on a tapped connection (looked up once per connection, not per request). */
  private parts: ConnectionParts | undefined;

  /**
   * `origin` is `http://host:port`; `headers` follow `host` and `connection` on every request;
   * `capture` names the response headers handed back with each response.
   */
  constructor(
    origin: string,
    headers: ReadonlyArray<readonly [string, string]>,
    private readonly counter: SocketCounter,
    capture: readonly string[] = [],
    private readonly attribution: ByteAttribution = 'snapshot',
    /** TLS over the connection (the `https` wire), or null for cleartext. */
    private readonly secure: SecureDial | null = null,
    /** Count TLS records (core/wire-parts.ts); false for a load that needs only responses (the capacity probe). */
    private readonly tapParts = true,
  ) {
    this.capture = new Set(capture.map((name) => name.toLowerCase()));
    const url = new URL(origin);
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    // `url.host` omits a default port, as undici's host header does.
    let block = `host: ${url.host}\r\nconnection: keep-alive\r\n`;
    for (const [name, value] of headers) block += `${name}: ${value}\r\n`;
    this.headerBlock = Buffer.from(block, 'latin1');
  }

  /** Resolves once a socket is connected (opening one if needed). */
  connect(): Promise<void> {
    this.open();
    return this.ready!;
  }

  /**
   * Sends `GET path` and resolves with the whole response; one request at a time.
   * `extraHeaders` (`name: value\r\n` lines, a cursor) go after the fixed block.
   */
  get(path: string, extraHeaders = ''): Promise<GetResponse> {
    return new Promise((resolve, reject) => this.send('GET', path, extraHeaders, '', settle(resolve, reject)));
  }

  /**
   * As get(), but hands the outcome to `done` instead of a promise: the polling driver's path,
   * which saves the promises and microtask turns of each poll. `done` runs inside the socket's
   * data handler and must not throw; it may send the next request.
   */
  getThen(path: string, extraHeaders: string, done: GetDone): void {
    this.send('GET', path, extraHeaders, '', done);
  }

  /**
   * Sends `POST path` with `body` and a content-length (an XHR transport's request: SockJS's xhr
   * polling posts an empty body and is answered as a long poll); otherwise as get().
   */
  xhrPost(path: string, body = '', extraHeaders = ''): Promise<GetResponse> {
    const lines = `${extraHeaders}content-length: ${Buffer.byteLength(body)}\r\n`;
    return new Promise((resolve, reject) => this.send('POST', path, lines, body, settle(resolve, reject)));
  }

  private send(method: 'GET' | 'POST', path: string, extraHeaders: string, body: string, done: GetDone): void {
    // A refusal is handed over on a later turn, as a rejected promise would be: the caller is never re-entered.
    if (this.destroyed) return queueMicrotask(() => done(new ConnectionClosedError('the client was closed'), undefined));
    if (this.pending !== undefined)
      return queueMicrotask(() => done(new Error('a request is already in flight on this connection'), undefined));
    const socket = this.open();
    const tcp = this.tcp!;
    const request = this.requestBytes(method, path, extraHeaders, body);
    // On cleartext nothing is written, and nothing read, between one exchange's end and the next
    // request on the same connection: the counters read at that end serve as this one's start.
    const reuse = this.secure === null && this.countedTcp === tcp;
    this.pending = {
      done,
      socket: tcp,
      writtenBefore: reuse ? this.countedWritten : tcp.bytesWritten,
      readBefore: reuse ? this.countedRead : tcp.bytesRead,
      partsBefore: this.parts?.snapshot(),
    };
    socket.write(request);
  }

  /** The GET sent last and its bytes: a poll repeats its request until its cursor moves, and then writes the same buffer again. */
  private lastGet: { path: string; extraHeaders: string; bytes: Buffer } | undefined;

  /**
   * One buffer holding the request line, the header block encoded once for all requests, the
   * cursor lines, the blank line and a POST's body: one write per request. (Corked writes of the
   * parts cost a writev, and the stream's per-chunk bookkeeping, per request.) A GET identical to
   * the last one reuses its buffer, as autocannon does: the socket never changes a buffer it writes.
   */
  private requestBytes(method: 'GET' | 'POST', path: string, extraHeaders: string, body: string): Buffer {
    const last = this.lastGet;
    if (method === 'GET' && last !== undefined && last.path === path && last.extraHeaders === extraHeaders) return last.bytes;
    const line = `${method} ${path} HTTP/1.1\r\n`;
    const tail = extraHeaders === '' ? '\r\n' : `${extraHeaders}\r\n`;
    const block = this.headerBlock;
    const bodyBytes = body === '' ? 0 : Buffer.byteLength(body, 'utf8');
    const request = Buffer.allocUnsafe(line.length + block.length + tail.length + bodyBytes);
    request.write(line, 0, 'latin1');
    block.copy(request, line.length);
    request.write(tail, line.length + block.length, 'latin1');
    if (bodyBytes > 0) request.write(body, line.length + block.length + tail.length, 'utf8');
    if (method === 'GET') this.lastGet = { path, extraHeaders, bytes: request };
    return request;
  }

  /** Ends the connection cleanly and resolves once its TCP socket closed (destroyed after `timeoutMs`). */
  close(timeoutMs: number): Promise<void> {
    this.destroyed = true;
    this.fail(new ConnectionClosedError('the client was closed'));
    const socket = this.socket;
    const tcp = this.tcp;
    if (socket === undefined || tcp === undefined || tcp.destroyed) return Promise.resolve();
    return closeWithin(tcp, timeoutMs, () => socket.end());
  }

  destroy(): void {
    this.destroyed = true;
    this.socket?.destroy();
    this.fail(new ConnectionClosedError('the client was closed'));
  }

  private open(): net.Socket {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    // Cleartext: reads come to a callback (see READ_BUFFER); under TLS, the TLS socket's 'data' events below.
    const onread: net.OnReadOpts = {
      buffer: READ_BUFFER,
      callback: (length) => {
        if (this.socket === socket) {
          const chunk = Buffer.allocUnsafe(length);
          READ_BUFFER.copy(chunk, 0, 0, length);
          this.onData(chunk);
        }
        return true;
      },
    };
    const { socket, tcp } = this.counter.dial(this.host, this.port, this.secure, this.attribution, this.tapParts, onread);
    this.tcp = tcp;
    this.parts = partsOf(tcp);
    this.ready = new Promise((resolve, reject) => {
      socket.once(this.secure === null ? 'connect' : 'secureConnect', () => resolve());
      socket.once('error', reject);
    });
    // A failure before anyone awaits `ready` reaches the request through 'error' below.
    this.ready.catch(() => {});
    this.buffer = EMPTY;
    this.reading = undefined;
    // A connection this client already left (the server asked to close it) is no concern of the current request.
    if (this.secure !== null)
      socket.on('data', (chunk: Buffer) => {
        if (this.socket === socket) this.onData(chunk);
      });
    socket.on('error', (error) => {
      if (this.socket === socket) this.fail(error);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      // A body framed by the connection's end is complete now.
      if (this.reading?.remaining === -2) this.finish();
      else this.fail(new ConnectionClosedError('the server closed the connection'));
    });
    this.socket = socket;
    return socket;
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.reading = undefined;
    pending?.done(error, undefined);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      while (this.step());
    } catch (error) {
      this.socket?.destroy();
      this.fail(error as Error);
    }
  }

  /** Consumes what it can from the buffer; returns true when it should be called again. */
  private step(): boolean {
    if (this.reading === undefined) {
      const end = this.buffer.indexOf(CRLF_CRLF);
      if (end === -1) return false;
      this.reading = parseHead(this.buffer.toString('latin1', 0, end), this.capture);
      this.buffer = this.buffer.length === end + 4 ? EMPTY : this.buffer.subarray(end + 4);
      if (this.reading.remaining === 0) return this.finish();
    }
    const r = this.reading;
    if (r.remaining > 0) {
      // The usual case, a body that ends the chunk, is taken whole: no slices to make.
      if (this.buffer.length < r.remaining) return false;
      if (this.buffer.length === r.remaining) {
        r.body.push(this.buffer);
        this.buffer = EMPTY;
      } else {
        r.body.push(this.buffer.subarray(0, r.remaining));
        this.buffer = this.buffer.subarray(r.remaining);
      }
      r.remaining = 0;
      return this.finish();
    }
    if (r.remaining === -2) {
      r.body.push(this.buffer);
      this.buffer = EMPTY;
      return false;
    }
    // Chunked: size line, data, CRLF; a zero size ends the body (trailers are not used).
    if (r.chunkLeft === -1) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol === -1) return false;
      const size = parseInt(this.buffer.toString('latin1', 0, eol), 16);
      if (!Number.isFinite(size)) throw new Error('malformed chunk size in the response');
      this.buffer = this.buffer.subarray(eol + 2);
      if (size === 0) {
        if (this.buffer.length < 2) return false;
        this.buffer = this.buffer.subarray(2);
        return this.finish();
      }
      r.chunkLeft = size;
    }
    if (this.buffer.length < r.chunkLeft + 2) return false;
    r.body.push(this.buffer.subarray(0, r.chunkLeft));
    this.buffer = this.buffer.subarray(r.chunkLeft + 2);
    r.chunkLeft = -1;
    return true;
  }

  private finish(): boolean {
    const r = this.reading!;
    this.reading = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!r.keepAlive) {
      // The server will close this connection: leave it, and open a new one for the next request.
      this.socket?.end();
      this.socket = undefined;
      this.buffer = EMPTY;
    }
    if (pending === undefined) return this.buffer.length > 0;
    const written = pending.socket.bytesWritten;
    const read = pending.socket.bytesRead;
    if (this.secure === null) {
      this.countedTcp = pending.socket;
      this.countedWritten = written;
      this.countedRead = read;
    }
    const bytes = { up: written - pending.writtenBefore, down: read - pending.readBefore };
    const response: GetResponse = {
      status: r.status,
      reason: r.reason,
      head: r.head,
      headers: r.headers,
      body: r.body.length === 1 ? r.body[0]! : r.body.length === 0 ? EMPTY : Buffer.concat(r.body),
      bytes,
    };
    const partsBefore = pending.partsBefore;
    const partsNow = partsBefore === undefined ? undefined : partsOf(pending.socket)?.snapshot();
    if (partsNow !== undefined && partsBefore !== undefined) response.parts = diffParts(partsNow, partsBefore);
    pending.done(null, response);
    return this.buffer.length > 0;
  }
}

/** A GetDone that settles a promise. */
function settle(resolve: (response: GetResponse) => void, reject: (error: Error) => void): GetDone {
  return (error, response) => (error === null ? resolve(response!) : reject(error));
}

/** Runs `end` (a clean close) and resolves once `tcp` has closed, destroying it after `timeoutMs` if it has not. */
export function closeWithin(tcp: net.Socket, timeoutMs: number, end: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => tcp.destroy(), timeoutMs);
    tcp.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    end();
  });
}

/** Reads the status, the framing and the headers named in `capture` (lower case) of a response head. */
export function parseHead(head: string, capture: ReadonlySet<string> = new Set()): Reading {
  const status = Number(head.slice(9, 12));
  const statusEnd = head.indexOf('\r\n');
  const reason = head.slice(13, statusEnd === -1 ? head.length : statusEnd).trim();
  const captureAny = capture.size > 0;
  const headers = captureAny ? new Map<string, string>() : NO_HEADERS;
  if (!head.startsWith('HTTP/1.') || !Number.isInteger(status))
    throw new Error(`malformed response status line: ${JSON.stringify(head.slice(0, 40))}`);
  let remaining = -2;
  let keepAlive = head.startsWith('HTTP/1.1');
  let lineStart = head.indexOf('\r\n') + 2;
  while (lineStart > 1 && lineStart < head.length) {
    let lineEnd = head.indexOf('\r\n', lineStart);
    if (lineEnd === -1) lineEnd = head.length;
    let colon = head.indexOf(':', lineStart);
    if (colon === -1 || colon > lineEnd) colon = -1;
    // Only three names frame a response: a line whose name cannot be one of them (by its length) is
    // not cut out of the head, unless the caller captures headers. (Date, Keep-Alive, Content-Type
    // are read past on every poll.)
    const nameLength = colon === -1 ? lineEnd - lineStart - 1 : colon - lineStart;
    if (captureAny || nameLength === 14 || nameLength === 17 || nameLength === 10) {
      const line = head.slice(lineStart, lineEnd);
      const name = line.slice(0, colon === -1 ? -1 : colon - lineStart).toLowerCase();
      const value = line.slice(colon === -1 ? 0 : colon - lineStart + 1).trim();
      if (name === 'content-length') remaining = Number(value);
      else if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) remaining = -1;
      else if (name === 'connection') keepAlive = value.toLowerCase() !== 'close';
      if (captureAny && capture.has(name)) (headers as Map<string, string>).set(name, value);
    }
    if (lineEnd === head.length) break;
    lineStart = lineEnd + 2;
  }
  // 1xx, 204 and 304 have no body whatever the headers say.
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) remaining = 0;
  return { status, remaining, body: [], chunkLeft: -1, keepAlive, reason, head, headers };
}
