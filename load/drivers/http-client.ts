/**
 * What the HTTP drivers (polling, long polling, SSE) share: the client's keep-alive
 * connection and timer, and its upstream for the chat workload, `POST /publish` on a
 * second keep-alive connection, as a browser tab does while its first connection is
 * busy polling, held or streaming.
 */
import { flatHeaders, type HeaderList } from '../headers.ts';
import { HttpConnection } from '../http-connection.ts';
import { KeepAliveGet } from '../keepalive-get.ts';
import type { DriverContext } from './types.ts';
import { TargetRefusedError } from '../../core/errors.ts';

/** The bytes of an error answer quoted in the error. */
export const QUOTED_BYTES = 200;

/** The error for an answer that is not the one wanted: method, path, status and the start of the body. */
export function refusedAnswer(method: string, path: string, status: number, body: Buffer): TargetRefusedError {
  const quoted = body.subarray(0, QUOTED_BYTES).toString('utf8');
  return new TargetRefusedError(`${method} ${path} answered ${status}${quoted.length > 0 ? `: ${quoted}` : ''}`);
}

export class HttpUpstream {
  private connection: HttpConnection | undefined;
  private readonly headers: string[];
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly ctx: DriverContext) {
    this.headers = flatHeaders(ctx.headers.publish);
  }

  publish(body: string): void {
    this.connection ??= new HttpConnection(this.ctx.origin, this.ctx.counter, 30_000);
    const sent = this.connection.request('POST', '/publish', this.headers, body).then(
      (response) => {
        if (response.status !== 204) this.ctx.fail(refusedAnswer('POST', '/publish', response.status, response.body));
      },
      (error: Error) => this.ctx.fail(error),
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /** Waits for the publishes in flight, at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  async close(): Promise<void> {
    await this.connection?.destroy();
  }
}

/**
 * What every HTTP driver holds: its keep-alive connection, its upstream for chat, and at
 * most one pending timer (the next poll, a retry, a reconnection). Stopping cancels the
 * timer and lets what is in flight finish; closing drops both connections.
 */
export class HttpClient {
  readonly upstream: HttpUpstream;
  stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private streaming: HttpConnection | undefined;
  private getter: KeepAliveGet | undefined;

  /** `getHeaders`: the profile's list for this client's repeated GETs (its `poll` or `longpoll` list). */
  constructor(
    private readonly ctx: DriverContext,
    private readonly timeoutMs: number,
    private readonly getHeaders: HeaderList = ctx.headers.poll,
  ) {
    this.upstream = new HttpUpstream(ctx);
  }

  /** undici's connection, for a streaming response (SSE). */
  get connection(): HttpConnection {
    return (this.streaming ??= new HttpConnection(this.ctx.origin, this.ctx.counter, this.timeoutMs));
  }

  /** The lean keep-alive connection for repeated GETs with the profile's poll or long-poll headers. */
  get gets(): KeepAliveGet {
    return (this.getter ??= new KeepAliveGet(this.ctx.origin, this.getHeaders, this.ctx.counter));
  }

  /** Runs `fn` in `ms` unless the client stops first. */
  after(ms: number, fn: () => void): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  /** GETs `path` (poll headers) and returns the body of a 200; any other status is an error naming it. */
  async getOk(path: string): Promise<Buffer> {
    const response = await this.gets.get(path);
    if (response.status !== 200) throw refusedAnswer('GET', path, response.status, response.body);
    return response.body;
  }

  /** Stops new requests; waits (at most 2 s each) for `inFlight` and for the publishes under way. */
  async stop(inFlight?: Promise<unknown>): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (inFlight !== undefined) await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.upstream.drain(2000);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.getter?.destroy();
    await Promise.all([this.streaming?.destroy(), this.upstream.close()]);
  }
}
