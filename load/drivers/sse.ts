/**
 * Server-Sent Events client: one streaming GET, parsed by a spec-conformant parser
 * (eventsource-parser). If the stream ends, it reconnects after a short pause, as
 * EventSource does, sending Last-Event-ID with the id of the last event the server sent
 * (its own id, whatever it is: a seq for pushbench, `time:tag` for Nchan) when the target
 * resumes that way.
 */
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { flatHeaders, withTargetHeaders } from '../headers.ts';
import { HttpClient } from './http-client.ts';
import { refusal, subscriptionPath, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';

/** EventSource's default reconnection delay is a few seconds; a benchmark wants it short but not zero. */
const RECONNECT_MS = 250;
/** Body bytes of a refusing answer kept for its error message. */
const REFUSAL_BODY_BYTES = 200;

export const createSseDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  const http = new HttpClient(ctx, 30_000);
  const baseHeaders = flatHeaders(withTargetHeaders(ctx.headers.eventSource, ctx.subscription.headers));
  /** The id of the last event received, as the server wrote it; null until one carries an id. */
  let lastEventId: string | null = null;

  /** `onStart` is called once: when the stream starts, fails, or waits for a connection of the browser (it is then connecting, as an EventSource is). */
  function open(onStart: (error: Error | null) => void): void {
    const decoder = new TextDecoder();
    const parser: EventSourceParser = createParser({
      onEvent(event) {
        if (event.id !== undefined) lastEventId = event.id;
        // Stamps are ASCII, so latin1 keeps every byte of them and costs no UTF-8 encoding.
        ctx.receive(Buffer.from(event.data, 'latin1'));
      },
    });
    // The first connection names its position in the URL; a reconnection also sends Last-Event-ID.
    const resume = ctx.subscription.resume === 'event-id' && lastEventId !== null;
    const headers = resume ? [...baseHeaders, 'last-event-id', lastEventId!] : baseHeaders;
    const path = subscriptionPath(ctx.subscription, ctx.room, ctx.startSeq);
    let started = false;
    /** Set when the answer is not an event stream: its body is collected for the refusal. */
    let refused: { status: number; reason: string; body: Buffer[]; bytes: number } | null = null;
    http.connection.stream(path, headers, {
      onQueued() {
        ctx.waiting?.(true);
        onStart(null);
      },
      onStart(status, reason, head) {
        ctx.waiting?.(false);
        if (status !== 200) {
          refused = { status, reason, body: [], bytes: 0 };
          return;
        }
        started = true;
        ctx.sampleHead(head);
        onStart(null);
      },
      onChunk(chunk) {
        if (refused !== null) {
          if (refused.bytes < REFUSAL_BODY_BYTES) refused.body.push(chunk);
          refused.bytes += chunk.length;
          return;
        }
        parser.feed(decoder.decode(chunk, { stream: true }));
      },
      onEnd(error) {
        if (refused !== null) {
          const no = refusal(`GET ${path}`, refused.status, Buffer.concat(refused.body));
          if (!started) onStart(no);
          if (!http.stopped) ctx.refuse(no);
          return;
        }
        if (!started) onStart(error ?? new Error(`GET ${path} ended before its response started`));
        if (http.stopped) return;
        ctx.fail(error ?? new Error('the SSE stream ended'));
        http.after(RECONNECT_MS, () => open(() => {}));
      },
    });
  }

  return {
    connect() {
      // A promise settles once: a stream that waited for a connection and then started calls onStart again, harmlessly.
      return new Promise((resolve, reject) => open((error) => (error === null ? resolve() : reject(error))));
    },
    begin() {},
    publish: (body, onAccepted) => http.upstream.publish(body, onAccepted),
    stop: () => http.stop(),
    close: () => http.close(),
  };
};

export default { id: 'sse', create: createSseDriver } satisfies DriverTechnique;
