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
}

function row(technique: TechniqueId | null, r: CompletedResult): LatencyPartsRow {
  const floor = technique === null;
  const label = technique === null ? FLOOR_LABEL : techniqueLabel(technique);
  const publisher = r.publisher ?? null;
  const lateness = publisher !== null && publisher.latenessMs.count > 0 ? publisher.latenessMs.mean : null;
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
