/**
 * A delaying TCP proxy: listens on 127.0.0.1 (port 0 by default), opens one upstream
 * connection per accepted client connection, and forwards every chunk in each direction
 * `delayMs` after it arrived, in order. It stands in for a network with a one-way delay
 * (this kernel has no netem), so the latency model's network term can be checked against
 * a measurement. Bytes pass unchanged: what the clients count is what the server counts.
 *
 * Every chunk of every connection going one way waits in one FIFO: the delay is the same for
 * all of them, so arrival order is due order and one scheduler serves that direction of the
 * whole proxy (two schedulers, as the way up may have a delay of its own). A timer alone is off
 * by up to a millisecond either way (Node counts timers in whole milliseconds of the loop's
 * cached clock: on this VM a fractional setTimeout fired 0.9 ms early to 0.5 ms late, p1-p99),
 * and the timer-per-chunk proxy before this one added about 2 ms per hop. So the timer is set
 * `SPIN_LEAD_MS` before the due time and the rest is covered by setImmediate turns (the loop
 * still polls sockets between them), which release each chunk on the first turn at or after
 * its due time, never before. The turns spin: up to 2.5 ms of CPU per release, in the
 * runner's process, which is the price of the precision.
 * Each release records how late it was, so the proxy states what it added beyond `delayMs`.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { nowMicros } from '../core/protocol.ts';

/**
 * How long before a chunk's due time the timer is set, ms; the setImmediate turns take over when
 * it fires. With other processes on the CPU a timer fires later than on a quiet machine: at a
 * load average of 5 on 2 cores, a 0.6 ms lead left the echo round trip through a 5 ms proxy at
 * a median of 11.25 ms, this lead at 10.4-10.6 ms (two runs each, /tmp probe of 50 echoes).
 */
export const SPIN_LEAD_MS = 1.5;

export interface DelayProxyOptions {
  /** One-way delay added to each chunk, ms (each direction). */
  delayMs: number;
  /** Client-to-upstream delay, ms, when it differs from `delayMs` (an asymmetric path; `delayMs` then holds the way back). */
  upDelayMs?: number;
  /** Where to forward; may be set later with `forwardTo` (the proxy must exist before the server it fronts). */
  upstream?: { host: string; port: number };
  /** Listen address (default 127.0.0.1) and port (default 0: a free one). */
  host?: string;
  port?: number;
}

/** What the proxy added beyond `delayMs`: each chunk's release time minus its due time. */
export interface DelayProxyLateness {
  /** Chunks (and ends) released. */
  chunks: number;
  /** Mean lateness, ms. */
  meanMs: number;
  /** Largest lateness, ms. */
  maxMs: number;
  /** Chunks released before their due time: 0 by construction, counted so a test can say so. */
  early: number;
}

interface Held {
  due: number;
  to: net.Socket;
  chunk: Buffer | null;
}

/** The one FIFO of held chunks and the timer-then-spin that releases them. */
class Scheduler {
  private readonly queue: Held[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private chunks = 0;
  private latenessSumMicros = 0;
  private latenessMaxMicros = 0;
  private early = 0;

  constructor(private readonly delayMicros: number) {}

  /** Sockets whose end is already queued: a close that follows an end must not queue a second one. */
  private readonly ending = new WeakSet<net.Socket>();

  /** Holds a chunk (null: the end of the stream) for `to`. */
  push(to: net.Socket, chunk: Buffer | null): void {
    if (chunk === null) {
      if (this.ending.has(to)) return;
      this.ending.add(to);
    }
    this.queue.push({ due: nowMicros() + this.delayMicros, to, chunk });
    if (this.timer === undefined && this.immediate === undefined) this.arm();
  }

  /** Drops what is held for `to` (its connection is gone). */
  forget(to: net.Socket): void {
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.to === to) this.queue[i]!.chunk = EMPTY;
  }

  stop(): void {
    clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.queue.length = 0;
    this.head = 0;
  }

  lateness(): DelayProxyLateness {
    return {
      chunks: this.chunks,
      meanMs: this.chunks === 0 ? 0 : this.latenessSumMicros / this.chunks / 1000,
      maxMs: this.latenessMaxMicros / 1000,
      early: this.early,
    };
  }

  private arm(): void {
    const next = this.queue[this.head];
    if (next === undefined) return;
    const waitMs = (next.due - nowMicros()) / 1000;
    if (waitMs > SPIN_LEAD_MS) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.arm();
      }, waitMs - SPIN_LEAD_MS);
    } else {
      this.immediate = setImmediate(() => this.release());
    }
  }

  private release(): void {
    this.immediate = undefined;
    const now = nowMicros();
    while (this.head < this.queue.length && this.queue[this.head]!.due <= now) {
      const held = this.queue[this.head]!;
      this.head += 1;
      if (held.chunk === EMPTY || held.to.destroyed) continue;
      const lateMicros = now - held.due;
      this.chunks += 1;
      this.latenessSumMicros += lateMicros;
      if (lateMicros > this.latenessMaxMicros) this.latenessMaxMicros = lateMicros;
      if (lateMicros < 0) this.early += 1;
      if (held.chunk === null) held.to.end();
      else held.to.write(held.chunk);
    }
    // Compact now and then rather than shift() per chunk (O(n) each).
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.arm();
  }
}

/** A chunk whose connection was dropped while it waited. */
const EMPTY = Buffer.alloc(0);

export class DelayProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly up: Scheduler;
  private readonly down: Scheduler;
  private upstream: { host: string; port: number } | undefined;

  private constructor(private readonly options: DelayProxyOptions) {
    this.upstream = options.upstream;
    this.up = new Scheduler((options.upDelayMs ?? options.delayMs) * 1000);
    this.down = new Scheduler(options.delayMs * 1000);
    // Half-open both ways: an end from one side is passed on after the delay, not at once by Node.
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.accept(client));
  }

  /** Starts a proxy listening on 127.0.0.1 (port 0 unless told). */
  static async start(options: DelayProxyOptions): Promise<DelayProxy> {
    if (!(Number.isFinite(options.delayMs) && options.delayMs >= 0))
      throw new RangeError(`invalid delayMs: received ${options.delayMs}; expected a number >= 0`);
    const proxy = new DelayProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:PORT`: the origin clients use to go through the proxy. */
  get origin(): string {
    return `http://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  get delayMs(): number {
    return this.options.delayMs;
  }

  /** What the proxy added beyond the delay so far, over every chunk it released both ways. */
  lateness(direction?: 'up' | 'down'): DelayProxyLateness {
    if (direction !== undefined) return this[direction].lateness();
    const up = this.up.lateness();
    const down = this.down.lateness();
    const chunks = up.chunks + down.chunks;
    return {
      chunks,
      meanMs: chunks === 0 ? 0 : (up.meanMs * up.chunks + down.meanMs * down.chunks) / chunks,
      maxMs: Math.max(up.maxMs, down.maxMs),
      early: up.early + down.early,
    };
  }

  /** Sets (or changes) where new connections are forwarded. */
  forwardTo(host: string, port: number): void {
    this.upstream = { host, port };
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.up.stop();
    this.down.stop();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const upstream = this.upstream;
    if (upstream === undefined) {
      client.destroy();
      return;
    }
    const server = net.connect({ host: upstream.host, port: upstream.port, noDelay: true, allowHalfOpen: true });
    client.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(server);
    const { up, down } = this;
    client.on('data', (chunk: Buffer) => up.push(server, chunk));
    server.on('data', (chunk: Buffer) => down.push(client, chunk));
    client.on('end', () => up.push(server, null));
    server.on('end', () => down.push(client, null));
    // A reset or an error on one side ends the other at once: the connection is gone.
    const drop = (): void => {
      down.forget(client);
      up.forget(server);
      client.destroy();
      server.destroy();
      this.sockets.delete(client);
      this.sockets.delete(server);
    };
    client.on('error', drop);
    server.on('error', drop);
    client.on('close', () => {
      this.sockets.delete(client);
      if (server.writableEnded || server.destroyed) return;
      // Closed without an end (destroyed): pass the close on after what was queued.
      up.push(server, null);
    });
    server.on('close', () => {
      this.sockets.delete(server);
      if (client.writableEnded || client.destroyed) return;
      down.push(client, null);
    });
  }
}
