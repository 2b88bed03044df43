/** The runner's handle on the publisher child process (load/publisher-main.ts). */
import { ChildTimeoutError, GeneratorCrashedError, TargetRefusedError } from '../core/errors.ts';
import type { PublishSchedule, PublisherResult, PublisherSpec, PublisherToRunner, RunnerToPublisher } from '../load/publisher-protocol.ts';
import { describeExit, forkChild, type ForkedChild } from './children.ts';

const CHILD_MODULE = new URL('../load/publisher-main.ts', import.meta.url);

export class PublisherProcess {
  private crash: Error | undefined;
  private closing = false;
  private onFailure!: (error: Error) => void;
  private onRefused!: (error: Error) => void;
  /** Settles with the reason when the process dies or fails without being asked to close. */
  readonly unexpectedExit: Promise<Error>;
  /** Settles with a TargetRefusedError on the first refused publish. */
  readonly refused: Promise<Error>;
  private readonly waiters = new Map<PublisherToRunner['type'], { resolve: (m: PublisherToRunner) => void; reject: (e: Error) => void }>();

  private constructor(private readonly forked: ForkedChild) {
    this.unexpectedExit = new Promise((resolve) => (this.onFailure = resolve));
    this.refused = new Promise((resolve) => (this.onRefused = resolve));
    forked.child.on('message', (message: PublisherToRunner) => {
      if (message.type === 'fatal') return this.fail(new GeneratorCrashedError(`the publisher failed: ${message.message}`));
      if (message.type === 'refused') return this.onRefused(new TargetRefusedError(`the server refused a publish: ${message.message}`));
      const waiter = this.waiters.get(message.type);
      this.waiters.delete(message.type);
      waiter?.resolve(message);
    });
    void forked.exited.then((exit) => this.fail(new GeneratorCrashedError(describeExit(`the publisher (pid ${forked.child.pid})`, exit, forked.stderrTail()))));
  }

  static spawn(): PublisherProcess {
    return new PublisherProcess(forkChild(CHILD_MODULE, []));
  }

  private fail(error: Error): void {
    if (!this.closing) this.onFailure(error);
    this.crash ??= error;
    for (const waiter of this.waiters.values()) waiter.reject(this.crash);
    this.waiters.clear();
  }

  private ask<T extends PublisherToRunner['type']>(message: RunnerToPublisher, answer: T, timeoutMs: number): Promise<Extract<PublisherToRunner, { type: T }>> {
    if (this.crash !== undefined) return Promise.reject(this.crash);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(answer);
        reject(new ChildTimeoutError(`the publisher (pid ${this.forked.child.pid}) did not answer "${message.type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(answer, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<PublisherToRunner, { type: T }>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.forked.child.send(message);
    });
  }

  /** Sends the spec; resolves once the publisher reached the target (a closed port rejects here). */
  async start(spec: PublisherSpec, timeoutMs = 30_000): Promise<void> {
    await this.ask({ type: 'start', spec }, 'ready', timeoutMs);
  }

  schedule(schedule: PublishSchedule): void {
    if (this.crash !== undefined) throw this.crash;
    this.forked.child.send({ type: 'schedule', schedule } satisfies RunnerToPublisher);
  }

  async localPorts(timeoutMs = 10_000): Promise<number[]> {
    return (await this.ask({ type: 'ports' }, 'ports', timeoutMs)).localPorts;
  }

  async collect(timeoutMs = 30_000): Promise<PublisherResult> {
    return (await this.ask({ type: 'collect' }, 'result', timeoutMs)).result;
  }

  /** Closes the publisher's connections; the process then exits (or is killed). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    if (this.crash === undefined) await this.ask({ type: 'close' }, 'closed', timeoutMs).catch(() => {});
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), 2000);
    await this.forked.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.forked.child.kill('SIGKILL');
  }
}
