/**
 * Latency distributions for the charts, read from the serialized histograms of results.json
 * with core/histogram.ts (the one place histograms are decoded and read), so the chart shows
 * what was recorded, never averaged summaries.
 */
import { CURVE_PERCENTILES, decodeHistogram, percentileCurve as curveOf } from '../core/histogram.ts';

export { CURVE_PERCENTILES };

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
 * The latency at each curve percentile of an encoded histogram, in milliseconds; null when the
 * text is not a histogram or the histogram is empty.
 */
export function percentileCurve(encoded: string): PercentileCurve | null {
  let histogram;
  try {
    histogram = decodeHistogram(encoded);
  } catch {
    return null;
  }
  if (histogram.totalCount === 0) return null;
  return { valuesMs: curveOf(histogram).map((point) => point.ms), count: histogram.totalCount };
}
