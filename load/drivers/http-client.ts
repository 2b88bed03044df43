/**
 * What the HTTP drivers (polling, long polling, SSE) share: the client's keep-alive
 * connection and timer, and its upstream for the chat workload, `POST /publish` on a
 * second keep-alive connection, as a browser tab does while its first connection is
 * busy polling, held or streaming.
 */
import { flatHeaders, withTargetHeaders, type HeaderList } from '../headers.ts';
import { atJsonPointer, fillTemplate, type PublishSpec } from '../../core/targets.ts';
import type { GetResponse } from '../keepalive-get.ts';
import type { GetChannel, RequestChannel } from '../wire-clients.ts';
import { splitBody } from '../match.ts';
import { refusal, TargetRefusedError, type DriverContext } from './types.ts';
import type { ByteAttribution, ClientBytes } from '../../core/socket-counter.ts';
import type { WireParts } from '../../core/wire-parts.ts';

/** What one answer of a request technique brought: stamps matched, the newest seq, and whether it held no unit at all. */
export interface PollAnswer {
  count: number;
  lastSeq: number;
  empty: boolean;
  /** The exchange's request and response bytes on the wire. */
  bytes: ClientBytes;
  /** The exchange's TLS records and HTTP/2 frames, on a tapped connection. */
  parts?: WireParts;
}

/** Hears how a pollThen() ended: its answer, or the error (a refusal, a closed connection). */
export type PollDone = (error: unknown, answer: PollAnswer | undefined) => void;

/** A PollAnswer with the response's bytes and, on a tapped connection, its parts. */
function answer(count: number, lastSeq: number, empty: boolean, response: GetResponse): PollAnswer {
  const out: PollAnswer = { count, lastSeq, empty, bytes: response.bytes };
  if (response.parts !== undefined) out.parts = response.parts;
  return out;
}

export class HttpUpstream {
  private connection: RequestChannel | undefined;
  private readonly headers: string[];
  private inFlight = new Set<Promise<unknown>>();
  /** The request a message goes out as: pushbench's POST /publish, or the target's publish request. */
  private readonly request: { method: PublishSpec['method']; path: string; body: string; accepted: readonly number[] };

  constructor(private readonly ctx: DriverContext) {
    const upstream = ctx.subscription.upstream;
    const room = ctx.room === undefined ? 'broadcast' : String(ctx.room);
    if (upstream?.kind === 'http') {
      const { publish } = upstream;
      this.headers = flatHeaders(withTargetHeaders(ctx.headers.publish, publish.headers ?? []));
      this.request = { method: publish.method, path: fillTemplate(publish.path, { room }), body: publish.body, accepted: publish.accepted };
    } else {
      this.headers = flatHeaders(ctx.headers.publish);
      this.request = { method: 'POST', path: '/publish', body: '{message}', accepted: [204] };
    }
  }

  /** Sends `message` in the request's body template; `onAccepted` runs when the answer's status is an accepted one. */
  publish(message: string, onAccepted?: () => void): void {
    this.connection ??= this.ctx.tab.requests(30_000);
    const { method, path, accepted } = this.request;
    const body = fillTemplate(this.request.body, { message, room: this.ctx.room === undefined ? 'broadcast' : String(this.ctx.room) });
    const sent = this.connection.request(method, path, this.headers, body).then(
      (response) => {
        if (accepted.includes(response.status)) onAccepted?.();
        // A target that refuses a publish fails the technique at once, naming the status and the answer.
        else if (this.ctx.subscription.upstream?.kind === 'http')
          this.ctx.refuse(refusal(`${method} ${path}`, response.status, response.body));
        else this.ctx.fail(refusal(`${method} ${path}`, response.status, response.body));
      },
      (error: Error) => this.ctx.fail(error),
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /** Waits for the publishes in flight, at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  async close(): Promise<void> {
    await this.connection?.destroy();
  }
}

/**
 * What every HTTP driver holds: its keep-alive connection, its upstream for chat, and at
 * most one pending timer (the next poll, a retry, a reconnection). Stopping cancels the
 * timer and lets what is in flight finish; closing drops both connections.
 */
export class HttpClient {
  readonly upstream: HttpUpstream;
  stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private streaming: RequestChannel | undefined;
  private getter: GetChannel | undefined;

  /** `getHeaders`: the profile's list for this client's repeated GETs (its `poll` or `longpoll` list). */
  constructor(
    private readonly ctx: DriverContext,
    private readonly timeoutMs: number,
    private readonly getHeaders: HeaderList = ctx.headers.poll,
    /** How the GET connection's bytes are attributed to the window (polling: by exchange). */
    private readonly attribution: ByteAttribution = 'snapshot',
  ) {
    this.upstream = new HttpUpstream(ctx);
  }

  /** The connection for a streaming response (SSE): undici's on HTTP/1.1, a stream of the tab's session on HTTP/2. */
  get connection(): RequestChannel {
    return (this.streaming ??= this.ctx.tab.requests(this.timeoutMs));
  }

  /** The lean keep-alive connection for repeated GETs with the profile's poll or long-poll headers and the target's own. */
  get gets(): GetChannel {
    if (this.getter !== undefined) return this.getter;
    const { subscription } = this.ctx;
    const capture = subscription.cursor.kind === 'headers' ? subscription.cursor.copy.map(([from]) => from) : [];
    if (subscription.split.kind === 'multipart') capture.push('content-type');
    return (this.getter ??= this.ctx.tab.gets(withTargetHeaders(this.getHeaders, subscription.headers), capture, this.attribution));
  }

  /** Request header lines the next GET carries: the cursor copied from the last response's headers. */
  private cursorLines = '';

  /**
   * GETs `path` and hands every unit of the answer over. A status the target calls "nothing
   * new" (Nchan's 304) is an empty answer; any other status but 2xx is a refusal naming it and
   * the start of the body. The target's header cursor is copied from every answer that has it.
   */
  async poll(path: string): Promise<PollAnswer> {
    return this.answer(path, await this.gets.get(this.withBodyCursor(path), this.cursorLines));
  }

  /** The request and handler of the pollThen() under way (one at a time). */
  private pollUnderWay: { path: string; done: PollDone } = { path: '', done: () => {} };

  private readonly onPolled = (error: Error | null, response: GetResponse | undefined): void => {
    const { path, done } = this.pollUnderWay;
    if (error !== null) return done(error, undefined);
    let answer: PollAnswer;
    try {
      answer = this.answer(path, response!);
    } catch (problem) {
      return done(problem, undefined);
    }
    done(null, answer);
  };

  /**
   * As poll(), the outcome handed to `done`: on a channel that offers getThen() (HTTP/1.1), a
   * poll costs no promise. `done` must not throw.
   */
  pollThen(path: string, done: PollDone): void {
    const gets = this.gets;
    this.pollUnderWay.path = path;
    this.pollUnderWay.done = done;
    if (gets.getThen !== undefined) return gets.getThen(this.withBodyCursor(path), this.cursorLines, this.onPolled);
    gets.get(this.withBodyCursor(path), this.cursorLines).then(
      (response) => this.onPolled(null, response),
      (error: Error) => this.onPolled(error, undefined),
    );
  }

  /** What a response to `GET path` brought; throws a refusal for an error status. */
  private answer(path: string, response: GetResponse): PollAnswer {
    const { subscription } = this.ctx;
    const nothingNew = subscription.emptyStatuses.includes(response.status);
    if (!nothingNew && (response.status < 200 || response.status > 299)) throw refusal(`GET ${path}`, response.status, response.body);
    this.copyCursor(response);
    if (nothingNew) return answer(0, 0, true, response);
    const units = splitBody(response.body, subscription.split, response.headers.get('content-type'));
    this.takeBodyCursor(response.body, units);
    let count = 0;
    let lastSeq = 0;
    for (const unit of units) {
      const got = this.ctx.receive(unit);
      count += got.count;
      if (got.lastSeq > lastSeq) lastSeq = got.lastSeq;
    }
    if (units.length > 0) this.ctx.sampleHead(response.head);
    return answer(count, lastSeq, units.length === 0, response);
  }

  /** A body or message cursor's value from the last answer that had one; null before the first. */
  private bodyCursor: string | null = null;

  private withBodyCursor(path: string): string {
    const { cursor } = this.ctx.subscription;
    if ((cursor.kind !== 'body' && cursor.kind !== 'message') || this.bodyCursor === null) return path;
    return `${path}${path.includes('?') ? '&' : '?'}${cursor.param}=${encodeURIComponent(this.bodyCursor)}`;
  }

  /**
   * Keeps the cursor a server returns in its body (a JSON pointer into it) or in its last
   * message (a pointer into that unit). An answer without one keeps the value before; a value
   * that is not a string or a number is not a cursor, and the client says so (a target file
   * that points at the wrong place would otherwise re-read from the start forever).
   */
  private takeBodyCursor(body: Buffer, units: readonly Buffer[]): void {
    const { cursor } = this.ctx.subscription;
    if (cursor.kind !== 'body' && cursor.kind !== 'message') return;
    const source = cursor.kind === 'body' ? body : units[units.length - 1];
    if (source === undefined || source.length === 0) return;
    let value: unknown;
    try {
      value = atJsonPointer(JSON.parse(source.toString('utf8')), cursor.pointer);
    } catch {
      value = undefined;
    }
    if (typeof value === 'string' || typeof value === 'number') this.bodyCursor = String(value);
    // null: the server has no cursor to give yet (nothing published); the next request goes without one again.
    else if (value !== null && (cursor.kind === 'body' || units.length > 0))
      this.ctx.fail(
        new Error(`cursor ${cursor.kind} ${cursor.pointer}: no string or number there in ${source.subarray(0, 120).toString('utf8')}`),
      );
  }

  private copyCursor(response: GetResponse): void {
    const { cursor } = this.ctx.subscription;
    if (cursor.kind !== 'headers') return;
    let lines = '';
    let changed = false;
    for (const [from, to] of cursor.copy) {
      const value = response.headers.get(from.toLowerCase());
      if (value !== undefined) changed = true;
      // A header missing from this answer keeps the value the last one gave.
      const kept = value ?? this.copied.get(to);
      if (kept === undefined) continue;
      this.copied.set(to, kept);
      lines += `${to}: ${kept}\r\n`;
    }
    if (changed) this.cursorLines = lines;
  }

  private readonly copied = new Map<string, string>();

  /** Hands an error to the context: a refusal fails the technique at once, anything else is counted. */
  problem(error: unknown): void {
    if (error instanceof TargetRefusedError) this.ctx.refuse(error);
    else this.ctx.fail(error as Error);
  }

  /** What the pending timer runs. */
  private due: (() => void) | undefined;

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.due?.();
  };

  /**
   * Runs `fn` in `ms` unless the client stops first. The wait is rounded up to whole
   * milliseconds, which changes no firing time (Node fires a timer on the first millisecond
   * tick at or past its due time) but puts the clients' timers of one duration on one of
   * Node's timer lists: a fractional duration makes a list of its own, inserted into and
   * removed from the timers' priority queue for every poll.
   */
  after(ms: number, fn: () => void): void {
    this.due = fn;
    this.timer = setTimeout(this.onTimer, Math.ceil(ms));
  }

  /** Stops new requests; waits (at most 2 s each) for `inFlight` and for the publishes under way. */
  async stop(inFlight?: Promise<unknown>): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (inFlight !== undefined) await Promise.race([inFlight, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await this.upstream.drain(2000);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.getter?.destroy();
    await Promise.all([this.streaming?.destroy(), this.upstream.close()]);
  }
}
