/**
 * Teaching material: for each technique, how it works on the wire, and an inline SVG sequence
 * diagram (client and server lifelines, arrows labelled with what travels and what it costs).
 * Each technique's text and steps are its lesson file (reports/lessons/<id>.ts); this module
 * picks the figures from the results and lays the steps out. Every value goes into the HTML
 * and the SVG through `html` (escaped).
 */
import type { ResultsFile } from '../core/results.ts';
import { TECHNIQUES, type TechniqueId } from '../core/protocol.ts';
import { html, type SafeHtml } from '../core/html.ts';
import { formatBytes } from './format.ts';
import { LESSONS, type Step, type TeachingFigures } from './lessons/index.ts';
import { referenceScenario } from './select.ts';
import { TECHNIQUE_DISPLAY, techniqueLabel } from './techniques.ts';

export type { TeachingFigures } from './lessons/index.ts';
export { frameHeaderBytes } from './lessons/types.ts';

export interface TechniqueLesson {
  technique: TechniqueId;
  title: string;
  /** HTML paragraphs (built with `html`: static text, values escaped). */
  paragraphsHtml: SafeHtml[];
  /** A self-contained inline <svg>. */
  svg: SafeHtml;
}

/** One lesson per technique present in the results (all of them when none is), in report order. */
export function buildLessons(results: ResultsFile): TechniqueLesson[] {
  const scenario = referenceScenario(results);
  const present = TECHNIQUES.filter((t) => results.scenarios.some((s) => s.results[t] !== undefined));
  const techniques = present.length > 0 ? present : [...TECHNIQUES];
  return techniques.map((technique) => {
    let figures: TeachingFigures | null = null;
    if (scenario !== undefined) {
      const result = scenario.results[technique];
      const measured = result?.state === 'completed' ? result : null;
      figures = {
        scenarioId: scenario.id,
        scenarioTitle: scenario.title,
        messageBytes: scenario.params.messageBytes,
        intervalMs: scenario.params.intervalMs,
        holdMs: scenario.params.holdMs,
        requestHeadBytes: measured?.model?.requestHeadBytes ?? null,
        responseHeadBytes: measured?.model?.responseHeadBytes ?? null,
        measured,
      };
    }
    return lesson(technique, figures);
  });
}

/** The lesson for one technique. */
export function lesson(technique: TechniqueId, figures: TeachingFigures | null): TechniqueLesson {
  const content = LESSONS[technique].content(figures);
  const paragraphsHtml = [...content.paragraphs];
  const measured = measuredSentence(technique, figures);
  if (measured !== null) paragraphsHtml.push(measured);
  return {
    technique,
    title: content.title,
    paragraphsHtml,
    svg: sequenceDiagram(technique, `${techniqueLabel(technique)}: who sends what, when`, content.steps),
  };
}

function measuredSentence(technique: TechniqueId, figures: TeachingFigures | null): SafeHtml | null {
  if (figures === null) return null;
  const where = html`In the scenario “${figures.scenarioTitle}”`;
  if (figures.measured === null) return html`<p class="measured">${where}, ${techniqueLabel(technique)} has no completed measurement.</p>`;
  const m = figures.measured;
  // Compression can make the wire cost less than the message JSON: the "overhead" is then a saving.
  const split =
    m.perMessage.overheadBytes >= 0
      ? html`${formatBytes(m.perMessage.overheadBytes)} of it overhead`
      : html`${formatBytes(-m.perMessage.overheadBytes)} less than the message JSON it carries, framing included`;
  return html`<p class="measured">${where}, one delivered message cost <strong>${formatBytes(m.perMessage.totalBytes)}</strong> on the wire, ${split} (measured)${m.model === null ? '' : html`; the model predicts ${formatBytes(m.model.perMessage.totalBytes)}`}.</p>`;
}

// ---------------------------------------------------------------------------------------------
// SVG layout: time runs down, the client on the left, the server on the right, notes beyond it.

const WIDTH = 720;
const CLIENT_X = 120;
const SERVER_X = 480;
/** Where the first step starts, below the lifeline heads. */
const TOP = 56;
/** How far an arrow falls while it crosses: messages take time to travel. */
const ARROW_DROP = 10;

const STYLE_COLORS: Readonly<Record<Extract<Step, { kind: 'arrow' }>['style'], string>> = {
  request: '#333333',
  response: '#0b5394',
  empty: '#999999',
  frame: '#1b7a3d',
};

function sequenceDiagram(technique: TechniqueId, title: string, steps: Step[]): SafeHtml {
  const id = `seq-${technique}`;
  const parts: SafeHtml[] = [];
  const mid = (CLIENT_X + SERVER_X) / 2;
  // `y` is the top of the next step; each step takes the height it needs.
  let y = TOP;
  let lastArrowStart = y;
  let lastArrowEnd = y;
  let holdStart: number | null = null;
  for (const step of steps) {
    switch (step.kind) {
      case 'arrow': {
        const [x1, x2] = step.from === 'client' ? [CLIENT_X, SERVER_X] : [SERVER_X, CLIENT_X];
        const color = STYLE_COLORS[step.style];
        const dash = step.style === 'empty' ? html` stroke-dasharray="6 4"` : '';
        lastArrowStart = y + 20;
        lastArrowEnd = lastArrowStart + ARROW_DROP;
        parts.push(
          html`<text x="${mid}" y="${y + 13}" text-anchor="middle" font-size="12" fill="${color}" font-family="ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace">${step.label}</text>`,
          html`<line x1="${x1}" y1="${lastArrowStart}" x2="${x2}" y2="${lastArrowEnd}" stroke="${color}" stroke-width="1.6"${dash} marker-end="url(#${id}-arrow-${step.style})"/>`,
          html`<text x="${mid}" y="${lastArrowEnd + 16}" text-anchor="middle" font-size="11" fill="#555555">${step.cost}</text>`,
        );
        y += 58;
        break;
      }
      case 'event':
        parts.push(
          html`<circle cx="${SERVER_X}" cy="${y + 8}" r="5" fill="#D55E00"/>`,
          html`<text x="${SERVER_X + 12}" y="${y + 12}" font-size="12" fill="#D55E00">${step.label}</text>`,
        );
        y += 26;
        break;
      case 'gap':
        parts.push(
          html`<text x="${mid}" y="${y + 14}" text-anchor="middle" font-size="12" font-style="italic" fill="#666666">${step.label}</text>`,
        );
        y += 28;
        break;
      case 'hold-start':
        // The request just arrived: the server sits on it from here.
        holdStart = lastArrowEnd;
        parts.push(html`<text x="${SERVER_X + 12}" y="${y + 12}" font-size="12" fill="#666666" font-style="italic">${step.label}</text>`);
        y += 24;
        break;
      case 'hold-end':
        // ...until the response that just left.
        if (holdStart !== null) {
          parts.push(
            html`<rect x="${SERVER_X - 5}" y="${holdStart}" width="10" height="${Math.max(4, lastArrowStart - holdStart)}" fill="#cccccc" stroke="#888888"/>`,
          );
          holdStart = null;
        }
        break;
    }
  }
  const height = y + 8;
  const markers = (Object.keys(STYLE_COLORS) as Array<keyof typeof STYLE_COLORS>).map(
    (style) =>
      html`<marker id="${id}-arrow-${style}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${STYLE_COLORS[style]}"/></marker>`,
  );
  const color = TECHNIQUE_DISPLAY[technique].color;
  const lifelines = html`<rect x="${CLIENT_X - 60}" y="8" width="120" height="30" rx="4" fill="#ffffff" stroke="${color}" stroke-width="2"/>\
<text x="${CLIENT_X}" y="28" text-anchor="middle" font-size="13" font-weight="bold">Client</text>\
<rect x="${SERVER_X - 60}" y="8" width="120" height="30" rx="4" fill="#ffffff" stroke="${color}" stroke-width="2"/>\
<text x="${SERVER_X}" y="28" text-anchor="middle" font-size="13" font-weight="bold">Server</text>\
<line x1="${CLIENT_X}" y1="38" x2="${CLIENT_X}" y2="${height - 4}" stroke="#bbbbbb" stroke-width="1.5"/>\
<line x1="${SERVER_X}" y1="38" x2="${SERVER_X}" y2="${height - 4}" stroke="#bbbbbb" stroke-width="1.5"/>\
<text x="16" y="${TOP + 8}" font-size="11" fill="#888888">time ↓</text>`;
  return html`<svg class="sequence" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${id}-title" font-family="system-ui, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif"><title id="${id}-title">${title}</title><defs>${markers}</defs>${lifelines}${parts}</svg>`;
}
