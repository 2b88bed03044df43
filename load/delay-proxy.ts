/**
 * A delaying TCP proxy: listens on 127.0.0.1 (port 0 by default), opens one upstream
 * connection per accepted client connection, and forwards every chunk in each direction
 * `delayMs` after it arrived, in order. It stands in for a network with a one-way delay
 * (this kernel has no netem), so the latency model's network term can be checked against
 * a measurement. Bytes pass unchanged: what the clients count is what the server counts.
 *
 * Each direction is a FIFO of (due time, chunk) drained by one timer, so order holds even
 * when the timer fires late; a close or reset follows the data that came before it.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { nowMicros } from '../core/protocol.ts';

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

/** One direction of one connection: chunks wait `delayMs`, then go out in arrival order. */
class DelayedPipe {
  private readonly queue: Array<{ due: number; chunk: Buffer | null }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: net.Socket,
    private readonly delayMicros: number,
  ) {}

  /** Queues a chunk, or (null) the end of the stream. */
  push(chunk: Buffer | null): void {
    this.queue.push({ due: nowMicros() + this.delayMicros, chunk });
    if (this.timer === undefined) this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private arm(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    this.timer = setTimeout(() => this.drain(), Math.max(0, (head.due - nowMicros()) / 1000));
  }

  private drain(): void {
    this.timer = undefined;
    const now = nowMicros();
    while (this.queue.length > 0 && this.queue[0]!.due <= now + 100) {
      const { chunk } = this.queue.shift()!;
      if (this.to.destroyed) {
        this.queue.length = 0;
        return;
      }
      if (chunk === null) this.to.end();
      else this.to.write(chunk);
    }
    this.arm();
  }
}

export class DelayProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private upstream: { host: string; port: number } | undefined;

  private constructor(private readonly options: DelayProxyOptions) {
    this.upstream = options.upstream;
    // Half-open both ways: an end from one side is passed on after the delay, not at once by Node.
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => this.accept(client));
  }

  /** Starts a proxy listening on 127.0.0.1 (port 0 unless told). */
  static async start(options: DelayProxyOptions): Promise<DelayProxy> {
    if (!(Number.isFinite(options.delayMs) && options.delayMs >= 0)) throw new RangeError(`invalid delayMs: received ${options.delayMs}; expected a number >= 0`);
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

  /** Sets (or changes) where new connections are forwarded. */
  forwardTo(host: string, port: number): void {
    this.upstream = { host, port };
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
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
    const delayMicros = this.options.delayMs * 1000;
    const up = new DelayedPipe(server, (this.options.upDelayMs ?? this.options.delayMs) * 1000);
    const down = new DelayedPipe(client, delayMicros);
    client.on('data', (chunk: Buffer) => up.push(chunk));
    server.on('data', (chunk: Buffer) => down.push(chunk));
    client.on('end', () => up.push(null));
    server.on('end', () => down.push(null));
    // A reset or an error on one side ends the other at once: the connection is gone.
    const drop = (): void => {
      up.stop();
      down.stop();
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
      up.push(null);
    });
    server.on('close', () => {
      this.sockets.delete(server);
      if (client.writableEnded || client.destroyed) return;
      down.push(null);
    });
  }
}
