/**
 * The capacity probe's handle on one load process (load/poll-load-main.ts): fork, start a
 * load, sample its counters, stop it, close. Every request has a deadline; a process that
 * dies is reported with its reason.
 */
import { CapacityError } from './capacity-error.ts';
import type { PollLoadSample, PollLoadSpec } from '../load/poll-load.ts';
import type { LoadToProbe, ProbeToLoad } from '../load/poll-load-protocol.ts';
import { describeExit, forkChild, type ForkedChild } from './children.ts';

const CHILD_MODULE = new URL('../load/poll-load-main.ts', import.meta.url);

export class LoadProcess {
  private nextId = 1;
  private crash: Error | undefined;
  private closing = false;
  private readonly waiters = new Map<string, { resolve: (m: LoadToProbe) => void; reject: (e: Error) => void }>();

  private constructor(private readonly forked: ForkedChild) {
    forked.child.on('message', (message: LoadToProbe) => {
      if (message.type === 'fatal')
        return this.fail(new CapacityError(`capacity: load process ${forked.child.pid} failed: ${message.message}`));
      const key = message.type === 'sample' ? `sample:${message.id}` : message.type;
      const waiter = this.waiters.get(key);
      this.waiters.delete(key);
      waiter?.resolve(message);
    });
    void forked.exited.then((exit) => {
      if (!this.closing)
        this.fail(new CapacityError(describeExit(`capacity: load process ${forked.child.pid}`, exit, forked.stderrTail())));
    });
  }

  static spawn(): LoadProcess {
    return new LoadProcess(forkChild(CHILD_MODULE, []));
  }

  private fail(error: Error): void {
    this.crash ??= error;
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
  }

  private ask(message: ProbeToLoad, key: string, timeoutMs: number): Promise<LoadToProbe> {
    if (this.crash !== undefined) return Promise.reject(this.crash);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(
          new CapacityError(`capacity: load process ${this.forked.child.pid} did not answer "${message.type}" within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.waiters.set(key, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.forked.child.send(message);
    });
  }

  /** Connects the spec's connections and starts sending; resolves once it has. */
  async start(spec: PollLoadSpec, startAt: number | null = null): Promise<void> {
    await this.ask({ type: 'start', spec, startAt }, 'started', 30_000);
  }

  async sample(): Promise<PollLoadSample> {
    const id = this.nextId++;
    const reply = await this.ask({ type: 'sample', id }, `sample:${id}`, 10_000);
    return (reply as Extract<LoadToProbe, { type: 'sample' }>).sample;
  }

  async stop(): Promise<void> {
    await this.ask({ type: 'stop' }, 'stopped', 10_000);
  }

  /** Asks the process to leave and waits; kills it after `graceMs`. */
  async close(graceMs = 3000): Promise<void> {
    this.closing = true;
    if (this.crash === undefined && this.forked.child.connected) this.forked.child.send({ type: 'close' } satisfies ProbeToLoad);
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), graceMs);
    await this.forked.exited;
    clearTimeout(timer);
  }
}
