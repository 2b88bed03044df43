/**
 * The one feed every technique serves: numbered messages, each encoded to bytes once,
 * kept in a bounded ring for catch-up. The same Buffers go to every technique and
 * every client, so payload bytes are equal by construction.
 */
import { arrayBody, EMPTY_ARRAY, encodeForWire, type EncodedMessage } from '../core/encoded-message.ts';

import { PushbenchError } from '../core/errors.ts';

export { arrayBody, EMPTY_ARRAY, encodeForWire, EncodedMessage } from '../core/encoded-message.ts';

export type BatchListener = (batch: readonly EncodedMessage[]) => void;

export type CatchUp =
  | { kind: 'ok'; messages: readonly EncodedMessage[] }
  | { kind: 'gone'; oldest: number }
  | { kind: 'ahead'; head: number };

/** Limits a feed cannot be built with, or a room the server does not hold. */
export class FeedLimitError extends PushbenchError<'PUSHBENCH_FEED_LIMITS'> {
  constructor(message: string) {
    super('PUSHBENCH_FEED_LIMITS', message);
  }
}

/**
 * An upper bound on the memory one message holds while it is in a ring: its text (at
 * most two bytes per character, fewer than its UTF-8 bytes), its JSON Buffer, and the
 * poll body and SSE event built from it on first use (each the JSON plus a few bytes),
 * plus the objects around them. Ring budgets are counted in this unit.
 */
export function retainedBytes(msg: EncodedMessage): number {
  return 5 * msg.json.length + MESSAGE_OVERHEAD_BYTES;
}

/** The EncodedMessage object, its slot and the Buffer headers, rounded up. */
const MESSAGE_OVERHEAD_BYTES = 256;

/** Below this many evicted slots the ring's storage is not compacted (a slice would cost more than it frees). */
const COMPACT_AFTER = 1024;

/**
 * One room's sequence of messages (the broadcast feed is the room `undefined`). The ring
 * keeps the newest messages while there are at most `ringSize` of them and their
 * `retainedBytes` sum to at most `ringBytes`; the newest message always stays, even alone
 * over the budget. Its storage grows with what it holds, so an empty room costs a few
 * hundred bytes, not `ringSize` slots.
 */
export class Feed {
  readonly room: number | undefined;
  /** Retained messages are `messages[start..]`, oldest first; the slots before `start` are evicted. */
  private messages: Array<EncodedMessage | undefined> = [];
  private start = 0;
  private bytes = 0;
  private readonly listeners = new Set<BatchListener>();
  /** Newest seq published, 0 before the first message. */
  head = 0;

  constructor(
    private readonly ringSize: number,
    room?: number,
    private readonly ringBytes = Number.POSITIVE_INFINITY,
  ) {
    if (!(Number.isInteger(ringSize) && ringSize >= 1)) throw new FeedLimitError(`ring size must be an integer >= 1; received ${ringSize}`);
    this.room = room;
  }

  /** Oldest seq still in the ring (head + 1 when the ring is empty). */
  get oldest(): number {
    return this.head - (this.messages.length - this.start) + 1;
  }

  /** Messages held now. */
  get heldCount(): number {
    return this.messages.length - this.start;
  }

  /** `retainedBytes` of the messages held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Appends messages stamped with times `ts` and the given data, then notifies listeners once. */
  publish(items: ReadonlyArray<{ t: number; data: string }>): EncodedMessage[] {
    const batch: EncodedMessage[] = [];
    for (const item of items) {
      const seq = this.head + 1;
      const msg = encodeForWire({ seq, t: item.t, room: this.room, data: item.data });
      this.messages.push(msg);
      this.bytes += retainedBytes(msg);
      this.head = seq;
      batch.push(msg);
    }
    if (batch.length > 0) {
      this.evict();
      for (const listener of this.listeners) listener(batch);
    }
    return batch;
  }

  /** Drops the oldest messages until the ring is within its count and byte budgets (keeping the newest). */
  private evict(): void {
    const messages = this.messages;
    while (messages.length - this.start > 1 && (messages.length - this.start > this.ringSize || this.bytes > this.ringBytes)) {
      this.bytes -= retainedBytes(messages[this.start]!);
      messages[this.start] = undefined; // freed now, not at the next compaction
      this.start++;
    }
    // Amortised O(1): the dead prefix is cut once it is at least as long as what is held.
    if (this.start >= COMPACT_AFTER && this.start * 2 >= messages.length) {
      this.messages = messages.slice(this.start);
      this.start = 0;
    }
  }

  /** Messages newer than `since`, or why they cannot be served. */
  since(since: number): CatchUp {
    if (since > this.head) return { kind: 'ahead', head: this.head };
    // The client has seen `since`; it needs since+1 onwards, which must still be in the ring.
    const oldest = this.oldest;
    if (since + 1 < oldest) return { kind: 'gone', oldest };
    const from = this.start + (since + 1 - oldest);
    // Every slot from `start` on holds a message.
    return { kind: 'ok', messages: from === this.messages.length ? [] : (this.messages.slice(from) as EncodedMessage[]) };
  }

  /**
   * The poll body (`[m1,m2,...]`, core/encoded-message.ts arrayBody) of the messages newer than
   * `since`, a cursor `sinceInRing` (servers/http-util.ts) accepted (from `oldest - 1` to `head`). No message is the one
   * `[]` Buffer and one message its own `[json]`, both shared already; a body of several is built
   * once per cursor and head and shared by every poll that asks for it before the next publish
   * (the clients that polled at the same head ask for the same body). Only the last such body is
   * kept: it holds the JSON of messages this ring holds, plus a byte each, so at most a fifth of
   * the ring's `retainedBytes`.
   */
  pollBody(since: number): Buffer {
    const count = this.head - since;
    if (count <= 0) return EMPTY_ARRAY;
    const messages = this.messages;
    if (count === 1) return messages[messages.length - 1]!.array;
    if (this.shared !== undefined && this.shared.since === since && this.shared.head === this.head) return this.shared.body;
    // Every slot from `start` on holds a message, and the caller's cursor is within the ring.
    const body = arrayBody(messages.slice(messages.length - count) as EncodedMessage[]);
    this.shared = { since, head: this.head, body };
    return body;
  }

  /** The last body of several messages pollBody built, with the cursor and head it answers. */
  private shared: { since: number; head: number; body: Buffer } | undefined;

  subscribe(listener: BatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A write a subscriber started and will finish later (a permessage-deflate frame waits for
   * zlib's thread pool): call the returned function when it is done (once; again is a no-op).
   * The publisher's fan-out figure ends when every write held this way is done.
   */
  holdWrite(): () => void {
    this.pendingWrites++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.pendingWrites--;
      if (this.pendingWrites === 0) for (const fn of this.drainWaiters.splice(0)) fn();
    };
  }

  /**
   * Calls `fn` once no held write is pending: now, or when the last one is done. At most
   * MAX_DRAIN_WAITERS wait (a write that never finishes cannot make the feed hold closures
   * without end: the oldest waiter is dropped and never called).
   */
  whenWritten(fn: () => void): void {
    if (this.pendingWrites === 0) return fn();
    this.drainWaiters.push(fn);
    if (this.drainWaiters.length > MAX_DRAIN_WAITERS) this.drainWaiters.shift();
  }

  private pendingWrites = 0;
  private readonly drainWaiters: Array<() => void> = [];
}

/** Callers of Feed.whenWritten kept waiting at most (one per published batch). */
const MAX_DRAIN_WAITERS = 1024;

/** Most chat rooms one server can be configured with; rooms are numbered 0..rooms-1. */
export const MAX_ROOMS = 100_000;

/** How many rooms a server holds and how much its rings may keep. */
export interface FeedLimits {
  /** Messages each ring keeps at most. */
  ringSize: number;
  /** Chat rooms 0..rooms-1; any other room number is refused. 0: the broadcast feed only. */
  rooms: number;
  /** `retainedBytes` all rings together keep at most, shared equally by the broadcast feed and the rooms. */
  ringBytes: number;
}

/**
 * The broadcast feed plus one feed per configured chat room. A room's feed is created on
 * first use, but only rooms 0..rooms-1 exist: a stranger cannot make the server allocate
 * more, and each ring has a byte budget, so all rings together hold at most `ringBytes`
 * plus the newest message of each feed.
 */
export class FeedRegistry {
  readonly broadcast: Feed;
  readonly ringSize: number;
  readonly rooms: number;
  /** Each feed's share of the byte budget. */
  readonly ringBytesPerFeed: number;
  private readonly roomFeeds = new Map<number, Feed>();
  private readonly roomListeners = new Set<(feed: Feed) => void>();

  constructor(limits: Partial<FeedLimits> = {}) {
    const { ringSize = 4096, rooms = 0, ringBytes = Number.POSITIVE_INFINITY } = limits;
    if (!(Number.isInteger(rooms) && rooms >= 0 && rooms <= MAX_ROOMS))
      throw new FeedLimitError(`rooms must be an integer 0..${MAX_ROOMS}; received ${rooms}`);
    if (!(ringBytes > 0)) throw new FeedLimitError(`ring bytes must be > 0; received ${ringBytes}`);
    this.ringSize = ringSize;
    this.rooms = rooms;
    this.ringBytesPerFeed = Math.floor(ringBytes / (rooms + 1)) || 1;
    this.broadcast = new Feed(ringSize, undefined, this.ringBytesPerFeed);
  }

  /** Whether `room` is one of this server's rooms. */
  hasRoom(room: number): boolean {
    return Number.isInteger(room) && room >= 0 && room < this.rooms;
  }

  /** The rooms a client may name, for error messages: `0..N-1`, or that there are none. */
  describeRooms(): string {
    return this.rooms === 0 ? 'this server has no chat rooms' : `allowed 0..${this.rooms - 1}`;
  }

  /** The feed of `room`, or the broadcast feed when `room` is undefined. Throws for a room this server does not hold. */
  get(room: number | undefined): Feed {
    if (room === undefined) return this.broadcast;
    let feed = this.roomFeeds.get(room);
    if (feed === undefined) {
      if (!this.hasRoom(room)) throw new FeedLimitError(`no room ${room}: ${this.describeRooms()}`);
      feed = new Feed(this.ringSize, room, this.ringBytesPerFeed);
      this.roomFeeds.set(room, feed);
      for (const listener of this.roomListeners) listener(feed);
    }
    return feed;
  }

  all(): Feed[] {
    return [this.broadcast, ...this.roomFeeds.values()];
  }

  /** Calls `listener` for every feed that exists now and every room created later. */
  onFeed(listener: (feed: Feed) => void): void {
    for (const feed of this.all()) listener(feed);
    this.roomListeners.add(listener);
  }
}
