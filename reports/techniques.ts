/**
 * Display data per technique, read from its row in core/techniques.ts (label, colour, whether
 * messages travel in responses to requests), plus the colours of the parts of a byte count.
 */
import type { ResultsFile } from '../core/results.ts';
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId } from '../core/techniques.ts';

export interface TechniqueDisplay {
  /** Short label for tables, legends and axes. */
  label: string;
  /** Chart colour (Okabe–Ito palette, readable by colour-blind readers and in greyscale print). */
  color: string;
  /** True when every message travels in an HTTP response to a request the client made. */
  requestPerResponse: boolean;
}

export const TECHNIQUE_DISPLAY: Readonly<Record<TechniqueId, TechniqueDisplay>> = Object.freeze(
  Object.fromEntries(
    Object.values(TECHNIQUE_META).map((meta) => [
      meta.id,
      { label: meta.label, color: meta.color, requestPerResponse: meta.delivery === 'request' },
    ]),
  ) as Record<TechniqueId, TechniqueDisplay>,
);

/** The techniques of a run that cannot keep one of the rules of fairness, with the rule they break (from their rows). */
export function fairnessExceptions(results: ResultsFile): Array<{ technique: TechniqueId; breaks: string }> {
  const out: Array<{ technique: TechniqueId; breaks: string }> = [];
  for (const technique of TECHNIQUES) {
    const breaks = TECHNIQUE_META[technique].breaks;
    if (breaks !== null && results.scenarios.some((s) => s.results[technique] !== undefined)) out.push({ technique, breaks });
  }
  return out;
}

/** The human label of a technique id. */
export function techniqueLabel(id: TechniqueId): string {
  return TECHNIQUE_DISPLAY[id].label;
}

/** `WebSocket's`, `Server-Sent Events'`: the possessive of a technique's label. */
export function techniquePossessive(id: TechniqueId): string {
  const label = techniqueLabel(id);
  return label.endsWith('s') ? `${label}'` : `${label}'s`;
}

/** Colours for the parts of a byte count. */
export const PART_COLORS = {
  payload: '#999999',
  /** What compression saved: not on the wire, drawn pale. */
  saved: '#eeeeee',
  overhead: '#D55E00',
  upPayload: '#56B4E9',
  upOverhead: '#0072B2',
  downPayload: '#F0E442',
  downOverhead: '#D55E00',
} as const;

/** Colours for latency percentiles, light to dark. */
export const PERCENTILE_COLORS = ['#9ecae1', '#4292c6', '#08519c', '#08306b'] as const;
