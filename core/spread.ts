/**
 * The spread of a metric over repeated runs (`--runs N`): median, a 95% interval, the
 * coefficient of variation, and whether two intervals overlap. Computed here, once; reports
 * only format what this module returns.
 *
 * The interval: with N runs, the chance that the true median lies outside [min, max] is
 * 2 · 0.5^N, so min–max is itself a ≥ 95% interval from N = 6 on (96.9%); for N ≤ 5 it covers
 * less (N = 5: 93.8%, N = 2: 50%) and says so through `confidence`. From N = 6, the interval is
 * the order-statistic (distribution-free) interval for the median: the widest pair of ranks
 * (k, N+1-k) whose binomial coverage still exceeds 95%, narrower than min–max as N grows.
 */

/** Above this coefficient of variation (standard deviation / mean) a metric is flagged unstable. */
export const UNSTABLE_CV = 0.1;

export interface Spread {
  /** Runs the spread is made of. */
  n: number;
  median: number;
  low: number;
  high: number;
  /** Coverage of [low, high] for the median, 0..1 (exact binomial, distribution-free). */
  confidence: number;
  mean: number;
  /** Sample standard deviation (N - 1) / mean; 0 with one run or a zero mean. */
  cv: number;
  /** cv > UNSTABLE_CV. */
  unstable: boolean;
}

/**
 * The median of a non-empty list (the mean of the middle two for an even count); the one median of
 * the code base. Throws a RangeError on an empty list: every caller has at least one round or
 * sample by construction, so no values is a bug to surface, not a figure (0 or NaN) to print.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sample coefficient of variation: standard deviation (N - 1 denominator) over the mean. */
export function coefficientOfVariation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (mean === 0) return 0;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance) / Math.abs(mean);
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** P(rank k ≤ median ≤ rank n+1-k) for n runs: 1 - 2 · P(Binomial(n, ½) < k). */
function orderCoverage(n: number, k: number): number {
  let tail = 0;
  for (let i = 0; i < k; i++) tail += binomial(n, i);
  return 1 - (2 * tail) / 2 ** n;
}

/** Median, 95% interval (see the module note), mean, CV and the unstable flag of the runs' values. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // Widest symmetric ranks (1-based k and n+1-k) that still cover the median with ≥ 95%.
  let k = 1;
  while (k + 1 <= (n + 1) / 2 && orderCoverage(n, k + 1) >= 0.95) k++;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const cv = coefficientOfVariation(sorted);
  return {
    n,
    median: median(sorted),
    low: sorted[k - 1]!,
    high: sorted[n - k]!,
    confidence: n === 1 ? 0 : orderCoverage(n, k),
    mean,
    cv,
    unstable: cv > UNSTABLE_CV,
  };
}

/** Whether two intervals share any value (touching ends count as overlap). */
export function intervalsOverlap(a: Pick<Spread, 'low' | 'high'>, b: Pick<Spread, 'low' | 'high'>): boolean {
  return a.low <= b.high && b.low <= a.high;
}
