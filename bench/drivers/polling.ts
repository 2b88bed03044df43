/**
 * Short polling client: one keep-alive connection, a request every `intervalMs` on a
 * fixed grid (spread over clients by a per-client phase). When a response comes back
 * after the next poll was due, that poll goes out at once and is counted late.
 */
import { flatHeaders } from '../headers.ts';
import { HttpConnection } from '../http-connection.ts';
import { nowMicros, PATHS } from '../../servers/protocol.ts';
import { HttpUpstream } from './http-upstream.ts';
import { cursorQuery, deliverArray, type ClientDriver, type DriverContext, type DriverFactory } from './types.ts';

/** Spreads clients' poll phases evenly over the interval (golden-ratio sequence). */
export function pollPhase(clientId: number, intervalMs: number): number {
  return ((clientId * 0.6180339887498949) % 1) * intervalMs;
}

export const createPollingDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const connection = new HttpConnection(ctx.origin, ctx.counter, 60_000);
  const upstream = new HttpUpstream(ctx);
  const headers = flatHeaders(ctx.headers.poll);
  let since = ctx.startSeq;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  /** Monotonic µs at which the next poll is due. */
  let nextDue = 0;

  async function poll(late: boolean): Promise<void> {
    try {
      const response = await connection.request('GET', `${PATHS.polling}${cursorQuery(ctx.room, since)}`, headers);
      if (response.status !== 200) throw new Error(`GET ${PATHS.polling} answered ${response.status}: ${response.body.toString().slice(0, 200)}`);
      const { count, lastSeq } = deliverArray(ctx, response.body);
      if (count > 0) since = Math.max(since, lastSeq);
      ctx.countRequest(count === 0, late);
    } catch (error) {
      ctx.fail(error as Error);
    }
  }

  function schedule(): void {
    if (stopped) return;
    const now = nowMicros();
    const intervalMicros = ctx.intervalMs * 1000;
    nextDue += intervalMicros;
    if (nextDue <= now) {
      // The previous response took longer than the interval: poll now, re-align to the grid.
      nextDue += Math.ceil((now - nextDue) / intervalMicros) * intervalMicros;
      fire(true);
      return;
    }
    timer = setTimeout(() => fire(false), (nextDue - now) / 1000);
  }

  function fire(late: boolean): void {
    timer = undefined;
    inFlight = poll(late).then(schedule);
  }

  return {
    async connect() {
      // The first poll opens the connection and proves the endpoint answers.
      const response = await connection.request('GET', `${PATHS.polling}${cursorQuery(ctx.room, since)}`, headers);
      if (response.status !== 200) throw new Error(`GET ${PATHS.polling} answered ${response.status}: ${response.body.toString().slice(0, 200)}`);
      since = Math.max(since, deliverArray(ctx, response.body).lastSeq);
    },
    begin(at) {
      nextDue = at + pollPhase(ctx.clientId, ctx.intervalMs) * 1000 - ctx.intervalMs * 1000;
      schedule();
    },
    publish(body) {
      upstream.publish(body);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await upstream.drain(2000);
    },
    async close() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await Promise.all([connection.destroy(), upstream.close()]);
    },
  };
};
