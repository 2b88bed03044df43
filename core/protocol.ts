/**
 * The wire protocol every pushbench server speaks and every client driver expects.
 * Shared by `servers/` and `load/`: paths, message encoding, close codes, the monotonic
 * clock and the stats a server reports. The IPC messages between the runner and its
 * child processes are in core/ipc.ts.
 */

// Technique ids and their paths live in core/techniques.ts (one row per technique); re-exported
// here because every layer already reads the wire protocol from this module.
import type { TechniqueId } from './techniques.ts';
import type { WireParts } from './wire-parts.ts';
export { TECHNIQUES, type TechniqueId } from './techniques.ts';

/** The paths every server answers besides its techniques' own (`TECHNIQUE_META[id].path`). */
export const PATHS = {
  publish: '/publish',
  info: '/',
  /** The live browser demo: every served technique side by side (servers/demo-page.ts). */
  demo: '/demo',
  /** The demo's "where am I on the map" view as JSON, where the entry point gives the server one (cli/serve.ts). */
  demoMap: '/demo/map',
  /** ServerStats as JSON, for the demo page's per-technique bytes. */
  stats: '/stats',
  /** An empty 200 on a kept-alive connection: the tiny request the runner's round-trip probe times. */
  ping: '/ping',
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

/**
 * The filler's vocabulary: what a feed of small updates (orders, chat lines, sensor readings,
 * log events) carries. Repeated words are what make real text compressible; a random choice
 * among them, with numbers and `key=value` fields mixed in, compresses about as well as such
 * text does, where a repeated alphabet would flatter any compressor.
 */
const FILLER_WORDS = (
  'the a of to and in is for on with at by from as new order user status shipped pending paid ' +
  'cancelled refunded delivered message room channel reply thread update price total item items ' +
  'cart checkout payment invoice customer account session login logout alert warning error info ' +
  'debug sensor reading temperature humidity pressure battery signal device online offline ' +
  'connected region north south east west central europe america asia stock quote bid ask ' +
  'trade volume open close high low change market score goal match team player game round ' +
  'level points queue job task worker started finished failed retry timeout latency request ' +
  'response server client cache hit miss ready build deploy release version commit branch ' +
  'review comment like share follow post story photo video upload download file size name ' +
  'today tomorrow yesterday morning evening hello thanks please sure okay great see you soon ' +
  'meeting call lunch coffee weekend project deadline plan draft final report note ticket'
).split(' ');
const FILLER_KEYS = 'id user status region total qty price ref code level src dst ts seq score temp eta'.split(' ');

/** A seeded PRNG (mulberry32): uniform numbers in [0, 1), the same sequence for the same seed in every process. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** The filler's PRNG, reseeded from each call's salt so that every process writes the same text. */
let fillerRandom = seededRandom(0);

/** A 32-bit seed from any integer salt up to 2^53 (a seq, or a client id plus a µs timestamp). */
function seedFrom(salt: number): number {
  const lo = salt >>> 0;
  const hi = Math.floor(salt / 4294967296) >>> 0;
  return (Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((hi + 0x632be5ab) >>> 0, 0xc2b2ae35)) >>> 0;
}

function fillerWord(items: readonly string[]): string {
  return items[Math.floor(fillerRandom() * items.length)]!;
}

function fillerNumber(): string {
  const r = fillerRandom();
  if (r < 0.5) return String(Math.floor(fillerRandom() * 1000));
  if (r < 0.8) return String(Math.floor(fillerRandom() * 100_000));
  return (fillerRandom() * 1000).toFixed(2);
}

/**
 * Deterministic filler of exactly `size` ASCII characters (so bytes == characters), free of
 * characters JSON would escape: pseudo-random words, numbers and `key=value` fields separated
 * by spaces, commas and semicolons, from a PRNG seeded by `salt` (each message's text differs,
 * every process produces the same text for the same salt). Realistic for compression: see
 * FILLER_WORDS.
 */
export function filler(size: number, salt = 0): string {
  if (!(size > 0)) return '';
  fillerRandom = seededRandom(seedFrom(salt));
  let text = '';
  while (text.length < size) {
    if (text.length > 0) {
      const r = fillerRandom();
      text += r < 0.08 ? ', ' : r < 0.12 ? '; ' : ' ';
    }
    const kind = fillerRandom();
    if (kind < 0.25) text += `${fillerWord(FILLER_KEYS)}=${fillerRandom() < 0.5 ? fillerNumber() : fillerWord(FILLER_WORDS)}`;
    else if (kind < 0.37) text += fillerNumber();
    else text += fillerWord(FILLER_WORDS);
  }
  return text.slice(0, size);
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
  /** The same bytes split into parts by the server's taps (core/wire-parts.ts), every connection so far; absent from older servers. */
  parts?: WireParts;
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
  /** `acceptStopped`: one of several processes on one listening socket that reached its accept cap and stopped accepting. */
  connections: { open: number; total: number; acceptStopped?: boolean };
  published: number;
  /** Messages published whose timer fired after their scheduled time by more than 2 ms. */
  lateTicks: number;
  maxTickLateMs: number;
  /** The broadcast publisher's precision: see servers/publisher.ts. */
  publisher: PublisherSample;
  rejected: { badRequest: number; notFound: number; methodNotAllowed: number; gone: number; tooLarge: number; forbidden: number };
  process: ProcessSample;
}

/** How precisely the broadcast publisher met its due times. */
export interface PublisherSample {
  /** Microseconds spent busy-waiting for due times since the server started (CPU of the harness, not the technique). */
  busyWaitMicros: number;
  /** Microseconds the event loop was blocked waiting for due times (the sleep and the spin). */
  blockedMicros: number;
  /** HdrHistogram (µs, encoded) of how late each message due inside the window left the publisher. */
  latenessHistogram: string;
  /** HdrHistogram (µs, encoded) of how long the server's synchronous fan-out of each message due inside the window took (left the publisher to the last client's write returned). */
  fanOutHistogram: string;
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

/**
 * The accept queue asked of the kernel for a listening socket (it takes the lesser of this and
 * net.core.somaxconn, 4,096 here). Node's default is 511, and every listen() of a shared socket
 * sets it again, so each server process passes it too (servers/http-util.ts, run/server-group.ts):
 * before, the server processes' own listen() put the queue back to 511. A connect burst waits in
 * this queue while every server process is busy; past it the kernel drops the handshake's last
 * ACK and the client retransmits, seconds later. With 4,096, no overflow was counted at 100,000
 * clients (docs/results/2026-12-07-machine-limits.md).
 */
export const LISTEN_BACKLOG = 65_535;
