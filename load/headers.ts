/**
 * Request header profiles, kept in one place and copied verbatim into results.json. Keyed
 * by the kind of request a browser makes (a fetch, an EventSource, an upgrade), not by technique.
 * `browser` is what a current desktop Chrome tab sends with a fetch() or EventSource
 * to its own origin, including a typical first-party cookie; `minimal` adds nothing
 * to what undici itself writes (request line, `host`, `connection`).
 */
import type { HeaderProfileName } from '../core/results.ts';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/** The header sets of one profile, per kind of request a client makes. */
export interface HeaderProfile {
  /** A poll or long poll (a fetch() of JSON). */
  readonly poll: HeaderList;
  /** The GET that opens an event stream (what EventSource sends). */
  readonly eventSource: HeaderList;
  /** POST /publish (a fetch() with a JSON body; content-length is added by the client). */
  readonly publish: HeaderList;
  /** A WebSocket upgrade request (ws adds the Sec-WebSocket-* and upgrade headers itself). */
  readonly upgrade: HeaderList;
}

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const CLIENT_HINTS: HeaderList = [
  ['sec-ch-ua-platform', '"Windows"'],
  ['user-agent', CHROME_UA],
  ['sec-ch-ua', '"Chromium";v="142", "Google Chrome";v="142", "Not_A Brand";v="99"'],
  ['sec-ch-ua-mobile', '?0'],
];
const COOKIE: readonly [string, string] = [
  'cookie',
  'session_id=6f1c9a27e4b84d0f9c3e52a1b7d04e6f; _ga=GA1.1.1764029841.1764029841; _ga_Q7KX2PLM4N=GS2.1.s1764029841$o1$g1$t1764029903$j60$l0$h0; theme=dark; locale=en-US',
];
const ORIGIN = 'https://app.example.com';
const LANGUAGE: readonly [string, string] = ['accept-language', 'en-US,en;q=0.9'];
const ENCODING: readonly [string, string] = ['accept-encoding', 'gzip, deflate, br, zstd'];

/** What follows `accept` in every fetch()/EventSource request Chrome makes to its own origin. */
const SAME_ORIGIN_TAIL: HeaderList = [
  ['sec-fetch-site', 'same-origin'],
  ['sec-fetch-mode', 'cors'],
  ['sec-fetch-dest', 'empty'],
  ['referer', `${ORIGIN}/dashboard`],
  ENCODING,
  LANGUAGE,
  COOKIE,
];

const BROWSER: HeaderProfile = {
  poll: [...CLIENT_HINTS, ['accept', '*/*'], ...SAME_ORIGIN_TAIL],
  eventSource: [['cache-control', 'no-cache'], ...CLIENT_HINTS, ['accept', 'text/event-stream'], ...SAME_ORIGIN_TAIL],
  publish: [...CLIENT_HINTS, ['content-type', 'application/json'], ['accept', '*/*'], ['origin', ORIGIN], ...SAME_ORIGIN_TAIL],
  upgrade: [
    ['pragma', 'no-cache'],
    ['cache-control', 'no-cache'],
    ['user-agent', CHROME_UA],
    ['origin', ORIGIN],
    ENCODING,
    LANGUAGE,
    COOKIE,
  ],
};

const MINIMAL: HeaderProfile = {
  poll: [],
  eventSource: [],
  publish: [['content-type', 'application/json']],
  upgrade: [],
};

export const HEADER_PROFILES: Readonly<Record<HeaderProfileName, HeaderProfile>> = {
  browser: BROWSER,
  minimal: MINIMAL,
};

/** Bytes a list of headers takes on the wire in HTTP/1.1: `name: value\r\n` each. */
export function headerListBytes(headers: HeaderList): number {
  let bytes = 0;
  for (const [name, value] of headers) bytes += name.length + 2 + value.length + 2;
  return bytes;
}

/** Flattens a header list to undici's `[name, value, name, value, ...]` form. */
export function flatHeaders(headers: HeaderList): string[] {
  return headers.flatMap(([name, value]) => [name, value]);
}
