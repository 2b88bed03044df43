/**
 * The one interface every technique's client driver implements. The generator creates
 * drivers through the registry and never asks which technique it holds.
 */
import type { HeaderProfile } from '../headers.ts';
import type { SocketCounter } from '../socket-counter.ts';

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
