/**
 * The runner's handle on a server child process: spawn, wait for `ready`, ask for
 * stats, start the publisher, set the measured window, close. Talks to the server
 * only over the IPC messages of core/ipc.ts, each request with a timeout.
 */
import type { Server } from 'node:net';
import type { RunnerToServer, ServerToRunner } from '../core/ipc.ts';
import type { ServerStats } from '../core/protocol.ts';
import { describeExit, forkChild, type ForkedChild } from './children.ts';
import { IpcRequests, sendQuietly, type WithoutId } from './ipc-requests.ts';
import { type ChildTimeoutError, ServerCrashedError } from '../core/errors.ts';
import type { FeedServerFields, ListenFields } from '../core/scenario-fields.ts';
import type { WireId } from '../core/wires.ts';

/** What a server child is started with: the feed server's fields; where it listens and the ring, room and message limits are optional. */
export type ServerProcessOptions = Pick<FeedServerFields, 'techniques' | 'rate' | 'payloadBytes' | 'holdMs'> &
  Partial<Pick<FeedServerFields, 'ringSize' | 'maxMessageBytes' | 'rooms' | 'ringBytes'> & ListenFields> & {
    /** The bare `ws` broadcast of servers/floor.ts instead of pushbench's server: the machine's floor. */
    floor?: boolean;
    /** Response lines for poll and long-poll answers instead of the server's own (a header profile's `response`). */
    responseHeaders?: Array<[string, string]>;
    /** Origins the server accepts besides its own: what the clients' header profile sends. */
    allowedOrigins?: readonly string[];
    /** Host values the server answers besides its own: the delaying proxy the clients address (`--delay-ms`). */
    allowedHosts?: readonly string[];
    /** What carries HTTP (core/wires.ts); absent: http. */
    wire?: WireId;
    /** The user's certificate and key files for a TLS wire; null or absent: self-signed, made by the server child. */
    tlsFiles?: { cert: string; key: string } | null;
    /** `--server-parts`: tap TLS and HTTP/2 to count the wire's parts on the server's end too. */
    countParts?: boolean;
    /** One of several processes on one listening socket: stop accepting once holding this many connections (servers/http-util.ts). */
    acceptCap?: number;
    /** How long a connection's request head may take to arrive (the slow-loris guard); absent: the server's 10 s. */
    headersTimeoutMs?: number;
    /** How long a whole request may take to arrive; absent: the server's 30 s. */
    requestTimeoutMs?: number;
  };

export interface StatsReply {
  stats: ServerStats;
  windowCount: Record<string, number>;
  /** Several server processes on one port (run/server-group.ts): each one's own sample; `stats` is their sum. */
  members?: MemberSample[];
}

/** One server process of a group: its latest sample, and why it exited if it died. */
export interface MemberSample {
  pid: number;
  stats: ServerStats;
  /** Null while it runs; else why it died (its figures are its last sample before that). */
  exited: string | null;
}

/** What the runner asks of the server it measures: one server process, or several on one port (run/server-group.ts). */
export type FeedServerHandle = Pick<
  ServerProcess,
  'url' | 'pid' | 'unexpectedExit' | 'crashed' | 'stats' | 'startPublishing' | 'stopPublishing' | 'setWindow' | 'close' | 'kill'
>;

// Defined in core/errors.ts with every other error; exported here for the readers of this module.
export { ServerCrashedError };

/**
 * How long a server child may take to answer one request. A stats sample is a few
 * microseconds of work: even a server saturated by thousands of clients answers within
 * a second; ten is a wide margin before it is declared frozen.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

const CHILD_MODULE = new URL('../servers/child.ts', import.meta.url);

type Reply = Extract<ServerToRunner, { id: number }>;

export class ServerProcess {
  private readonly requests: IpcRequests<Reply>;
  private crash: Error | undefined;
  private frozen = false;
  private closing = false;
  /** Settles with the reason when the process dies without being asked to close. */
  readonly unexpectedExit: Promise<Error>;

  private constructor(
    private readonly forked: ForkedChild,
    readonly url: string,
    readonly pid: number,
    private readonly requestTimeoutMs: number,
  ) {
    this.requests = new IpcRequests<Reply>(
      `server process ${pid}`,
      (message) => sendQuietly(forked, message),
      (error) => this.freeze(error),
    );
    forked.child.on('message', (message: ServerToRunner) => {
      if (message.type === 'stats' || message.type === 'ack') this.requests.settle(message);
    });
    this.unexpectedExit = forked.exited.then((exit) => {
      const crash = new ServerCrashedError(describeExit(`server process ${pid}`, exit, forked.stderrTail()));
      this.crash ??= crash;
      this.requests.failAll(this.crash);
      return this.closing ? new Promise<never>(() => {}) : this.crash;
    });
  }

  /**
   * Spawns a server child and resolves once it listens, or rejects with why it could not start.
   * With `listenHandle`, the child serves on that listening socket (shared by several server processes on one port).
   */
  static async spawn(
    options: ServerProcessOptions,
    timeouts: { readyMs?: number; requestMs?: number } = {},
    listenHandle?: Server,
  ): Promise<ServerProcess> {
    const readyTimeoutMs = timeouts.readyMs ?? 15_000;
    const forked = forkChild(CHILD_MODULE, [JSON.stringify(listenHandle === undefined ? options : { ...options, sharedListen: true })]);
    if (listenHandle !== undefined) forked.child.send({ type: 'listen-handle' } satisfies RunnerToServer, listenHandle);
    const ready = await new Promise<Extract<ServerToRunner, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        forked.child.kill('SIGKILL');
        reject(new ServerCrashedError(`server process ${forked.child.pid} did not report ready within ${readyTimeoutMs / 1000} s`));
      }, readyTimeoutMs);
      forked.child.on('message', (message: ServerToRunner) => {
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
    return new ServerProcess(forked, ready.url, ready.pid, timeouts.requestMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  }

  /** Why the server died or stopped answering, if it did. */
  get crashed(): Error | undefined {
    return this.crash;
  }

  /** A request timed out: the process is treated as frozen from now on, and killed on close. */
  private freeze(error: ChildTimeoutError): void {
    this.frozen = true;
    this.crash ??= error;
    this.requests.failAll(this.crash);
  }

  private async ask(message: WithoutId<Exclude<RunnerToServer, { type: 'close' }>>): Promise<Reply> {
    return this.requests.request(message, this.requestTimeoutMs);
  }

  /** The server's counters and resource sample, and the messages it counted in the window. */
  async stats(): Promise<StatsReply> {
    const reply = await this.ask({ type: 'stats' });
    if (reply.type !== 'stats') throw new ServerCrashedError(`server process ${this.pid} answered stats with ${reply.type}`);
    return { stats: reply.stats, windowCount: reply.windowCount };
  }

  /** Starts the broadcast publisher: `rate` messages per second, the first due at `startAt` (monotonic µs). */
  async startPublishing(rate: number, startAt: number): Promise<void> {
    await this.ask({ type: 'publish', rate, startAt });
  }

  async stopPublishing(): Promise<void> {
    await this.ask({ type: 'stop-publish' });
  }

  /** Tells the server which publish times count as the measured window. */
  async setWindow(startT: number, endT: number): Promise<void> {
    await this.ask({ type: 'window', startT, endT });
  }

  /**
   * Asks the server to close and waits for the process to exit; kills it if it does not
   * within `graceMs`, and at once if it has stopped answering.
   */
  async close(graceMs = 3000): Promise<void> {
    this.closing = true;
    if (this.frozen) this.forked.child.kill('SIGKILL');
    else if (this.crash === undefined) sendQuietly(this.forked, { type: 'close' } satisfies RunnerToServer);
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), graceMs);
    await this.forked.exited;
    clearTimeout(timer);
  }

  /** Sends `signal` to the process (tests use this to simulate a crash or a freeze). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.forked.child.kill(signal);
  }
}
