/**
 * Short polling: `GET /poll?since=SEQ` answers at once with every newer message,
 * often `[]`. The client pays a full request and response per poll, news or not.
 */
import { arrayBody } from '../feed.ts';
import { isHttpError, resolveFeed, resolveSince, sendMessages } from '../http-util.ts';
import { newCounters, type TechniqueFactory } from './types.ts';

export const createPollingHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  return {
    counters,
    handle(_req, res, query) {
      counters.requests++;
      const feed = resolveFeed(ctx.feeds, query);
      if (isHttpError(feed)) return ctx.fail(res, feed);
      const since = resolveSince(feed, query.get('since'));
      if (isHttpError(since)) return ctx.fail(res, since);
      const catchUp = feed.since(since);
      const messages = catchUp.kind === 'ok' ? catchUp.messages : [];
      if (messages.length === 0) counters.emptyResponses++;
      counters.messagesWritten += messages.length;
      sendMessages(res, arrayBody(messages), ctx.responseHeaders);
    },
    close() {},
  };
};
