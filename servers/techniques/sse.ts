/**
 * Server-Sent Events: one `GET /sse` opens a `text/event-stream` response that stays
 * open; each message is one pre-encoded `id:`/`data:` event, written as one chunk.
 * Resumes from `Last-Event-ID` (what EventSource sends on reconnect) or `?since=`.
 */
import type { ServerResponse } from 'node:http';
import type { EncodedMessage, Feed } from '../feed.ts';
import { isHttpError, resolveFeedAndSince } from '../http-util.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { newCounters, type ServerTechnique, type TechniqueFactory } from './types.ts';

export const createSseHandler: TechniqueFactory = (ctx) => {
  const counters = newCounters();
  const streamsByFeed = new Map<Feed, Set<ServerResponse>>();

  function streamsFor(feed: Feed): Set<ServerResponse> {
    const streams = streamsByFeed.get(feed);
    if (streams !== undefined) return streams;
    const created = new Set<ServerResponse>();
    streamsByFeed.set(feed, created);
    feed.subscribe((batch: readonly EncodedMessage[]) => {
      // The usual batch is one message: keep the per-stream loop free of an inner loop.
      if (batch.length === 1) {
        const event = batch[0]!.sse;
        for (const res of created) res.write(event);
      } else {
        for (const res of created) for (const msg of batch) res.write(msg.sse);
      }
      counters.messagesWritten += created.size * batch.length;
    });
    return created;
  }

  return {
    counters,
    handle(req, res, query) {
      counters.requests++;
      const lastEventId = req.headers['last-event-id'];
      const cursor = resolveFeedAndSince(ctx.feeds, query, typeof lastEventId === 'string' ? lastEventId : query.get('since'));
      if (isHttpError(cursor)) return ctx.fail(res, cursor);
      const { feed, since } = cursor;
      const catchUp = feed.since(since);
      const connection = ctx.connectionOf(req);
      const writtenBefore = connection.bytesWritten;
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.flushHeaders();
      ctx.accounting.countSetup(connection, req, connection.bytesWritten - writtenBefore);
      if (catchUp.kind === 'ok') {
        for (const msg of catchUp.messages) res.write(msg.sse);
        counters.messagesWritten += catchUp.messages.length;
      }
      const streams = streamsFor(feed);
      streams.add(res);
      counters.open++;
      res.once('close', () => {
        if (streams.delete(res)) counters.open--;
      });
    },
    close() {
      for (const streams of streamsByFeed.values()) {
        for (const res of streams) res.destroy();
        streams.clear();
      }
      counters.open = 0;
    },
  };
};

export default {
  id: 'sse',
  create: createSseHandler,
  demo: {
    wire: `new EventSource('${TECHNIQUE_META.sse.path}')`,
    how: 'One HTTP request opens a response that never ends (text/event-stream). The server writes each message into it as an id:/data: event, a few bytes of framing. Server to page only.',
  },
} satisfies ServerTechnique;
