/**
 * Request and reply over a child's IPC channel, with a timeout on every request. Each
 * request gets an id; the child's reply carries it back. A child that does not answer in
 * time (frozen, SIGSTOPped, stuck) makes the request fail with a message naming the
 * process, the request and the time waited, instead of leaving the run waiting forever.
 */

import { ChildTimeoutError } from '../core/errors.ts';
import type { ForkedChild } from './children.ts';

/**
 * Sends `message` to a child unless its channel is already closed. A send to a child that is
 * dying would otherwise emit 'error' on it, and the child's exit would be reported as "exited
 * with code null" instead of the signal that killed it; the pending request is rejected with
 * the exit's reason (or times out) instead.
 */
export function sendQuietly(forked: ForkedChild, message: object): void {
  if (!forked.child.connected) return;
  forked.child.send(message, (error) => {
    // Dropped on purpose: the exit handler (or the request's timeout) says what happened.
    void error;
  });
}

/** Seconds as a short human figure: 10 s, 2.5 s, 0.25 s. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** A request as the caller writes it: the id is added by IpcRequests. */
export type WithoutId<M> = M extends unknown ? Omit<M, 'id'> : never;

interface Waiter<Reply> {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** The pending requests of one child process. */
export class IpcRequests<Reply extends { id: number }> {
  private nextId = 1;
  private readonly pending = new Map<number, Waiter<Reply>>();
  private failure: Error | undefined;

  /**
   * @param name how messages name the child, e.g. `server process 1234`
   * @param send writes one message to the child's channel
   * @param onTimeout called once the first time a request times out (the child is then treated as frozen)
   */
  constructor(
    private readonly name: string,
    private readonly send: (message: object) => void,
    private readonly onTimeout: (error: ChildTimeoutError) => void = () => {},
  ) {}

  /** Sends `message` with a fresh id and resolves with the reply of that id, or rejects after `timeoutMs`. */
  request<M extends { type: string }>(message: M, timeoutMs: number): Promise<Reply> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const error = new ChildTimeoutError(`${this.name} did not answer ${message.type} within ${formatSeconds(timeoutMs)}`);
        this.onTimeout(error);
        reject(error);
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.send({ ...message, id });
      } catch (error) {
        // The channel is already closed: the child is gone; its exit says why.
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Hands a reply to the request that waits for it; replies nobody waits for (timed out) are dropped. */
  settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (waiter === undefined) return;
    this.pending.delete(reply.id);
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }

  /** Fails every pending request and every later one with `error` (the child died or failed). */
  failAll(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
    this.pending.clear();
  }
}
