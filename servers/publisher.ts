/**
 * Open-loop broadcast publisher. Message i is due at `startAt + i / rate`, computed
 * from the start time and the index, so the schedule never drifts. A message is
 * stamped with its *due* time, not the time the timer happened to fire: when the
 * event loop is late, the lateness shows up in every client's latency instead of
 * being hidden (no coordinated omission), and it is counted in `lateTicks`.
 */
import { filler, nowMicros } from '../core/protocol.ts';
import type { Feed } from './feed.ts';

/**
 * A tick more than this late is recorded as late. Timers have millisecond granularity,
 * so a tick routinely fires up to a millisecond after its due time; twice that is lateness.
 */
const LATE_MICROS = 2000;

export interface PublisherStats {
  published: number;
  lateTicks: number;
  maxLateMs: number;
}

export class Publisher {
  private timer: NodeJS.Timeout | undefined;
  private index = 0;
  private startAt = 0;
  private periodMicros = 0;
  readonly stats: PublisherStats = { published: 0, lateTicks: 0, maxLateMs: 0 };

  constructor(
    private readonly feed: Feed,
    private readonly payloadBytes: number,
  ) {}

  /** Starts publishing `rate` messages per second, the first one due at `startAt` (monotonic µs). */
  start(rate: number, startAt = nowMicros()): void {
    this.stop();
    if (!(rate > 0)) return;
    this.index = 0;
    this.startAt = startAt;
    this.periodMicros = 1e6 / rate;
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  private dueAt(index: number): number {
    return Math.round(this.startAt + index * this.periodMicros);
  }

  private schedule(): void {
    const waitMs = Math.max(0, (this.dueAt(this.index) - nowMicros()) / 1000);
    this.timer = setTimeout(this.tick, waitMs);
  }

  private readonly tick = (): void => {
    const now = nowMicros();
    const items: Array<{ t: number; data: string }> = [];
    // Everything already due goes out now, in one batch, each with its own due time.
    while (this.dueAt(this.index) <= now) {
      const due = this.dueAt(this.index);
      const lateMicros = now - due;
      if (lateMicros > LATE_MICROS) {
        this.stats.lateTicks++;
        this.stats.maxLateMs = Math.max(this.stats.maxLateMs, lateMicros / 1000);
      }
      items.push({ t: due, data: filler(this.payloadBytes, this.feed.head + items.length + 1) });
      this.index++;
    }
    this.feed.publish(items);
    this.stats.published += items.length;
    this.schedule();
  };
}
