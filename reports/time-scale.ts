/**
 * Time compression in words. A scenario with `timeScale` F ran F times faster than the
 * situation it stands for (F x the rate, 1/F of the poll interval). Bytes per message and the
 * share of empty polls depend only on the ratio of interval to message gap, so they are the
 * slower situation's; per-second figures are F times the slower situation's; polling latency
 * scales with the interval, so it is shown against the interval.
 */
import type { Scenario } from '../core/results.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { formatInteger, formatMs, formatNumber, formatPercent } from './format.ts';
import { techniqueEntries } from './select.ts';
import { techniqueLabel } from './techniques.ts';

/** The rate and poll interval a time-scaled scenario stands for, or null when it ran as it says. */
export function standsFor(s: Scenario): { factor: number; rate: number; intervalMs: number } | null {
  const factor = s.timeScale;
  if (factor === undefined || factor === 1) return null;
  return { factor, rate: s.params.rate / factor, intervalMs: s.params.intervalMs * factor };
}

/** A plain-text paragraph saying what was scaled and where each interval-bound latency sits against the interval; null when unscaled. */
export function timeScaleNote(s: Scenario): string | null {
  const slow = standsFor(s);
  if (slow === null) return null;
  const p = s.params;
  const gapNow = 1000 / p.rate;
  const gapThen = 1000 / slow.rate;
  const lines = [
    `Time compressed ${formatInteger(slow.factor)}x: ${formatNumber(p.rate, 3)} msg/s with ${formatInteger(p.intervalMs)} ms polls stands for ${formatNumber(slow.rate, 3)} msg/s ` +
      `(a message every ${formatMs(gapThen)}) with ${formatInteger(slow.intervalMs)} ms polls. Bytes per message and the share of empty polls depend only on ` +
      `the ratio of poll interval to message gap (${formatNumber(p.intervalMs / gapNow, 2)} here and there), so they are the slower situation's; bandwidth and CPU ` +
      `per second are ${formatInteger(slow.factor)} times its own; polling latency scales with the interval.`,
  ];
  for (const { technique, result } of techniqueEntries(s)) {
    if (result.state !== 'completed' || TECHNIQUE_META[technique].pickup !== 'interval' || result.latencyMs.count === 0) continue;
    const share = result.latencyMs.p50 / p.intervalMs;
    lines.push(
      `${techniqueLabel(technique)}: p50 ${formatMs(result.latencyMs.p50)} is ${formatPercent(share * 100, 0)} of the ${formatInteger(p.intervalMs)} ms interval ` +
        `(the wait for the next poll, half an interval on average, scales with the interval; the transit, a millisecond or two here, does not).`,
    );
  }
  return lines.join(' ');
}
