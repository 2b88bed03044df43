/**
 * Short polling client: one keep-alive connection, a request every `intervalMs` on a
 * fixed grid (spread over clients by a per-client phase). When a response comes back
 * after the next poll was due, that poll goes out at once and is counted late.
 */
import { nowMicros } from '../../core/protocol.ts';
import { HttpClient } from './http-client.ts';
import { cursorQuery, deliverArray, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';

const PATH = TECHNIQUE_META.polling.path;

/** Spreads clients' poll phases evenly over the interval (golden-ratio sequence). */
export function pollPhase(clientId: number, intervalMs: number): number {
  return ((clientId * 0.6180339887498949) % 1) * intervalMs;
}

export const createPollingDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const http = new HttpClient(ctx, 60_000);
  let since = ctx.startSeq;
  let inFlight: Promise<void> | undefined;
  /** Monotonic µs at which the next poll is due. */
  let nextDue = 0;

  async function poll(late: boolean): Promise<void> {
    try {
      const { count, lastSeq } = deliverArray(ctx, await http.getOk(`${PATH}${cursorQuery(ctx.room, since)}`));
      if (count > 0) since = Math.max(since, lastSeq);
      ctx.countRequest(count === 0, late);
    } catch (error) {
      ctx.fail(error as Error);
    }
  }

  function schedule(): void {
    if (http.stopped) return;
    const now = nowMicros();
    const intervalMicros = ctx.intervalMs * 1000;
    nextDue += intervalMicros;
    if (nextDue <= now) {
      // The previous response took longer than the interval: poll now, re-align to the grid.
      nextDue += Math.ceil((now - nextDue) / intervalMicros) * intervalMicros;
      fire(true);
      return;
    }
    http.after((nextDue - now) / 1000, () => fire(false));
  }

  function fire(late: boolean): void {
    inFlight = poll(late).then(schedule);
  }

  return {
    async connect() {
      // The first poll opens the connection and proves the endpoint answers.
      const body = await http.getOk(`${PATH}${cursorQuery(ctx.room, since)}`);
      since = Math.max(since, deliverArray(ctx, body).lastSeq);
    },
    begin(at) {
      nextDue = at + pollPhase(ctx.clientId, ctx.intervalMs) * 1000 - ctx.intervalMs * 1000;
      schedule();
    },
    publish: (body) => http.upstream.publish(body),
    stop: () => http.stop(inFlight),
    close: () => http.close(),
  };
};

export default { id: 'polling', create: createPollingDriver } satisfies DriverTechnique;
