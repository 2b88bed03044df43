/** The runner's handle on the publisher child process (load/publisher-main.ts); every request has a timeout. */
import { GeneratorCrashedError, TargetRefusedError } from '../core/errors.ts';
import type { PublishSchedule, PublisherResult, PublisherSpec, PublisherToRunner, RunnerToPublisher } from '../core/ipc.ts';
import { describeExit, forkChild, type ForkedChild } from './children.ts';
import { IpcRequests, sendQuietly, type WithoutId } from './ipc-requests.ts';

const CHILD_MODULE = new URL('../load/publisher-main.ts', import.meta.url);
/** Bookkeeping requests (the schedule, the ports) are answered at once unless the child is frozen. */
const QUICK_TIMEOUT_MS = 10_000;

type Reply = Extract<PublisherToRunner, { id: number }>;

export class PublisherProcess {
  private crash: Error | undefined;
  private frozen = false;
  private closing = false;
  private onFailure!: (error: Error) => void;
  private onRefused!: (error: Error) => void;
  /** Settles with the reason when the process dies, fails or stops answering without being asked to close. */
  readonly unexpectedExit: Promise<Error>;
  /** Settles with a TargetRefusedError on the first refused publish. */
  readonly refused: Promise<Error>;
  private readonly requests: IpcRequests<Reply>;

  private constructor(private readonly forked: ForkedChild) {
    this.unexpectedExit = new Promise((resolve) => (this.onFailure = resolve));
    this.refused = new Promise((resolve) => (this.onRefused = resolve));
    this.requests = new IpcRequests<Reply>(
      `the publisher (pid ${forked.child.pid})`,
      (message) => sendQuietly(forked, message),
      (error) => {
        this.frozen = true;
        this.fail(error);
      },
    );
    forked.child.on('message', (message: PublisherToRunner) => {
      if (message.type === 'fatal') this.fail(new GeneratorCrashedError(`the publisher failed: ${message.message}`));
      else if (message.type === 'refused') this.onRefused(new TargetRefusedError(`the target ${message.message}`));
      else this.requests.settle(message);
    });
    void forked.exited.then((exit) =>
      this.fail(new GeneratorCrashedError(describeExit(`the publisher (pid ${forked.child.pid})`, exit, forked.stderrTail()))),
    );
  }

  static spawn(): PublisherProcess {
    return new PublisherProcess(forkChild(CHILD_MODULE, []));
  }

  private fail(error: Error): void {
    if (!this.closing) this.onFailure(error);
    this.crash ??= error;
    this.requests.failAll(this.crash);
  }

  private async ask<T extends Reply['type']>(
    message: WithoutId<RunnerToPublisher>,
    answer: T,
    timeoutMs: number,
  ): Promise<Extract<Reply, { type: T }>> {
    const reply = await this.requests.request(message, timeoutMs);
    if (reply.type !== answer) throw new GeneratorCrashedError(`the publisher answered ${message.type} with ${reply.type}`);
    return reply as Extract<Reply, { type: T }>;
  }

  /** Sends the spec; resolves once the publisher reached the target (a closed port fails it here). */
  async start(spec: PublisherSpec, timeoutMs = 30_000): Promise<void> {
    await this.ask({ type: 'start', spec }, 'ready', timeoutMs);
  }

  async schedule(schedule: PublishSchedule): Promise<void> {
    await this.ask({ type: 'schedule', schedule }, 'ack', QUICK_TIMEOUT_MS);
  }

  async localEndpoints(): Promise<string[]> {
    return (await this.ask({ type: 'ports' }, 'ports', QUICK_TIMEOUT_MS)).localEndpoints;
  }

  async collect(timeoutMs = 30_000): Promise<PublisherResult> {
    return (await this.ask({ type: 'collect' }, 'result', timeoutMs)).result;
  }

  /** Closes the publisher's connections; the process then exits (or is killed). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    if (this.frozen) this.forked.child.kill('SIGKILL');
    else if (this.crash === undefined) await this.ask({ type: 'close' }, 'closed', timeoutMs).catch(() => {});
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), 2000);
    await this.forked.exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.forked.child.kill('SIGKILL');
  }
}
