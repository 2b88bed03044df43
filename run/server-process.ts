/**
 * The runner's handle on a server child process: spawn, wait for `ready`, ask for
 * stats, start the publisher, set the measured window, close. Talks to the server
 * only over IPC messages defined in servers/protocol.ts.
 */
import type { ParentToServer, ServerStats, ServerToParent, TechniqueId } from '../core/protocol.ts';
import { describeExit, forkTs, type ForkedChild } from './children.ts';

export interface ServerProcessOptions {
  techniques: readonly TechniqueId[];
  host?: string;
  port?: number;
  rate: number;
  payloadBytes: number;
  holdMs: number;
  ringSize?: number;
  /** Chat rooms 0..rooms-1 the server holds (servers/server.ts ServerOptions). */
  rooms?: number;
  /** Bytes all the server's message rings together may keep. */
  ringBytes?: number;
  maxMessageBytes?: number;
  /** Origins the server accepts besides its own: what the clients' header profile sends. */
  allowedOrigins?: readonly string[];
}

export interface StatsReply {
  stats: ServerStats;
  windowCount: Record<string, number>;
}

export class ServerCrashedError extends Error {
  readonly code = 'PUSHBENCH_SERVER_CRASHED';
}

const CHILD_MODULE = new URL('../servers/child.ts', import.meta.url);

export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: StatsReply) => void; reject: (error: Error) => void }>();
  private crash: Error | undefined;
  private closing = false;
  /** Settles with the reason when the process dies without being asked to close. */
  readonly unexpectedExit: Promise<Error>;

  private constructor(
    private readonly forked: ForkedChild,
    readonly url: string,
    readonly pid: number,
  ) {
    forked.child.on('message', (message: ServerToParent) => {
      if (message.type !== 'stats') return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve({ stats: message.stats, windowCount: message.windowCount ?? {} });
    });
    this.unexpectedExit = forked.exited.then((exit) => {
      const crash = new ServerCrashedError(describeExit(`server process ${pid}`, exit, forked.stderrTail()));
      this.crash = crash;
      for (const waiter of this.pending.values()) waiter.reject(crash);
      this.pending.clear();
      return this.closing ? new Promise<never>(() => {}) : crash;
    });
  }

  /** Spawns a server child and resolves once it listens, or rejects with why it could not start. */
  static async spawn(options: ServerProcessOptions, readyTimeoutMs = 15_000): Promise<ServerProcess> {
    const forked = forkTs(CHILD_MODULE, [JSON.stringify(options)]);
    const ready = await new Promise<Extract<ServerToParent, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        forked.child.kill('SIGKILL');
        reject(new ServerCrashedError(`server process did not report ready within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
      forked.child.on('message', (message: ServerToParent) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        } else if (message.type === 'error') {
          clearTimeout(timer);
          reject(new ServerCrashedError(`server could not start: ${message.message}${message.code ? ` (${message.code})` : ''}`));
        }
      });
      void forked.exited.then((exit) => {
        clearTimeout(timer);
        reject(new ServerCrashedError(describeExit('server process', exit, forked.stderrTail())));
      });
    });
    return new ServerProcess(forked, ready.url, ready.pid);
  }

  /** Why the server died, if it did. */
  get crashed(): Error | undefined {
    return this.crash;
  }

  private send(message: ParentToServer): void {
    if (this.crash !== undefined) throw this.crash;
    this.forked.child.send(message);
  }

  stats(): Promise<StatsReply> {
    if (this.crash !== undefined) return Promise.reject(this.crash);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'stats', id });
    });
  }

  startPublishing(rate: number, startAt: number): void {
    this.send({ type: 'publish', rate, startAt });
  }

  stopPublishing(): void {
    this.send({ type: 'stop-publish' });
  }

  setWindow(startT: number, endT: number): void {
    this.send({ type: 'window', startT, endT });
  }

  /** Asks the server to close and waits for the process to exit; kills it if it does not within `graceMs`. */
  async close(graceMs = 3000): Promise<void> {
    this.closing = true;
    if (this.crash === undefined && this.forked.child.connected) this.forked.child.send({ type: 'close' } satisfies ParentToServer);
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), graceMs);
    await this.forked.exited;
    clearTimeout(timer);
  }

  /** Kills the process (tests use this to simulate a crash). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.forked.child.kill(signal);
  }
}
