/**
 * The one feed every technique serves: numbered messages, each encoded to bytes once,
 * kept in a bounded ring for catch-up. The same Buffers go to every technique and
 * every client, so payload bytes are equal by construction.
 */
import { encodeForWire, type EncodedMessage } from '../core/encoded-message.ts';

export { arrayBody, EMPTY_ARRAY, encodeForWire, EncodedMessage } from '../core/encoded-message.ts';

export type BatchListener = (batch: readonly EncodedMessage[]) => void;

export type CatchUp =
  | { kind: 'ok'; messages: readonly EncodedMessage[] }
  | { kind: 'gone'; oldest: number }
  | { kind: 'ahead'; head: number };

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
