/**
 * Server-Sent Events client: one streaming GET, parsed by a spec-conformant parser
 * (eventsource-parser). If the stream ends, it reconnects with Last-Event-ID after
 * a short pause, as EventSource does.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { flatHeaders } from '../headers.ts';
import { HttpClient } from './http-client.ts';
import { TargetRefusedError } from '../../core/errors.ts';
import { cursorQuery, readStamp, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';

const PATH = TECHNIQUE_META.sse.path;

/** EventSource's default reconnection delay is a few seconds; a benchmark wants it short but not zero. */
const RECONNECT_MS = 250;

export const createSseDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const http = new HttpClient(ctx, 30_000);
  const baseHeaders = flatHeaders(ctx.headers.eventSource);
  let lastId = ctx.startSeq;

  function open(onStart: (error: Error | null) => void): void {
    const decoder = new TextDecoder();
    const parser: EventSourceParser = createParser({
      onEvent(event) {
        const { seq, t } = readStamp(event.data);
        lastId = seq;
        // Every character of the message JSON is ASCII, so its length is its size in bytes.
        ctx.deliver(seq, t, event.data.length);
      },
    });
    // The first connection names its position in the URL; a reconnection also sends Last-Event-ID.
    const headers = lastId === ctx.startSeq ? baseHeaders : [...baseHeaders, 'last-event-id', String(lastId)];
    let started = false;
    http.connection.stream(`${PATH}${cursorQuery(ctx.room, ctx.startSeq)}`, headers, {
      onStart(status) {
        started = true;
        onStart(status === 200 ? null : new TargetRefusedError(`GET ${PATH} answered ${status}`));
      },
      onChunk(chunk) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      },
      onEnd(error) {
        if (!started) onStart(error ?? new Error(`GET ${PATH} ended before its response started`));
        if (http.stopped) return;
        ctx.fail(error ?? new Error('the SSE stream ended'));
        http.after(RECONNECT_MS, () => open(() => {}));
      },
    });
  }

  return {
    connect() {
      return new Promise((resolve, reject) => open((error) => (error === null ? resolve() : reject(error))));
    },
    begin() {},
    publish: (body) => http.upstream.publish(body),
    stop: () => http.stop(),
    close: () => http.close(),
  };
};

export default { id: 'sse', create: createSseDriver } satisfies DriverTechnique;
