/**
 * The server's listen seam: one strategy per wire (core/wires.ts), each making the Node server
 * that carries it. Every strategy hands the same 'request' (and, on HTTP/1.1, 'upgrade') events
 * to servers/server.ts, so the routes, the request guard and every technique handler are the
 * same on every wire: on HTTP/2, Node's compatibility API (Http2ServerRequest/Response) stands
 * in for IncomingMessage/ServerResponse, and it offers what the handlers use (url, method,
 * headers, rawHeaders, writeHead with a flat list, write, end, flushHeaders, 'close', and a
 * `socket` whose destroy() resets the stream, not the connection).
 *
 * Bytes are counted on the TCP socket under everything (under TLS too): each accepted socket is
 * tagged with itself, and under TLS its TLS socket with it, so that `connectionOf` finds it from
 * any request, whichever layer `req.socket` is (the TCP socket, the TLS socket, or on HTTP/2 a
 * proxy that reads through to the session's socket).
 *
 * And the bytes are split into parts as the clients split them (core/wire-parts.ts, the same
 * walker): under TLS a tap sits between the TCP socket and Node's TLS socket, counting records;
 * under HTTP/2 another sits between the session and the socket it speaks over, counting frames.
 * Node's own listeners are kept and handed the tap instead of the socket (TLS and HTTP/2 wrap
 * any stream, as they do on the client), so the servers above see nothing new. The taps cost the
 * server CPU (TLS and HTTP/2 then read and write through a JavaScript stream: 1.2 to 2.4 times the
 * CPU per message on h2, docs/results/2026-12-07-wire-setup.md), so they are put only
 * when asked (`countParts`, `--server-parts`); without them the server's CPU figures are Node's own.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { H2_SERVER_SETTINGS, TLS_MIN_VERSION, WIRE_META, type WireId } from '../core/wires.ts';
import { ensureParts } from '../core/socket-counter.ts';
import { h2Tap, tlsTap, type ConnectionParts } from '../core/wire-parts.ts';
import type { TlsIdentity } from './tls-cert.ts';

/** The HTTP/1.1 timeouts of the server (servers/server.ts), the same on TLS. */
export interface TransportOptions {
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** The certificate and key of a TLS wire (ignored by a cleartext one). */
  readonly tls: TlsIdentity | null;
  /** Tap TLS and HTTP/2 to count the wire's parts (`--server-parts`); off, Node's TLS and HTTP/2 run on the socket's native handle. */
  readonly countParts?: boolean;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
export type ClientErrorListener = (error: NodeJS.ErrnoException, socket: Duplex) => void;

/** What servers/server.ts needs of a listening server, whatever the wire. */
export interface ServerTransport {
  readonly wire: WireId;
  /** The Node server, for listen/close/address. */
  readonly server: Server;
  /** Every TCP connection as it is accepted (before TLS), for byte accounting and Nagle. */
  onConnection(listener: (socket: Socket) => void): void;
  onRequest(listener: RequestListener): void;
  /** HTTP/1.1 Upgrade requests (a WebSocket handshake); never fires on a wire without Upgrade. */
  onUpgrade(listener: UpgradeListener): void;
  /** HTTP/2 CONNECT requests (RFC 8441 extended CONNECT opens a WebSocket on a stream); never fires on HTTP/1.1. */
  onConnect(listener: RequestListener): void;
  /** Malformed HTTP/1.1 requests; HTTP/2 protocol errors reset the stream or session by themselves. */
  onClientError(listener: ClientErrorListener): void;
  /** Cuts every connection now (server.close() waits for them otherwise). */
  closeAll(): void;
}

/** The TCP socket a socket-like object sits on, set when it was accepted (and when TLS wrapped it). */
const kConnection = Symbol('pushbench.connection');
type Tagged = { [kConnection]?: Socket };

/**
 * The TCP socket under request `req`, on any wire: where its bytes are counted. Read through
 * `req.socket`, which on HTTP/2 forwards property reads to the session's socket.
 */
export function connectionOf(req: IncomingMessage): Socket {
  const connection = (req.socket as unknown as Tagged)[kConnection];
  // Only a request on a socket this seam did not accept has none (a test's bare server); its own socket is the TCP one.
  return connection ?? req.socket;
}

/** The server-side parts counter of the connection on TCP socket `tcp` (every accepted connection has one). */
export function serverPartsOf(tcp: Socket): ConnectionParts {
  return ensureParts(tcp, 'server');
}

type ConnectionListener = (this: Server, socket: Duplex) => void;

/**
 * Replaces Node's own listener of `event` (the one it registered when the server was made) by
 * one that hands it `wrap(socket)` instead: where a tap goes between a socket and TLS or HTTP/2.
 */
function interpose(server: Server, event: 'connection' | 'secureConnection', wrap: (socket: Socket) => Duplex | Socket): void {
  const own = server.listeners(event) as ConnectionListener[];
  if (own.length !== 1)
    throw new Error(`expected Node's one '${event}' listener on the ${event === 'connection' ? 'TCP' : 'TLS'} server, found ${own.length}`);
  const listener = own[0]!;
  server.removeListener(event, listener as (...args: unknown[]) => void);
  server.on(event, (socket: Socket) => listener.call(server, wrap(socket)));
}

/** A tap counting TLS records under the TLS socket Node makes on `tcp`, tagged with `tcp`. */
function serverTlsTap(tcp: Socket): Duplex {
  const tap = tlsTap(tcp, serverPartsOf(tcp));
  (tap as unknown as Tagged)[kConnection] = tcp;
  return tap;
}

/** A tap counting HTTP/2 frames between the session Node makes and `socket` (TCP, or TLS tagged with its TCP socket). */
function serverH2Tap(socket: Socket): Duplex {
  const tcp = (socket as Tagged)[kConnection] ?? socket;
  const tap = h2Tap(socket, serverPartsOf(tcp));
  (tap as unknown as Tagged)[kConnection] = tcp;
  return tap;
}

type TransportFactory = (options: TransportOptions) => ServerTransport;

/** HTTP/1.1 (cleartext or TLS): Node's http or https server, the same options on both. */
function http1Transport(wire: WireId, options: TransportOptions): ServerTransport {
  const h1 = {
    keepAliveTimeout: options.keepAliveTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Node checks those timeouts every 30 s by default: a slow-loris request would live that long.
    connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs / 2),
    noDelay: true,
  };
  const server = WIRE_META[wire].tls ? https.createServer({ ...h1, ...tlsOptions(wire, options) }) : http.createServer(h1);
  if (WIRE_META[wire].tls && options.countParts === true) interpose(server, 'connection', serverTlsTap);
  return {
    wire,
    server,
    onConnection: (listener) => acceptConnections(server, listener),
    onRequest: (listener) => void server.on('request', listener),
    onUpgrade: (listener) => void server.on('upgrade', listener),
    // HTTP/1.1 CONNECT is a proxy's method: pushbench's server has none, and Node answers it by closing.
    onConnect: () => {},
    onClientError: (listener) => void server.on('clientError', listener),
    closeAll: () => server.closeAllConnections(),
  };
}

/**
 * The limits of pushbench's HTTP/2 server against a hostile peer, stated in docs/safety.md and
 * checked by test/servers/h2-attacks.test.ts. Node's defaults, written out so that a Node
 * upgrade that moves one shows in a diff. The two per-second budgets are pushbench's own: Node
 * answers every PING and SETTINGS of a peer that never reads the answers and buffers them, and
 * leaves the socket of a rapid-reset session open after nghttp2 has stopped reading it.
 */
export const H2_SERVER_LIMITS = Object.freeze({
  /** MB of nghttp2 state (streams, HPACK tables, queued frames) per session before new streams are refused. */
  maxSessionMemory: 10,
  /** Header fields per request; with the 64 KiB decoded header list nghttp2 enforces, an HPACK bomb resets its stream. */
  maxHeaderListPairs: 128,
  /** Entries in one SETTINGS frame. */
  maxSettings: 32,
  /** Invalid frames, then refused streams (past max concurrent streams) a session may send before it is destroyed. */
  maxSessionInvalidFrames: 1000,
  maxSessionRejectedStreams: 100,
  /** Streams the server may open towards the peer (it opens none: no push). */
  peerMaxConcurrentStreams: 100,
  /** PING and SETTINGS frames a session may send in one second before it is ended with ENHANCE_YOUR_CALM. */
  controlFramesPerSecond: 1000,
  /**
   * Streams a session may see reset in one second before it is ended (CVE-2023-44487, rapid
   * reset: each reset stream has already cost a handler call). nghttp2 stops reading such a
   * session after 1000 resets but leaves its socket open; this closes it.
   */
  resetStreamsPerSecond: 100,
});

/**
 * The compatibility API's response, made as cheap as the core API's on the two points where it is not.
 *
 * 1. The stream ends with its last DATA frame. The compatibility layer asks for trailers on every
 *    response (`waitForTrailers`), so Node ends each stream apart: an empty DATA frame with
 *    END_STREAM, sent from a setImmediate after the body, which over TLS is a TLS record and a
 *    write of its own. pushbench's handlers send no trailers, so its responses do not ask for
 *    them, and an answer ends as nginx's, h2o's and Go's do: END_STREAM on the DATA frame that
 *    carries the end of the body (measured: about a quarter of a bare compatibility server's
 *    CPU per empty poll, docs/results/2026-12-07-h2-server.md). run/wire-model.ts counts this form.
 * 2. writeHead takes HTTP/1.1's fast form. The handlers write their heads as a flat list
 *    (`['Content-Type', 'application/json', ...]`), node:http's cheapest form; Node's
 *    Http2ServerResponse takes a list by first removing each name and then appending it through
 *    setHeader, validating every field twice before stream.respond validates it a third time. A
 *    list without repeated names, on a response with no header set before, goes straight to the
 *    core API's respond(); any other head takes Node's own path, with the stream's respond() told
 *    the same (no trailers).
 */
/** HTTP/1.1's connection fields, which HTTP/2 forbids (RFC 9113 §8.2.2): the compatibility layer drops them, respond() throws. */
const H1_CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
/** Node's ServerHttp2Stream.prototype.respond, read from the first stream that needs it (the class is not exported). */
let http2ServerStreamRespond: http2.ServerHttp2Stream['respond'];
/** The core API's respond(), asked never to wait for trailers (point 1 above). */
function respondWithoutTrailers(
  this: http2.ServerHttp2Stream,
  headers?: http2.OutgoingHttpHeaders,
  options?: http2.ServerStreamResponseOptions,
): void {
  http2ServerStreamRespond.call(this, headers, { ...options, waitForTrailers: false });
}

class ListHeadH2Response extends http2.Http2ServerResponse {
  override writeHead(statusCode: number, statusMessageOrHeaders?: unknown, maybeHeaders?: unknown): this {
    const headers = maybeHeaders ?? statusMessageOrHeaders;
    const stream = this.stream;
    if (
      !Array.isArray(headers) ||
      typeof headers[0] !== 'string' ||
      headers.length % 2 !== 0 ||
      stream.headersSent ||
      stream.destroyed ||
      stream.closed ||
      this.getHeaderNames().length > 0
    )
      return this.nodeWriteHead(statusCode, statusMessageOrHeaders);
    // The setter checks the range, as writeHead does, and keeps statusCode readable.
    this.statusCode = statusCode;
    // A plain object, not Object.create(null): respond() copies it with for-in, which V8 runs far slower over a
    // dictionary-mode object (a profile of the empty h2 poll put that copy at 1.6 µs against 0.2 for a literal).
    const fields: http2.OutgoingHttpHeaders = { ':status': statusCode };
    for (let i = 0; i < headers.length; i += 2) {
      const name = (headers[i] as string).toLowerCase();
      // A repeated name (two Set-Cookie lines of a header profile), one HTTP/2 forbids (which Node drops), or one an
      // object's prototype has, keeps Node's own handling.
      if (name in fields || H1_CONNECTION_FIELDS.has(name)) return this.nodeWriteHead(statusCode, statusMessageOrHeaders);
      fields[name] = String(headers[i + 1]);
    }
    // sendDate is an option of respond() Node's types leave out; the compatibility layer passes it too.
    stream.respond(fields, { endStream: false, waitForTrailers: false, sendDate: this.sendDate } as http2.ServerStreamResponseOptions);
    return this;
  }

  /** Node's own writeHead, its respond() call told not to wait for trailers. */
  private nodeWriteHead(statusCode: number, statusMessageOrHeaders: unknown): this {
    const stream = this.stream;
    http2ServerStreamRespond ??= Object.getPrototypeOf(stream).respond;
    if (stream.respond === http2ServerStreamRespond) stream.respond = respondWithoutTrailers;
    return super.writeHead(statusCode, statusMessageOrHeaders as http2.OutgoingHttpHeaders);
  }
}

/** HTTP/2 (TLS with ALPN h2, or cleartext with prior knowledge): Node's http2 server and its compatibility API. */
function http2Transport(wire: WireId, options: TransportOptions): ServerTransport {
  const settings = { ...H2_SERVER_SETTINGS };
  const { controlFramesPerSecond, resetStreamsPerSecond, ...nodeLimits } = H2_SERVER_LIMITS;
  // A TLS client that does not pick h2 is cut after the head timeout, as a head that never completes is on HTTP/1.1.
  const h2Options = {
    settings,
    ...nodeLimits,
    unknownProtocolTimeout: options.headersTimeoutMs,
    Http2ServerResponse: ListHeadH2Response as typeof http2.Http2ServerResponse,
  };
  const server = WIRE_META[wire].tls
    ? http2.createSecureServer({ ...tlsOptions(wire, options), ...h2Options, allowHTTP1: false })
    : http2.createServer(h2Options);
  const tcpServer = server as unknown as Server;
  if (options.countParts === true && WIRE_META[wire].tls) {
    interpose(tcpServer, 'connection', serverTlsTap);
    // A TLS client that did not pick h2 goes to Node's listener as it is (refused after the head timeout).
    interpose(tcpServer, 'secureConnection', (tlsSocket) =>
      (tlsSocket as TLSSocket).alpnProtocol === 'h2' ? serverH2Tap(tlsSocket) : tlsSocket,
    );
  } else if (options.countParts === true) interpose(tcpServer, 'connection', serverH2Tap);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    // The session speaks over Node's wrapper of the tap (a JSStreamSocket, `stream` the tap): tag it for connectionOf.
    const socket = session.socket as unknown as Tagged & { stream?: Tagged };
    if (socket[kConnection] === undefined && socket.stream?.[kConnection] !== undefined) socket[kConnection] = socket.stream[kConnection];
    // A session whose peer misbehaves is destroyed by Node; this keeps its error from throwing.
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
    guardSession(session, options, { controlFramesPerSecond, resetStreamsPerSecond });
  });
  return {
    wire,
    server: server as unknown as Server,
    onConnection: (listener) => acceptConnections(server as unknown as Server, listener),
    // The compatibility API's request and response offer every member the handlers use (see the top of this file).
    onRequest: (listener) =>
      void server.on('request', listener as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void),
    onUpgrade: () => {},
    onConnect: (listener) =>
      void server.on('connect', listener as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void),
    onClientError: () => {},
    closeAll: () => {
      for (const session of sessions) session.destroy();
    },
  };
}

/**
 * HTTP/2's answers to the timeouts HTTP/1.1 has (Node's http2 has none of its own): a session
 * whose preface (the client's first SETTINGS) has not come within the head timeout is destroyed,
 * as an HTTP/1.1 head that never completes is; a session with no open stream for the keep-alive
 * timeout is closed (GOAWAY, then cut if the peer lingers), as an idle keep-alive connection is.
 * And a peer that floods PING or SETTINGS frames, or resets streams as fast as it opens them, is
 * ended with ENHANCE_YOUR_CALM: each such frame costs the server work or an answer it must buffer.
 */
function guardSession(
  session: http2.ServerHttp2Session,
  options: TransportOptions,
  budget: { controlFramesPerSecond: number; resetStreamsPerSecond: number },
): void {
  let openStreams = 0;
  const closeIdle = (): void => {
    // Armed once and re-armed (refresh(), no new timer) each time the last stream closes: it fires with streams open only if
    // one outlived the keep-alive timeout, and then does nothing.
    if (openStreams > 0 || session.destroyed) return;
    session.close();
    // close() waits for the peer; one that never reads the GOAWAY is cut a head timeout later.
    setTimeout(() => session.destroy(), options.headersTimeoutMs).unref();
  };
  let idleTimer: NodeJS.Timeout | undefined;
  const prefaceTimer = setTimeout(() => session.destroy(), options.headersTimeoutMs).unref();
  const endForAbuse = (): void => {
    if (session.destroyed) return;
    session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  };
  const controlFrames = perSecondBudget(budget.controlFramesPerSecond, endForAbuse);
  const resetStreams = perSecondBudget(budget.resetStreamsPerSecond, endForAbuse);
  session.on('remoteSettings', () => {
    if (idleTimer === undefined) {
      clearTimeout(prefaceTimer);
      idleTimer = setTimeout(closeIdle, options.keepAliveTimeoutMs).unref();
    }
    controlFrames();
  });
  session.on('ping', controlFrames);
  // One listener per session, not a closure (and a once wrapper) per stream: a stream's 'close' fires once.
  function onStreamClose(this: http2.ServerHttp2Stream): void {
    if (this.rstCode !== http2.constants.NGHTTP2_NO_ERROR) resetStreams();
    if (--openStreams === 0) idleTimer?.refresh();
  }
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    openStreams++;
    stream.on('close', onStreamClose);
  });
  session.once('close', () => {
    clearTimeout(prefaceTimer);
    clearTimeout(idleTimer);
  });
}

/** A counter that calls `onExceeded` when called more than `perSecond` times within one second (fixed windows). */
function perSecondBudget(perSecond: number, onExceeded: () => void): () => void {
  let windowStartMs = 0;
  let count = 0;
  return () => {
    const nowMs = Date.now();
    if (nowMs - windowStartMs >= 1000) {
      windowStartMs = nowMs;
      count = 0;
    }
    if (++count > perSecond) onExceeded();
  };
}

function tlsOptions(
  wire: WireId,
  options: TransportOptions,
): { cert: string; key: string; minVersion: typeof TLS_MIN_VERSION; handshakeTimeout: number; ALPNProtocols?: string[] } {
  if (options.tls === null) throw new Error(`wire ${wire} needs a TLS certificate and key`);
  // Session tickets are on by default in Node's TLS server (keys made at start); nothing to switch on.
  const { alpn } = WIRE_META[wire];
  // A handshake gets the time a request head gets (Node's default is 120 s): a client that stalls mid-handshake holds a socket no longer.
  return {
    cert: options.tls.cert,
    key: options.tls.key,
    minVersion: TLS_MIN_VERSION,
    handshakeTimeout: options.headersTimeoutMs,
    ...(alpn === 'http/1.1' ? { ALPNProtocols: [alpn] } : {}),
  };
}

/** Tags every accepted TCP socket (and the TLS socket over it) with the TCP socket, then hands it to `listener`. */
function acceptConnections(server: Server, listener: (socket: Socket) => void): void {
  server.on('connection', (socket: Socket) => {
    (socket as Tagged)[kConnection] = socket;
    listener(socket);
  });
  // Registered before interpose's listener runs Node's (prependListener): the tag is there when HTTP/2 takes the socket.
  server.prependListener('secureConnection', (tlsSocket: TLSSocket) => {
    // Node's TLS socket keeps what it wraps: a TCP socket as `_parent`; a stream (the tap, tagged with its TCP socket) behind its
    // handle, in the JSStreamSocket Node wrapped it in (checked by test/servers/wires.test.ts and wire-setup.test.ts: bytes agree).
    const under = tlsSocket as TLSSocket & { _parent?: Socket | null; _handle?: { _parentWrap?: { stream?: Tagged } } | null };
    const connection = under._handle?._parentWrap?.stream?.[kConnection] ?? under._parent;
    if (connection != null) (tlsSocket as Tagged)[kConnection] = connection;
  });
}

/** One strategy per wire: a new wire (HTTP/3) is one more row here and in core/wires.ts. */
export const SERVER_TRANSPORTS: Readonly<Record<WireId, TransportFactory>> = Object.freeze({
  http: (options) => http1Transport('http', options),
  https: (options) => http1Transport('https', options),
  h2: (options) => http2Transport('h2', options),
  h2c: (options) => http2Transport('h2c', options),
});
