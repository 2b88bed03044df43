/**
 * One server that serves any set of techniques on one port, all fed by the same
 * FeedRegistry, with byte accounting on every socket, on the wire it is asked for (HTTP/1.1
 * or HTTP/2, cleartext or TLS: servers/transports.ts makes the Node server, and nothing
 * below asks which). Fairness settings live here, once, for every technique and wire:
 * keep-alive on, Nagle off, no compression, no logging, bound to 127.0.0.1 unless asked otherwise.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { sampleProcess, SocketAccounting } from './accounting.ts';
import { FeedRegistry } from './feed.ts';
import { renderDemoPage } from './demo-page.ts';
import {
  failAndClose,
  listenOn,
  listenOnHandle,
  stopAcceptingAt,
  send,
  sendError,
  sendTyped,
  splitUrl,
  UrlMemo,
  type HttpError,
  type Query,
  type Rejection,
} from './http-util.ts';
import { RequestGuard } from './request-guard.ts';
import { PATHS, nowMicros, type ServerStats, type TechniqueCounters, type TechniqueId } from '../core/protocol.ts';
import { TECHNIQUE_META, TECHNIQUES, TRANSPORTS } from '../core/techniques.ts';
import { Publisher } from './publisher.ts';
import { publishUpstream } from './upstream.ts';
import type { FeedServerFields, ListenFields } from '../core/scenario-fields.ts';
import { createPublishHandler, SERVER_TECHNIQUES, type ServerContext, type TechniqueHandler } from './techniques/index.ts';
import { connectionOf, SERVER_TRANSPORTS } from './transports.ts';
import { loadIdentity, selfSignedIdentity, type TlsIdentity } from './tls-cert.ts';
import { DEFAULT_WIRE, WIRE_META, wireOrigin, type WireId } from '../core/wires.ts';

/** The body of a ping answer (`GET /ping`): nothing, so that the round trip is all network and event loop. */
const EMPTY_BODY = Buffer.alloc(0);

/** The feed server's fields and where it listens (core/scenario-fields.ts), plus the server's own timeouts. */
export interface ServerOptions extends FeedServerFields, ListenFields {
  /** Origins whose pages may publish and open WebSockets, besides the server's own. */
  allowedOrigins: readonly string[];
  /** Host values (`name:port`) the server answers besides its own: a proxy in front of it that the clients address. */
  allowedHosts: readonly string[];
  /** Time a client has to send a complete request head. */
  headersTimeoutMs: number;
  /** Time a client has to send a complete request (head and body). */
  requestTimeoutMs: number;
  /** Response lines of poll and long-poll answers instead of the server's own (the kaazing-2010 header profile); null: its own. */
  responseHeaders: Array<[string, string]> | null;
  /** What carries HTTP (core/wires.ts): HTTP/1.1 or HTTP/2, cleartext or TLS. */
  wire: WireId;
  /** The user's certificate and key files for a TLS wire; null: a self-signed certificate made at start. */
  tlsFiles: { cert: string; key: string } | null;
  /**
   * Answers `GET /demo/map` (the demo's "where am I on the map" view) from its query; given by the
   * entry point, since the model lives above this layer (run/demo-map.ts). Null: 404, no view.
   */
  demoMap: ((get: (name: string) => string | null) => { status: number; body: unknown }) | null;
  /**
   * Count the wire's parts on this end too (servers/transports.ts): taps under TLS and HTTP/2,
   * which cost CPU on those wires. Off: only a WebSocket's handshake heads are counted apart.
   */
  countParts: boolean;
  /**
   * On a listening socket shared with other server processes (`--server-processes`): once this
   * process holds this many connections it stops accepting, so the kernel deals the rest to the
   * others (servers/http-util.ts stopAcceptingAt). Null: no cap.
   */
  acceptCap: number | null;
}

export const DEFAULT_SERVER_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  techniques: TECHNIQUES,
  host: '127.0.0.1',
  port: 0,
  rate: 1,
  payloadBytes: 64,
  holdMs: 30_000,
  ringSize: 4096,
  // A stranger who fills every room and every ring makes the 17 rings hold 64 MiB in all, no more.
  rooms: 16,
  ringBytes: 64 * 1024 * 1024,
  maxMessageBytes: 65_536,
  allowedOrigins: [],
  allowedHosts: [],
  // Half-open requests cannot pile up; held long polls and open streams are not cut (their request is complete).
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  responseHeaders: null,
  wire: DEFAULT_WIRE,
  tlsFiles: null,
  demoMap: null,
  countParts: false,
  acceptCap: null,
});

/** Longer than any sensible poll interval, so polling keeps its connection as a browser would. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface PushServer {
  /** The server's origin, with its wire's scheme (`https://` on a TLS wire). */
  readonly url: string;
  readonly wire: WireId;
  readonly port: number;
  readonly techniques: readonly TechniqueId[];
  stats(): ServerStats;
  startPublishing(rate: number, startAt?: number): void;
  stopPublishing(): void;
  /** Publishes one message now, stamped `t` (default: now), into `room` (default: broadcast). */
  publish(data: string, t?: number, room?: number): number;
  /** Counts published messages whose `t` falls in [startT, endT), per room. */
  setWindow(startT: number, endT: number): void;
  /** Messages counted in the window, keyed by room (`broadcast` for the broadcast feed). */
  windowCounts(): Record<string, number>;
  close(): Promise<void>;
}

interface Route {
  /** What the connection's bytes are counted under. */
  name: TechniqueId | 'publish';
  method: 'GET' | 'POST';
  handler: TechniqueHandler;
}

/**
 * Starts a server and resolves once it listens: on `host:port`, or on `handle`, a listening
 * socket shared with other server processes (the kernel deals each connection to one of them).
 */
export async function startServer(overrides: Partial<ServerOptions> = {}, handle?: import('node:net').Server): Promise<PushServer> {
  const options: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...overrides };
  const feeds = new FeedRegistry({ ringSize: options.ringSize, rooms: options.rooms, ringBytes: options.ringBytes });
  const accounting = new SocketAccounting(options.countParts);
  const rejected: Record<Rejection, number> = { badRequest: 0, notFound: 0, methodNotAllowed: 0, gone: 0, tooLarge: 0, forbidden: 0 };
  const publisher = new Publisher(feeds.broadcast, options.payloadBytes);

  const ctx: ServerContext = {
    feeds,
    accounting,
    connectionOf,
    holdMs: options.holdMs,
    maxMessageBytes: options.maxMessageBytes,
    responseHeaders: options.responseHeaders,
    fail(res: ServerResponse, error: HttpError) {
      rejected[error.kind]++;
      sendError(res, error, error.status === 426 ? { Upgrade: TRANSPORTS.ws.upgradeToken } : undefined);
    },
    countRejection(kind) {
      rejected[kind]++;
    },
  };

  const handlers = new Map<TechniqueId, TechniqueHandler>();
  const routes = new Map<string, Route>();
  for (const id of options.techniques) {
    const handler = SERVER_TECHNIQUES[id].create(ctx);
    handlers.set(id, handler);
    routes.set(TECHNIQUE_META[id].path, { name: id, method: 'GET', handler });
  }
  const publish = createPublishHandler(ctx);
  routes.set(PATHS.publish, { name: 'publish', method: 'POST', handler: publish });

  // Window accounting: how many messages each room published inside the measured window.
  let window: { startT: number; endT: number } | undefined;
  const windowCounts: Record<string, number> = {};
  let published = 0;
  feeds.onFeed((feed) => {
    const key = feed.room === undefined ? 'broadcast' : String(feed.room);
    feed.subscribe((batch) => {
      published += batch.length;
      if (window === undefined) return;
      for (const msg of batch) {
        if (msg.t >= window.startT && msg.t < window.endT) windowCounts[key] = (windowCounts[key] ?? 0) + 1;
      }
    });
  });

  const tls: TlsIdentity | null = !WIRE_META[options.wire].tls
    ? null
    : options.tlsFiles === null
      ? selfSignedIdentity()
      : loadIdentity(options.tlsFiles.cert, options.tlsFiles.key);
  const transport = SERVER_TRANSPORTS[options.wire]({
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    tls,
    countParts: options.countParts,
  });
  const server = transport.server;

  transport.onConnection((socket: Socket) => {
    socket.setNoDelay(true);
    accounting.track(socket);
  });

  // Built once the port is known; until then (never, in practice) nothing is answered.
  let guard: RequestGuard | undefined;
  server.once('listening', () => {
    guard = new RequestGuard({
      host: options.host,
      port: (server.address() as AddressInfo).port,
      allowedOrigins: options.allowedOrigins,
      allowedHosts: options.allowedHosts,
      scheme: WIRE_META[options.wire].scheme,
    });
  });
  const unguarded: HttpError = { status: 503, kind: 'forbidden', body: { error: 'the server is not listening yet' } };

  // Each request target's path, query and route, kept for URLs seen again (pollers repeat theirs).
  const targets = new UrlMemo((url) => {
    const { path, query } = splitUrl(url);
    return { path, query, route: routes.get(path) };
  });
  transport.onRequest((req: IncomingMessage, res: ServerResponse) => {
    const denied = guard === undefined ? unguarded : guard.check(req);
    if (denied !== undefined) return failAndClose(req, res, denied, ctx.countRejection);
    const { path, query, route } = targets.get(req.url ?? '/');
    if (route === undefined) {
      if (req.method === 'GET') {
        if (path === PATHS.info) return sendInfo(res);
        if (path === PATHS.demo) return sendDemo(res);
        if (path === PATHS.demoMap) return sendDemoMap(res, query);
        if (path === PATHS.stats) return sendStats(res);
        if (path === PATHS.ping) return send(res, 200, EMPTY_BODY);
      }
      return ctx.fail(res, { status: 404, kind: 'notFound', body: { error: `no such path: ${path}`, paths: [...routes.keys()] } });
    }
    if (req.method !== route.method) {
      rejected.methodNotAllowed++;
      return sendError(
        res,
        { status: 405, kind: 'methodNotAllowed', body: { error: `method ${req.method} not allowed on ${path}; allowed: ${route.method}` } },
        { Allow: route.method },
      );
    }
    accounting.route(connectionOf(req), route.name);
    route.handler.handle(req, res, query);
  });

  transport.onUpgrade((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const denied = guard === undefined ? unguarded : guard.check(req);
    if (denied !== undefined) {
      rejected[denied.kind]++;
      const body = JSON.stringify(denied.body);
      socket.end(
        `HTTP/1.1 ${denied.status} ${http.STATUS_CODES[denied.status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    const { path, query } = splitUrl(req.url ?? '/');
    const route = routes.get(path);
    if (route?.handler.upgrade === undefined) {
      rejected.notFound++;
      socket.end(`HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    accounting.route(connectionOf(req), route.name);
    route.handler.upgrade(req, socket, head, query);
  });

  // HTTP/2 CONNECT: only RFC 8441's extended form (`:protocol websocket`) on a path whose technique takes it.
  transport.onConnect((req: IncomingMessage, res: ServerResponse) => {
    const denied = guard === undefined ? unguarded : guard.check(req);
    if (denied !== undefined) return ctx.fail(res, denied);
    const protocol = req.headers[':protocol'];
    const { path, query } = splitUrl(req.url ?? '/');
    const route = routes.get(path);
    if (protocol !== TRANSPORTS.ws.upgradeToken) {
      return ctx.fail(res, {
        status: 501,
        kind: 'methodNotAllowed',
        body: {
          error: `CONNECT is served for :protocol ${TRANSPORTS.ws.upgradeToken} only (RFC 8441); received ${JSON.stringify(protocol ?? null)}`,
        },
      });
    }
    if (route?.handler.extendedConnect === undefined) {
      return ctx.fail(res, { status: 404, kind: 'notFound', body: { error: `no WebSocket on ${path}`, paths: [...routes.keys()] } });
    }
    accounting.route(connectionOf(req), route.name);
    route.handler.extendedConnect(req, res, query);
  });

  // Malformed requests get a status line and a closed socket, never a crash.
  transport.onClientError((error: NodeJS.ErrnoException, socket: Duplex) => {
    rejected.badRequest++;
    // A failed or timed-out TLS handshake (https reports it here): no HTTP can be written on it, and end() would wait for the handshake.
    if (
      error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ||
      error.code?.startsWith('ERR_SSL_') === true ||
      (error as { library?: string }).library === 'SSL routines'
    ) {
      socket.destroy();
      return;
    }
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (inFlight) {
      // A request whose body never completes (one byte a second) already has a response
      // object: answer 408 through it if nothing was written yet, else just cut it.
      if (timedOut && !inFlight.headersSent && socket.writable) {
        inFlight.shouldKeepAlive = false;
        send(inFlight, 408, Buffer.from(JSON.stringify({ error: `the request did not complete within ${options.requestTimeoutMs} ms` })));
        inFlight.once('finish', () => socket.destroy());
      } else {
        socket.destroy();
      }
      return;
    }
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : timedOut ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  /*
   * The pages below are no technique's, and each answer closes its connection. Bytes are
   * counted per connection under the endpoint it first served, and a browser reuses idle
   * connections for whatever it requests next: a kept-alive page connection would carry
   * the demo's polls or long polls, and count them under `other`. Closed, every byte of
   * these pages stays under `other` and every technique's bytes under the technique.
   */

  function sendInfo(res: ServerResponse): void {
    res.shouldKeepAlive = false;
    const body = {
      name: 'pushbench',
      techniques: options.techniques,
      paths: Object.fromEntries(options.techniques.map((id) => [id, TECHNIQUE_META[id].path])),
      publish: PATHS.publish,
      head: feeds.broadcast.head,
      oldest: feeds.broadcast.oldest,
      rate: options.rate,
      payloadBytes: options.payloadBytes,
      // Monotonic µs as this answer is built: the demo page estimates its clock offset from it.
      now: nowMicros(),
    };
    send(res, 200, Buffer.from(JSON.stringify(body)));
  }

  let demoPage: Buffer | undefined;
  function sendDemo(res: ServerResponse): void {
    res.shouldKeepAlive = false;
    demoPage ??= Buffer.from(
      renderDemoPage({
        techniques: options.techniques,
        rate: options.rate,
        payloadBytes: options.payloadBytes,
        ...(options.demoMap === null ? {} : { map: true }),
      }),
    );
    sendTyped(res, 200, demoPage, 'text/html; charset=utf-8', { 'Cache-Control': 'no-store' });
  }

  function sendDemoMap(res: ServerResponse, query: Query): void {
    res.shouldKeepAlive = false;
    if (options.demoMap === null) {
      send(res, 404, Buffer.from(JSON.stringify({ error: 'this server has no map view (pushbench serve gives it one)' })));
      return;
    }
    const answer = options.demoMap((name) => query.get(name));
    send(res, answer.status, Buffer.from(JSON.stringify(answer.body)), { 'Cache-Control': 'no-store' });
  }

  function sendStats(res: ServerResponse): void {
    res.shouldKeepAlive = false;
    send(res, 200, Buffer.from(JSON.stringify(stats())), { 'Cache-Control': 'no-store' });
  }

  function stats(): ServerStats {
    const techniques: Partial<Record<TechniqueId, TechniqueCounters>> = {};
    for (const [id, handler] of handlers) techniques[id] = { ...handler.counters };
    return {
      at: nowMicros(),
      bytes: accounting.counters(),
      bytesByRoute: accounting.countersByRoute(),
      techniques,
      connections: { open: accounting.openCount, total: accounting.total, ...(acceptStopped ? { acceptStopped } : {}) },
      published,
      lateTicks: publisher.stats.lateTicks,
      maxTickLateMs: publisher.stats.maxLateMs,
      publisher: publisher.sample(),
      rejected: { ...rejected },
      process: sampleProcess(),
    };
  }

  const listening = handle === undefined ? await listenOn(server, options.port, options.host) : await listenOnHandle(server, handle);
  let acceptStopped = false;
  if (handle !== undefined && options.acceptCap !== null)
    stopAcceptingAt(server, options.acceptCap, () => {
      acceptStopped = true;
    });
  if (options.rate > 0) publisher.start(options.rate);

  return {
    url: wireOrigin(options.wire, listening.url),
    wire: options.wire,
    port: listening.port,
    techniques: options.techniques,
    stats,
    startPublishing(rate, startAt) {
      publisher.start(rate, startAt);
    },
    stopPublishing() {
      publisher.stop();
    },
    publish(data, t = nowMicros(), room) {
      return publishUpstream(feeds, { data, t, room });
    },
    setWindow(startT, endT) {
      window = { startT, endT };
      publisher.setWindow(startT, endT);
      for (const key of Object.keys(windowCounts)) delete windowCounts[key];
    },
    windowCounts() {
      return { ...windowCounts };
    },
    async close() {
      publisher.stop();
      for (const handler of handlers.values()) handler.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      transport.closeAll();
      // Upgraded sockets are no longer the HTTP server's to close.
      for (const socket of accounting.sockets()) socket.destroy();
      await closed;
    },
  };
}
