/**
 * Open-loop broadcast publisher. Message i is due at `startAt + i / rate`, computed
 * from the start time and the index, so the schedule never drifts. A message is
 * stamped with its *due* time, not the time it actually left: when the event loop is
 * late, the lateness shows up in every client's latency instead of being hidden (no
 * coordinated omission).
 *
 * Precision: a Node timer fires up to about 1.5 ms early or late (libuv keeps time in
 * whole milliseconds and epoll waits in them), which used to put about 0.8 ms
 * of timer noise into every push latency. So the timer is armed PRECISE_LEAD_MICROS
 * before the due time; then the thread sleeps (Atomics.wait, a futex with microsecond
 * resolution that burns no CPU) until SPIN_MARGIN_MICROS before it, and a short busy-wait
 * on the monotonic clock covers the rest, since a futex wakes about 0.1-0.2 ms late. The
 * message leaves within a few microseconds of its due time unless the process was not
 * running then. A pure busy-wait of the whole lead was tried first: on a loaded machine
 * the scheduler preempts a spinning process and the tail got worse than the timer alone.
 * Each message's lateness (left - due) goes into its own HDR histogram, and the busy-wait
 * is counted, because it is CPU the harness burns in the server process that is not the
 * technique's. Both waits block the event loop (at most MAX_BUSY_WAIT_MICROS per message).
 */
import { filler, nowMicros } from '../core/protocol.ts';
import { createLatencyHistogram, encodeHistogram, recordLatency, type LatencyHistogram } from '../core/histogram.ts';
import type { PublisherSample } from '../core/protocol.ts';
import type { Feed } from './feed.ts';

/**
 * A message more than this late is counted in `lateTicks`. Kept from the timer-only
 * publisher, whose routine lateness was up to a millisecond: twice that is the event loop.
 */
const LATE_MICROS = 2000;

/**
 * How long before the due time the timer is armed. Measured on a 2-core Linux host: a
 * timer fires between about 1.5 ms early and 1.5 ms late, so 2 ms covers its lateness
 * at p99 and the busy-wait that follows is about 2 ms long on average.
 */
export const PRECISE_LEAD_MICROS = 2000;

/**
 * The longest wait (sleep and spin): when the timer fires earlier than this before the due
 * time, it is armed again instead, so that an early timer never blocks the loop for long.
 */
export const MAX_BUSY_WAIT_MICROS = 4000;

/**
 * The lead is at most this share of the period between messages. The wait blocks the server's
 * event loop for about the lead plus the timer's earliness (up to 1 ms) per message: at 10 or 50
 * msg/s a 2 ms lead blocks it 3-14% of the time, but at 200 msg/s it would be over half of it
 * (2.7 ms in every 5 ms, measured), starving the technique's own work. So above 50 msg/s the lead
 * shrinks with the period (0.5 ms at 200 msg/s, 0.1 ms at 1,000), and the lateness, still
 * recorded per message, tends to the timer's.
 */
export const LEAD_SHARE_OF_PERIOD = 0.1;

/**
 * The spin before each due time: the sleep before it ends this early, as a futex wakes up to
 * ~0.2 ms late (p99 0.18 ms measured). Not longer: a longer spin is descheduled more often; with
 * 1 ms, 81-99% of messages left within 0.1 ms against 92-100% with 0.4 ms (`npm run perf:publisher`).
 */
export const SPIN_MARGIN_MICROS = 400;

export interface PublisherStats {
  published: number;
  lateTicks: number;
  maxLateMs: number;
  /** Microseconds spent busy-waiting (spinning, CPU) for due times since the process started. */
  busyWaitMicros: number;
  /** Microseconds the event loop was blocked waiting for due times (sleep and spin). */
  blockedMicros: number;
}

/** The clock and timer the publisher runs on; tests pass a scripted one. */
export interface PublisherClock {
  /** Monotonic microseconds. */
  now(): number;
  /** Blocks the thread for about `micros` without using the CPU. */
  sleep(micros: number): void;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
  /** Runs `fn` once the callbacks already deferred have run (process.nextTick). */
  defer(fn: () => void): void;
}

/** Atomics.wait on a cell nobody notifies: a timed futex sleep (Node allows it on the main thread). */
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

const SYSTEM_CLOCK: PublisherClock = {
  now: nowMicros,
  sleep: (micros) => void Atomics.wait(SLEEP_CELL, 0, 0, micros / 1000),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
  defer: (fn) => process.nextTick(fn),
};

export class Publisher {
  private timer: unknown;
  private index = 0;
  private startAt = 0;
  private periodMicros = 0;
  private window: { startT: number; endT: number } | undefined;
  /** Lateness (µs) of each message due inside the window, as it left the publisher. */
  private readonly lateness: LatencyHistogram = createLatencyHistogram();
  /**
   * How long (µs) the server's fan-out of each message due inside the window took: every
   * client's write (or answer) handed to the kernel, from the moment the message left until the
   * last write, deferred and held ones (Feed.holdWrite) included, had run. A batch's time counts
   * for each message in it.
   */
  private readonly fanOut: LatencyHistogram = createLatencyHistogram();
  readonly stats: PublisherStats = { published: 0, lateTicks: 0, maxLateMs: 0, busyWaitMicros: 0, blockedMicros: 0 };

  private readonly clock: PublisherClock;
  private readonly precise: boolean;
  /** This rate's lead: PRECISE_LEAD_MICROS, or a tenth of the period when that is shorter (see LEAD_SHARE_OF_PERIOD). */
  private leadMicros = 0;
  /** The longest wait this rate allows: twice its lead, at most MAX_BUSY_WAIT_MICROS. */
  private maxWaitMicros = 0;

  /**
   * `precise: false` is the timer-only publisher (no busy-wait; an early timer is re-armed),
   * kept for `npm run perf:publisher` to measure what the busy-wait buys and costs.
   */
  constructor(
    private readonly feed: Feed,
    private readonly payloadBytes: number,
    options: { clock?: PublisherClock; precise?: boolean } = {},
  ) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.precise = options.precise !== false;
  }

  /** Starts publishing `rate` messages per second, the first one due at `startAt` (monotonic µs). */
  start(rate: number, startAt = this.clock.now()): void {
    this.stop();
    if (!(rate > 0)) return;
    this.index = 0;
    this.startAt = startAt;
    this.periodMicros = 1e6 / rate;
    this.leadMicros = this.precise ? Math.min(PRECISE_LEAD_MICROS, this.periodMicros * LEAD_SHARE_OF_PERIOD) : 0;
    this.maxWaitMicros = Math.min(MAX_BUSY_WAIT_MICROS, 2 * this.leadMicros);
    this.arm();
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Records the lateness of messages due in [startT, endT) from now on (a fresh histogram). */
  setWindow(startT: number, endT: number): void {
    this.window = { startT, endT };
    this.lateness.reset();
    this.fanOut.reset();
  }

  /** The window's lateness histogram, encoded (see core/histogram.ts). */
  latenessHistogram(): string {
    return encodeHistogram(this.lateness);
  }

  /** What the server's stats report about the publisher (core/protocol.ts PublisherSample). */
  sample(): PublisherSample {
    return {
      busyWaitMicros: this.stats.busyWaitMicros,
      blockedMicros: this.stats.blockedMicros,
      latenessHistogram: encodeHistogram(this.lateness),
      fanOutHistogram: encodeHistogram(this.fanOut),
    };
  }

  private dueAt(index: number): number {
    return Math.round(this.startAt + index * this.periodMicros);
  }

  /**
   * Arms the timer for PRECISE_LEAD_MICROS before the next due time, counted from now: Node
   * refreshes libuv's clock when a timer is inserted (it does not count from the loop
   * iteration's cached time), so a wait earlier in the same callback needs no correction.
   * Measured: a timer armed after a 3 ms block inside a timer callback fired 0.26 ms after its
   * delay (p50), not 3 ms early; the old correction made every timer fire later by the
   * callback's own wait (about 1.1 ms), eating half the lead.
   */
  private arm(): void {
    const remaining = this.dueAt(this.index) - this.clock.now();
    this.timer = this.clock.setTimer(this.fire, Math.max(0, (remaining - this.leadMicros) / 1000));
  }

  private readonly fire = (): void => {
    let now = this.clock.now();
    const due = this.dueAt(this.index);
    if (due - now > this.maxWaitMicros) {
      this.arm();
      return;
    }
    if (now < due) {
      // Sleep without CPU to just before the due time, then spin: bounded by maxWaitMicros.
      const blockedFrom = now;
      if (due - now > SPIN_MARGIN_MICROS) {
        this.clock.sleep(due - now - SPIN_MARGIN_MICROS);
        now = this.clock.now();
      }
      const spinStart = now;
      while (now < due) now = this.clock.now();
      this.stats.busyWaitMicros += now - spinStart;
      this.stats.blockedMicros += now - blockedFrom;
    }
    this.publishDue(now);
    this.arm();
  };

  /** Everything already due goes out now, in one batch, each message with its own due time. */
  private publishDue(now: number): void {
    const items: Array<{ t: number; data: string }> = [];
    let inWindow = 0;
    while (this.dueAt(this.index) <= now) {
      const due = this.dueAt(this.index);
      const lateMicros = now - due;
      if (lateMicros > LATE_MICROS) {
        this.stats.lateTicks++;
        this.stats.maxLateMs = Math.max(this.stats.maxLateMs, lateMicros / 1000);
      }
      if (this.window !== undefined && due >= this.window.startT && due < this.window.endT) {
        recordLatency(this.lateness, lateMicros);
        inWindow++;
      }
      items.push({ t: due, data: filler(this.payloadBytes, this.feed.head + items.length + 1) });
      this.index++;
    }
    this.feed.publish(items);
    // Node's HTTP responses cork their socket on a write and uncork it on the next tick, so an
    // SSE event or a long-poll answer reaches the kernel only then: the fan-out ends after the
    // ticks its writes deferred, which run before this one.
    // A write a subscriber holds (a deflate job in zlib's pool) ends the fan-out when it is done.
    if (inWindow > 0) {
      this.clock.defer(() =>
        this.feed.whenWritten(() => {
          const fanOutMicros = this.clock.now() - now;
          for (let i = 0; i < inWindow; i++) recordLatency(this.fanOut, fanOutMicros);
        }),
      );
    }
    this.stats.published += items.length;
  }
}
