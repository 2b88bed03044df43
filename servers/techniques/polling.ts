/**
 * Short polling: `GET /poll?since=SEQ` answers at once with every newer message,
 * often `[]`. The client pays a full request and response per poll, news or not.
 */
import { Feed } from '../feed.ts';
import { feedCursorOf, sendMessages, sinceInRing } from '../http-util.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { newCounters, type ServerTechnique, type TechniqueFactory } from './types.ts';

export const createPollingHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  return {
    counters,
    handle(_req, res, query) {
      counters.requests++;
      // resolveFeedAndSince's steps, without the object that joins them: this runs on every poll.
      const cursor = feedCursorOf(ctx.feeds, query);
      const feed = cursor.feed;
      if (!(feed instanceof Feed)) return ctx.fail(res, feed);
      const since = sinceInRing(feed, cursor.since);
      if (typeof since !== 'number') return ctx.fail(res, since);
      const count = feed.head - since;
      if (count === 0) counters.emptyResponses++;
      counters.messagesWritten += count;
      sendMessages(res, feed.pollBody(since), ctx.responseHeaders);
    },
    close() {},
  };
};

export default {
  id: 'polling',
  create: createPollingHandler,
  demo: {
    wire: `GET ${TECHNIQUE_META.polling.path}?since=N`,
    how: 'The page asks "anything after N?" on a timer. The server answers at once, with the new messages or an empty [], a full HTTP request and response either way. A message waits for the next poll.',
  },
} satisfies ServerTechnique;
