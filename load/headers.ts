/**
 * Request header profiles, kept in one place and copied verbatim into results.json. A
 * profile holds the header lines a client sends per kind of request (the lines the HTTP
 * client writes itself, `host`, `connection`, `content-length` and the WebSocket
 * handshake's own, are not in it) and, optionally, the response lines pushbench's server
 * writes on poll and long-poll answers instead of its own.
 *
 * - `browser`: what Chromium sends, captured for real. On 2026-12-01 Debian's Chromium
 *   156.0.8078.114 (/usr/bin/chromium, headless, driven by playwright-core) opened a
 *   page on a raw TCP server that recorded every request head byte for byte (scripts/head-recorder.ts)
 *   and made one fetch() poll, long poll and POST, one EventSource and one WebSocket;
 *   load/captures/chromium.json holds those heads and `npm run headers:capture` recaptures them.
 *   Three substitutions, so the set does not depend on the capture: the page's origin
 *   (http://127.0.0.1:<port>) becomes PROFILE_ORIGIN in Origin and Referer, headless
 *   Chromium's `HeadlessChrome/` in the user agent becomes `Chrome/` (what the same
 *   browser sends with a window), and the lines the client writes itself are left out.
 *   The WebSocket upgrade carries Chromium's permessage-deflate offer; the server's answer
 *   decides whether it is used (pushbench's `websocket` server declines it).
 * - `browser-cookie`: the same capture from a page that had set five first-party cookies
 *   (a session id, two analytics cookies, two preferences: 174 bytes on every request).
 *   A cookie is an assumption about the application, so it is a choice of its own.
 * - `minimal`: nothing beyond what the HTTP client writes (undici, ws, the lean GET client).
 * - `kaazing-2010`: the request and response of the 2010 polling example (KAAZING_2010),
 *   for reproducing the classic 871-byte figure.
 */
import type { PerMessageDeflateOptions } from 'ws';
import fs from 'node:fs';

// The profile's shape lives in core/ (the generator's IPC spec carries a profile whole).
export type { HeaderList, HeaderProfile, RequestKind } from '../core/header-profile.ts';
export { REQUEST_KINDS } from '../core/header-profile.ts';
import {
  BUILTIN_PROFILE_NAMES,
  REQUEST_KINDS,
  type BuiltinProfileName,
  type HeaderList,
  type HeaderProfile,
  type RequestKind,
} from '../core/header-profile.ts';

/** One pass of the capture: the page's origin and the header lines (`Name: value`, verbatim) of one request of each kind. */
export interface CapturedPass {
  origin: string;
  requests: Record<RequestKind, string[]>;
}

/** What `npm run headers:capture` records (load/captures/chromium.json). */
export interface BrowserCapture {
  /** YYYY-MM-DD */
  capturedOn: string;
  browser: string;
  how: string;
  pagePath: string;
  plain: CapturedPass;
  cookie: CapturedPass;
}

/**
 * The bundled Chromium capture. A JSON file beside this module (the build copies it into dist/
 * with the other assets), read once when the profiles are built: generated data, not code.
 */
export const CHROMIUM_CAPTURE: BrowserCapture = JSON.parse(
  fs.readFileSync(new URL('./captures/chromium.json', import.meta.url), 'utf8'),
) as BrowserCapture;

/** What `npm run headers:capture -- --h2` records (load/captures/chromium-h2.json): Chromium over HTTP/2 + TLS. */
export interface BrowserH2Capture {
  capturedOn: string;
  browser: string;
  /** Chromium's SETTINGS as tshark names them, from the decrypted capture. */
  settings: Array<[string, number]>;
  connectionWindowIncrement: number | null;
  /** Each request: its stream, kind, header list in wire order (pseudo-headers first) and HPACK block size. */
  requests: Array<{ streamId: number; path: string; kind: string; headers: Array<[string, string]>; headerBlockBytes: number | null }>;
}

export const CHROMIUM_H2_CAPTURE: BrowserH2Capture = JSON.parse(
  fs.readFileSync(new URL('./captures/chromium-h2.json', import.meta.url), 'utf8'),
) as BrowserH2Capture;

/**
 * Chromium's HTTP/2 request form, read off the h2 capture: the order of the pseudo-headers of a
 * request and of an extended CONNECT, and the `priority` field (RFC 9218) it adds over HTTP/2 to
 * every fetch() and EventSource (none on a WebSocket's CONNECT). The regular fields are those of
 * the HTTP/1.1 capture, in the same order, lower case, without Host and Connection.
 */
export const CHROMIUM_H2_FORM = Object.freeze(h2FormOf(CHROMIUM_H2_CAPTURE));

function h2FormOf(capture: BrowserH2Capture): { pseudoOrder: string[]; connectPseudoOrder: string[]; priority: string | null } {
  const poll = capture.requests.find((request) => request.kind === 'poll');
  const connect = capture.requests.find((request) => request.kind === 'connect');
  if (poll === undefined || connect === undefined)
    throw new Error('load/captures/chromium-h2.json holds no poll or no CONNECT request; recapture with npm run headers:capture -- --h2');
  const pseudo = (headers: Array<[string, string]>): string[] => headers.map(([name]) => name).filter((name) => name.startsWith(':'));
  return {
    pseudoOrder: pseudo(poll.headers),
    connectPseudoOrder: pseudo(connect.headers),
    priority: poll.headers.find(([name]) => name === 'priority')?.[1] ?? null,
  };
}

/** The path of the page the capture opens: it becomes the Referer's path. */
export const CAPTURE_PAGE_PATH = '/dashboard';

/** The origin a `browser` profile's Origin and Referer name, instead of the capture's 127.0.0.1:<port>. */
export const PROFILE_ORIGIN = 'https://app.example.com';

/** The cookies the `browser-cookie` capture's page sets, in order (Chromium sends them in creation order). */
export const CAPTURED_COOKIES: ReadonlyArray<readonly [string, string]> = [
  ['session_id', '6f1c9a27e4b84d0f9c3e52a1b7d04e6f'],
  ['_ga', 'GA1.1.1764029841.1764029841'],
  ['_ga_Q7KX2PLM4N', 'GS2.1.s1764029841$o1$g1$t1764029903$j60$l0$h0'],
  ['theme', 'dark'],
  ['locale', 'en-US'],
];

/**
 * Header lines the HTTP client writes itself on every request: a profile that set them
 * would send them twice or break the framing, so profiles leave them out (and a header
 * file that sets them is refused).
 */
export const CLIENT_WRITTEN_HEADERS: readonly string[] = [
  'host',
  'connection',
  'content-length',
  'upgrade',
  'transfer-encoding',
  'sec-websocket-key',
  'sec-websocket-version',
];

const isClientWritten = (name: string): boolean => CLIENT_WRITTEN_HEADERS.includes(name.toLowerCase());

/** A `browser` profile from one capture pass: the three documented substitutions, nothing else. */
export function profileFromCapture(capture: BrowserCapture, pass: 'plain' | 'cookie'): HeaderProfile {
  const { origin, requests } = capture[pass];
  const list = (kind: RequestKind): HeaderList =>
    headerLines(['', ...requests[kind]])
      .filter(([name]) => !isClientWritten(name))
      .map(([name, value]) => [name, value.split(origin).join(PROFILE_ORIGIN).replace('HeadlessChrome/', 'Chrome/')] as const);
  const cookieText = pass === 'cookie' ? ', with five first-party cookies (174 B per request)' : ', no cookie';
  return {
    name: pass === 'plain' ? 'browser' : 'browser-cookie',
    source: `${capture.browser} captured on ${capture.capturedOn} (npm run headers:capture)${cookieText}; origin ${PROFILE_ORIGIN}`,
    cookie: pass === 'cookie',
    poll: list('poll'),
    longPoll: list('longPoll'),
    eventSource: list('eventSource'),
    publish: list('publish'),
    upgrade: list('upgrade'),
    response: null,
  };
}

/**
 * The 2010 example of "HTML5 Web Sockets: A Quantum Leap in Scalability for the Web"
 * (Peter Lubbers and Frank Greco, Kaazing, websocket.org, 2010), Examples 2 and 3: the
 * request and response header lines of one poll, verbatim (the article wraps the long
 * user-agent and cookie lines; here each is one line). They sum to 692 + 179 = 871
 * characters, the article's figure, without line ends, and to 909 with them.
 */
export const KAAZING_2010 = {
  request: [
    'GET /PollingStock//PollingStock HTTP/1.1',
    'Host: localhost:8080',
    'User-Agent: Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.9.1.5) Gecko/20091102 Firefox/3.5.5',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language: en-us',
    'Accept-Encoding: gzip,deflate',
    'Accept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7',
    'Keep-Alive: 300',
    'Connection: keep-alive',
    'Referer: http://www.example.com/PollingStock/',
    'Cookie: showInheritedConstant=false; showInheritedProtectedConstant=false; showInheritedProperty=false; showInheritedProtectedProperty=false; showInheritedMethod=false; showInheritedProtectedMethod=false; showInheritedEvent=false; showInheritedStyle=false; showInheritedEffect=false',
  ],
  response: [
    'HTTP/1.x 200 OK',
    'X-Powered-By: Servlet/2.5',
    'Server: Sun Java System Application Server 9.1_02',
    'Content-Type: text/html;charset=UTF-8',
    'Content-Length: 21',
    'Date: Sat, 07 Nov 2009 00:32:46 GMT',
  ],
} as const;

/** `Name: value` lines (after the request or status line) as a header list. */
function headerLines(lines: readonly string[]): HeaderList {
  return lines.slice(1).map((line) => {
    const colon = line.indexOf(': ');
    return [line.slice(0, colon), line.slice(colon + 2)] as const;
  });
}

/**
 * The 2010 lines as a profile: every request kind sends the example's header lines less
 * Host and Connection (the client writes its own); the server answers polls and long polls
 * with the example's response lines (its own status line, the real Content-Length and Date).
 */
function kaazingProfile(): HeaderProfile {
  const request = headerLines(KAAZING_2010.request).filter(([name]) => !isClientWritten(name));
  return {
    name: 'kaazing-2010',
    source:
      'the request and response header lines of the 2010 polling example (Lubbers and Greco, "HTML5 Web Sockets: A Quantum Leap in Scalability for the Web", websocket.org), sent by the clients and by pushbench\'s server',
    cookie: true,
    poll: request,
    longPoll: request,
    eventSource: request,
    publish: request,
    upgrade: request,
    response: headerLines(KAAZING_2010.response),
  };
}

const MINIMAL: HeaderProfile = {
  name: 'minimal',
  source: 'nothing beyond what the HTTP client writes itself (request line, host, connection; a POST adds content-type and content-length)',
  cookie: false,
  poll: [],
  longPoll: [],
  eventSource: [],
  publish: [['content-type', 'application/json']],
  upgrade: [],
  response: null,
};

/** The bundled profiles, one for each name of BUILTIN_PROFILE_NAMES (core/header-profile.ts). */
export const HEADER_PROFILES: Readonly<Record<BuiltinProfileName, HeaderProfile>> = {
  browser: profileFromCapture(CHROMIUM_CAPTURE, 'plain'),
  'browser-cookie': profileFromCapture(CHROMIUM_CAPTURE, 'cookie'),
  minimal: MINIMAL,
  'kaazing-2010': kaazingProfile(),
};

/** Profiles loaded from `--headers FILE` in this process, by name. */
const loaded = new Map<string, HeaderProfile>();

/** Makes a profile from a header file findable by name (see headerProfile). */
export function registerHeaderProfile(profile: HeaderProfile): void {
  loaded.set(profile.name, profile);
}

/** The profile of that name: a bundled one or one registered from a header file. */
export function headerProfile(name: string): HeaderProfile {
  const profile = (HEADER_PROFILES as Readonly<Record<string, HeaderProfile>>)[name] ?? loaded.get(name);
  if (profile === undefined)
    throw new RangeError(`unknown header profile ${JSON.stringify(name)}; bundled: ${BUILTIN_PROFILE_NAMES.join(', ')}`);
  return profile;
}

/** Bytes a list of headers takes on the wire in HTTP/1.1: `name: value\r\n` each. */
export function headerListBytes(headers: HeaderList): number {
  let bytes = 0;
  for (const [name, value] of headers) bytes += name.length + 2 + value.length + 2;
  return bytes;
}

/** Flattens a header list to undici's `[name, value, name, value, ...]` form. */
export function flatHeaders(headers: HeaderList): string[] {
  return headers.flat();
}

/**
 * Reads a permessage-deflate offer into the ws client option that makes ws write the same
 * offer (same parameters, so the same bytes once ws formats them as `a; b; c=15`). Null when
 * the value is not such an offer. ws offers a bare `client_max_window_bits` when the option
 * is absent and omits it when it is 0.
 */
export function deflateOfferOptions(value: string): PerMessageDeflateOptions | null {
  const [name, ...params] = value.split(';').map((part) => part.trim());
  if (name !== 'permessage-deflate') return null;
  const options: PerMessageDeflateOptions = { clientMaxWindowBits: 0 };
  for (const param of params) {
    const [key, raw] = param.split('=').map((part) => part.trim());
    const bits = raw === undefined ? undefined : Number(raw);
    if (bits !== undefined && !(Number.isInteger(bits) && bits >= 8 && bits <= 15)) return null;
    if (key === 'server_no_context_takeover' && raw === undefined) options.serverNoContextTakeover = true;
    else if (key === 'client_no_context_takeover' && raw === undefined) options.clientNoContextTakeover = true;
    else if (key === 'server_max_window_bits' && bits !== undefined) options.serverMaxWindowBits = bits;
    else if (key === 'client_max_window_bits') {
      if (bits === undefined) delete options.clientMaxWindowBits;
      else options.clientMaxWindowBits = bits;
    } else return null;
  }
  return options;
}

/**
 * The upgrade's extra headers as the ws client takes them: the profile's list without its
 * permessage-deflate offer, which becomes ws's `perMessageDeflate` option instead, so that
 * ws writes the offer itself and can handle the server's answer: if the server accepts,
 * frames are compressed; if it declines (pushbench's `websocket` server), nothing changes.
 */
export function wsUpgradeHeaders(list: HeaderList): {
  headers: Record<string, string>;
  perMessageDeflate: PerMessageDeflateOptions | false;
} {
  const headers: Record<string, string> = {};
  let perMessageDeflate: PerMessageDeflateOptions | false = false;
  for (const [name, value] of list) {
    const offer = name.toLowerCase() === 'sec-websocket-extensions' ? deflateOfferOptions(value) : null;
    if (offer !== null) perMessageDeflate = offer;
    else headers[name] = value;
  }
  return { headers, perMessageDeflate };
}

/**
 * The Origin values a profile sends (a browser's): a pushbench server these clients drive
 * must accept them, since it refuses a foreign Origin. Without `profile`, those of every
 * bundled profile.
 */
export function profileOrigins(profile?: HeaderProfile): string[] {
  const profiles = profile === undefined ? Object.values(HEADER_PROFILES) : [profile];
  const origins = new Set<string>();
  for (const p of profiles) {
    for (const kind of REQUEST_KINDS) for (const [name, value] of p[kind]) if (name.toLowerCase() === 'origin') origins.add(value);
  }
  return [...origins];
}

/**
 * A header profile's list with a target's own headers: a target header replaces the profile's
 * header of the same name where it stands (a browser already sends `accept: text/event-stream`;
 * it is not sent twice), the others follow in the target's order.
 */
export function withTargetHeaders(profile: HeaderList, extra: HeaderList): HeaderList {
  if (extra.length === 0) return profile;
  const byName = new Map(extra.map(([name, value]) => [name.toLowerCase(), [name, value] as const]));
  const merged = profile.map((header) => byName.get(header[0].toLowerCase()) ?? header);
  const present = new Set(profile.map(([name]) => name.toLowerCase()));
  for (const header of extra) if (!present.has(header[0].toLowerCase())) merged.push(header);
  return merged;
}
