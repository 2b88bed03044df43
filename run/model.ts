/**
 * The analytic model: what each technique should cost on the wire and in latency for a
 * scenario, computed from the exact bytes the clients and servers write (request lines,
 * header lists, status lines, chunk and frame headers). Pure: no I/O, no clock. The
 * runner prints it next to the measurement; a gap between the two is a finding or a bug.
 *
 * Every size below was taken from captured bytes (see test/run/model.test.ts, which
 * checks them against a real server):
 * - undici `Client.dispatch` GET: `GET path HTTP/1.1`, `host`, `connection: keep-alive`,
 *   then the caller's headers in order; a POST adds `content-length: N` after them.
 * - node:http responses: `Content-Type`, `Content-Length`, `Date` (29 chars),
 *   `Connection: keep-alive`, `Keep-Alive: timeout=65` (the server's keep-alive timeout).
 * - ws client upgrade: the caller's headers, then `Sec-WebSocket-Version`,
 *   `Sec-WebSocket-Key` (24 chars), `Connection`, `Upgrade`, optionally
 *   `Sec-WebSocket-Extensions` (the permessage-deflate offer), then `Host`.
 */
import { PATHS, chunkFramingBytes, wsFrameHeaderBytes, type TechniqueId } from '../core/protocol.ts';
import { headerListBytes, headerProfile, type HeaderList, type HeaderProfile } from '../load/headers.ts';
import type { ModelEstimate, ScenarioParams } from '../core/results.ts';
import { PushbenchError } from '../core/errors.ts';

/** Where the clients connect, as it appears on the wire. */
export interface WireContext {
  /** The `host` header value, e.g. `127.0.0.1:41234`. */
  host: string;
  /** Whether the ws client offers permessage-deflate in its upgrade (default false: pushbench never compresses). */
  wsOffersDeflate?: boolean;
}

/** A scenario the model cannot describe; the message names the parameter, the value and what is allowed. */
export class ModelInputError extends PushbenchError<'PUSHBENCH_MODEL_INPUT'> {
  constructor(message: string) {
    super('PUSHBENCH_MODEL_INPUT', message);
  }
}

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
 * with a profile's `response` lines, the head pushbench's server writes instead: the status
 * line, those lines (Content-Length and Date with their real values, Content-Length added
 * at the end when absent), the blank line.
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
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n`.length;
}

/** The whole `204 No Content` answer to `POST /publish`. */
export const NO_CONTENT_RESPONSE_BYTES = `HTTP/1.1 204 No Content\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n`.length;

/** The head that opens an SSE stream (chunked, so no Content-Length). */
export const SSE_RESPONSE_HEAD_BYTES =
  `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nDate: ${DATE}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\nTransfer-Encoding: chunked\r\n\r\n`
    .length;

/**
 * The ws client's upgrade request: the caller's headers first, ws's own after them, `Host`
 * last. A permessage-deflate offer in `headers` is written by ws (same bytes, another
 * place); `offersDeflate` adds ws's default offer when the headers carry none.
 */
export function wsUpgradeRequestBytes(path: string, host: string, headers: HeaderList, offersDeflate = false): number {
  const key = 'K'.repeat(WS_KEY_CHARS);
  const listOffers = headers.some(([name]) => name.toLowerCase() === 'sec-websocket-extensions');
  const offer = offersDeflate && !listOffers ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '';
  return (
    `GET ${path} HTTP/1.1\r\n`.length +
    headerListBytes(headers) +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${offer}Host: ${host}\r\n\r\n`.length
  );
}

/** The server's `101 Switching Protocols` (no extension accepted). */
export const WS_UPGRADE_RESPONSE_BYTES =
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${'A'.repeat(WS_ACCEPT_CHARS)}\r\n\r\n`.length;

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
  return `${PATHS[technique]}?${room === undefined ? '' : `room=${room}&`}since=${since}`;
}

// ---------------------------------------------------------------------------------------
// Per technique: bytes per delivered message, heads and latency.
// ---------------------------------------------------------------------------------------

interface ModelContext {
  readonly params: ScenarioParams;
  readonly wire: WireContext;
  readonly profile: HeaderProfile;
  /** Message JSON bytes. */
  readonly m: number;
  /** Messages/s on the feed one client reads. */
  readonly rate: number;
  readonly seq: number;
}

/** Bytes/s one poller exchanges, given the feed rate `r` and the poll rate `p`. */
interface PollTraffic {
  bytesPerSecond: number;
  responseHeadBytes: number;
  /** The bracketed part of the formula, e.g. `1 poll/s × 1,243 B request + ...`. */
  text: string;
}

function pollTraffic(r: number, p: number, requestBytes: number, m: number, response: HeaderList | null): PollTraffic {
  const emptyHead = jsonResponseHeadBytes(pollBodyBytes(0, m), response);
  const request = `${fmt(p)} poll${p === 1 ? '' : 's'}/s × ${fmt(requestBytes)} B request`;
  if (r <= p) {
    // Each message rides alone on one poll; the other polls come back `[]`.
    const body = pollBodyBytes(1, m);
    const head = jsonResponseHeadBytes(body, response);
    const empty = p - r;
    const emptyText = empty > 0 ? ` + ${fmt(empty)} empty/s × (${fmt(emptyHead)} B head + 2 B body)` : '';
    return {
      bytesPerSecond: p * requestBytes + r * (head + body) + empty * (emptyHead + 2),
      responseHeadBytes: head,
      text: `${request} + ${fmt(r)} msg/s × (${fmt(head)} B head + ${fmt(body)} B body)${emptyText}`,
    };
  }
  // More messages than polls: every poll carries k of them in one array.
  const k = r / p;
  const body = pollBodyBytes(k, m);
  const head = jsonResponseHeadBytes(body, response);
  return {
    bytesPerSecond: p * (requestBytes + head + body),
    responseHeadBytes: head,
    text: `${request} + ${fmt(p)} poll${p === 1 ? '' : 's'}/s × (${fmt(head)} B head + ${fmt(body)} B body of ${fmt(k)} msgs)`,
  };
}

/** What a technique costs per delivered message, before the chat upstream is added. */
interface DownModel {
  /** Bytes per delivered message, up + down. */
  bytes: number;
  requestHeadBytes: number;
  responseHeadBytes: number;
  latencyMs: { mean: number; max: number };
  /** The formula's arithmetic, producing `bytes`. */
  text: string;
  latencyText: string;
}

type TechniqueModel = (ctx: ModelContext) => DownModel;

const pollingModel: TechniqueModel = (ctx) => {
  const { intervalMs } = ctx.params;
  const p = 1000 / intervalMs;
  const requestBytes = getRequestBytes(clientPath('polling', ctx.params, ctx.seq), ctx.wire.host, ctx.profile.poll);
  const traffic = pollTraffic(ctx.rate, p, requestBytes, ctx.m, ctx.profile.response);
  return {
    bytes: traffic.bytesPerSecond / ctx.rate,
    requestHeadBytes: requestBytes,
    responseHeadBytes: traffic.responseHeadBytes,
    latencyMs: { mean: intervalMs / 2, max: intervalMs },
    text: `(${traffic.text}) ÷ ${fmt(ctx.rate)} msg/s`,
    latencyText: `latency mean ${fmt(intervalMs / 2)} ms (half the interval), max ${fmt(intervalMs)} ms`,
  };
};

const longpollModel: TechniqueModel = (ctx) => {
  const { holdMs } = ctx.params;
  const requestBytes = getRequestBytes(clientPath('longpoll', ctx.params, ctx.seq), ctx.wire.host, ctx.profile.longpoll);
  const body = pollBodyBytes(1, ctx.m);
  const head = jsonResponseHeadBytes(body, ctx.profile.response);
  const emptyHead = jsonResponseHeadBytes(pollBodyBytes(0, ctx.m), ctx.profile.response);
  // A hold that ends before the next message comes back `[]` and is re-requested.
  const gapMs = 1000 / ctx.rate;
  const emptyRounds = Math.floor(gapMs / holdMs);
  const emptyText = emptyRounds > 0 ? ` + ${fmt(emptyRounds)} empty round${emptyRounds === 1 ? '' : 's'} × (${fmt(requestBytes)} B request + ${fmt(emptyHead)} B head + 2 B body)` : '';
  return {
    bytes: requestBytes + head + body + emptyRounds * (requestBytes + emptyHead + 2),
    requestHeadBytes: requestBytes,
    responseHeadBytes: head,
    latencyMs: { mean: 0, max: 0 },
    text: `${fmt(requestBytes)} B request + ${fmt(head)} B head + ${fmt(body)} B body${emptyText}`,
    latencyText: 'latency 0 beyond one network trip (the held response carries the message at once)',
  };
};

const sseModel: TechniqueModel = (ctx) => {
  const event = sseEventBytes(ctx.seq, ctx.m);
  const framing = chunkFramingBytes(event);
  return {
    bytes: event + framing,
    requestHeadBytes: getRequestBytes(clientPath('sse', ctx.params, SETUP_SINCE), ctx.wire.host, ctx.profile.sse),
    responseHeadBytes: SSE_RESPONSE_HEAD_BYTES,
    latencyMs: { mean: 0, max: 0 },
    text: `${fmt(ctx.m)} B message + ${fmt(event - ctx.m)} B id:/data: lines + ${fmt(framing)} B chunk framing`,
    latencyText: 'latency 0 beyond one network trip (the event is written when published); the stream head is setup, not counted per message',
  };
};

const websocketModel: TechniqueModel = (ctx) => {
  const header = wsFrameHeaderBytes(ctx.m, false);
  return {
    bytes: ctx.m + header,
    requestHeadBytes: wsUpgradeRequestBytes(clientPath('websocket', ctx.params, SETUP_SINCE), ctx.wire.host, ctx.profile.websocket, ctx.wire.wsOffersDeflate),
    responseHeadBytes: WS_UPGRADE_RESPONSE_BYTES,
    latencyMs: { mean: 0, max: 0 },
    text: `${fmt(ctx.m)} B message + ${fmt(header)} B frame header`,
    latencyText: 'latency 0 beyond one network trip (the frame is written when published); the upgrade is setup, not counted per message',
  };
};

/** One row per technique: adding a technique adds a row, nothing else here changes. */
const TECHNIQUE_MODELS: Readonly<Record<TechniqueId, TechniqueModel>> = {
  polling: pollingModel,
  longpoll: longpollModel,
  sse: sseModel,
  websocket: websocketModel,
};

/** Chat: bytes one sent message costs upstream, and how the formula states it. */
export function upstreamBytes(technique: TechniqueId, params: ScenarioParams, wire: WireContext): { bytes: number; text: string } {
  const body = publishBodyBytes(params.messageBytes, typicalSeq(params));
  if (technique === 'websocket') {
    const header = wsFrameHeaderBytes(body, true);
    return { bytes: body + header, text: `${fmt(body)} B body + ${fmt(header)} B masked frame header` };
  }
  const head = publishRequestHeadBytes(wire.host, headerProfile(params.headers).publish, body);
  return {
    bytes: head + body + NO_CONTENT_RESPONSE_BYTES,
    text: `${fmt(head)} B POST head + ${fmt(body)} B body + ${fmt(NO_CONTENT_RESPONSE_BYTES)} B 204`,
  };
}

/** The analytic cost of `technique` in the scenario `params`, per delivered message. */
export function modelFor(technique: TechniqueId, params: ScenarioParams, wire: WireContext): ModelEstimate {
  validate(technique, params, wire);
  const ctx: ModelContext = {
    params,
    wire,
    profile: headerProfile(params.headers),
    m: params.messageBytes,
    rate: feedRate(params),
    seq: typicalSeq(params),
  };
  const down = TECHNIQUE_MODELS[technique](ctx);
  let totalBytes = down.bytes;
  let payload = ctx.m;
  let text = down.text;
  if (params.workload === 'chat') {
    // Every sent message reaches roomSize members: its upstream cost is shared among them.
    // The published body is payload too (as the runner counts it); its framing is overhead.
    const up = upstreamBytes(technique, params, wire);
    totalBytes += up.bytes / params.roomSize;
    payload += publishBodyBytes(params.messageBytes, typicalSeq(params)) / params.roomSize;
    text = `${text} + (${up.text}) ÷ ${fmt(params.roomSize)} room member${params.roomSize === 1 ? '' : 's'}`;
  }
  return {
    requestHeadBytes: down.requestHeadBytes,
    responseHeadBytes: down.responseHeadBytes,
    perMessage: { totalBytes, overheadBytes: totalBytes - payload },
    latencyMs: down.latencyMs,
    formula: `${text} = ${fmt(totalBytes)} B per delivered message (${fmt(payload)} B of it payload); ${down.latencyText}`,
  };
}

function validate(technique: TechniqueId, params: ScenarioParams, wire: WireContext): void {
  if (!(technique in TECHNIQUE_MODELS)) {
    throw new ModelInputError(`invalid technique: received ${JSON.stringify(technique)}; expected one of ${Object.keys(TECHNIQUE_MODELS).join(', ')}`);
  }
  const positive = (name: string, value: number, unit: string): void => {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new ModelInputError(`invalid ${name}: received ${value}; the model needs a positive ${unit}`);
    }
  };
  positive('rate', params.rate, 'rate (messages/s)');
  positive('messageBytes', params.messageBytes, 'message size (bytes)');
  if (technique === 'polling') positive('intervalMs', params.intervalMs, 'poll interval (ms)');
  if (technique === 'longpoll') positive('holdMs', params.holdMs, 'hold timeout (ms)');
  if (params.workload === 'chat' && !(Number.isInteger(params.roomSize) && params.roomSize >= 1)) {
    throw new ModelInputError(`invalid roomSize: received ${params.roomSize}; the chat model needs an integer >= 1`);
  }
  if (wire.host === '') throw new ModelInputError('invalid host: received ""; expected the host header value, e.g. 127.0.0.1:41234');
}

/** 1,243 or 1,470.5: thousands separated, at most two decimals. */
function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
