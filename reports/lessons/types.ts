/**
 * What a lesson file (`reports/lessons/<id>.ts`) provides and the helpers lessons share. A
 * lesson is fixed text about a protocol plus the steps of its sequence diagram; every number
 * in it comes from the results (the reference scenario's model and measurement) or from the
 * protocol's framing rules. reports/teaching.ts lays the steps out as SVG.
 */
import type { CompletedResult } from '../../core/results.ts';
import { html, type SafeHtml } from '../../core/html.ts';
import type { TechniqueFile } from '../../core/techniques.ts';
import { formatBytes } from '../format.ts';

/** Figures from the reference scenario that make a diagram concrete. All optional: a diagram without them is generic. */
export interface TeachingFigures {
  scenarioId: string;
  scenarioTitle: string;
  messageBytes: number;
  intervalMs: number;
  holdMs: number;
  /** From the technique's model; null when it did not complete in the reference scenario. */
  requestHeadBytes: number | null;
  responseHeadBytes: number | null;
  measured: CompletedResult | null;
}

/** One step of a sequence diagram, top to bottom. */
export type Step =
  | { kind: 'arrow'; from: 'client' | 'server'; label: string; cost: string; style: 'request' | 'response' | 'empty' | 'frame' }
  | { kind: 'event'; label: string }
  | { kind: 'gap'; label: string }
  | { kind: 'hold-start'; label: string }
  | { kind: 'hold-end' };

export interface LessonContent {
  title: string;
  /** Paragraphs of HTML, built with `html` (every interpolation escaped). */
  paragraphs: SafeHtml[];
  steps: Step[];
}

/** The default export of `reports/lessons/<id>.ts`. */
export interface Lesson extends TechniqueFile {
  content(figures: TeachingFigures | null): LessonContent;
}

/** `≈ 1,243 B`, or the fallback text when the figure is unknown. */
export function approx(bytes: number | null | undefined, fallback: string): string {
  return bytes === null || bytes === undefined ? fallback : `≈ ${formatBytes(bytes)}`;
}

/** Inline code. */
export const code = (text: string): SafeHtml => html`<code>${text}</code>`;

/** Size of the RFC 6455 frame header before a payload of `length` bytes. */
export function frameHeaderBytes(length: number, masked: boolean): number {
  const base = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  return base + (masked ? 4 : 0);
}
