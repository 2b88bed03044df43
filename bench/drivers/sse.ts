/**
 * Server-Sent Events client: one streaming GET, parsed by a spec-conformant parser
 * (eventsource-parser). If the stream ends, it reconnects with Last-Event-ID after
 * a short pause, as EventSource does.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { flatHeaders } from '../headers.ts';
import { HttpConnection } from '../http-connection.ts';
import { PATHS } from '../../servers/protocol.ts';
import { HttpUpstream } from './http-upstream.ts';
import { cursorQuery, type ClientDriver, type DriverContext, type DriverFactory } from './types.ts';

/** EventSource's default reconnection delay is a few seconds; a benchmark wants it short but not zero. */
const RECONNECT_MS = 250;

export const createSseDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const connection = new HttpConnection(ctx.origin, ctx.counter, 30_000);
  const upstream = new HttpUpstream(ctx);
  const baseHeaders = flatHeaders(ctx.headers.sse);
  let lastId = ctx.startSeq;
  let stopped = false;
  let reconnect: NodeJS.Timeout | undefined;

  function open(onStart: (error: Error | null) => void): void {
    const decoder = new TextDecoder();
    const parser: EventSourceParser = createParser({
      onEvent(event) {
        const msg = JSON.parse(event.data) as { seq: number; t: number };
        lastId = msg.seq;
        // Every character of the message JSON is ASCII, so its length is its size in bytes.
        ctx.deliver(msg.seq, msg.t, event.data.length);
      },
    });
    // The first connection names its position in the URL; a reconnection also sends Last-Event-ID.
    const headers = lastId === ctx.startSeq ? baseHeaders : [...baseHeaders, 'last-event-id', String(lastId)];
    let started = false;
    connection.stream(`${PATHS.sse}${cursorQuery(ctx.room, ctx.startSeq)}`, headers, {
      onStart(status) {
        started = true;
        onStart(status === 200 ? null : new Error(`GET ${PATHS.sse} answered ${status}`));
      },
      onChunk(chunk) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      },
      onEnd(error) {
        if (!started) onStart(error ?? new Error(`GET ${PATHS.sse} ended before its response started`));
        if (stopped) return;
        ctx.fail(error ?? new Error('the SSE stream ended'));
        reconnect = setTimeout(() => open(() => {}), RECONNECT_MS);
      },
    });
  }

  return {
    connect() {
      return new Promise((resolve, reject) => open((error) => (error === null ? resolve() : reject(error))));
    },
    begin() {},
    publish(body) {
      upstream.publish(body);
    },
    async stop() {
      stopped = true;
      if (reconnect !== undefined) clearTimeout(reconnect);
      await upstream.drain(2000);
    },
    async close() {
      stopped = true;
      if (reconnect !== undefined) clearTimeout(reconnect);
      await Promise.all([connection.destroy(), upstream.close()]);
    },
  };
};
