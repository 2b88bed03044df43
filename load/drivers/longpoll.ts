/**
 * Long-polling client: one keep-alive connection; a request is always outstanding and
 * is re-sent the moment its response ends.
 */
import { HttpClient } from './http-client.ts';
import { subscriptionPath, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';

/** Pause before retrying after an error, so a dead server is not hammered. */
const RETRY_MS = 100;

export const createLongPollDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const http = new HttpClient(ctx, ctx.holdMs + 30_000, ctx.headers.longPoll);
  let since = ctx.startSeq;

  async function loop(): Promise<void> {
    while (!http.stopped) {
      try {
        const answer = await http.poll(subscriptionPath(ctx.subscription, ctx.room, since));
        if (http.stopped) return;
        if (answer.lastSeq > since) since = answer.lastSeq;
        ctx.countRequest(answer.empty, false);
      } catch (error) {
        if (http.stopped) return;
        http.problem(error);
        await new Promise<void>((resolve) => http.after(RETRY_MS, resolve));
      }
    }
  }

  return {
    async connect() {
      // Connected once the socket is: the first request then goes out and is held until the first
      // message. A target that refuses it answers at once, and the refusal fails the run then.
      await http.gets.connect();
      void loop();
    },
    begin() {},
    publish: (body, onAccepted) => http.upstream.publish(body, onAccepted),
    // A held request never ends by itself once publishing stops: stop re-sending and let close() drop it.
    stop: () => http.stop(),
    close: () => http.close(),
  };
};

export default { id: 'longpoll', create: createLongPollDriver } satisfies DriverTechnique;
