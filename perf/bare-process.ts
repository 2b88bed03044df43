/**
 * The perf script's handle on a bare baseline server child: fork, wait for `ready`,
 * ask for stats, drive the publisher, close (kill if it does not exit in time).
 * Forked through run/children.ts, so it is tracked and killed with the others.
 */
import { describeExit, forkChild, type ForkedChild } from '../run/children.ts';
import type { BareStats, BareToParent, ParentToBare } from './bare-protocol.ts';

export class BareProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (stats: BareStats) => void; reject: (error: Error) => void }>();
  private crash: Error | undefined;

  private constructor(
    private readonly forked: ForkedChild,
    readonly url: string,
    readonly pid: number,
    readonly name: string,
  ) {
    forked.child.on('message', (message: BareToParent) => {
      if (message.type !== 'stats') return;
      this.pending.get(message.id)?.resolve(message.stats);
      this.pending.delete(message.id);
    });
    void forked.exited.then((exit) => {
      this.crash = new Error(describeExit(`${name} (pid ${pid})`, exit, forked.stderrTail()));
      for (const waiter of this.pending.values()) waiter.reject(this.crash);
      this.pending.clear();
    });
  }

  /** Forks `module` with `config` as its JSON argument and waits until it listens. */
  static async spawn(name: string, module: URL, config: unknown, readyTimeoutMs = 15_000): Promise<BareProcess> {
    const forked = forkChild(module, [JSON.stringify(config)]);
    const ready = await new Promise<Extract<BareToParent, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        forked.child.kill('SIGKILL');
        reject(new Error(`${name} did not report ready within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
      forked.child.on('message', (message: BareToParent) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        } else if (message.type === 'error') {
          clearTimeout(timer);
          reject(new Error(`${name} could not start: ${message.message}`));
        }
      });
      void forked.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(describeExit(name, exit, forked.stderrTail())));
      });
    });
    return new BareProcess(forked, ready.url, ready.pid, name);
  }

  private send(message: ParentToBare): void {
    if (this.crash !== undefined) throw this.crash;
    this.forked.child.send(message);
  }

  stats(timeoutMs = 10_000): Promise<BareStats> {
    if (this.crash !== undefined) return Promise.reject(this.crash);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name} did not answer a stats request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (stats) => {
          clearTimeout(timer);
          resolve(stats);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send({ type: 'stats', id });
    });
  }

  startPublishing(rate: number, startAt: number): void {
    this.send({ type: 'publish', rate, startAt });
  }

  stopPublishing(): void {
    this.send({ type: 'stop-publish' });
  }

  /** Asks the child to close and waits for it to exit; kills it after `graceMs`. */
  async close(graceMs = 3000): Promise<void> {
    if (this.crash === undefined && this.forked.child.connected) this.forked.child.send({ type: 'close' } satisfies ParentToBare);
    const timer = setTimeout(() => this.forked.child.kill('SIGKILL'), graceMs);
    await this.forked.exited;
    clearTimeout(timer);
  }
}
