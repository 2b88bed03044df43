/**
 * Small HTTP pieces the technique handlers share: responses, the `since`/`room`
 * cursor, and a request body reader that refuses oversize bodies without buffering them.
 */
import net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Feed, FeedRegistry } from './feed.ts';
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
  else if (extraHeaders === undefined) res.writeHead(status, ['Content-Type', 'application/json', 'Content-Length', String(body.length)]);
  else res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, ...extraHeaders });
  res.end(body);
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
  res.end(body);
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
}

/**
 * A query string read on demand: `get` scans `a=1&b=2` for one name. The endpoints take
 * at most two parameters, so this beats building a URLSearchParams on every poll.
 */
class LazyQuery implements Query {
  constructor(private readonly text: string) {}

  get(name: string): string | null {
    const text = this.text;
    let start = 0;
    while (start <= text.length) {
      let end = text.indexOf('&', start);
      if (end === -1) end = text.length;
      const eq = text.indexOf('=', start);
      const keyEnd = eq === -1 || eq > end ? end : eq;
      if (keyEnd - start === name.length && text.startsWith(name, start)) {
        const raw = keyEnd === end ? '' : text.slice(keyEnd + 1, end);
        return raw.includes('%') || raw.includes('+') ? decodeQueryValue(raw) : raw;
      }
      start = end + 1;
    }
    return null;
  }
}

function decodeQueryValue(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

const NO_QUERY: Query = { get: () => null };

/** Splits `req.url` into path and query without the cost of a full URL parse. */
export function splitUrl(url: string): { path: string; query: Query } {
  const q = url.indexOf('?');
  if (q === -1) return { path: url, query: NO_QUERY };
  return { path: url.slice(0, q), query: new LazyQuery(url.slice(q + 1)) };
}

const NON_NEGATIVE_INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/** Parses a non-negative integer parameter, or returns an error naming it. */
export function parseCount(name: string, raw: string): number | HttpError {
  if (!NON_NEGATIVE_INTEGER.test(raw)) {
    return badRequest(`invalid ${name}: received ${JSON.stringify(raw)}; expected a non-negative integer`);
  }
  const value = Number(raw);
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
  if (isHttpError(room)) return room;
  if (!feeds.hasRoom(room)) return badRequest(`invalid room: received ${room}; ${feeds.describeRooms()}`, { rooms: feeds.rooms });
  return feeds.get(room);
}

/**
 * The feed and the cursor of a poll (`?room=`, `?since=`; `since` may come from elsewhere, as
 * SSE's Last-Event-ID does), or the 400/410 to answer: the prologue every feed request shares.
 */
export function resolveFeedAndSince(
  feeds: FeedRegistry,
  query: Query,
  since: string | null | undefined = query.get('since'),
): { feed: Feed; since: number } | HttpError {
  const feed = resolveFeed(feeds, query);
  if (isHttpError(feed)) return feed;
  const resolved = resolveSince(feed, since);
  return isHttpError(resolved) ? resolved : { feed, since: resolved };
}

/**
 * The position a client resumes from: `since` (or SSE's Last-Event-ID). Absent means
 * "from now". Ahead of the newest message is a 400; older than the ring is a 410
 * carrying the oldest seq still available, so the client knows how much it lost.
 */
export function resolveSince(feed: Feed, raw: string | null | undefined): number | HttpError {
  if (raw === null || raw === undefined || raw === '') return feed.head;
  const since = parseCount('since', raw);
  if (isHttpError(since)) return since;
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
