/**
 * The one feed every technique serves: numbered messages, each encoded to bytes once,
 * kept in a bounded ring for catch-up. The same Buffers go to every technique and
 * every client, so payload bytes are equal by construction.
 */
import { encodeMessage, sseEvent, type FeedMessage } from './protocol.ts';

/**
 * A message with its encodings, each built at most once and shared by every writer: the
 * JSON at publish time, the poll body and the SSE event the first time a technique asks
 * (a server that only speaks WebSocket never builds them).
 */
export class EncodedMessage {
  /** The message JSON: what WebSocket sends as one text frame. */
  readonly json: Buffer;
  private arrayBuffer: Buffer | undefined;
  private sseBuffer: Buffer | undefined;

  constructor(
    readonly seq: number,
    readonly t: number,
    readonly room: number | undefined,
    private readonly text: string,
  ) {
    this.json = Buffer.from(text);
  }

  /** `[json]`: a poll or long-poll body carrying just this message. */
  get array(): Buffer {
    return (this.arrayBuffer ??= Buffer.from(`[${this.text}]`));
  }

  /** `id: SEQ\ndata: JSON\n\n`: the SSE event. */
  get sse(): Buffer {
    return (this.sseBuffer ??= Buffer.from(sseEvent(this.seq, this.text)));
  }
}

export type BatchListener = (batch: readonly EncodedMessage[]) => void;

export type CatchUp =
  | { kind: 'ok'; messages: readonly EncodedMessage[] }
  | { kind: 'gone'; oldest: number }
  | { kind: 'ahead'; head: number };

export const EMPTY_ARRAY = Buffer.from('[]');
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** Encodes a message once; its other representations follow on first use. */
export function encodeForWire(msg: FeedMessage): EncodedMessage {
  return new EncodedMessage(msg.seq, msg.t, msg.room, encodeMessage(msg));
}

/** The JSON array body for a poll response, reusing the pre-encoded buffers. */
export function arrayBody(messages: readonly EncodedMessage[]): Buffer {
  if (messages.length === 0) return EMPTY_ARRAY;
  if (messages.length === 1) return messages[0]!.array;
  const parts: Buffer[] = [OPEN];
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(messages[i]!.json);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/** One room's sequence of messages (the broadcast feed is the room `undefined`). */
export class Feed {
  readonly room: number | undefined;
  private readonly ring: Array<EncodedMessage | undefined>;
  private readonly listeners = new Set<BatchListener>();
  /** Newest seq published, 0 before the first message. */
  head = 0;

  constructor(ringSize: number, room?: number) {
    this.ring = new Array<EncodedMessage | undefined>(ringSize);
    this.room = room;
  }

  /** Oldest seq still in the ring (head + 1 when the ring is empty). */
  get oldest(): number {
    return Math.max(1, this.head - this.ring.length + 1);
  }

  /** Appends messages stamped with times `ts` and the given data, then notifies listeners once. */
  publish(items: ReadonlyArray<{ t: number; data: string }>): EncodedMessage[] {
    const batch: EncodedMessage[] = [];
    for (const item of items) {
      const seq = this.head + 1;
      const msg = encodeForWire({ seq, t: item.t, room: this.room, data: item.data });
      this.ring[seq % this.ring.length] = msg;
      this.head = seq;
      batch.push(msg);
    }
    if (batch.length > 0) for (const listener of this.listeners) listener(batch);
    return batch;
  }

  /** Messages newer than `since`, or why they cannot be served. */
  since(since: number): CatchUp {
    if (since > this.head) return { kind: 'ahead', head: this.head };
    // The client has seen `since`; it needs since+1 onwards, which must still be in the ring.
    if (since + 1 < this.oldest) return { kind: 'gone', oldest: this.oldest };
    const messages: EncodedMessage[] = [];
    for (let seq = since + 1; seq <= this.head; seq++) messages.push(this.ring[seq % this.ring.length]!);
    return { kind: 'ok', messages };
  }

  subscribe(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Highest room number a client may name; rooms are created on first use. */
export const MAX_ROOM = 99_999;

/** The broadcast feed plus one feed per chat room, all with the same ring size. */
export class FeedRegistry {
  readonly broadcast: Feed;
  private readonly rooms = new Map<number, Feed>();
  private readonly roomListeners = new Set<(feed: Feed) => void>();

  constructor(readonly ringSize: number) {
    this.broadcast = new Feed(ringSize);
  }

  /** The feed of `room`, or the broadcast feed when `room` is undefined. */
  get(room: number | undefined): Feed {
    if (room === undefined) return this.broadcast;
    let feed = this.rooms.get(room);
    if (feed === undefined) {
      feed = new Feed(this.ringSize, room);
      this.rooms.set(room, feed);
      for (const listener of this.roomListeners) listener(feed);
    }
    return feed;
  }

  all(): Feed[] {
    return [this.broadcast, ...this.rooms.values()];
  }

  /** Calls `listener` for every feed that exists now and every room created later. */
  onFeed(listener: (feed: Feed) => void): void {
    for (const feed of this.all()) listener(feed);
    this.roomListeners.add(listener);
  }
}
