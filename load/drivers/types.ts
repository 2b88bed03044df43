/**
 * The one interface every technique's client driver implements. The generator creates
 * drivers through the registry and never asks which technique it holds.
 */
import type { HeaderProfile } from '../headers.ts';
import type { SocketCounter } from '../../core/socket-counter.ts';
import type { TechniqueFile } from '../../core/techniques.ts';

export interface DriverContext {
  /** `http://host:port` of the server. */
  readonly origin: string;
  readonly clientId: number;
  /** The chat room, or undefined for the broadcast feed. */
  readonly room: number | undefined;
  /** The seq the client has already seen: it asks for newer ones. */
  readonly startSeq: number;
  readonly intervalMs: number;
  readonly holdMs: number;
  readonly headers: HeaderProfile;
  readonly counter: SocketCounter;
  /** Hands over one received message (its seq, publish time and JSON size). */
  deliver(seq: number, t: number, jsonBytes: number): void;
  /** Counts one request answered: empty or not, and whether it went out later than scheduled. */
  countRequest(empty: boolean, late: boolean): void;
  /** Reports a client error; the client carries on where it can. */
  fail(error: Error): void;
}

export interface ClientDriver {
  /** Resolves once the client is connected and will receive every message published from now on. */
  connect(): Promise<void>;
  /**
   * Begins the client's own schedule (polling's request grid) at monotonic µs `at`, when
   * publishing starts. Until then a connected client stays quiet, so that connecting
   * thousands of clients never competes with their polls.
   */
  begin(at: number): void;
  /** Sends one upstream message (chat workload). */
  publish(body: string): void;
  /** Stops issuing new requests and waits (bounded) for the ones in flight. */
  stop(): Promise<void>;
  /** Closes every connection. */
  close(): Promise<void>;
}

export type DriverFactory = (ctx: DriverContext) => ClientDriver;

/** The default export of `load/drivers/<id>.ts`: the technique's client driver. */
export interface DriverTechnique extends TechniqueFile {
  readonly create: DriverFactory;
}

/**
 * Parses a poll body `[msg, msg, ...]`, hands each message over, and returns how many
 * there were and the newest seq (0 when empty).
 */
export function deliverArray(ctx: DriverContext, body: Buffer): { count: number; lastSeq: number } {
  if (body.length <= 2) return { count: 0, lastSeq: 0 };
  const messages = JSON.parse(body.toString('utf8')) as Array<{ seq: number; t: number }>;
  // The body is `[` + JSON (`,` JSON)* + `]`: the messages' JSON sizes sum to length - 2 - commas.
  const jsonBytes = (body.length - 2 - (messages.length - 1)) / messages.length;
  let lastSeq = 0;
  for (const msg of messages) {
    ctx.deliver(msg.seq, msg.t, jsonBytes);
    lastSeq = msg.seq;
  }
  return { count: messages.length, lastSeq };
}

/** The `?room=R&since=S` query every technique's endpoint takes. */
export function cursorQuery(room: number | undefined, since: number): string {
  return room === undefined ? `?since=${since}` : `?room=${room}&since=${since}`;
}

/** A message's sequence number and publish time. */
export interface Stamp {
  seq: number;
  t: number;
}

const SEQ_PREFIX = '{"seq":';
const T_INFIX = ',"t":';

/** Reads a run of ASCII digits at `at`; returns the value and where it ended (`end === at` when none). */
function digitsAt(code: (i: number) => number, at: number, length: number): { value: number; end: number } {
  let value = 0;
  let i = at;
  for (; i < length; i++) {
    const c = code(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
  }
  return { value, end: i };
}

/**
 * The seq and publish time of one message, read from the canonical prefix
 * `{"seq":N,"t":T,` that every pushbench server writes, without parsing the payload:
 * the load generator receives tens of thousands of messages a second and must not be
 * the bottleneck. Anything else (another server's key order) falls back to JSON.parse.
 */
export function readStamp(message: Buffer | string): Stamp {
  const text = typeof message === 'string';
  const code = text ? (i: number) => message.charCodeAt(i) : (i: number) => message[i]!;
  const length = message.length;
  let prefixOk = length > SEQ_PREFIX.length + T_INFIX.length;
  for (let i = 0; prefixOk && i < SEQ_PREFIX.length; i++) prefixOk = code(i) === SEQ_PREFIX.charCodeAt(i);
  if (prefixOk) {
    const seq = digitsAt(code, SEQ_PREFIX.length, length);
    let infixOk = seq.end > SEQ_PREFIX.length;
    for (let i = 0; infixOk && i < T_INFIX.length; i++) infixOk = code(seq.end + i) === T_INFIX.charCodeAt(i);
    if (infixOk) {
      const t = digitsAt(code, seq.end + T_INFIX.length, length);
      const after = code(t.end);
      if (t.end > seq.end + T_INFIX.length && (after === 44 || after === 125)) return { seq: seq.value, t: t.value };
    }
  }
  const parsed = JSON.parse(text ? message : message.toString('utf8')) as Stamp;
  return { seq: parsed.seq, t: parsed.t };
}
