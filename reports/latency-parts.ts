/**
 * What a latency is made of. Latency is measured from each message's due time, so it holds
 * the publisher's lateness (how late the message left against its due time, recorded per
 * message) and the transit (server work, kernel, loopback, client). Means add up and
 * percentiles do not, so the split is of the means: transit mean = latency mean - lateness
 * mean. The machine's floor (a bare `ws` broadcast measured the same way) sits beside the
 * techniques: what any technique pays on this host before its own cost.
 */
import type { TechniqueId } from '../core/protocol.ts';
import type { CompletedResult, PublisherResult, Scenario } from '../core/results.ts';
import { percentileVerdict } from '../core/evidence.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { completedEntries } from './select.ts';
import { techniqueLabel } from './techniques.ts';

/** Label of the floor row in every renderer. */
export const FLOOR_LABEL = 'Floor (bare ws)';

export interface LatencyPartsRow {
  /** The technique, or null for the floor row. */
  technique: TechniqueId | null;
  label: string;
  /** True for the machine's floor row. */
  floor: boolean;
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Latency samples behind the figures. */
  samples: number;
  /** Null when the result carries no publisher figures (external target, older file). */
  publisher: PublisherResult | null;
  /** Latency mean less the publisher's lateness mean; null without publisher figures. */
  transitMeanMs: number | null;
  /**
   * The fan-out's queue, part of the transit: the server's fan-out of a message (mean, ms) and
   * the clients' mean arrival behind the first arrival of the same message in their process; null
   * where not recorded and for interval polling (there the spread is the poll phases').
   */
  fanOutMs: number | null;
  arrivalSpreadMs: number | null;
}

/** The publisher's lateness p99 as text (`format` for the number), or "—" when it has too few messages behind it or none. */
export function latenessP99Text(publisher: PublisherResult | null | undefined, format: (ms: number) => string): string {
  if (publisher === null || publisher === undefined || publisher.latenessMs.count === 0) return '—';
  const verdict = percentileVerdict('p99', publisher.latenessMs.p99, publisher.latenessMs.count);
  return verdict.shown ? format(verdict.value) : '—';
}

function row(technique: TechniqueId | null, r: CompletedResult): LatencyPartsRow {
  const floor = technique === null;
  const label = technique === null ? FLOOR_LABEL : techniqueLabel(technique);
  const publisher = r.publisher ?? null;
  const lateness = publisher !== null && publisher.latenessMs.count > 0 ? publisher.latenessMs.mean : null;
  // A poll waits for its own phase: no fan-out queue stands between a message and its client.
  const polled = technique !== null && TECHNIQUE_META[technique].pickup === 'interval';
  return {
    technique,
    label,
    floor,
    latencyMeanMs: r.latencyMs.mean,
    latencyP50Ms: r.latencyMs.p50,
    latencyP99Ms: r.latencyMs.p99,
    samples: r.latencyMs.count,
    publisher,
    transitMeanMs: lateness === null || r.latencyMs.count === 0 ? null : r.latencyMs.mean - lateness,
    fanOutMs: polled || publisher?.fanOutMs === undefined || publisher.fanOutMs.count === 0 ? null : publisher.fanOutMs.mean,
    arrivalSpreadMs: polled || r.arrivalSpreadMs === undefined ? null : r.arrivalSpreadMs,
  };
}

/** One row per completed technique, then the floor when it was measured; empty when nothing has latency figures. */
export function latencyParts(scenario: Scenario): LatencyPartsRow[] {
  const rows = completedEntries(scenario).map(({ technique, result }) => row(technique, result));
  if (scenario.floor?.state === 'completed') rows.push(row(null, scenario.floor));
  return rows;
}

/** The floor's result when it completed, else null. */
export function completedFloor(scenario: Scenario): CompletedResult | null {
  return scenario.floor?.state === 'completed' ? scenario.floor : null;
}
