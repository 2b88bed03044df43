/** The runner's handle on a load-generator child process; every request has a timeout. */
import type { ConnectOutcome, GeneratorSpec, GeneratorToRunner, GeneratorWindowResult, RunnerToGenerator } from '../core/ipc.ts';
import { GeneratorCrashedError, TargetRefusedError } from '../core/errors.ts';
import type { ClientBytes, CountedBytes } from '../core/socket-counter.ts';
import { describeExit, forkChild, type ForkedChild } from './children.ts';
import { IpcRequests, sendQuietly, type WithoutId } from './ipc-requests.ts';

const CHILD_MODULE = new URL('../load/generator-main.ts', import.meta.url);

/** Announcing the window is bookkeeping in the child: it answers at once unless it is frozen. */
const WINDOW_TIMEOUT_MS = 10_000;

// Defined in core/errors.ts with every other error; exported here for the readers of this module.
export { GeneratorCrashedError };

type Reply = Extract<GeneratorToRunner, { id: number }>;

export class GeneratorProcess {
  private crash: Error | undefined;
  private frozen = false;
  private closing = false;
  /** Settles with the reason when the process dies, fails or stops answering without being asked to close. */
  readonly unexpectedExit: Promise<Error>;
  private onFailure!: (error: Error) => void;
  /** Settles with a TargetRefusedError when a client of this process is first refused by the server. */
  readonly refused: Promise<Error>;
  private onRefused!: (error: Error) => void;
  private readonly requests: IpcRequests<Reply>;

  private constructor(private readonly forked: ForkedChild) {
    this.unexpectedExit = new Promise((resolve) => (this.onFailure = resolve));
    this.refused = new Promise((resolve) => (this.onRefused = resolve));
    this.requests = new IpcRequests<Reply>(
      `load generator ${forked.child.pid}`,
      (message) => sendQuietly(forked, message),
      (error) => {
        this.frozen = true;
        this.fail(error);
      },
    );
    forked.child.on('message', (message: GeneratorToRunner) => {
      if (message.type === 'fatal') this.fail(new GeneratorCrashedError(`load generator ${forked.child.pid} failed: ${message.message}`));
      else if (message.type === 'refused') this.onRefused(new TargetRefusedError(`the target refused a client: ${message.message}`));
      else this.requests.settle(message);
    });
    void forked.exited.then((exit) =>
      this.fail(new GeneratorCrashedError(describeExit(`load generator ${forked.child.pid}`, exit, forked.stderrTail()))),
    );
  }

  static spawn(): GeneratorProcess {
    return new GeneratorProcess(forkChild(CHILD_MODULE, []));
  }

  get pid(): number | undefined {
    return this.forked.child.pid;
  }

  private fail(error: Error): void {
    if (!this.closing) this.onFailure(error);
    this.crash ??= error;
    this.requests.failAll(this.crash);
  }

  private async ask<T extends Reply['type']>(
    message: WithoutId<RunnerToGenerator>,
    answer: T,
    timeoutMs: number,
  ): Promise<Extract<Reply, { type: T }>> {
    const reply = await this.requests.request(message, timeoutMs);
    if (reply.type !== answer) throw new GeneratorCrashedError(`load generator ${this.pid} answered ${message.type} with ${reply.type}`);
    return reply as Extract<Reply, { type: T }>;
  }

  /** Creates and connects the spec's clients; `timeoutMs` bounds the whole connect. */
  async start(spec: GeneratorSpec, timeoutMs: number): Promise<ConnectOutcome> {
    const { type: _type, id: _id, ...outcome } = await this.ask({ type: 'start', spec }, 'connected', timeoutMs);
    return outcome;
  }

  /** Announces the window; clients begin their schedules at `beginAt`; chat clients publish until `publishUntil`. */
  async setWindow(startT: number, endT: number, beginAt: number, publishUntil: number | null): Promise<void> {
    await this.ask({ type: 'window', startT, endT, beginAt, publishUntil }, 'ack', WINDOW_TIMEOUT_MS);
  }

  /** The whole-run byte totals of the process's client sockets, now (for the kernel cross-check). */
  async bytes(timeoutMs = 10_000, withParts = false): Promise<CountedBytes> {
    return (await this.ask({ type: 'bytes', ...(withParts ? { parts: true } : {}) }, 'bytes', timeoutMs)).bytes;
  }

  async collect(timeoutMs: number): Promise<GeneratorWindowResult> {
    return (await this.ask({ type: 'collect' }, 'result', timeoutMs)).result;
  }

  /** Closes the clients and returns the whole-run byte totals; the process then exits (or is killed). */
  async close(timeoutMs = 10_000): Promise<ClientBytes | null> {
    this.closing = true;
    let totals: ClientBytes | null = null;
    if (this.frozen) this.forked.child.kill('SIGKILL');
    else if (this.crash === undefined) {
      totals = await this.ask({ type: 'close' }, 'closed', timeoutMs).then(
        (m) => m.totals,
        () => null,
      );
    }
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), 2000);
    await this.forked.exited;
    clearTimeout(timer);
    return totals;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.forked.child.kill(signal);
  }

  get crashed(): Error | undefined {
    return this.crash;
  }
}
