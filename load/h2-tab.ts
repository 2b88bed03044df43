/**
 * One browser tab on HTTP/2: a single session (one TCP connection, TLS with ALPN h2 or cleartext
 * with prior knowledge) that carries every request of one simulated client as its own stream:
 * polls and long polls, the SSE stream, the chat workload's POSTs. It offers the same calls as
 * the HTTP/1.1 clients (`get` as load/keepalive-get.ts, `request` and `stream` as
 * load/http-connection.ts), so the drivers above never learn which they hold.
 *
 * Request headers go through Node's HPACK encoder (nghttp2's deflater, with its dynamic table):
 * the first request carries the profile's header set in full, later ones mostly as table
 * indexes, as a browser's encoder does. Names are sent lower case (RFC 9113 §8.2.1) and the
 * HTTP/1.1 connection headers (`connection`, `keep-alive`, `host`, ...) are left out (§8.2.2),
 * as Chromium leaves them out on h2.
 *
 * Bytes are counted on the TCP socket under the session. A session multiplexes, so the bytes of
 * one exchange are the socket's growth across it only while nothing else runs on the session:
 * true of a polling tab in the broadcast workload, the one attributed by exchange.
 */
import http2 from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type net from 'node:net';
import WebSocket from 'ws';
import { H2_CLIENT_CONNECTION_WINDOW_BYTES, H2_CLIENT_SETTINGS } from '../core/wires.ts';
import { TRANSPORTS } from '../core/techniques.ts';
import { attachStream, detachedWebSocket } from '../core/ws-stream.ts';
import type { ByteAttribution, SecureDial, SocketCounter } from '../core/socket-counter.ts';
import { diffParts, h2Tap, type ConnectionParts } from '../core/wire-parts.ts';
import { closeWithin, ConnectionClosedError, type GetResponse } from './keepalive-get.ts';
import { CHROMIUM_H2_FORM } from './headers.ts';
import type { HttpResponse, StreamHandlers } from './http-connection.ts';

const EMPTY = Buffer.alloc(0);

/** HTTP/1.1 headers that HTTP/2 forbids or replaces (RFC 9113 §8.2.2, §8.3.1). */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'te']);

/**
 * `[name, value]` pairs (or a flat list) as HTTP/2 headers: lower-case names, connection headers
 * left out, repeats kept in order; a browser profile's request (it carries Sec-Fetch-Mode, which
 * only browsers send) also gets the `priority` field Chromium adds over HTTP/2, last, as the h2
 * capture shows it (load/captures/chromium-h2.json).
 */
export function h2Headers(pairs: ReadonlyArray<readonly [string, string]>): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (CONNECTION_HEADERS.has(name)) continue;
    const existing = out[name];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  if (out['sec-fetch-mode'] !== undefined && out.priority === undefined && CHROMIUM_H2_FORM.priority !== null)
    out.priority = CHROMIUM_H2_FORM.priority;
  return out;
}

/**
 * The pseudo-headers of a request in the order Chromium sends them (`:method`, `:authority`,
 * `:scheme`, `:path`, then `:protocol` on an extended CONNECT): Node's client writes them in the
 * order of the object it is given, and adds the ones left out after the others.
 */
export function chromiumPseudoHeaders(values: Readonly<Record<string, string>>, connect = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of connect ? CHROMIUM_H2_FORM.connectPseudoOrder : CHROMIUM_H2_FORM.pseudoOrder) {
    const value = values[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A flat `[name, value, name, value]` list as pairs. */
function pairsOf(flat: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  return pairs;
}

/** `name: value\r\n` lines (a cursor copied from a response) as pairs. */
function pairsOfLines(lines: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const line of lines.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) pairs.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return pairs;
}

/** A response head as text for the report (`HTTP/2 200` and the header lines as HPACK decoded them). */
function responseHead(headers: IncomingHttpHeaders): string {
  let head = `HTTP/2 ${headers[':status'] ?? 0}`;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) head += `\r\n${name}: ${one}`;
  }
  return head;
}

export class H2Tab {
  private session: http2.ClientHttp2Session | undefined;
  private tcp: net.Socket | undefined;
  /** The session's parts counter (TLS records under it, HTTP/2 frames over it). */
  private parts: ConnectionParts | undefined;
  /** Settles once the session's connection is ready (under TLS, its handshake done). */
  private ready: Promise<void> | undefined;
  private destroyed = false;
  private readonly authority: string;
  private readonly host: string;
  private readonly port: number;
  /** `:authority` and `:scheme` of every request, written where Chromium writes them. */
  private readonly pseudo: { readonly ':authority': string; readonly ':scheme': string };
  /** The profile's headers for repeated GETs, converted once. */
  private getHeaders: OutgoingHttpHeaders = {};
  private capture: ReadonlySet<string> = new Set();
  private inFlightGet = false;

  constructor(
    origin: string,
    private readonly counter: SocketCounter,
    private readonly secure: SecureDial | null,
    private readonly attribution: ByteAttribution,
  ) {
    const url = new URL(origin);
    this.authority = url.origin;
    this.pseudo = { ':authority': url.host, ':scheme': url.protocol.slice(0, -1) };
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  }

  /** Sets the profile's headers for `get` and the response headers it hands back (lower case). */
  useGetHeaders(headers: ReadonlyArray<readonly [string, string]>, capture: readonly string[]): this {
    this.getHeaders = h2Headers(headers);
    this.capture = new Set(capture.map((name) => name.toLowerCase()));
    return this;
  }

  /** Resolves once the session is up (connected; under TLS, its handshake done and h2 agreed). */
  connect(): Promise<void> {
    const session = this.open();
    const ready = this.ready!;
    if (!session.connecting) return ready;
    return new Promise((resolve, reject) => {
      session.once('connect', () => resolve(ready));
      session.once('error', reject);
    });
  }

  /** GET `path` on a new stream with the profile's headers and `extraHeaders` (`name: value\r\n` lines); one at a time, as a poll loop asks. */
  get(path: string, extraHeaders = ''): Promise<GetResponse> {
    if (this.destroyed) return Promise.reject(new ConnectionClosedError('the client was closed'));
    if (this.inFlightGet) return Promise.reject(new Error('a request is already in flight on this connection'));
    this.inFlightGet = true;
    const headers = extraHeaders === '' ? this.getHeaders : { ...this.getHeaders, ...h2Headers(pairsOfLines(extraHeaders)) };
    // No timeout, as on HTTP/1.1 (load/keepalive-get.ts): a held long poll is silent for as long as the server holds it.
    return this.exchange('GET', path, headers, undefined, 0).finally(() => {
      this.inFlightGet = false;
    });
  }

  /** Sends a request on a new stream and buffers the whole response body; its head must come within `timeoutMs` (0: no limit). */
  async request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    headers: string[],
    body: string | undefined,
    timeoutMs: number,
  ): Promise<HttpResponse> {
    const response = await this.exchange(method, path, h2Headers(pairsOf(headers)), body, timeoutMs);
    return { status: response.status, body: response.body };
  }

  /** Opens a streaming response (SSE) on a new stream: chunks are handed over as DATA frames arrive. */
  stream(path: string, headers: string[], handlers: StreamHandlers): void {
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.open().request(
        { ...chromiumPseudoHeaders({ ...this.pseudo, ':method': 'GET', ':path': path }), ...h2Headers(pairsOf(headers)) },
        { endStream: true },
      );
    } catch (error) {
      queueMicrotask(() => handlers.onEnd(error as Error));
      return;
    }
    let ended = false;
    const end = (error: Error | null): void => {
      if (ended) return;
      ended = true;
      handlers.onEnd(error);
    };
    stream.once('response', (head) => handlers.onStart(Number(head[':status'] ?? 0), '', responseHead(head)));
    stream.on('data', (chunk: Buffer) => handlers.onChunk(chunk));
    stream.once('end', () => end(null));
    stream.once('error', (error: Error) => end(error));
    stream.once('close', () =>
      end(
        stream.rstCode === http2.constants.NGHTTP2_NO_ERROR ? null : new ConnectionClosedError(`the stream was reset (${stream.rstCode})`),
      ),
    );
  }

  /**
   * A WebSocket on a stream of this session (RFC 8441): `CONNECT` with `:protocol websocket`
   * once the server's SETTINGS allow it, the profile's headers, and on a 200 the stream handed to
   * ws. Returned at once in CONNECTING state with ws's events: 'upgrade' (the 200's head),
   * 'open', or 'error' naming the status and the start of a refusing answer.
   */
  webSocket(url: string, protocols: string[], options: WebSocket.ClientOptions): WebSocket {
    const target = new URL(url);
    const streamOptions = { maxPayload: options.maxPayload ?? 100 * 1024 * 1024 };
    const ws = detachedWebSocket('client', streamOptions);
    let stream: http2.ClientHttp2Stream | undefined;
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream?.close(http2.constants.NGHTTP2_CANCEL);
      ws.emit('error', error);
      closeConnecting();
    };
    /** ws cannot close a WebSocket that has no socket yet: cancel the CONNECT stream and say it closed. */
    const closeConnecting = (): void => {
      if (ws.readyState !== WebSocket.CONNECTING) return;
      settled = true;
      clearTimeout(timer);
      stream?.close(http2.constants.NGHTTP2_CANCEL);
      (ws as unknown as { _readyState: number })._readyState = WebSocket.CLOSED;
      ws.emit('close', 1006, EMPTY);
    };
    for (const method of ['close', 'terminate'] as const) {
      const original = ws[method].bind(ws) as (...args: unknown[]) => void;
      ws[method] = ((...args: unknown[]) => (ws.readyState === WebSocket.CONNECTING ? closeConnecting() : original(...args))) as never;
    }
    const timeoutMs = options.handshakeTimeout ?? 0;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => fail(new Error(`extended CONNECT ${target.pathname}: no answer within ${timeoutMs} ms`)), timeoutMs)
        : undefined;
    const headers: OutgoingHttpHeaders = {
      // RFC 8441 §4: the protocol token is the Upgrade token of RFC 6455.
      ...chromiumPseudoHeaders(
        { ...this.pseudo, ':method': 'CONNECT', ':protocol': TRANSPORTS.ws.upgradeToken, ':path': `${target.pathname}${target.search}` },
        true,
      ),
      ...h2Headers(Object.entries((options.headers ?? {}) as Record<string, string>)),
      'sec-websocket-version': '13',
      ...(protocols.length > 0 ? { 'sec-websocket-protocol': protocols.join(', ') } : {}),
    };
    // HTTP/2 has no Upgrade: the offer would need a negotiation pushbench does not do on a stream (core/wires.ts refuses deflate here).
    delete headers['sec-websocket-extensions'];
    delete headers['sec-websocket-key'];
    const send = (session: http2.ClientHttp2Session): void => {
      if (settled) return;
      stream = session.request(headers, { endStream: false });
      // Its HEADERS frames, both ways, are the WebSocket handshake (setup): said before nghttp2 writes them.
      const parts = this.parts;
      if (stream.id !== undefined) parts?.upgradeStream(stream.id);
      else stream.once('ready', () => parts?.upgradeStream(stream!.id!));
      stream.once('response', (head) => {
        const status = Number(head[':status'] ?? 0);
        if (status !== 200) {
          const chunks: Buffer[] = [];
          stream!.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream!.once('end', () =>
            fail(
              new Error(
                `extended CONNECT ${target.pathname} answered ${status}: ${Buffer.concat(chunks).subarray(0, 200).toString('utf8')}`,
              ),
            ),
          );
          return;
        }
        settled = true;
        clearTimeout(timer);
        const rawHeaders = Object.entries(head).flatMap(([name, value]) =>
          name.startsWith(':') || value === undefined ? [] : [name, String(value)],
        );
        ws.emit('upgrade', { statusCode: status, statusMessage: '', rawHeaders });
        attachStream(ws, stream!, streamOptions);
      });
      stream.once('error', (error: Error) => fail(error));
      stream.once('close', () =>
        fail(
          new ConnectionClosedError(`extended CONNECT ${target.pathname}: the stream closed before its answer (code ${stream?.rstCode})`),
        ),
      );
    };
    let session: http2.ClientHttp2Session;
    try {
      session = this.open();
    } catch (error) {
      queueMicrotask(() => fail(error as Error));
      return ws;
    }
    // RFC 8441 §3: extended CONNECT only once the server's SETTINGS have said it takes it.
    const offered = (settings: http2.Settings): void => {
      if (settings.enableConnectProtocol === true) send(session);
      else
        fail(
          new Error(
            'the server does not offer extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL), so a WebSocket cannot share its HTTP/2 connection',
          ),
        );
    };
    if (!session.connecting && session.remoteSettings.enableConnectProtocol === true) send(session);
    else session.once('remoteSettings', offered);
    session.once('error', (error: Error) => fail(error));
    return ws;
  }

  /** Closes the session cleanly (GOAWAY, then the connection) and resolves once its TCP socket closed (destroyed after `timeoutMs`). */
  close(timeoutMs: number): Promise<void> {
    this.destroyed = true;
    const session = this.session;
    const tcp = this.tcp;
    this.session = undefined;
    if (session === undefined || tcp === undefined || tcp.destroyed) return Promise.resolve();
    return closeWithin(tcp, timeoutMs, () => session.close());
  }

  /** Closes the session at once, abandoning its streams. */
  destroy(): void {
    this.destroyed = true;
    this.session?.destroy();
    this.session = undefined;
  }

  /** One request on a new stream: status, head, body, captured headers and the TCP bytes the session grew by meanwhile. */
  private exchange(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<GetResponse> {
    return new Promise((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      let tcp: net.Socket;
      let parts: ConnectionParts;
      try {
        const session = this.open();
        tcp = this.tcp!;
        parts = this.parts!;
        stream = session.request(
          { ...chromiumPseudoHeaders({ ...this.pseudo, ':method': method, ':path': path }), ...headers },
          { endStream: body === undefined },
        );
      } catch (error) {
        reject(error as Error);
        return;
      }
      const writtenBefore = tcp.bytesWritten;
      const readBefore = tcp.bytesRead;
      const partsBefore = parts.snapshot();
      if (body !== undefined) stream.end(body);
      let status = 0;
      let head = '';
      const captured = new Map<string, string>();
      const chunks: Buffer[] = [];
      // A server that never answers: give up after the client's timeout, as undici's headersTimeout does.
      const timer = timeoutMs > 0 ? setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), timeoutMs) : undefined;
      stream.once('response', (responseHeaders) => {
        clearTimeout(timer);
        status = Number(responseHeaders[':status'] ?? 0);
        head = responseHead(responseHeaders);
        for (const name of this.capture) {
          const value = responseHeaders[name];
          if (value !== undefined) captured.set(name, Array.isArray(value) ? value.join(', ') : String(value));
        }
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      let settled = false;
      stream.once('end', () => {
        settled = true;
        clearTimeout(timer);
        const bytes = { up: tcp.bytesWritten - writtenBefore, down: tcp.bytesRead - readBefore };
        const exchangeParts = diffParts(parts.snapshot(), partsBefore);
        resolve({
          status,
          reason: '',
          head,
          headers: captured,
          body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          bytes,
          parts: exchangeParts,
        });
      });
      stream.once('error', (error: Error) => {
        clearTimeout(timer);
        if (!settled) reject(error);
        settled = true;
      });
      stream.once('close', () => {
        clearTimeout(timer);
        if (!settled)
          reject(new ConnectionClosedError(`${method} ${path}: the stream closed before its response ended (code ${stream.rstCode})`));
        settled = true;
      });
    });
  }

  /** The open session, or a new one (counted) when there is none or it closed. */
  private open(): http2.ClientHttp2Session {
    if (this.destroyed) throw new ConnectionClosedError('the client was closed');
    if (this.session !== undefined && !this.session.closed && !this.session.destroyed) return this.session;
    const { socket, tcp } = this.counter.dial(this.host, this.port, this.secure, this.attribution);
    this.tcp = tcp;
    // A tap under the session counts its frames (core/wire-parts.ts); the session cannot see the TLS under it, so readiness is awaited here.
    const parts = (this.parts = this.counter.trackParts(tcp, this.attribution));
    this.ready = new Promise<void>((resolve, reject) => {
      socket.once(this.secure === null ? 'connect' : 'secureConnect', () => resolve());
      socket.once('error', reject);
    });
    this.ready.catch(() => {});
    const session = http2.connect(this.authority, {
      createConnection: () => h2Tap(socket, parts) as unknown as net.Socket,
      settings: { ...H2_CLIENT_SETTINGS },
    });
    // Errors reach the streams in flight; this keeps a reset of an idle session from throwing.
    session.on('error', () => {});
    session.once('connect', () => session.setLocalWindowSize(H2_CLIENT_CONNECTION_WINDOW_BYTES));
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }
}
