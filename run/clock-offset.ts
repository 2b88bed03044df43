/**
 * The clock offset of a shard to the publisher, NTP-style: CLOCK_MONOTONIC is per host, so a
 * shard on another machine cannot subtract the publisher's stamp from its own receive time
 * without knowing how far apart the two clocks are. Many small exchanges (GET /clock on the
 * coordinator) each give four times: sent (t0, shard), received and answered (t1, t2,
 * publisher), back (t3, shard). Whatever the path's asymmetry, the true offset lies within
 * half the round trip of the sample's midpoint estimate, so the sample with the smallest
 * round trip gives the tightest bound and wins (the NTP clock filter's rule).
 */
import { nowMicros } from '../core/protocol.ts';
import { SocketCounter } from '../core/socket-counter.ts';
import { KeepAliveGet } from '../load/keepalive-get.ts';
import { RunStepError } from '../core/errors.ts';

/** One exchange, all in µs: t0 and t3 on the shard's clock, t1 and t2 on the publisher's. */
export interface ClockSample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** What the exchanges say: shard clock minus publisher clock, and how far from it the truth can be. */
export interface ClockEstimate {
  /** Shard clock minus publisher clock, µs: a publisher time T is T + offsetMicros on the shard. */
  offsetMicros: number;
  /** The true offset is within offsetMicros ± boundMicros (half the winning sample's round trip). */
  boundMicros: number;
  /** Round trip of the winning sample, µs (the publisher's own hold excluded). */
  rttMicros: number;
  /** Exchanges made. */
  samples: number;
  /** Shard monotonic time (µs) of the winning sample's midpoint: drift is measured between two estimates' times. */
  atMicros: number;
}

/** Exchanges per estimate: enough that one of them meets a quiet moment on a busy host. */
export const CLOCK_SAMPLES = 32;
/** Path of the coordinator's clock: answers `{"t1":µs,"t2":µs}` from the publisher's monotonic clock. */
export const CLOCK_PATH = '/clock';

/**
 * The minimum-round-trip estimate of a list of exchanges. The offset is the publisher's clock
 * behind the shard's (the negated NTP θ), the bound half the round trip net of the
 * publisher's hold (t2 - t1), which no asymmetry of the path can exceed.
 */
export function estimateOffset(samples: readonly ClockSample[]): ClockEstimate {
  let best: { sample: ClockSample; rtt: number } | undefined;
  for (const sample of samples) {
    const rtt = sample.t3 - sample.t0 - (sample.t2 - sample.t1);
    if (!(rtt >= 0))
      throw new RangeError(
        `clock sample with a negative round trip (${rtt} µs): t0 ${sample.t0}, t1 ${sample.t1}, t2 ${sample.t2}, t3 ${sample.t3}`,
      );
    if (best === undefined || rtt < best.rtt) best = { sample, rtt };
  }
  if (best === undefined) throw new RangeError('no clock samples');
  const { t0, t1, t2, t3 } = best.sample;
  // NTP's θ is publisher minus shard; the shard wants the opposite sign to move a stamp onto its clock.
  const theta = (t1 - t0 + (t2 - t3)) / 2;
  return { offsetMicros: -theta, boundMicros: best.rtt / 2, rttMicros: best.rtt, samples: samples.length, atMicros: (t0 + t3) / 2 };
}

/** Drift between two estimates: how much the offset moved per second of the shard's clock (µs/s); 0 when they are at the same time. */
export function driftMicrosPerSecond(before: ClockEstimate, after: ClockEstimate): number {
  const elapsedS = (after.atMicros - before.atMicros) / 1e6;
  return elapsedS > 0 ? (after.offsetMicros - before.offsetMicros) / elapsedS : 0;
}

/**
 * Makes `samples` exchanges with the coordinator at `origin` on one keep-alive connection (opened
 * first, so that no sample holds the connect) and returns their estimate; fails after `timeoutMs`.
 */
export async function probeClock(origin: string, samples = CLOCK_SAMPLES, timeoutMs = 10_000): Promise<ClockEstimate> {
  const client = new KeepAliveGet(origin, [], new SocketCounter());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunStepError(`the clock exchange with ${origin}${CLOCK_PATH} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  timeout.catch(() => {});
  try {
    await Promise.race([client.connect(), timeout]);
    const list: ClockSample[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = nowMicros();
      const response = await Promise.race([client.get(CLOCK_PATH), timeout]);
      const t3 = nowMicros();
      if (response.status !== 200)
        throw new RunStepError(`${origin}${CLOCK_PATH} answered ${response.status}: not a pushbench coordinator (pushbench publish)`);
      const body = JSON.parse(response.body.toString('utf8')) as { t1?: unknown; t2?: unknown };
      if (typeof body.t1 !== 'number' || typeof body.t2 !== 'number')
        throw new RunStepError(
          `${origin}${CLOCK_PATH} answered ${response.body.toString('utf8').slice(0, 80)}: expected {"t1":µs,"t2":µs}`,
        );
      list.push({ t0, t1: body.t1, t2: body.t2, t3 });
    }
    return estimateOffset(list);
  } catch (error) {
    if (error instanceof RunStepError) throw error;
    throw new RunStepError(`the clock exchange with ${origin} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
