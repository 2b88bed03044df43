/**
 * `--headers FILE`: the user's own header sets, from a JSON file of header lists per
 * request kind or from a HAR file exported from a browser's developer tools.
 *
 * JSON: `{"poll": [["User-Agent", "..."], ...], "longPoll": [...], "eventSource": [...],
 * "publish": [...], "upgrade": [...], "response": [...]}`. Every key is optional but one
 * request kind is needed; a kind left out gets the `poll` list (upgrade: no extra lines).
 * `response` (optional) replaces the lines pushbench's server writes on poll and long-poll
 * answers (see HeaderProfile.response).
 *
 * HAR: each request is sorted into a kind: a POST is a publish; a GET that upgrades to
 * WebSocket an upgrade; a GET accepting text/event-stream an event source; any other fetch or
 * XHR GET a long poll when its path says `longpoll` or its answer took a second or more,
 * else a poll. Page loads, scripts and images are ignored; the first request of each kind
 * is used; a kind without one falls back as above (long poll and poll stand in for each
 * other). The lines the client writes itself (Host, Connection, Content-Length, Upgrade,
 * the WebSocket key and version, HTTP/2 pseudo-headers) are dropped from a HAR.
 *
 * Refused (exit 2, naming what and where): a file that is neither, a HAR that is not HAR,
 * a header file that sets a line the client writes itself, a name or value with a line
 * break, a name that is not an HTTP token.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { TRANSPORTS } from '../core/techniques.ts';
import { CLIENT_WRITTEN_HEADERS, REQUEST_KINDS, type HeaderList, type HeaderProfile, type RequestKind } from './headers.ts';

/**
 * A header file that cannot be used: bad input (PUSHBENCH_INVALID_CONFIG, exit 2). `.message`
 * names the file, the problem and what is allowed (`FILE sets "Host" in poll; ...`); the CLI
 * prefixes the option it came from: `invalid --headers: `.
 */
export class HeaderFileError extends ConfigError {}

const FILE_KEYS = [...REQUEST_KINDS, 'response'] as const;
type FileKey = (typeof FILE_KEYS)[number];

/** RFC 9110 token characters: what a header name may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Response lines the server must write itself (framing and connection management). */
const SERVER_WRITTEN_HEADERS = ['connection', 'transfer-encoding', 'upgrade', 'keep-alive'];

/** A HAR request is long-polling when its answer was held at least this long. */
export const HAR_LONGPOLL_WAIT_MS = 1000;

function fail(file: string, problem: string): HeaderFileError {
  return new HeaderFileError(`${file} ${problem}`);
}

/** Checks one line's name and value; `where` names the list it is in (`poll`, `publish`, ...). */
function checkLine(file: string, where: string, name: string, value: string, written: readonly string[], writtenText: string): void {
  if (/[\r\n]/.test(name))
    throw fail(file, `has a header name with a line break in ${where}: ${JSON.stringify(name)}; names and values must be one line each`);
  if (/[\r\n]/.test(value))
    throw fail(
      file,
      `has a line break in the value of ${JSON.stringify(name)} in ${where}: ${JSON.stringify(value)}; names and values must be one line each`,
    );
  if (!TOKEN.test(name))
    throw fail(file, `has an invalid header name in ${where}: ${JSON.stringify(name)}; allowed: letters, digits and !#$%&'*+-.^_\`|~`);
  if (written.includes(name.toLowerCase())) throw fail(file, `sets ${JSON.stringify(name)} in ${where}; ${writtenText}`);
}

const REQUEST_WRITTEN_TEXT =
  'the client writes Host, Connection, Content-Length, Upgrade, Transfer-Encoding, Sec-WebSocket-Key and Sec-WebSocket-Version itself: leave them out';
const RESPONSE_WRITTEN_TEXT = 'the server writes Connection, Transfer-Encoding, Upgrade and Keep-Alive itself: leave them out';

function readList(file: string, key: FileKey, input: unknown): HeaderList {
  if (!Array.isArray(input))
    throw fail(file, `has ${JSON.stringify(key)} as ${JSON.stringify(input)?.slice(0, 80)}; expected a list of [name, value] pairs`);
  return input.map((pair: unknown, i): readonly [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw fail(file, `has ${key}[${i}] = ${JSON.stringify(pair)?.slice(0, 80)}; expected a [name, value] pair of strings`);
    }
    const [name, value] = pair as [string, string];
    checkLine(
      file,
      key,
      name,
      value,
      key === 'response' ? SERVER_WRITTEN_HEADERS : CLIENT_WRITTEN_HEADERS,
      key === 'response' ? RESPONSE_WRITTEN_TEXT : REQUEST_WRITTEN_TEXT,
    );
    return [name, value];
  });
}

function hasCookie(lists: readonly HeaderList[]): boolean {
  return lists.some((list) => list.some(([name]) => name.toLowerCase() === 'cookie'));
}

/** Fills the kinds a file left out: long poll and poll stand in for each other, the event stream and publish take poll's, the upgrade none. */
function complete(found: Partial<Record<RequestKind, HeaderList>>): Record<RequestKind, HeaderList> {
  const poll = found.poll ?? found.longPoll ?? found.eventSource ?? found.publish ?? [];
  return {
    poll,
    longPoll: found.longPoll ?? poll,
    eventSource: found.eventSource ?? poll,
    publish: found.publish ?? poll,
    upgrade: found.upgrade ?? [],
  };
}

/** The profile of a JSON header file's text. */
export function profileFromJson(text: string, file: string): HeaderProfile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw fail(
      file,
      `is not JSON (${(error as Error).message}); expected a JSON object of header lists per request kind (${FILE_KEYS.join(', ')}) or a HAR file`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw fail(
      file,
      `is ${JSON.stringify(data)?.slice(0, 80)}; expected a JSON object of header lists per request kind (${FILE_KEYS.join(', ')}) or a HAR file`,
    );
  }
  if ('log' in data) return profileFromHar(data, file);
  const found: Partial<Record<RequestKind, HeaderList>> = {};
  let response: HeaderList | null = null;
  for (const [key, value] of Object.entries(data)) {
    if (!(FILE_KEYS as readonly string[]).includes(key))
      throw fail(file, `has an unknown key ${JSON.stringify(key)}; allowed: ${FILE_KEYS.join(', ')}`);
    const list = readList(file, key as FileKey, value);
    if (key === 'response') response = list;
    else found[key as RequestKind] = list;
  }
  if (REQUEST_KINDS.every((kind) => found[kind] === undefined))
    throw fail(file, `has no request kind; expected at least one of ${REQUEST_KINDS.join(', ')}`);
  const lists = complete(found);
  return {
    name: `file:${path.basename(file)}`,
    source: `the header file ${file}`,
    cookie: hasCookie(Object.values(lists)),
    ...lists,
    response,
  };
}

interface HarHeader {
  name: string;
  value: string;
}

interface HarEntry {
  request: { method: string; url: string; headers: HarHeader[] };
  timings?: { wait?: number };
  _resourceType?: string;
}

/** The HAR entry's kind, or null for what a push client never sends (page loads, scripts, images). */
function harKind(entry: HarEntry): RequestKind | null {
  const header = (name: string): string => entry.request.headers.find((h) => h.name.toLowerCase() === name)?.value.toLowerCase() ?? '';
  const type = entry._resourceType?.toLowerCase();
  const method = entry.request.method.toUpperCase();
  if (method === 'POST') return 'publish';
  if (method !== 'GET') return null;
  // Chrome names a WebSocket entry's resource type after the protocol's upgrade token.
  const ws = TRANSPORTS.ws.upgradeToken;
  if (type === ws || header('upgrade') === ws) return 'upgrade';
  if (type === 'eventsource' || header('accept').includes('text/event-stream')) return 'eventSource';
  if (
    type !== undefined
      ? type !== 'fetch' && type !== 'xhr'
      : ['document', 'image', 'script', 'style', 'font'].includes(header('sec-fetch-dest'))
  )
    return null;
  let pathname = '';
  try {
    pathname = new URL(entry.request.url).pathname.toLowerCase();
  } catch {
    // a relative or odd URL: decided by the timing alone
  }
  const held = (entry.timings?.wait ?? 0) >= HAR_LONGPOLL_WAIT_MS;
  return /long-?poll/.test(pathname) || held ? 'longPoll' : 'poll';
}

/** The profile of a HAR document (already parsed), `file` naming it in messages. */
export function profileFromHar(data: unknown, file: string): HeaderProfile {
  const log = (data as { log?: unknown } | null)?.log;
  const entries = (log as { entries?: unknown } | null | undefined)?.entries;
  if (typeof log !== 'object' || log === null || !Array.isArray(entries)) {
    throw fail(file, `is not a HAR file: expected {"log": {"entries": [...]}}, received ${JSON.stringify(data)?.slice(0, 80)}`);
  }
  const found: Partial<Record<RequestKind, HeaderList>> = {};
  const used: string[] = [];
  entries.forEach((raw: unknown, i) => {
    const entry = raw as HarEntry;
    const request = entry?.request;
    if (typeof request?.method !== 'string' || typeof request.url !== 'string' || !Array.isArray(request.headers)) {
      throw fail(file, `is not a HAR file: log.entries[${i}] has no request with a method, a url and headers`);
    }
    const kind = harKind(entry);
    if (kind === null || found[kind] !== undefined) return;
    found[kind] = request.headers
      .filter((h) => !h.name.startsWith(':') && !CLIENT_WRITTEN_HEADERS.includes(h.name.toLowerCase()))
      .map((h, j): readonly [string, string] => {
        if (typeof h.name !== 'string' || typeof h.value !== 'string')
          throw fail(file, `is not a HAR file: log.entries[${i}].request.headers[${j}] is not a {name, value} pair of strings`);
        checkLine(file, `log.entries[${i}] (${kind})`, h.name, h.value, CLIENT_WRITTEN_HEADERS, REQUEST_WRITTEN_TEXT);
        return [h.name, h.value];
      });
    used.push(`${kind} from ${request.method} ${request.url}`);
  });
  if (used.length === 0)
    throw fail(
      file,
      `has no request a push client makes: expected a fetch or XHR GET, an EventSource, a WebSocket upgrade or a POST among its ${entries.length} entries`,
    );
  const lists = complete(found);
  return {
    name: `file:${path.basename(file)}`,
    source: `the HAR file ${file} (${used.join('; ')})`,
    cookie: hasCookie(Object.values(lists)),
    ...lists,
    response: null,
  };
}

/**
 * Loads `--headers FILE`: a `.har` file must be HAR; any other file is a JSON header file,
 * or HAR when its object has a `log` key (dev tools may save HAR as .json).
 */
export function loadHeaderFile(file: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): HeaderProfile {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    throw fail(
      file,
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a JSON header file or a HAR file`,
    );
  }
  if (file.toLowerCase().endsWith('.har')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw fail(file, `is not a HAR file: it is not JSON (${(error as Error).message})`);
    }
    return profileFromHar(data, file);
  }
  return profileFromJson(text, file);
}
