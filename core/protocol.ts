/**
 * The wire protocol every pushbench server speaks and every client driver expects.
 * This module is the only thing `bench/` shares with `servers/`: paths, message
 * encoding, close codes, the monotonic clock and the IPC messages between a server
 * process and its parent.
 */

/** Every technique id, in the order reports show them. */
export const TECHNIQUES = ['polling', 'longpoll', 'sse', 'websocket'] as const;
export type TechniqueId = (typeof TECHNIQUES)[number];

export const PATHS = {
  polling: '/poll',
  longpoll: '/longpoll',
  sse: '/sse',
  websocket: '/ws',
  publish: '/publish',
  info: '/',
  /** The live browser demo: the four techniques side by side (servers/demo-page.ts). */
  demo: '/demo',
  /** ServerStats as JSON, for the demo page's per-technique bytes. */
  stats: '/stats',
} as const;

/** WebSocket close code sent when the client's `since` is older than the ring (like HTTP 410 Gone). */
export const WS_CLOSE_GONE = 4410;
/** WebSocket close code sent when a client's `since` is invalid (like HTTP 400). */
export const WS_CLOSE_BAD_REQUEST = 4400;
/** RFC 6455 "message too big". */
export const WS_CLOSE_TOO_BIG = 1009;

/** A message as it travels: `seq` increases by one per room, `t` is microseconds on the shared monotonic clock. */
export interface FeedMessage {
  seq: number;
  t: number;
  room?: number;
  data: string;
}

/** Microseconds on CLOCK_MONOTONIC, which every process on one Linux host shares. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const FILLER_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
let fillerBase = FILLER_ALPHABET;

/**
 * Deterministic filler of exactly `size` ASCII characters (so bytes == characters),
 * free of characters JSON would escape.
 */
export function filler(size: number, salt = 0): string {
  const offset = salt % FILLER_ALPHABET.length;
  if (fillerBase.length < size + offset) {
    fillerBase = FILLER_ALPHABET.repeat(Math.ceil((size + offset) / FILLER_ALPHABET.length) + 1);
  }
  return fillerBase.slice(offset, offset + size);
}


/**
 * Canonical JSON of a message, key order `seq, t, room, data`. Hand-written so that
 * every process produces the same bytes for the same message.
 */
export function encodeMessage(msg: FeedMessage): string {
  const room = msg.room === undefined ? '' : `,"room":${msg.room}`;
  return `{"seq":${msg.seq},"t":${msg.t}${room},"data":${JSON.stringify(msg.data)}}`;
}

/** Size in bytes of the frame header RFC 6455 puts before a payload of `length` bytes. */
export function wsFrameHeaderBytes(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 65536 ? 4 : 10;
  return base + (masked ? 4 : 0);
}

/** The bytes one SSE event for `msg` takes inside the stream (before chunked encoding). */
export function sseEvent(seq: number, json: string): string {
  return `id: ${seq}\ndata: ${json}\n\n`;
}

/** Bytes chunked transfer encoding adds around a chunk of `length` bytes: hex size, CRLF, CRLF. */
export function chunkFramingBytes(length: number): number {
  return length.toString(16).length + 4;
}

/** The body a client sends to `POST /publish` (and as a WebSocket text frame). */
export interface PublishBody {
  room?: number;
  /** Send time on the shared monotonic clock; the server keeps it as the message's `t`. */
  t?: number;
  data: string;
}

/** Byte counters of a set of sockets, as the kernel saw them (TCP payload). */
export interface ByteCounters {
  /** Bytes the server read (client to server). */
  up: number;
  /** Bytes the server wrote (server to client). */
  down: number;
  /** Of those, bytes of connection setup: request and response heads of SSE and the WebSocket upgrade. */
  setupUp: number;
  setupDown: number;
}

/** What a server reports: counters since it started plus a resource sample. */
export interface ServerStats {
  /** Monotonic µs at which this snapshot was taken. */
  at: number;
  bytes: ByteCounters;
  /** The same bytes split by the endpoint each connection first served (`polling`, ..., `publish`, `other`). */
  bytesByRoute: Record<string, { up: number; down: number }>;
  /** Per technique: requests, empty responses, messages written, open connections. */
  techniques: Partial<Record<TechniqueId, TechniqueCounters>>;
  connections: { open: number; total: number };
  published: number;
  /** Messages published whose timer fired after their scheduled time by more than 2 ms. */
  lateTicks: number;
  maxTickLateMs: number;
  rejected: { badRequest: number; notFound: number; methodNotAllowed: number; gone: number; tooLarge: number; forbidden: number };
  process: ProcessSample;
}

export interface TechniqueCounters {
  requests: number;
  emptyResponses: number;
  messagesWritten: number;
  open: number;
}

/** CPU, memory and event-loop figures of one process, cumulative since it started. */
export interface ProcessSample {
  /** Microseconds of user + system CPU since the process started. */
  cpuMicros: number;
  rssBytes: number;
  /** Event loop idle and active time (ms), from performance.eventLoopUtilization(). */
  eluIdleMs: number;
  eluActiveMs: number;
}

/** Messages between a server child process and its parent (runner). */
export type ServerToParent =
  | { type: 'ready'; url: string; techniques: TechniqueId[]; pid: number }
  | { type: 'stats'; id: number; stats: ServerStats; windowCount?: Record<string, number> }
  | { type: 'error'; message: string; code?: string };

export type ParentToServer =
  | { type: 'stats'; id: number }
  | { type: 'publish'; rate: number; startAt: number }
  | { type: 'window'; startT: number; endT: number }
  | { type: 'stop-publish' }
  | { type: 'close' };
