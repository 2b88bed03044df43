/**
 * What every client and server writes, in bytes: request and response heads, poll bodies, SSE
 * events, WebSocket frames, and the scenario's typical seq, room and path. Pure arithmetic,
 * shared by the generic model (run/model.ts) and the technique models (run/techniques/<id>.ts).
 * Every size was taken from captured bytes (see the head of run/model.ts and
 * test/run/model.test.ts, which checks them against a real server).
 */
import { PATHS, chunkFramingBytes, wsFrameHeaderBytes } from '../core/protocol.ts';
import { TECHNIQUE_META, type TechniqueId } from '../core/techniques.ts';
import { headerListBytes, type HeaderList } from '../load/headers.ts';
import type { ScenarioParams } from '../core/results.ts';

/** `Date: Wed, 25 Nov 2026 19:00:04 GMT`: an IMF-fixdate is always 29 characters. */
export const HTTP_DATE_CHARS = 29;
/** Base64 of 16 random bytes. */
export const WS_KEY_CHARS = 24;
/** Base64 of a SHA-1. */
export const WS_ACCEPT_CHARS = 28;
/** The seq a client names in its SSE or WebSocket URL: it connects before the first message. */
export const SETUP_SINCE = 0;
/** Bytes of `"seq":` plus the comma after the value: what a message has and a publish body lacks. */
const SEQ_FIELD_CHARS = '"seq":,'.length;

const DATE = 'D'.repeat(HTTP_DATE_CHARS);
const CRLF = 2;

/** Decimal digits of a non-negative integer (1 for 0). */
export function digits(n: number): number {
  return String(Math.max(0, Math.round(n))).length;
}

// ---------------------------------------------------------------------------------------
// Heads: one function per thing a client or server writes.
// ---------------------------------------------------------------------------------------

/** A GET as undici writes it (poll, long poll, SSE): request line, host, connection, `headers`, blank line. */
export function getRequestBytes(path: string, host: string, headers: HeaderList): number {
  return `GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`.length + headerListBytes(headers) + CRLF;
}

/** The head of `POST /publish` as undici writes it: `content-length` comes after the caller's headers. */
export function publishRequestHeadBytes(host: string, headers: HeaderList, bodyBytes: number): number {
  return (
    `POST ${PATHS.publish} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`.length +
    headerListBytes(headers) +
    `content-length: ${Math.round(bodyBytes)}\r\n`.length +
    CRLF
  );
}

/**
 * node:http's head of a JSON answer (poll, long poll) with a body of `contentLength` bytes;
 * with a header profile's `response` lines (kaazing-2010), the head pushbench's server
 * writes instead: the status line, those lines (Content-Length and Date with their real
 * values, Content-Length added at the end when absent), the blank line.
 */
export function jsonResponseHeadBytes(contentLength: number, response: HeaderList | null = null): number {
  const length = String(Math.round(contentLength));
  if (response !== null) {
    let bytes = 'HTTP/1.1 200 OK\r\n'.length + CRLF;
    let sawLength = false;
    for (const [name, value] of response) {
      const lower = name.toLowerCase();
      sawLength ||= lower === 'content-length';
      bytes += name.length + 2 + (lower === 'content-length' ? length.length : lower === 'date' ? HTTP_DATE_CHARS : value.length) + CRLF;
    }
    return sawLength ? bytes : bytes + `Content-Length: ${length}\r\n`.length;
  }
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n`
    .length;
}

/** The whole `204 No Content` answer to `POST /publish`. */
export const NO_CONTENT_RESPONSE_BYTES =
  `HTTP/1.1 204 No Content\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n`.length;

/** The head that opens an SSE stream (chunked, so no Content-Length). */
export const SSE_RESPONSE_HEAD_BYTES =
  `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\nTransfer-Encoding: chunked\r\n\r\n`
    .length;

/**
 * The ws client's upgrade request: the caller's headers first, ws's own after them, `Host`
 * last. A permessage-deflate offer in `headers` is written by ws (same bytes, another place:
 * load/headers.ts wsUpgradeHeaders); `offersDeflate` adds ws's default offer when they carry none.
 */
export function wsUpgradeRequestBytes(path: string, host: string, headers: HeaderList, offersDeflate = false): number {
  const key = 'K'.repeat(WS_KEY_CHARS);
  const listOffers = headers.some(([name]) => name.toLowerCase() === 'sec-websocket-extensions');
  const offer = offersDeflate && !listOffers ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '';
  return (
    `GET ${path} HTTP/1.1\r\n`.length +
    headerListBytes(headers) +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${offer}Host: ${host}\r\n\r\n`
      .length
  );
}

/** The server's `101 Switching Protocols` (no extension accepted). */
export const WS_UPGRADE_RESPONSE_BYTES =
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${'A'.repeat(WS_ACCEPT_CHARS)}\r\n\r\n`
    .length;

// ---------------------------------------------------------------------------------------
// Bodies and framing of one message.
// ---------------------------------------------------------------------------------------

/** A poll body carrying `count` messages of `messageBytes`: `[]`, or `[` + JSON joined by `,` + `]`. */
export function pollBodyBytes(count: number, messageBytes: number): number {
  return count <= 0 ? 2 : count * messageBytes + (count - 1) + 2;
}

/** `id: SEQ\ndata: JSON\n\n`: one SSE event before chunked encoding. */
export function sseEventBytes(seq: number, messageBytes: number): number {
  return `id: ${'9'.repeat(digits(seq))}\ndata: \n\n`.length + messageBytes;
}

/** One SSE event as it travels: the event in its own chunk `HEX\r\n...\r\n`. */
export function sseChunkBytes(seq: number, messageBytes: number): number {
  const event = sseEventBytes(seq, messageBytes);
  return event + chunkFramingBytes(event);
}

/** A WebSocket frame: payload plus RFC 6455 header (plus the 4-byte mask client to server). */
export function wsFrameBytes(payloadBytes: number, masked: boolean): number {
  return payloadBytes + wsFrameHeaderBytes(payloadBytes, masked);
}

/**
 * The chat publish body `{"room":R,"t":T,"data":"…"}`: the delivered message
 * `{"seq":S,"t":T,"room":R,"data":"…"}` without `"seq":S,` (same t, room and data).
 */
export function publishBodyBytes(messageBytes: number, seq: number): number {
  return messageBytes - SEQ_FIELD_CHARS - digits(seq);
}

// ---------------------------------------------------------------------------------------
// The scenario: which seq, room and path a typical request names.
// ---------------------------------------------------------------------------------------

/** Messages/s on the feed one client reads: the broadcast rate, or a chat room's rate (roomSize x rate). */
export function feedRate(params: ScenarioParams): number {
  return params.workload === 'chat' ? params.rate * params.roomSize : params.rate;
}

/**
 * The seq of a typical message in the measured window: the one published halfway through
 * it, counting from the start of the warm-up (seq digits grow with the run's length).
 */
export function typicalSeq(params: ScenarioParams): number {
  return Math.max(1, Math.round((feedRate(params) * (params.warmupMs + params.durationMs / 2)) / 1000));
}

/** Chat: the middle one of the rooms 0..rooms-1 the clients fill; broadcast: none. */
export function typicalRoom(params: ScenarioParams): number | undefined {
  if (params.workload !== 'chat') return undefined;
  const rooms = Math.max(1, Math.ceil(params.clients / params.roomSize));
  return Math.floor((rooms - 1) / 2);
}

/** The path a client requests: `/poll?since=S`, or `/poll?room=R&since=S` for chat. */
export function clientPath(technique: TechniqueId, params: ScenarioParams, since: number): string {
  const room = typicalRoom(params);
  return `${TECHNIQUE_META[technique].path}?${room === undefined ? '' : `room=${room}&`}since=${since}`;
}

/** 1,243 or 1,470.5: thousands separated, at most two decimals (for the formula text). */
/** A push technique's latency: the message is written when it reaches the server, and travels one way (half the measured RTT). */
export function oneWayTrip(ctx: { measured: { rttMs: number } }): { mean: number; max: number } {
  return { mean: ctx.measured.rttMs / 2, max: ctx.measured.rttMs / 2 };
}

export function fmt(n: number): string {
  return FMT.format(n);
}
/** One formatter for every figure: toLocaleString with options builds one per call, which made a map's model slow (0.05 ms a number). */
const FMT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
