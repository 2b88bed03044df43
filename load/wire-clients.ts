/**
 * The clients' connect seam: one strategy per wire (core/wires.ts), as undici has connectH1 and
 * connectH2. A simulated client (a browser tab) asks its wire for a `ClientTab`, and gets from
 * it a connection for repeated GETs, connections for requests and streams, and WebSockets; the
 * drivers (load/drivers/) use those and never ask which wire they are on. On HTTP/1.1 each ask
 * opens a connection of its own, as a browser tab does while its first one is busy; on HTTP/2
 * every ask is a stream of the tab's one session (a WebSocket too, by RFC 8441).
 *
 * Byte attribution on HTTP/2: the session is one socket, counted whole. A polling tab's session
 * is attributed by exchange (each poll's bytes by its due time), exact while nothing else runs on
 * it, as in the broadcast workload; in the chat workload its POSTs share the session and their
 * bytes are then in the run's totals (and the agreement check) but not in the window's.
 */
import type net from 'node:net';
import { countUpgradeHeads, type ByteAttribution, type SecureDial, type SocketCounter, type TlsTrust } from '../core/socket-counter.ts';
import { WIRE_META, type WireId } from '../core/wires.ts';
import { H2LeanGet } from './h2-lean-get.ts';
import { H2Tab } from './h2-tab.ts';
import { HttpConnection, type HttpResponse, type StreamHandlers } from './http-connection.ts';
import { KeepAliveGet, type GetDone, type GetResponse } from './keepalive-get.ts';
import WebSocket from 'ws';

/** Repeated GETs, one at a time (polling, long polling): load/keepalive-get.ts's calls. */
export interface GetChannel {
  /** Resolves once the connection can carry a request (connected; under TLS, its handshake done). */
  connect(): Promise<void>;
  get(path: string, extraHeaders?: string): Promise<GetResponse>;
  /**
   * As get(), the outcome handed to `done` (inside the connection's data handler) instead of a
   * promise: the polling driver's path where a channel offers it (HTTP/1.1's lean client).
   */
  getThen?(path: string, extraHeaders: string, done: GetDone): void;
  /** POSTs `body` on the same connection, answered as a GET is (a framework's XHR transport); HTTP/1.1 only, absent on HTTP/2. */
  xhrPost?(path: string, body?: string, extraHeaders?: string): Promise<GetResponse>;
  destroy(): void;
  /**
   * Closes cleanly (TLS close_notify, HTTP/2 GOAWAY, FIN) and resolves once the TCP socket has
   * closed, within `timeoutMs` (then it is destroyed): after it both ends have counted every byte.
   */
  close(timeoutMs: number): Promise<void>;
}

/** Whole requests and streaming responses (SSE, the chat workload's POSTs): load/http-connection.ts's calls. */
export interface RequestChannel {
  request(method: 'GET' | 'POST' | 'PUT', path: string, headers: string[], body?: string): Promise<HttpResponse>;
  /** `method`: GET (SSE), or POST for a framework's XHR streaming transport (HTTP/1.1 only). */
  stream(path: string, headers: string[], handlers: StreamHandlers, method?: 'GET' | 'POST'): void;
  destroy(): Promise<void>;
}

/**
 * A WebSocket handshake the server refused (an answer other than 101): reads the answer's body
 * whole, hands it on with its status (a framework names its error there), then ends the request.
 */
export function onRefusedHandshake(ws: WebSocket, then: (status: number, body: Buffer) => void): void {
  ws.on('unexpected-response', (request, response) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => {
      then(response.statusCode ?? 0, Buffer.concat(chunks));
      request.destroy();
    });
  });
}

/** What one simulated client opens its connections through. */
export interface ClientTab {
  /** The connection for repeated GETs with `headers`, handing back the response headers named in `capture`. */
  gets(headers: ReadonlyArray<readonly [string, string]>, capture: readonly string[], attribution: ByteAttribution): GetChannel;
  /** A connection for requests and streams whose response head must come within `timeoutMs`. */
  requests(timeoutMs: number): RequestChannel;
  /**
   * Opens a WebSocket to `url` (ws:// or wss://): on HTTP/1.1 an Upgrade on a counted connection
   * of its own (TLS under wss), on HTTP/2 an extended CONNECT stream of the tab's session (RFC 8441).
   */
  openWebSocket(url: string, protocols: string[], options: WebSocket.ClientOptions): WebSocket;
}

/** `trust`: which certificates a TLS wire accepts; absent, any (pushbench's own server's self-signed one). */
type TabFactory = (origin: string, counter: SocketCounter, trust?: TlsTrust) => ClientTab;

const ANY_CERTIFICATE: TlsTrust = Object.freeze({ kind: 'any' });

/** TLS as the wire offers it (ALPN of its row) with `trust`; null on a cleartext wire. */
function secureDial(wire: WireId, trust: TlsTrust): SecureDial | null {
  const { tls, alpn } = WIRE_META[wire];
  return tls && alpn !== null ? { alpn, trust } : null;
}

/** HTTP/1.1: a connection per purpose, as a tab opens a second one while its first is held. */
function http1Tab(wire: WireId): TabFactory {
  return (origin, counter, trust = ANY_CERTIFICATE) => {
    const secure = secureDial(wire, trust);
    return {
      gets: (headers, capture, attribution) => new KeepAliveGet(origin, headers, counter, capture, attribution, secure),
      requests: (timeoutMs) => new HttpConnection(origin, counter, timeoutMs, secure),
      openWebSocket: (url, protocols, options) =>
        new WebSocket(url, protocols, {
          ...options,
          createConnection: counter.netConnection(secure) as unknown as WebSocket.ClientOptions['createConnection'],
          // The handshake's heads are counted where the HTTP parser ends the 101, before ws takes the socket.
          finishRequest: (req, ws) => {
            req.prependListener('upgrade', (_res, socket: net.Socket, head: Buffer) => countUpgradeHeads(socket, head));
            if (options.finishRequest === undefined) req.end();
            else options.finishRequest(req, ws);
          },
        }),
    };
  };
}

/** HTTP/2: one session per tab, every request a stream on it. */
function http2Tab(wire: WireId): TabFactory {
  return (origin, counter, trust = ANY_CERTIFICATE) => {
    const secure = secureDial(wire, trust);
    let tab: H2Tab | undefined;
    let closing: Promise<void> | undefined;
    // The first purpose to ask decides the session's byte attribution (polling: by exchange; else by snapshot).
    const session = (attribution: ByteAttribution): H2Tab => (tab ??= new H2Tab(origin, counter, secure, attribution));
    const shared = (timeoutMs: number): RequestChannel => {
      const h2 = session('snapshot');
      return {
        request: (method, path, headers, body) => h2.request(method, path, headers, body, timeoutMs),
        stream: (path, headers, handlers) => h2.stream(path, headers, handlers),
        destroy: () => (closing ??= Promise.resolve(h2.destroy())),
      };
    };
    return {
      gets: (headers, capture, attribution) => session(attribution).useGetHeaders(headers, capture),
      requests: shared,
      openWebSocket: (url, protocols, options) => session('snapshot').webSocket(url, protocols, options),
    };
  };
}

/**
 * A connection for repeated GETs on `wire` that counts TCP bytes but no TLS records or HTTP/2
 * frames (their taps are JavaScript streams that cost more than the exchange): the capacity
 * probe's load (load/poll-load.ts), which needs only responses, and must not be slower than the
 * C tools it is checked against (perf:capacity). HTTP/1.1: the lean client untapped; HTTP/2:
 * load/h2-lean-get.ts (Node's http2 client costs the load more than the server). Any
 * certificate: the probe's server is local.
 */
export function leanGets(
  wire: WireId,
  origin: string,
  counter: SocketCounter,
  headers: ReadonlyArray<readonly [string, string]>,
): GetChannel {
  const secure = secureDial(wire, ANY_CERTIFICATE);
  return WIRE_META[wire].httpVersion === '2'
    ? new H2LeanGet(origin, headers, counter, secure)
    : new KeepAliveGet(origin, headers, counter, [], 'snapshot', secure, false);
}

/** Connections a browser opens to one origin on HTTP/1.1 (Chromium and Firefox; MDN's EventSource page: "Won't fix"). */
export const BROWSER_CONNECTIONS_PER_ORIGIN = 6;

/** Several tabs of one browser, on one origin: where their connections come from. */
export interface Browser {
  /** A new tab of this browser. */
  tab(): ClientTab;
  /** Requests and streams waiting for a connection now. */
  waiting(): number;
  /** The connections per origin this wire allows a browser's tabs, or null when its tabs share one connection (HTTP/2). */
  readonly connectionsPerOrigin: number | null;
}

/** `trust` as for a tab (TabFactory). */
type BrowserFactory = (origin: string, counter: SocketCounter, trust?: TlsTrust) => Browser;

/**
 * HTTP/1.1: the browser's tabs share 6 connections to the origin. A request or stream holds one
 * while it runs (an SSE stream: as long as it is open) and waits, in order, while all 6 are held;
 * WebSockets and polling's keep-alive GET connection are not limited (Chromium counts WebSockets
 * apart; pushbench's `--tabs` is for SSE, cli/options.ts).
 */
function http1Browser(wire: WireId): BrowserFactory {
  return (origin, counter, trust = ANY_CERTIFICATE) => {
    let free = BROWSER_CONNECTIONS_PER_ORIGIN;
    const queue: Array<{ grant: () => void; cancelled: boolean }> = [];
    const release = (): void => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (next.cancelled) continue;
        next.grant();
        return;
      }
      free++;
    };
    /** Runs `grant` with a connection slot now, or once one is free (calling `queued` meanwhile); the entry lets a destroy cancel it. */
    const acquire = (grant: () => void, queued: () => void): { cancelled: boolean } => {
      const entry = { grant, cancelled: false };
      if (free > 0) {
        free--;
        grant();
      } else {
        queue.push(entry);
        queued();
      }
      return entry;
    };
    const limited = (channel: RequestChannel): RequestChannel => {
      const pending: Array<{ cancelled: boolean }> = [];
      return {
        request: (method, path, headers, body) =>
          new Promise<void>((resolve) => void pending.push(acquire(resolve, () => {}))).then(() =>
            channel.request(method, path, headers, body).finally(release),
          ),
        stream: (path, headers, handlers, method) => {
          pending.push(
            acquire(
              () => {
                let held = true;
                channel.stream(
                  path,
                  headers,
                  {
                    ...handlers,
                    onEnd: (error) => {
                      if (held) release();
                      held = false;
                      handlers.onEnd(error);
                    },
                  },
                  method,
                );
              },
              () => handlers.onQueued?.(),
            ),
          );
        },
        destroy: () => {
          for (const entry of pending) entry.cancelled = true;
          return channel.destroy();
        },
      };
    };
    return {
      connectionsPerOrigin: BROWSER_CONNECTIONS_PER_ORIGIN,
      waiting: () => queue.filter((entry) => !entry.cancelled).length,
      tab: () => {
        const own = http1Tab(wire)(origin, counter, trust);
        return { ...own, requests: (timeoutMs) => limited(own.requests(timeoutMs)) };
      },
    };
  };
}

/** HTTP/2: every tab of the browser is streams of one connection; nothing waits. */
function http2Browser(wire: WireId): BrowserFactory {
  return (origin, counter, trust = ANY_CERTIFICATE) => {
    const shared = http2Tab(wire)(origin, counter, trust);
    let open = 0;
    return {
      connectionsPerOrigin: null,
      waiting: () => 0,
      tab: () => ({
        ...shared,
        requests: (timeoutMs) => {
          const channel = shared.requests(timeoutMs);
          open++;
          let destroyed = false;
          // The session is the browser's: the last tab to go closes it.
          return {
            ...channel,
            destroy: async () => {
              if (destroyed) return;
              destroyed = true;
              if (--open === 0) await channel.destroy();
            },
          };
        },
      }),
    };
  };
}

/** A browser per wire, for `--tabs`: several tabs of one origin. */
export const BROWSERS: Readonly<Record<WireId, BrowserFactory>> = Object.freeze({
  http: http1Browser('http'),
  https: http1Browser('https'),
  h2: http2Browser('h2'),
  h2c: http2Browser('h2c'),
});

/** One strategy per wire: a new wire is one more row here and in servers/transports.ts. */
export const CLIENT_WIRES: Readonly<Record<WireId, TabFactory>> = Object.freeze({
  http: http1Tab('http'),
  https: http1Tab('https'),
  h2: http2Tab('h2'),
  h2c: http2Tab('h2c'),
});
