/**
 * Upstream messages for the chat workload: a `POST /publish` body or a WebSocket text
 * frame, validated the same way for every technique, stamped with a seq in its room.
 */
import { MAX_ROOM, type FeedRegistry } from './feed.ts';
import { nowMicros } from '../core/protocol.ts';

export interface UpstreamMessage {
  room: number | undefined;
  t: number;
  data: string;
}

/** Parses and validates a publish body; returns a message naming the problem when invalid. */
export function parsePublishBody(raw: Buffer | string): UpstreamMessage | string {
  let body: unknown;
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return 'body is not valid JSON; expected {"data": string, "room"?: integer, "t"?: number}';
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'body must be a JSON object {"data": string, "room"?: integer, "t"?: number}';
  }
  const { data, room, t } = body as Record<string, unknown>;
  if (typeof data !== 'string') return `"data" must be a string; received ${typeof data}`;
  if (room !== undefined && !(Number.isInteger(room) && (room as number) >= 0 && (room as number) <= MAX_ROOM)) {
    return `"room" must be an integer 0..${MAX_ROOM}; received ${JSON.stringify(room)}`;
  }
  if (t !== undefined && !(typeof t === 'number' && Number.isSafeInteger(t) && t > 0)) {
    return `"t" must be a positive integer (monotonic microseconds); received ${JSON.stringify(t)}`;
  }
  return { room: room as number | undefined, t: (t as number | undefined) ?? nowMicros(), data };
}

/** Appends an upstream message to its room's feed; every technique's subscribers get it. */
export function publishUpstream(feeds: FeedRegistry, msg: UpstreamMessage): number {
  const [encoded] = feeds.get(msg.room).publish([{ t: msg.t, data: msg.data }]);
  return encoded!.seq;
}
