/**
 * Delivery bookkeeping of one generator process: per-client `seq` continuity (lost,
 * duplicated, out of order), latency into one HDR histogram, and the counters of the
 * measured window. Two windows are used on purpose:
 * - by publish time `t`: which messages count as expected/delivered and whose latency is recorded;
 * - by the byte snapshots: how many messages and payload bytes arrived between the two
 *   snapshots of the sockets' counters, so bytes per message divides like by like. The
 *   snapshots flip `counting` in the same turn of the event loop as they read the
 *   counters, so a late timer cannot split a message from its bytes.
 */
import { createLatencyHistogram, recordLatency, type LatencyHistogram } from '../core/histogram.ts';
import type { DeliveryCounts } from '../core/ipc.ts';

/** Seqs a client may be missing at once before gaps are only counted, not remembered. */
const MAX_REMEMBERED_GAPS = 100_000;
/** Distinct late seqs remembered with their counts (DeliveryCounts.late); past it, a late seq is only counted. */
export const LATE_SEQS_KEPT = 10_000;

export interface Window {
  startT: number;
  endT: number;
}

/** One simulated client's position in its feed. */
export class ClientTracker {
  /** Highest seq received (or the seq the client started after). */
  last: number;
  /** Latest due time `t` (µs) among the messages received: a window edge waits until it has passed the last message before the edge. */
  lastT = 0;
  private missing: Set<number> | undefined;

  /** `stride`: the step between consecutive seqs of this feed (one sender of a self-stamped chat room steps by the room size). */
  constructor(
    readonly roomKey: string,
    startSeq: number,
    private readonly stride = 1,
  ) {
    this.last = startSeq;
  }

  /** Classifies a received seq: `new`, `late` (a gap filled: out of order) or `duplicate`. */
  classify(seq: number): 'new' | 'late' | 'duplicate' {
    if (seq > this.last) {
      if (seq > this.last + this.stride) {
        this.missing ??= new Set();
        for (let s = this.last + this.stride; s < seq && this.missing.size < MAX_REMEMBERED_GAPS; s += this.stride) this.missing.add(s);
      }
      this.last = seq;
      return 'new';
    }
    if (this.missing?.delete(seq) === true) return 'late';
    return 'duplicate';
  }
}

/**
 * Messages per room whose first arrival is remembered for the arrival spread: far more than are
 * ever in flight at once (a message's fan-out ends long before 1,024 more are published to the
 * same room), and a bound on the memory (rooms are bounded by the server's room count).
 */
const FIRST_ARRIVALS_KEPT = 1024;

export class DeliveryRecorder {
  readonly histogram: LatencyHistogram = createLatencyHistogram();
  private window: Window | undefined;
  /** True between the start and end byte snapshots. */
  counting = false;
  readonly counts: DeliveryCounts = {
    delivered: 0,
    duplicated: 0,
    outOfOrder: 0,
    receivedInWindow: 0,
    payloadInWindow: 0,
    unmatched: 0,
    stale: 0,
    arrivalSpreadMicros: 0,
    latencySeqs: {},
  };
  /** When (monotonic µs) the last message stamped inside the window arrived; 0 before the first. */
  lastDeliveredAt = 0;
  private readonly seenSeqs = new Map<string, Set<number>>();
  /** First arrival (µs) of each recent message, by room key, then seq; per room the oldest are dropped past FIRST_ARRIVALS_KEPT. */
  private readonly firstArrival = new Map<string, Map<number, number>>();

  setWindow(window: Window): void {
    this.window = window;
  }

  /**
   * Records one message received by `client` at `now` (monotonic µs). `inByteWindow`: whether it
   * counts beside the window's bytes (between the edge snapshots, or in an exchange due inside
   * the window for a driver attributed by exchange); by default, between the snapshots.
   */
  receive(client: ClientTracker, seq: number, t: number, jsonBytes: number, now: number, inByteWindow: boolean = this.counting): void {
    const kind = client.classify(seq);
    const window = this.window;
    if (window === undefined) {
      if (kind === 'duplicate') this.counts.duplicated++;
      return;
    }
    if (inByteWindow) {
      this.counts.receivedInWindow++;
      this.counts.payloadInWindow += jsonBytes;
    }
    if (kind === 'duplicate') {
      this.counts.duplicated++;
      return;
    }
    if (kind === 'late') {
      this.counts.outOfOrder++;
      // The broadcast feed is pushbench's publisher's: which seq came late, after what, is set against its overlapping publishes.
      if (client.roomKey === 'broadcast') this.rememberLate(seq, client.last);
    }
    if (t >= window.startT && t < window.endT) {
      this.counts.delivered++;
      this.lastDeliveredAt = now;
      recordLatency(this.histogram, now - t);
      const since = this.sinceFirstArrival(client.roomKey, seq, now);
      // A message already remembered by its first arrival was added to the seen seqs then (both are
      // set here, together), so only a first arrival needs the lookups below (it adds 0 to the spread).
      if (since !== undefined) this.counts.arrivalSpreadMicros += since;
      else {
        let seen = this.seenSeqs.get(client.roomKey);
        if (seen === undefined) {
          seen = new Set();
          this.seenSeqs.set(client.roomKey, seen);
          this.counts.latencySeqs[client.roomKey] = [];
        }
        if (!seen.has(seq)) {
          seen.add(seq);
          this.counts.latencySeqs[client.roomKey]!.push(seq);
        }
      }
    }
  }

  private rememberLate(seq: number, after: number): void {
    const late = (this.counts.late ??= {});
    const key = String(seq);
    const entry = late[key];
    if (entry !== undefined) {
      entry.count++;
      if (after > entry.after) entry.after = after;
    } else if (Object.keys(late).length < LATE_SEQS_KEPT) late[key] = { count: 1, after };
  }

  /** The room whose first arrivals were looked up last, and their map: a broadcast run asks for one room only. */
  private lastRoomKey: string | undefined;
  private lastRoom: Map<number, number> | undefined;

  /**
   * How long after the first arrival of message `seq` of room `roomKey` in this process `now` is,
   * or undefined when this is its first arrival among the ones remembered (it is remembered from now).
   */
  private sinceFirstArrival(roomKey: string, seq: number, now: number): number | undefined {
    let room = roomKey === this.lastRoomKey ? this.lastRoom : this.firstArrival.get(roomKey);
    if (room === undefined) {
      room = new Map();
      this.firstArrival.set(roomKey, room);
    }
    this.lastRoomKey = roomKey;
    this.lastRoom = room;
    const first = room.get(seq);
    if (first !== undefined) return now - first;
    room.set(seq, now);
    if (room.size > FIRST_ARRIVALS_KEPT) room.delete(room.keys().next().value!);
    return undefined;
  }
}

/**
 * Waits while messages stamped inside the window are still arriving after the drain: until none
 * arrived for `quietMicros`, or `capMicros` after the call at the most. On a loaded machine a
 * message's tail can pass the fixed drain margin; it is late, not lost, and its latency belongs in
 * the figures. Returns how long it waited (µs). `lastAt`, `now` and `sleep` are injected so that a
 * test can script the arrivals.
 */
export async function awaitStragglers(
  lastAt: () => number,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
  quietMicros: number,
  capMicros: number,
): Promise<number> {
  const start = now();
  for (;;) {
    const t = now();
    const quietFor = t - lastAt();
    if (quietFor >= quietMicros || t - start >= capMicros) return t - start;
    await sleep(Math.max(1, Math.min(quietMicros - quietFor, capMicros - (t - start)) / 1000));
  }
}
