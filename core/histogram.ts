/**
 * Latency histograms: generators record into HdrHistograms (microseconds), histograms from
 * several processes travel encoded and are merged by adding counts, and every statistic is
 * computed here, once, from the merged counts. Percentiles are never averaged.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './results.ts';

/** A latency histogram in microseconds. */
export type LatencyHistogram = hdr.Histogram;

/** Largest latency a histogram holds: one hour, in microseconds. Larger values are clamped to it. */
export const MAX_LATENCY_MICROS = 3_600_000_000;

// 64-bit (float) counters: a 32-bit bucket overflows silently after 2^31 deliveries, which a
// long chat run with many clients can reach. The encoded form does not depend on this choice.
const BIT_BUCKET_SIZE = 64;

const BUILD_REQUEST: hdr.BuildRequest = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: MAX_LATENCY_MICROS,
  numberOfSignificantValueDigits: 3,
  autoResize: false,
  bitBucketSize: BIT_BUCKET_SIZE,
  useWebAssembly: false,
};

/** Percentiles a latency-distribution curve is sampled at: dense towards the tail, like HdrHistogram plots. */
export const CURVE_PERCENTILES: readonly number[] = Object.freeze([0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100]);

/** An empty histogram for 1 µs .. 1 h at 3 significant digits (0.1% precision). */
export function createLatencyHistogram(): LatencyHistogram {
  return hdr.build(BUILD_REQUEST);
}

/**
 * Records one latency in microseconds, rounded to a whole µs and clamped to 1 µs .. 1 h.
 * Throws a RangeError on NaN: that is a clock bug upstream, not a latency.
 */
export function recordLatency(h: LatencyHistogram, micros: number): void {
  if (Number.isNaN(micros)) throw new RangeError('latency is NaN');
  h.recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(1, Math.round(micros))));
}

/** The histogram as compressed base64 (HdrHistogram V2 encoding), as stored in results.json. */
export function encodeHistogram(h: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** A histogram from `encodeHistogram` output. */
export function decodeHistogram(encoded: string): LatencyHistogram {
  return hdr.decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false);
}

/** One histogram holding the counts of all the encoded ones (e.g. one per generator process). */
export function mergeEncoded(list: readonly string[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const encoded of list) merged.add(decodeHistogram(encoded));
  return merged;
}

const msFromMicros = (micros: number): number => micros / 1000;

/**
 * The statistics of a histogram, in milliseconds, plus its encoding. Every figure comes from the
 * bucket counts alone, so a histogram summarises the same before and after encode/decode/merge:
 * max (like p100) is the top of the highest bucket used and min the bottom of the lowest one,
 * both within the 0.1% precision of the exact values. An empty histogram gives zeros.
 */
export function summarize(h: LatencyHistogram): LatencySummary {
  const histogram = encodeHistogram(h);
  const count = h.totalCount;
  if (count === 0) {
    return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0, count: 0, histogram };
  }
  const at = (percentile: number): number => msFromMicros(h.getValueAtPercentile(percentile));
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: at(100),
    min: at(0),
    mean: msFromMicros(h.mean),
    count,
    histogram,
  };
}

/** Latency (ms) at each percentile, for a percentile-distribution chart; empty for an empty histogram. */
export function percentileCurve(
  h: LatencyHistogram,
  points: readonly number[] = CURVE_PERCENTILES,
): Array<{ percentile: number; ms: number }> {
  for (const percentile of points) {
    if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`percentile ${percentile} is outside 0..100`);
  }
  if (h.totalCount === 0) return [];
  return points.map((percentile) => ({ percentile, ms: msFromMicros(h.getValueAtPercentile(percentile)) }));
}
