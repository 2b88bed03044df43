/**
 * Long polling (Comet): `GET /longpoll?since=SEQ` answers at once when newer messages
 * exist; otherwise the request is held until the next batch arrives (all of it goes
 * in one response) or the hold timeout ends it with `[]`. The client re-requests
 * as soon as a response ends.
 */
import type { ServerResponse } from 'node:http';
import { arrayBody, EMPTY_ARRAY, type EncodedMessage, type Feed } from '../feed.ts';
import { isHttpError, resolveFeedAndSince, sendMessages } from '../http-util.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { newCounters, type ServerTechnique, type TechniqueFactory } from './types.ts';

interface Hold {
  res: ServerResponse;
  since: number;
  timer: NodeJS.Timeout;
}

export const createLongPollHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  const holdsByFeed = new Map<Feed, Set<Hold>>();

  function release(holds: Set<Hold>, hold: Hold): void {
    holds.delete(hold);
    clearTimeout(hold.timer);
    counters.open--;
  }

  function answer(hold: Hold, body: Buffer, count: number): void {
    if (count === 0) counters.emptyResponses++;
    counters.messagesWritten += count;
    sendMessages(hold.res, body, ctx.responseHeaders);
  }

  /** One listener per feed answers every request held on it. */
  function holdsFor(feed: Feed): Set<Hold> {
    const holds = holdsByFeed.get(feed);
    if (holds !== undefined) return holds;
    const created = new Set<Hold>();
    holdsByFeed.set(feed, created);
    feed.subscribe((batch: readonly EncodedMessage[]) => {
      if (created.size === 0) return;
      // Held clients are normally exactly one batch behind: build that body once for all of them.
      const firstSeq = batch[0]!.seq;
      let shared: Buffer | undefined;
      for (const hold of [...created]) {
        release(created, hold);
        if (hold.since === firstSeq - 1) {
          shared ??= arrayBody(batch);
          answer(hold, shared, batch.length);
        } else {
          const catchUp = feed.since(hold.since);
          const messages = catchUp.kind === 'ok' ? catchUp.messages : [];
          answer(hold, arrayBody(messages), messages.length);
        }
      }
    });
    return created;
  }

  return {
    counters,
    handle(_req, res, query) {
      counters.requests++;
      const cursor = resolveFeedAndSince(ctx.feeds, query);
      if (isHttpError(cursor)) return ctx.fail(res, cursor);
      const { feed, since } = cursor;
      const catchUp = feed.since(since);
      if (catchUp.kind === 'ok' && catchUp.messages.length > 0) {
        counters.messagesWritten += catchUp.messages.length;
        sendMessages(res, arrayBody(catchUp.messages), ctx.responseHeaders);
        return;
      }
      const holds = holdsFor(feed);
      const hold: Hold = {
        res,
        since,
        timer: setTimeout(() => {
          release(holds, hold);
          answer(hold, EMPTY_ARRAY, 0);
        }, ctx.holdMs),
      };
      holds.add(hold);
      counters.open++;
      // A client that vanishes mid-hold must release its slot and timer at once.
      res.once('close', () => {
        if (holds.has(hold)) release(holds, hold);
      });
    },
    close() {
      for (const holds of holdsByFeed.values()) for (const hold of [...holds]) release(holds, hold);
    },
  };
};

export default {
  id: 'longpoll',
  create: createLongPollHandler,
  demo: {
    wire: `GET ${TECHNIQUE_META.longpoll.path}?since=N, again at once`,
    how: 'The page asks "anything after N?" and the server holds the request open until a message exists, then answers. The page asks again at once: every message still costs a full HTTP request and response.',
  },
} satisfies ServerTechnique;
