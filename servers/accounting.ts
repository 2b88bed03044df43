/**
 * Byte accounting per socket, as the kernel saw it: `bytesRead` and `bytesWritten`
 * are the exact TCP payload in each direction, tallied by core/socket-tally.ts (the
 * load generator counts its side with the same piece), plus per-endpoint totals and
 * the setup bytes of streams and upgrades.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ByteCounters, ProcessSample } from '../core/protocol.ts';
import { partsOf } from '../core/socket-counter.ts';
import { SocketTally } from '../core/socket-tally.ts';
import { addParts, emptyParts, type ConnectionParts, type WireParts } from '../core/wire-parts.ts';
import { serverPartsOf } from './transports.ts';

/** The endpoint a connection first served (`polling`, `sse`, `publish`, ...), for per-endpoint totals. */
const kRoute = Symbol('pushbench.route');
type RoutedSocket = Socket & { [kRoute]?: string };
/** Connections that never reached an endpoint (unknown paths, malformed requests, the info page). */
const UNROUTED = 'other';

export class SocketAccounting {
  private readonly closedByRoute = new Map<string, { up: number; down: number }>();
  private readonly tally = new SocketTally('server', (socket, up, down) => {
    const route = (socket as RoutedSocket)[kRoute] ?? UNROUTED;
    const closed = this.closedByRoute.get(route) ?? { up: 0, down: 0 };
    closed.up += up;
    closed.down += down;
    this.closedByRoute.set(route, closed);
  });
  private setupUp = 0;
  private setupDown = 0;
  /** The parts of open connections (core/wire-parts.ts, counted by the taps of servers/transports.ts), and of closed ones summed. */
  private readonly openParts = new Map<Socket, ConnectionParts>();
  private readonly closedParts = emptyParts();

  /** `countParts`: count the wire's parts per connection too (`--server-parts`; the transports put the taps). */
  constructor(private readonly countParts = false) {}

  /** Starts counting a new connection; its bytes stay counted after it closes. */
  track(socket: Socket): void {
    this.tally.track(socket);
    // A TLS or HTTP/2 connection has its taps, and their parts, by now; a cleartext HTTP/1.1 one gets parts if it upgrades.
    if (this.countParts && partsOf(socket) !== undefined) this.partsOf(socket);
  }

  /** The parts of a connection's bytes, as this end counts them (made on first ask, and summed from then on); null when parts are not counted. */
  partsOf(socket: Socket): ConnectionParts | null {
    if (!this.countParts) return null;
    const parts = serverPartsOf(socket);
    if (!this.openParts.has(socket) && !socket.destroyed) {
      this.openParts.set(socket, parts);
      socket.once('close', () => {
        addParts(this.closedParts, parts.snapshot());
        this.openParts.delete(socket);
      });
    }
    return parts;
  }

  /** Every connection's parts so far, open and closed. */
  parts(): WireParts {
    const out = addParts(emptyParts(), this.closedParts);
    for (const parts of this.openParts.values()) addParts(out, parts.snapshot());
    return out;
  }

  /** Connections ever accepted. */
  get total(): number {
    return this.tally.total;
  }

  /** Attributes a connection to the endpoint of its first request (a browser tab keeps one per purpose). */
  route(socket: Socket, route: string): void {
    const routed = socket as RoutedSocket;
    if (routed[kRoute] === undefined) routed[kRoute] = route;
  }

  /** Bytes per endpoint, open and closed connections together (`other` for connections that reached none). */
  countersByRoute(): Record<string, { up: number; down: number }> {
    const out: Record<string, { up: number; down: number }> = {};
    for (const [route, closed] of this.closedByRoute) out[route] = { ...closed };
    for (const socket of this.tally.sockets()) {
      const route = (socket as RoutedSocket)[kRoute] ?? UNROUTED;
      const entry = (out[route] ??= { up: 0, down: 0 });
      entry.up += this.tally.upOf(socket);
      entry.down += this.tally.downOf(socket);
    }
    return out;
  }

  get openCount(): number {
    return this.tally.openCount;
  }

  sockets(): IterableIterator<Socket> {
    return this.tally.sockets();
  }

  /**
   * Counts a connection's setup: the request head that opened an SSE stream or a
   * WebSocket upgrade (up) and the response head or 101 the server wrote for it (down,
   * measured by the caller around writing it). On a fresh connection the head is
   * exactly what the socket has read, less `unreadBytes` that belong to what follows;
   * on a reused keep-alive connection earlier requests are in that count too, so the
   * head is rebuilt from the raw header lines instead (exact for `Name: value` lines).
   */
  countSetup(socket: Socket, req: IncomingMessage, downBytes: number, unreadBytes = 0): void {
    this.setupUp += Math.min(socket.bytesRead - unreadBytes, requestHeadBytes(req));
    this.setupDown += downBytes;
  }

  counters(): ByteCounters {
    return {
      ...this.tally.totals(),
      setupUp: this.setupUp,
      setupDown: this.setupDown,
      ...(this.countParts ? { parts: this.parts() } : {}),
    };
  }
}

/** Bytes of a request head as a client writes it: request line, `Name: value` lines, blank line. */
export function requestHeadBytes(req: IncomingMessage): number {
  let bytes = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n\r\n`.length;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) bytes += Buffer.byteLength(raw[i]!) + 2 + Buffer.byteLength(raw[i + 1]!) + 2;
  return bytes;
}

/** Cumulative CPU, memory and event-loop figures of this process. */
export function sampleProcess(): ProcessSample {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return {
    cpuMicros: cpu.user + cpu.system,
    rssBytes: process.memoryUsage.rss(),
    eluIdleMs: elu.idle,
    eluActiveMs: elu.active,
  };
}
