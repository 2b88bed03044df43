/**
 * Long-polling client: one keep-alive connection; a request is always outstanding and
 * is re-sent the moment its response ends.
 */
import { HttpClient } from './http-client.ts';
import { cursorQuery, deliverArray, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';

const PATH = TECHNIQUE_META.longpoll.path;

/** Pause before retrying after an error, so a dead server is not hammered. */
const RETRY_MS = 100;

export const createLongPollDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const http = new HttpClient(ctx, ctx.holdMs + 30_000, ctx.headers.longPoll);
  let since = ctx.startSeq;

  async function loop(): Promise<void> {
    while (!http.stopped) {
      try {
        const body = await http.getOk(`${PATH}${cursorQuery(ctx.room, since)}`);
        if (http.stopped) return;
        const { count, lastSeq } = deliverArray(ctx, body);
        if (count > 0) since = Math.max(since, lastSeq);
        ctx.countRequest(count === 0, false);
      } catch (error) {
        if (http.stopped) return;
        ctx.fail(error as Error);
        await new Promise<void>((resolve) => http.after(RETRY_MS, resolve));
      }
    }
  }

  return {
    async connect() {
      // Connected once the socket is: the first request then goes out and is held until the first message.
      await http.gets.connect();
      void loop();
    },
    begin() {},
    publish: (body) => http.upstream.publish(body),
    // A held request never ends by itself once publishing stops: stop re-sending and let close() drop it.
    stop: () => http.stop(),
    close: () => http.close(),
  };
};

export default { id: 'longpoll', create: createLongPollDriver } satisfies DriverTechnique;
