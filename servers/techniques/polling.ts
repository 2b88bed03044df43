/**
 * Short polling: `GET /poll?since=SEQ` answers at once with every newer message,
 * often `[]`. The client pays a full request and response per poll, news or not.
 */
import { arrayBody } from '../feed.ts';
import { isHttpError, resolveFeedAndSince, sendMessages } from '../http-util.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { newCounters, type ServerTechnique, type TechniqueFactory } from './types.ts';

export const createPollingHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  return {
    counters,
    handle(_req, res, query) {
      counters.requests++;
      const cursor = resolveFeedAndSince(ctx.feeds, query);
      if (isHttpError(cursor)) return ctx.fail(res, cursor);
      const { feed, since } = cursor;
      const catchUp = feed.since(since);
      const messages = catchUp.kind === 'ok' ? catchUp.messages : [];
      if (messages.length === 0) counters.emptyResponses++;
      counters.messagesWritten += messages.length;
      sendMessages(res, arrayBody(messages), ctx.responseHeaders);
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
