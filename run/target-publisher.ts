/**
 * pushbench as the publisher of a target: posts the broadcast feed on the open-loop schedule
 * (the one pushbench's own servers use), each message stamped `{"seq":N,"t":T,...}` with its
 * scheduled monotonic time, and counts what the target accepted. `expected` comes from this
 * count, never from what the clients saw. The publish round trip goes into its own histogram.
 */
import { Pool } from 'undici';
import { filler, nowMicros } from '../core/protocol.ts';
import { createLatencyHistogram, recordLatency, summarize } from '../core/histogram.ts';
import type { LatencySummary } from '../core/results.ts';
import type { PublishSpec } from '../core/target.ts';

/** Connections the publisher may use at once: an open-loop schedule must not wait on one slow answer. */
const PUBLISH_CONNECTIONS = 4;
/** The bytes of a refused publish's answer quoted in the error. */
const QUOTED_BYTES = 200;

export interface PublisherReport {
  /** Accepted publishes whose stamp lies in the window, per room key. */
  acceptedInWindow: Record<string, number>;
  /** Every publish sent / accepted / refused over the run. */
  sent: number;
  accepted: number;
  refused: number;
  /** The first refusal: status and the start of the answer. */
  firstRefusal: string | null;
  /** Round trip of each accepted publish (request sent to answer read). */
  roundTripMs: LatencySummary;
}

/** The stamped message body pushbench publishes: its seq, scheduled time and filler data. */
export function stampedMessage(seq: number, t: number, payloadBytes: number): string {
  return `{"seq":${seq},"t":${t},"data":"${filler(payloadBytes, seq)}"}`;
}

export class TargetPublisher {
  private readonly pool: Pool;
  private readonly histogram = createLatencyHistogram();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private seq: number;
  private sent = 0;
  private accepted = 0;
  private refused = 0;
  private firstRefusal: string | null = null;
  private acceptedInWindow = 0;
  private window = { startT: 0, endT: 0 };
  private refusalListener: ((message: string) => void) | undefined;

  constructor(
    private readonly origin: string,
    private readonly spec: PublishSpec,
    private readonly payloadBytes: number,
    /** The seq the first message follows (a target's head, or 0). */
    startSeq = 0,
  ) {
    this.seq = startSeq;
    this.pool = new Pool(origin, { connections: PUBLISH_CONNECTIONS, pipelining: 1 });
  }

  /** Calls `listener` once, on the first refused publish (the technique then fails at once). */
  onRefused(listener: (message: string) => void): void {
    this.refusalListener = listener;
  }

  /** Publishes `rate` messages/s from monotonic µs `firstAt` on; counts those stamped in [startT, endT). */
  start(rate: number, firstAt: number, startT: number, endT: number): void {
    this.window = { startT, endT };
    this.running = true;
    const periodMicros = 1e6 / rate;
    let k = 0;
    const tick = (): void => {
      if (!this.running) return;
      const now = nowMicros();
      let due = firstAt + k * periodMicros;
      // Open loop: a late timer publishes every message it owes, each stamped with its own due time.
      while (due <= now) {
        this.publishOne(Math.round(due));
        k++;
        due = firstAt + k * periodMicros;
      }
      this.timer = setTimeout(tick, (due - now) / 1000);
    };
    this.timer = setTimeout(tick, Math.max(0, (firstAt - nowMicros()) / 1000));
  }

  private publishOne(t: number): void {
    const seq = ++this.seq;
    // A server that stamps its own messages gets only the data; its t is its own publish time.
    const message = this.spec.stampedBy === 'server' ? `{"data":"${filler(this.payloadBytes, seq)}"}` : stampedMessage(seq, t, this.payloadBytes);
    const body = this.spec.body.replaceAll('{message}', message).replaceAll('{room}', '0');
    const path = this.spec.path.replaceAll('{room}', '0');
    const sentAt = nowMicros();
    this.sent++;
    const done = this.pool
      .request({ method: this.spec.method, path, headers: this.spec.headers ?? {}, body })
      .then(async (response) => {
        const answer = Buffer.from(await response.body.arrayBuffer());
        if (this.spec.accepted.includes(response.statusCode)) {
          this.accepted++;
          recordLatency(this.histogram, nowMicros() - sentAt);
          if (t >= this.window.startT && t < this.window.endT) this.acceptedInWindow++;
          return;
        }
        const quoted = answer.subarray(0, QUOTED_BYTES).toString('utf8');
        this.refuse(`${this.spec.method} ${path} answered ${response.statusCode} (accepted: ${this.spec.accepted.join(', ')})${quoted.length > 0 ? `: ${quoted}` : ''}`);
      })
      .catch((error: Error & { code?: string }) => this.refuse(`${this.spec.method} ${path} failed: ${error.message}${error.code !== undefined ? ` (${error.code})` : ''}`));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private refuse(message: string): void {
    this.refused++;
    if (this.firstRefusal === null) {
      this.firstRefusal = message;
      this.refusalListener?.(message);
    }
  }

  /** Stops publishing, waits (at most `timeoutMs`) for the answers in flight, and reports. */
  async stop(timeoutMs = 5000): Promise<PublisherReport> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    return {
      acceptedInWindow: { broadcast: this.acceptedInWindow },
      sent: this.sent,
      accepted: this.accepted,
      refused: this.refused,
      firstRefusal: this.firstRefusal,
      roundTripMs: summarize(this.histogram),
    };
  }

  async close(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.pool.destroy().catch(() => {});
  }
}
