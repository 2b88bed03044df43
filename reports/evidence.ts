/**
 * The evidence behind each noisy figure, as every renderer shows it: how many samples and
 * messages a latency percentile rests on, "—" with a reason where it rests on too few
 * (core/evidence.ts decides), and with `--runs N` the median and 95% interval over the runs
 * (core/spread.ts computes). Pure: results in, values and strings out.
 */
import { percentileVerdict, sampleNote, type PercentileKey } from '../core/evidence.ts';
import type { CompletedResult, RunSummary } from '../core/results.ts';
import { spreadOf, type Spread } from '../core/spread.ts';
import { formatBoundedMs, formatMs, formatNumber, formatPercent } from './format.ts';

/** The noisy metrics whose spread over runs is shown. */
export type NoisyMetric = 'p50' | 'p99' | 'cpu' | 'rss';

export const NOISY_METRIC_LABELS: Readonly<Record<NoisyMetric, string>> = Object.freeze({
  p50: 'p50 latency',
  p99: 'p99 latency',
  cpu: 'server CPU',
  rss: 'server memory (RSS)',
});

const PICK: Readonly<Record<NoisyMetric, (run: RunSummary) => number | null>> = {
  p50: (r) => r.latencyMs.p50,
  p99: (r) => (percentileVerdict('p99', r.latencyMs.p99, r.latencyMs.count).shown ? r.latencyMs.p99 : null),
  cpu: (r) => r.cpuPercent,
  rss: (r) => r.rssBytes,
};

/** The runs of a result (`--runs N`), or null for a single run. */
export function runsOf(result: CompletedResult): RunSummary[] | null {
  return result.runs !== undefined && result.runs.length > 1 ? result.runs : null;
}

/** Spread of one noisy metric over a result's runs; null for one run or when a run lacks the figure. */
export function metricSpread(result: CompletedResult, metric: NoisyMetric): Spread | null {
  const runs = runsOf(result);
  if (runs === null) return null;
  const values = runs.map(PICK[metric]);
  if (values.some((v) => v === null)) return null;
  return spreadOf(values as number[]);
}

/** The single-run value of a noisy metric (null where there is none to show). */
export function metricValue(result: CompletedResult, metric: NoisyMetric): number | null {
  switch (metric) {
    case 'p50':
    case 'p99':
      return shownPercentile(result, metric);
    case 'cpu':
      return result.server?.cpuPercent ?? null;
    case 'rss':
      return result.server?.rssBytes ?? null;
  }
}

/** A percentile's value when it has enough samples, else null. */
export function shownPercentile(result: CompletedResult, key: PercentileKey): number | null {
  const v = percentileVerdict(key, result.latencyMs[key], result.latencyMs.count);
  return v.shown ? v.value : null;
}

/** Why a percentile is not shown, or null when it is. */
export function percentileReason(result: CompletedResult, key: PercentileKey): string | null {
  const v = percentileVerdict(key, result.latencyMs[key], result.latencyMs.count);
  return v.shown ? null : v.reason;
}

/** "n = 1,200 from 12 messages" for a result (over all runs when there are several). */
export function latencyEvidence(result: CompletedResult): string {
  const runs = runsOf(result);
  if (runs === null) return sampleNote(result.latencyMs.count, result.latencyMs.messages);
  const counts = runs.map((r) => r.latencyMs.count);
  const messages = runs.map((r) => r.latencyMs.messages);
  return `${runs.length} runs, each n = ${range(counts)} from ${range(messages)} messages`;
}

function range(values: readonly number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? lo.toLocaleString('en-US') : `${lo.toLocaleString('en-US')}–${hi.toLocaleString('en-US')}`;
}

const FORMAT: Readonly<Record<NoisyMetric, (v: number) => string>> = {
  p50: formatMs,
  p99: formatMs,
  cpu: (v) => formatPercent(v),
  rss: (v) => `${formatNumber(v / 1e6, 1)} MB`,
};

/**
 * A table cell for a noisy metric: `1.23 ms` for one run, `1.23 ms [1.10–1.40]` (median and
 * interval) for several, with `unstable` appended when the CV exceeds 10%; "—" when the
 * percentile has too few samples (the reason goes in a note, see `evidenceNotes`).
 */
export function noisyCell(result: CompletedResult, metric: NoisyMetric, clockBoundMs?: number): string {
  // Merged from shards: a latency no finer than the clocks can tell apart.
  const format =
    clockBoundMs !== undefined && (metric === 'p50' || metric === 'p99') ? (v: number) => formatBoundedMs(v, clockBoundMs) : FORMAT[metric];
  const spread = metricSpread(result, metric);
  if (spread !== null)
    return `${format(spread.median)} [${intervalText(format(spread.low), format(spread.high))}]${spread.unstable ? ' unstable' : ''}`;
  const value = metricValue(result, metric);
  return value === null ? '—' : format(value);
}

/** `235–267 ms` from `235 ms` and `267 ms`: the unit once, when both ends share it. */
function intervalText(low: string, high: string): string {
  const unit = /[^\d.,]+$/.exec(high)?.[0] ?? '';
  return unit !== '' && low.endsWith(unit) ? `${low.slice(0, -unit.length)}–${high}` : `${low}–${high}`;
}

/** Notes under a table: why a "—" is there, which metrics are unstable, and what the interval is. */
export function evidenceNotes(entries: ReadonlyArray<{ label: string; result: CompletedResult }>): string[] {
  const notes: string[] = [];
  for (const { label, result } of entries) {
    for (const key of ['p50', 'p99'] as const) {
      const reason = runsOf(result) === null ? percentileReason(result, key) : null;
      if (reason !== null) notes.push(`${label}: ${reason}, so it is not shown.`);
    }
    for (const metric of Object.keys(PICK) as NoisyMetric[]) {
      const spread = metricSpread(result, metric);
      if (spread?.unstable === true)
        notes.push(
          `${label}: ${NOISY_METRIC_LABELS[metric]} is unstable over ${spread.n} runs (coefficient of variation ${formatPercent(spread.cv * 100)}, above 10%).`,
        );
    }
  }
  const first = entries.map((e) => runsOf(e.result)).find((r) => r !== null);
  if (first !== undefined && first !== null) {
    const s = spreadOf(first.map((r) => r.latencyMs.p50));
    notes.push(
      `With ${s.n} runs, figures are the median [interval]; the interval covers the median with ${formatPercent(s.confidence * 100)} confidence (order statistics${s.n <= 5 ? ', min–max' : ''}).`,
    );
  }
  return notes;
}
