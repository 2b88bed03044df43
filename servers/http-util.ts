/**
 * Small HTTP pieces the technique handlers share: responses, the `since`/`room`
 * cursor, and a request body reader that refuses oversize bodies without buffering them.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { EMPTY_ARRAY, Feed, type FeedRegistry } from './feed.ts';
import { PushbenchError } from '../core/errors.ts';
import { LISTEN_BACKLOG } from '../core/protocol.ts';

export type Rejection = 'badRequest' | 'notFound' | 'methodNotAllowed' | 'gone' | 'tooLarge' | 'forbidden';

/** An error answer: HTTP status, JSON body, and which rejection counter it bumps. */
export interface HttpError {
  status: number;
  kind: Rejection;
  body: Record<string, unknown>;
}

/** Writes a complete response with an exact Content-Length. */
export function send(res: ServerResponse, status: number, body: Buffer, extraHeaders?: Record<string, string>): void {
  // RFC 9110: a 204 carries neither a body nor Content-Length.
  if (status === 204) res.writeHead(204, extraHeaders);
  else if (extraHeaders === undefined) res.writeHead(status, jsonHead(body.length));
  else res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, ...extraHeaders });
  endWith(res, body);
}

/** Bodies up to this size go out in one write with their head (endWith); poll and long-poll answers are far shorter. */
export const ONE_WRITE_MAX_BYTES = 4096;

/**
 * Ends `res` with `body`, on node:http's cleartext HTTP/1.1 in one write with the head. Given a
 * Buffer, node:http queues the head (a string) and the body as two chunks and sends them through
 * the socket's cork/uncork and `writev`; given text in the head's own encoding (latin1) it joins
 * the two and makes one `write`. The body stays a Buffer, encoded once and shared; a short one is
 * handed over as latin1 text, which is its bytes one for one (each byte one character), so nothing
 * on the wire changes. Measured on the empty poll: 0.92-0.94x the CPU per request of the two-chunk
 * path, a third of that from not making the text again (docs/results/2026-12-07-server-poll.md). TLS and HTTP/2 responses keep the Buffer (not
 * measured there; HTTP/2 would turn the text back into bytes).
 */
export function endWith(res: ServerResponse, body: Buffer): void {
  if (body.length <= ONE_WRITE_MAX_BYTES && res.constructor === http.ServerResponse && (res.socket as TLSSocket | null)?.encrypted !== true)
    res.end(latin1Text(body), 'latin1');
  else res.end(body);
}

const EMPTY_ARRAY_TEXT = EMPTY_ARRAY.toString('latin1');
/** The last body endWith turned into text, and its text: pollers mostly get the answer the one before them got. */
let lastBody: Buffer = EMPTY_ARRAY;
let lastText = EMPTY_ARRAY_TEXT;

/** `body` as latin1 text: the empty answer's made once, the last other one kept (one string of at most ONE_WRITE_MAX_BYTES). */
function latin1Text(body: Buffer): string {
  if (body === EMPTY_ARRAY) return EMPTY_ARRAY_TEXT;
  if (body !== lastBody) {
    lastBody = body;
    lastText = body.toString('latin1');
  }
  return lastText;
}

/** Body lengths whose JSON head is kept (every `[]` and one-message poll answer is far shorter). */
const JSON_HEADS_KEPT = 4096;
const jsonHeads: Array<readonly string[] | undefined> = [];

/**
 * The header list of a JSON answer of `length` bytes, as node:http's writeHead takes it (a flat
 * list, its cheapest form). Made once per length below JSON_HEADS_KEPT and shared, since
 * node:http and the HTTP/2 response (servers/transports.ts) only read it: a poll answer then
 * costs no list and no number-to-text conversion.
 */
export function jsonHead(length: number): string[] {
  if (length >= JSON_HEADS_KEPT) return ['Content-Type', 'application/json', 'Content-Length', String(length)];
  // Frozen: a writer that tried to change a shared list would throw (the modules are strict) rather than corrupt other answers.
  return (jsonHeads[length] ??= Object.freeze(['Content-Type', 'application/json', 'Content-Length', String(length)])) as string[];
}

/**
 * Writes a poll or long-poll answer: `send`'s JSON head, or, when a header profile gives
 * its own response lines (kaazing-2010), exactly those after the status line: Content-Length
 * and Date with their real values (Content-Length appended when the lines lack it), and no
 * Connection or Keep-Alive line (keep-alive is HTTP/1.1's default; the connection stays open).
 */
export function sendMessages(res: ServerResponse, body: Buffer, responseLines: ReadonlyArray<readonly [string, string]> | null): void {
  if (responseLines === null) return send(res, 200, body);
  const flat: string[] = [];
  let sawLength = false;
  for (const [name, value] of responseLines) {
    const lower = name.toLowerCase();
    sawLength ||= lower === 'content-length';
    flat.push(name, lower === 'content-length' ? String(body.length) : lower === 'date' ? new Date().toUTCString() : value);
  }
  if (!sawLength) flat.push('Content-Length', String(body.length));
  res.removeHeader('Connection');
  if (!responseLines.some(([name]) => name.toLowerCase() === 'date')) res.sendDate = false;
  res.writeHead(200, flat);
  endWith(res, body);
}

/**
 * Writes a complete response of another content type (the demo page). Kept apart from
 * `send` so the JSON path, which every poll takes, stays as it is.
 */
export function sendTyped(
  res: ServerResponse,
  status: number,
  body: Buffer,
  contentType: string,
  extraHeaders?: Record<string, string>,
): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length, ...extraHeaders });
  res.end(body);
}

/**
 * After a refusal the rest of the body is read and dropped, at most this many bytes for at
 * most DRAIN_MS, before the connection closes: closing a socket with unread bytes makes
 * the kernel send a reset, and a client still writing its body would lose the answer to it.
 */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;
export const DRAIN_MS = 2000;

/**
 * Answers `error` at once (head and complete body), then keeps reading the request until
 * it ends or the drain budget is spent, and only then ends the response, which closes
 * the connection. A client that reads after writing its whole body still finds the answer.
 * For refusals whose request body is not read: an oversize body, a wrong type, a foreign Host.
 */
export function failAndClose(req: IncomingMessage, res: ServerResponse, error: HttpError, count: (kind: Rejection) => void): void {
  count(error.kind);
  res.shouldKeepAlive = false;
  const body = Buffer.from(JSON.stringify(error.body));
  res.writeHead(error.status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.write(body);
  let drained = 0;
  const finish = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    if (!res.writableEnded) res.end();
  };
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) {
      finish();
      req.socket.destroy();
    }
  };
  const timer = setTimeout(() => {
    finish();
    req.socket?.destroy();
  }, DRAIN_MS);
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
}

export function sendError(res: ServerResponse, error: HttpError, extraHeaders?: Record<string, string>): void {
  send(res, error.status, Buffer.from(JSON.stringify(error.body)), extraHeaders);
}

export function badRequest(message: string, extra?: Record<string, unknown>): HttpError {
  return { status: 400, kind: 'badRequest', body: { error: message, ...extra } };
}

/** The query parameters of a request: only `get` is needed. */
export interface Query {
  get(name: string): string | null;
  /**
   * The feed and raw cursor this query names, once `feedCursorOf` has read them: a query
   * object may answer many requests (a URL kept by UrlMemo), and they depend on the URL alone.
   */
  cursor?: FeedCursor | undefined;
}

/** What a query says about the feed a request reads: the room's feed (or why not) and `since` parsed (null: absent). */
export interface FeedCursor {
  /** The registry `feed` was resolved in (a query is only ever one server's, but this makes sure). */
  readonly feeds: FeedRegistry;
  readonly feed: Feed | HttpError;
  readonly since: number | null | HttpError;
}

/**
 * A query string read on demand: `get` scans `a=1&b=2` for one name. The endpoints take
 * at most two parameters, so this beats building a URLSearchParams on every poll.
 */
class LazyQuery implements Query {
  cursor: FeedCursor | undefined = undefined;

  /** `text` from `from` on is the query (the URL itself, past its `?`: no copy is made); `from` past the end: no query. */
  constructor(
    private readonly text: string,
    private readonly from: number,
  ) {}

  get(name: string): string | null {
    // One pass over characters, no substring made until the value is found: this runs on every
    // poll (indexOf, startsWith and includes over the same text cost three times as much).
    const text = this.text;
    const length = text.length;
    const nameLength = name.length;
    let start = this.from;
    while (start <= length) {
      // The key: text[start, i), up to the first `=` or `&`.
      let i = start;
      let same = true;
      for (; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c === EQUALS || c === AMPERSAND) break;
        if (same && (i - start >= nameLength || c !== name.charCodeAt(i - start))) same = false;
      }
      const found = same && i - start === nameLength;
      if (i === length || text.charCodeAt(i) === AMPERSAND) {
        if (found) return '';
        start = i + 1;
        continue;
      }
      // The value: text(i, end), up to the next `&` (a later `=` is part of it).
      let end = i + 1;
      let encoded = false;
      for (; end < length; end++) {
        const c = text.charCodeAt(end);
        if (c === AMPERSAND) break;
        if (c === PERCENT || c === PLUS) encoded = true;
      }
      if (found) {
        const raw = text.slice(i + 1, end);
        return encoded ? decodeQueryValue(raw) : raw;
      }
      start = end + 1;
    }
    return null;
  }
}

const EQUALS = 0x3d;
const AMPERSAND = 0x26;
const PERCENT = 0x25;
const PLUS = 0x2b;

function decodeQueryValue(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** A request target split: its path and its query. */
export interface SplitUrl {
  readonly path: string;
  readonly query: Query;
}

/** Splits `req.url` into path and query without the cost of a full URL parse. */
export function splitUrl(url: string): SplitUrl {
  const q = url.indexOf('?');
  // Without a `?`, a query that starts past the end: every name is absent. Its own object, since a handler keeps its cursor on it.
  if (q === -1) return { path: url, query: new LazyQuery(url, url.length + 1) };
  return { path: url.slice(0, q), query: new LazyQuery(url, q + 1) };
}

/**
 * What a server derives from a request target (`req.url`: its path, query and route), kept for
 * URLs seen again: every poller at the same cursor asks `/poll?since=N` until the next publish, and
 * a URL seen again then costs one look-up instead of a split, two strings, two objects and the
 * route's look-up. Bounded whatever the clients send: a URL longer than `maxUrlLength` is never
 * kept, and once `maxEntries` are kept the memory starts again empty, so it holds at most
 * maxEntries × maxUrlLength characters plus its entries (256 × 256 by default: well under 1 MB).
 */
export class UrlMemo<T> {
  private readonly kept = new Map<string, T>();

  constructor(
    private readonly derive: (url: string) => T,
    readonly maxEntries = 256,
    readonly maxUrlLength = 256,
  ) {}

  get(url: string): T {
    let value = this.kept.get(url);
    if (value !== undefined) return value;
    value = this.derive(url);
    if (url.length <= this.maxUrlLength) {
      if (this.kept.size >= this.maxEntries) this.kept.clear();
      this.kept.set(url, value);
    }
    return value;
  }

  /** URLs kept now. */
  get size(): number {
    return this.kept.size;
  }
}

/** Digits a count may have (`0`, or 1 to 16 digits without a leading zero); more is refused before any arithmetic. */
const MAX_COUNT_DIGITS = 16;

/**
 * Parses a non-negative integer parameter, or returns an error naming it. The digits are read
 * one by one rather than through a regular expression and Number(): this runs on every poll
 * (twice with a room), and the scan is a third of the cost.
 */
export function parseCount(name: string, raw: string): number | HttpError {
  const length = raw.length;
  let value = 0;
  let valid = length > 0 && length <= MAX_COUNT_DIGITS && (length === 1 || raw.charCodeAt(0) !== 0x30);
  for (let i = 0; valid && i < length; i++) {
    const digit = raw.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) valid = false;
    else value = value * 10 + digit;
  }
  if (!valid) return badRequest(`invalid ${name}: received ${JSON.stringify(raw)}; expected a non-negative integer`);
  // 16 digits can pass 2^53 - 1: below it every step is exact, and a value past it rounds to one past it too.
  return Number.isSafeInteger(value) ? value : badRequest(`invalid ${name}: received ${JSON.stringify(raw)}; too large`);
}

export function isHttpError(value: unknown): value is HttpError {
  return typeof value === 'object' && value !== null && 'status' in value && 'kind' in value;
}

/**
 * Which room's feed a request names (`?room=N`, absent = broadcast). Only the rooms the
 * server was configured with exist; any other number is a 400 naming the range.
 */
export function resolveFeed(feeds: FeedRegistry, query: Query): Feed | HttpError {
  const raw = query.get('room');
  if (raw === null) return feeds.broadcast;
  const room = parseCount('room', raw);
  if (typeof room !== 'number') return room;
  if (!feeds.hasRoom(room)) return badRequest(`invalid room: received ${room}; ${feeds.describeRooms()}`, { rooms: feeds.rooms });
  return feeds.get(room);
}

/**
 * The feed `query` names (`?room=`, or why it cannot be read) and its `?since=` as a number, read once
 * per query object and kept on it: they depend on the URL alone, and a kept URL's query object
 * answers every request for it (UrlMemo). Whether `since` is still in the ring depends on the
 * feed's head, so sinceInRing runs on every request.
 */
export function feedCursorOf(feeds: FeedRegistry, query: Query): FeedCursor {
  const kept = query.cursor;
  if (kept !== undefined && kept.feeds === feeds) return kept;
  const cursor: FeedCursor = { feeds, feed: resolveFeed(feeds, query), since: parseSince(query.get('since')) };
  query.cursor = cursor;
  return cursor;
}

/**
 * The feed and the cursor of a poll (`?room=`, `?since=`; `since` may come from elsewhere, as
 * SSE's Last-Event-ID does), or the 400/410 to answer: the prologue every feed request shares.
 */
export function resolveFeedAndSince(
  feeds: FeedRegistry,
  query: Query,
  since?: string | null | undefined,
): { feed: Feed; since: number } | HttpError {
  const cursor = feedCursorOf(feeds, query);
  const feed = cursor.feed;
  if (!(feed instanceof Feed)) return feed;
  const resolved = sinceInRing(feed, since === undefined ? cursor.since : parseSince(since));
  return typeof resolved === 'number' ? { feed, since: resolved } : resolved;
}

/**
 * The position a client resumes from: `since` (or SSE's Last-Event-ID). Absent means
 * "from now". Ahead of the newest message is a 400; older than the ring is a 410
 * carrying the oldest seq still available, so the client knows how much it lost.
 */
export function resolveSince(feed: Feed, raw: string | null | undefined): number | HttpError {
  return sinceInRing(feed, parseSince(raw));
}

/** A raw `since` read as a number (the part of resolveSince that depends on the text alone); null: absent. */
export function parseSince(raw: string | null | undefined): number | null | HttpError {
  return raw === null || raw === undefined || raw === '' ? null : parseCount('since', raw);
}

/** The part of resolveSince that depends on the feed: a parsed `since` checked against its head and ring. */
export function sinceInRing(feed: Feed, since: number | null | HttpError): number | HttpError {
  if (since === null) return feed.head;
  if (typeof since !== 'number') return since;
  if (since > feed.head) {
    return badRequest(`invalid since: received ${since}; newest seq is ${feed.head}`, { head: feed.head });
  }
  if (since + 1 < feed.oldest) {
    return { status: 410, kind: 'gone', body: { error: `since ${since} is older than the ring`, oldest: feed.oldest } };
  }
  return since;
}

export class BodyTooLargeError extends PushbenchError<'PUSHBENCH_BODY_TOO_LARGE'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_BODY_TOO_LARGE', message, options);
  }
}

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit
 * is refused before reading; a body that grows past it is refused as soon as it does.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new BodyTooLargeError(`body of ${declared} bytes exceeds the limit of ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new BodyTooLargeError(`body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Starts `server` listening on `host`:`port` (0: any free port); resolves with its base URL and port, rejects on a listen error (EADDRINUSE). */
export async function listenOn(server: import('node:net').Server, port: number, host: string): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return listeningUrl(server);
}

/** Serves on a listening socket opened by another process (several server processes on one port). */
export async function listenOnHandle(
  server: import('node:net').Server,
  handle: import('node:net').Server,
): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(handle, LISTEN_BACKLOG, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return listeningUrl(server);
}

/**
 * On a listening socket shared with other server processes: once this process holds `cap`
 * connections it stops accepting (its copy of the socket is closed; the connections it holds
 * stay), so that the kernel deals every later connection to the others. The kernel's deal over a
 * shared socket favours whichever process is idle first: at 100,000 WebSocket clients over ten
 * processes one reached the 20,000-file limit while others held 3,000, and the connections it
 * accepted past its limit were reset (docs/results/2026-12-07-one-box.md).
 */
export function stopAcceptingAt(server: import('node:net').Server, cap: number, stopped: () => void): void {
  let open = 0;
  const onConnection = (socket: import('node:net').Socket): void => {
    open++;
    socket.once('close', () => open--);
    if (open < cap) return;
    server.off('connection', onConnection);
    // net.Server's close, not http.Server's: that one would also close this process's idle keep-alive connections.
    net.Server.prototype.close.call(server);
    stopped();
  };
  server.on('connection', onConnection);
}

function listeningUrl(server: import('node:net').Server): { url: string; port: number } {
  const address = server.address() as import('node:net').AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${hostForUrl}:${address.port}`, port: address.port };
}
