/**
 * Whether a latency percentile has enough samples behind it to be printed as a number. A p99
 * of 50 samples is the largest-but-one sample, not a tail; reports ask this module and show
 * "—" with the reason instead. One place decides it, so every report agrees.
 */

/** A latency percentile key of LatencySummary. */
export type PercentileKey = 'p50' | 'p90' | 'p99' | 'p999';

/**
 * Fewest samples each percentile needs: 1 / (1 - q) · 1, i.e. at least one sample beyond the
 * percentile on average (p99: 100, p99.9: 1,000). p50 and p90 need 2 and 10.
 */
export const MIN_SAMPLES: Readonly<Record<PercentileKey, number>> = Object.freeze({ p50: 2, p90: 10, p99: 100, p999: 1000 });

/** Display names of the percentile keys. */
export const PERCENTILE_LABELS: Readonly<Record<PercentileKey, string>> = Object.freeze({
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  p999: 'p99.9',
});

export type PercentileVerdict = { shown: true; value: number } | { shown: false; reason: string };

/** Whether the percentile `key` of a summary with `count` samples is shown, and why not. */
export function percentileVerdict(key: PercentileKey, value: number, count: number): PercentileVerdict {
  const needed = MIN_SAMPLES[key];
  if (count >= needed) return { shown: true, value };
  return {
    shown: false,
    reason: `${PERCENTILE_LABELS[key]} needs ≥ ${needed.toLocaleString('en-US')} samples, has ${count.toLocaleString('en-US')}`,
  };
}

/** "n = 1,200 from 12 messages": the evidence behind a latency figure, for captions and tables. */
export function sampleNote(count: number, messages: number | undefined): string {
  const n = `n = ${count.toLocaleString('en-US')}`;
  return messages === undefined ? n : `${n} from ${messages.toLocaleString('en-US')} message${messages === 1 ? '' : 's'}`;
}
