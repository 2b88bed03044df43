/**
 * Long-polling client: one keep-alive connection; a request is always outstanding and
 * is re-sent the moment its response ends.
 */
import { flatHeaders } from '../headers.ts';
import { HttpConnection } from '../http-connection.ts';
import { PATHS } from '../../servers/protocol.ts';
import { HttpUpstream } from './http-upstream.ts';
import { cursorQuery, deliverArray, type ClientDriver, type DriverContext, type DriverFactory } from './types.ts';

/** Pause before retrying after an error, so a dead server is not hammered. */
const RETRY_MS = 100;

export const createLongPollDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const connection = new HttpConnection(ctx.origin, ctx.counter, ctx.holdMs + 30_000);
  const upstream = new HttpUpstream(ctx);
  const headers = flatHeaders(ctx.headers.poll);
  let since = ctx.startSeq;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  async function loop(first: () => void): Promise<void> {
    while (!stopped) {
      const request = connection.request('GET', `${PATHS.longpoll}${cursorQuery(ctx.room, since)}`, headers);
      first();
      try {
        const response = await request;
        if (stopped) return;
        if (response.status !== 200) throw new Error(`GET ${PATHS.longpoll} answered ${response.status}: ${response.body.toString().slice(0, 200)}`);
        const { count, lastSeq } = deliverArray(ctx, response.body);
        if (count > 0) since = Math.max(since, lastSeq);
        ctx.countRequest(count === 0, false);
      } catch (error) {
        if (stopped) return;
        ctx.fail(error as Error);
        await new Promise<void>((resolve) => (retry = setTimeout(resolve, RETRY_MS)));
      }
    }
  }

  return {
    async connect() {
      // Connected once the first request is on the wire: it is held until the first message.
      await new Promise<void>((resolve, reject) => {
        let started = false;
        void loop(() => {
          if (started) return;
          started = true;
          connection.connected().then(resolve, reject);
        });
      });
    },
    begin() {},
    publish(body) {
      upstream.publish(body);
    },
    async stop() {
      // A held request never ends by itself once publishing stops: stop re-sending and let close() drop it.
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      await upstream.drain(2000);
    },
    async close() {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      await Promise.all([connection.destroy(), upstream.close()]);
    },
  };
};
