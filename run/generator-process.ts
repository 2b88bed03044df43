/** The runner's handle on a load-generator child process. */
import { describeExit, forkChild, type ForkedChild } from './children.ts';
import { GeneratorCrashedError, TargetRefusedError } from '../core/errors.ts';
import type { GeneratorSpec, GeneratorToRunner, GeneratorWindowResult, RunnerToGenerator } from '../load/generator-protocol.ts';
import type { ConnectOutcome } from '../load/generator.ts';
import type { ClientBytes } from '../core/socket-counter.ts';

const CHILD_MODULE = new URL('../load/generator-main.ts', import.meta.url);

// Defined in core/errors.ts with every other error; exported here for the readers of this module.
export { GeneratorCrashedError };

export class GeneratorProcess {
  private crash: Error | undefined;
  private closing = false;
  /** Settles with the reason when the process dies or fails without being asked to close. */
  readonly unexpectedExit: Promise<Error>;
  private onFailure!: (error: Error) => void;
  /** Settles when a client reports that the target refuses it (the technique fails at once with that answer). */
  readonly refused: Promise<Error>;
  private onRefused!: (error: Error) => void;
  private readonly waiters = new Map<GeneratorToRunner['type'], { resolve: (m: GeneratorToRunner) => void; reject: (e: Error) => void }>();

  private constructor(private readonly forked: ForkedChild) {
    this.unexpectedExit = new Promise((resolve) => (this.onFailure = resolve));
    this.refused = new Promise((resolve) => (this.onRefused = resolve));
    forked.child.on('message', (message: GeneratorToRunner) => {
      if (message.type === 'refused') {
        this.onRefused(new TargetRefusedError(`the target refused a client: ${message.message}`));
        return;
      }
      if (message.type === 'fatal') {
        this.fail(new GeneratorCrashedError(`load generator ${forked.child.pid} failed: ${message.message}`));
        return;
      }
      const waiter = this.waiters.get(message.type);
      this.waiters.delete(message.type);
      waiter?.resolve(message);
    });
    void forked.exited.then((exit) => this.fail(new GeneratorCrashedError(describeExit(`load generator ${forked.child.pid}`, exit, forked.stderrTail()))));
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
    for (const waiter of this.waiters.values()) waiter.reject(this.crash);
    this.waiters.clear();
  }

  private ask<T extends GeneratorToRunner['type']>(message: RunnerToGenerator, answer: T, timeoutMs: number): Promise<Extract<GeneratorToRunner, { type: T }>> {
    if (this.crash !== undefined) return Promise.reject(this.crash);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(answer);
        reject(new GeneratorCrashedError(`load generator ${this.pid} did not answer "${message.type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(answer, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<GeneratorToRunner, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.forked.child.send(message);
    });
  }

  async start(spec: GeneratorSpec, timeoutMs: number): Promise<ConnectOutcome> {
    const { type: _type, ...outcome } = await this.ask({ type: 'start', spec }, 'connected', timeoutMs);
    return outcome;
  }

  /** Announces the window; clients begin their schedules at `beginAt`; chat clients publish until `publishUntil`. */
  setWindow(startT: number, endT: number, beginAt: number, publishUntil: number | null): void {
    if (this.crash !== undefined) throw this.crash;
    this.forked.child.send({ type: 'window', startT, endT, beginAt, publishUntil } satisfies RunnerToGenerator);
  }

  async collect(timeoutMs: number): Promise<GeneratorWindowResult> {
    return (await this.ask({ type: 'collect' }, 'result', timeoutMs)).result;
  }

  /** Closes the clients and returns the whole-run byte totals; the process then exits (or is killed). */
  async close(timeoutMs = 10_000): Promise<ClientBytes | null> {
    this.closing = true;
    let totals: ClientBytes | null = null;
    if (this.crash === undefined) {
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

  kill(): void {
    this.forked.child.kill('SIGKILL');
  }

  get crashed(): Error | undefined {
    return this.crash;
  }
}
