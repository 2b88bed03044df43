/**
 * The one interface every technique's client driver implements. The generator creates
 * drivers through the registry and never asks which technique it holds.
 */
import type { HeaderProfile } from '../headers.ts';
import type { ClientBytes, SocketCounter } from '../../core/socket-counter.ts';
import type { WireParts } from '../../core/wire-parts.ts';
import type { TechniqueFile } from '../../core/techniques.ts';
import type { ClientTab } from '../wire-clients.ts';
import { fillTemplate, type Subscription } from '../../core/targets.ts';
import { TargetRefusedError } from '../../core/errors.ts';

export { TargetRefusedError };

export interface DriverContext {
  /** `http://host:port` of the server. */
  readonly origin: string;
  readonly clientId: number;
  /** The chat room, or undefined for the broadcast feed. */
  readonly room: number | undefined;
  /** The seq the client has already seen: it asks for newer ones. */
  readonly startSeq: number;
  readonly intervalMs: number;
  /** Where in each period the client's own schedule (polling's requests) falls, as a fraction of the period, [0, 1). */
  readonly phase: number;
  readonly holdMs: number;
  readonly headers: HeaderProfile;
  readonly counter: SocketCounter;
  /** Where this client opens its connections: its wire's strategy (load/wire-clients.ts), counted on `counter`. */
  readonly tab: ClientTab;
  /** How this technique subscribes to the target: path, extra headers, cursor, body split, ... */
  readonly subscription: Subscription;
  /** How long a WebSocket's opening handshake may take (load/drivers/websocket.ts handshakeTimeoutFor); absent: its default. */
  readonly handshakeTimeoutMs?: number;
  /**
   * Hands over one received unit (a poll body's part, an SSE event's data, a WebSocket
   * message), or its bytes `[start, end)` (a frame inside a chunk, read in place); returns how
   * many stamps it held and the newest seq among them (0 when none).
   */
  receive(unit: Buffer, start?: number, end?: number): { count: number; lastSeq: number };
  /** Counts one request answered: empty or not, and whether it went out later than scheduled. */
  countRequest(empty: boolean, late: boolean): void;
  /**
   * For a driver whose connection is attributed by exchange (its sockets tracked with
   * `exchange`): the request about to go out is due at `dueAt` (monotonic µs). That instant
   * alone decides whether the whole exchange (its bytes, the messages it brings, its request
   * count) belongs to the measured window, so a window edge never splits an exchange.
   */
  beginExchange(dueAt: number): void;
  /** The exchange begun last has ended, with these bytes on the wire. */
  endExchange(bytes: ClientBytes, parts?: WireParts): void;
  /** Reports a client error; the client carries on where it can. */
  fail(error: Error): void;
  /** The server refused the client (an error status, a rejected handshake): the technique fails at once. */
  refuse(error: TargetRefusedError): void;
  /** Offers the head of a response that carried messages, kept verbatim for the report (the first one wins). */
  sampleHead(head: string): void;
  /** Its stream waits for a connection of its browser (`--tabs` on HTTP/1.1), or no longer: the edge snapshots do not wait for it meanwhile. */
  waiting?(yes: boolean): void;
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
  /**
   * Sends one upstream message (chat workload): `body` is pushbench's own publish body, or on a
   * target the stamped message that the subscription's upstream template wraps. `onAccepted`
   * runs once the target accepted it (see Upstream in core/targets.ts).
   */
  publish(body: string, onAccepted?: () => void): void;
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

/** The request path of a subscription for `room` with cursor `since`: `{room}` filled in, then the room and cursor query parameters. */
export function subscriptionPath(subscription: Subscription, room: number | undefined, since: number): string {
  const path = fillTemplate(subscription.path, { room: room === undefined ? 'broadcast' : String(room) });
  const params: string[] = [];
  if (room !== undefined && subscription.roomParam !== null) params.push(`${subscription.roomParam}=${room}`);
  if (subscription.cursor.kind === 'query') params.push(`${subscription.cursor.param}=${since}`);
  if (params.length === 0) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${params.join('&')}`;
}

/** At most this much of a refusing answer's body goes into the error message. */
const ANSWER_PREVIEW_BYTES = 200;

/** `GET /x answered 404: <first 200 bytes of the body, whitespace folded>`. */
export function refusal(what: string, status: number, body: Buffer | string): TargetRefusedError {
  const text = (typeof body === 'string' ? Buffer.from(body) : body)
    .subarray(0, ANSWER_PREVIEW_BYTES)
    .toString('utf8')
    .replace(/\s+/g, ' ')
    .trim();
  return new TargetRefusedError(`${what} answered ${status}${text === '' ? ' (empty body)' : `: ${text}`}`);
}
