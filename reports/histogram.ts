/**
 * Decoding of the serialized latency histograms. Percentiles come from the histogram itself,
 * never from averaging summaries, so the distribution chart shows what was recorded.
 */
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';

/** Percentiles at which the distribution curve is sampled: dense towards the tail, like HdrHistogram plots. */
export const CURVE_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100] as const;

/** Axis label for a curve percentile: `min`, `p50`, `p99.9`, `max`. */
export function percentileLabel(percentile: number): string {
  if (percentile === 0) return 'min';
  if (percentile === 100) return 'max';
  return `p${percentile}`;
}

export interface PercentileCurve {
  /** Latency in milliseconds at each of CURVE_PERCENTILES. */
  valuesMs: number[];
  count: number;
}

/**
 * Decode an HdrHistogram (microseconds, compressed base64) and read the latency at each
 * curve percentile, in milliseconds. Returns null when the text is not a histogram or is empty.
 */
export function percentileCurve(encoded: string): PercentileCurve | null {
  let histogram;
  try {
    // 64-bit counters, as the runner records: a 32-bit bucket would overflow on long chat runs.
    histogram = decodeFromCompressedBase64(encoded, 64, false);
  } catch {
    return null;
  }
  try {
    const count = histogram.totalCount;
    if (count === 0) return null;
    // p0 and p100 are the summary's min and max, read from bucket counts like every other point.
    const valuesMs = CURVE_PERCENTILES.map((p) => histogram.getValueAtPercentile(p) / 1000);
    return { valuesMs, count };
  } finally {
    histogram.destroy();
  }
}
