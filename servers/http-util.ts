/**
 * Small HTTP pieces the technique handlers share: responses, the `since`/`room`
 * cursor, and a request body reader that refuses oversize bodies without buffering them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_ROOM, type Feed, type FeedRegistry } from './feed.ts';
import type { SocketAccounting } from './accounting.ts';

export type Rejection = 'badRequest' | 'notFound' | 'methodNotAllowed' | 'gone' | 'tooLarge';

/** An error answer: HTTP status, JSON body, and which rejection counter it bumps. */
export interface HttpError {
  status: number;
  kind: Rejection;
  body: Record<string, unknown>;
}

/** Writes a complete response with an exact Content-Length, then marks the socket settled. */
export function send(
  res: ServerResponse,
  accounting: SocketAccounting,
  status: number,
  body: Buffer,
  contentType = 'application/json',
  extraHeaders?: Record<string, string>,
): void {
  const socket = res.socket;
  // RFC 9110: a 204 carries neither a body nor Content-Length.
  if (status === 204) res.writeHead(204, extraHeaders);
  else res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length, ...extraHeaders });
  res.end(body);
  if (socket !== null) accounting.settle(socket);
}

export function sendError(res: ServerResponse, accounting: SocketAccounting, error: HttpError, extraHeaders?: Record<string, string>): void {
  send(res, accounting, error.status, Buffer.from(JSON.stringify(error.body)), 'application/json', extraHeaders);
}

export function badRequest(message: string, extra?: Record<string, unknown>): HttpError {
  return { status: 400, kind: 'badRequest', body: { error: message, ...extra } };
}

/** Splits `req.url` into path and query without the cost of a full URL parse. */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  if (q === -1) return { path: url, query: new URLSearchParams() };
  return { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
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

/** Which room's feed a request names (`?room=N`, absent = broadcast). */
export function resolveFeed(feeds: FeedRegistry, query: URLSearchParams): Feed | HttpError {
  const raw = query.get('room');
  if (raw === null) return feeds.broadcast;
  const room = parseCount('room', raw);
  if (isHttpError(room)) return room;
  if (room > MAX_ROOM) return badRequest(`invalid room: received ${room}; allowed 0..${MAX_ROOM}`);
  return feeds.get(room);
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

export class BodyTooLargeError extends Error {
  readonly code = 'PUSHBENCH_BODY_TOO_LARGE';
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
