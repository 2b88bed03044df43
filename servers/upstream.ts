/**
 * Upstream messages: a `POST /publish` body (a chat client's, or pushbench's publisher's for a
 * running server) or a WebSocket text frame, validated the same way for every technique,
 * stamped with a seq in its room.
 */
import type { FeedRegistry } from './feed.ts';
import { nowMicros } from '../core/protocol.ts';

export interface UpstreamMessage {
  room: number | undefined;
  t: number;
  data: string;
}

/**
 * How old a client's own stamp `t` may be, in µs. Clients on this host stamp with the same
 * monotonic clock as the server, so an honest stamp is never in the future and at most a
 * queued request old; a minute is far beyond any request the server lets live (30 s).
 */
export const MAX_CLIENT_STAMP_AGE_MICROS = 60_000_000;

const SHAPE = '{"data": string, "room"?: integer, "t"?: integer}';

/**
 * Parses and validates a publish body; returns a message naming the problem when invalid.
 * `room` must be one of the server's rooms. `t` (the sender's send time or, from pushbench's
 * publisher, the message's due time, which latency is measured from) is accepted only from
 * `now - MAX_CLIENT_STAMP_AGE_MICROS` to `now`: a stamp cannot fake a latency by lying in the
 * future or far in the past. Without one the server's clock stamps the message.
 */
export function parsePublishBody(
  raw: Buffer | string,
  rooms: Pick<FeedRegistry, 'hasRoom' | 'describeRooms'>,
  now = nowMicros(),
): UpstreamMessage | string {
  let body: unknown;
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return `body is not valid JSON; expected ${SHAPE}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return `body must be a JSON object ${SHAPE}`;
  }
  const { data, room, t } = body as Record<string, unknown>;
  if (typeof data !== 'string') return `"data" must be a string; received ${typeof data}`;
  if (room !== undefined && !(typeof room === 'number' && rooms.hasRoom(room))) {
    return `"room" must be one of this server's rooms (${rooms.describeRooms()}); received ${JSON.stringify(room)}`;
  }
  if (t === undefined) return { room: room as number | undefined, t: now, data };
  if (!(typeof t === 'number' && Number.isSafeInteger(t) && t > 0)) {
    return `"t" must be a positive integer (monotonic microseconds); received ${JSON.stringify(t)}`;
  }
  if (t > now) return `"t" must not lie in the future: received ${t}, the server's clock reads ${now}`;
  if (t < now - MAX_CLIENT_STAMP_AGE_MICROS) {
    return `"t" must be at most ${MAX_CLIENT_STAMP_AGE_MICROS / 1_000_000} s old: received ${t}, the server's clock reads ${now}`;
  }
  return { room: room as number | undefined, t, data };
}

/** Appends an upstream message to its room's feed; every technique's subscribers get it. */
export function publishUpstream(feeds: FeedRegistry, msg: UpstreamMessage): number {
  const [encoded] = feeds.get(msg.room).publish([{ t: msg.t, data: msg.data }]);
  return encoded!.seq;
}
