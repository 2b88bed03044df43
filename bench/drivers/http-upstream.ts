/**
 * Upstream for the HTTP techniques (chat): `POST /publish` on a second keep-alive
 * connection, as a browser tab does while its first connection is busy polling,
 * held or streaming.
 */
import { flatHeaders } from '../headers.ts';
import { HttpConnection } from '../http-connection.ts';
import type { DriverContext } from './types.ts';

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
        if (response.status !== 204) this.ctx.fail(new Error(`POST /publish answered ${response.status}: ${response.body.toString().slice(0, 200)}`));
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
