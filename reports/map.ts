/**
 * The decision map in words and tables: for the terminal (plain text) and summary.md (Markdown).
 * Pure functions of results.json's `map`: the winner of every grid point per criterion with its
 * margin, the measured points beside the model, the crossovers and the classic claims.
 */
import {
  figureOf,
  MAP_CRITERIA,
  MAP_RANKINGS,
  type DecisionMap,
  type MapCell,
  type MapCrossover,
  type MapRanking,
  type MapWinner,
} from '../core/results.ts';
import { TECHNIQUE_META, techniqueCode } from '../core/techniques.ts';
import { DEFAULT_WIRE, WIRE_META, type WireId } from '../core/wires.ts';
import { escapeMarkdown } from '../core/html.ts';
import { formatInteger, formatNumber } from './format.ts';
import { wrap } from './terminal.ts';

/** Criterion names and units, for titles and axes. */
export const CRITERION_TEXT: Readonly<Record<MapRanking, { title: string; unit: string }>> = {
  bytes: { title: 'bytes per delivered message', unit: 'B' },
  bandwidth: { title: 'bandwidth per client', unit: 'B/s' },
  p50: { title: 'p50 latency', unit: 'ms' },
  p99: { title: 'p99 latency', unit: 'ms' },
  cpu: { title: 'server CPU per delivered message', unit: 'µs' },
  memory: { title: 'server memory per connection', unit: 'B' },
  weighted: { title: 'weighted score (--weights)', unit: '× best' },
};

/** The rankings a map holds: the six criteria, and `weighted` when it was given weights. */
export function mapRankings(map: DecisionMap): readonly MapRanking[] {
  return map.weights === undefined || map.weights === null ? MAP_CRITERIA : MAP_RANKINGS;
}

/** One view of a map: its cells and winners on one wire, or across the wires (a technique and wire pair wins). */
export interface MapView {
  /** `http`, `h2`, ... or `any`; the file and anchor suffix is empty for a map of one wire. */
  readonly wire: WireId | 'any';
  readonly suffix: string;
  /** `on HTTP/2 + TLS`, `across the wires`, or empty for a map of one wire. */
  readonly title: string;
  readonly map: DecisionMap;
}

/** The wires of a map (http for a map written before wires). */
export function mapWireList(map: DecisionMap): readonly WireId[] {
  return map.axes.wires ?? [DEFAULT_WIRE];
}

/** The map restricted to one wire, or across the wires (every cell, the `any` winners, no crossovers). */
export function viewOf(map: DecisionMap, wire: WireId | 'any'): DecisionMap {
  return {
    ...map,
    cells: wire === 'any' ? map.cells : map.cells.filter((c) => (c.wire ?? DEFAULT_WIRE) === wire),
    winners: map.winners.filter((w) => (w.wire ?? DEFAULT_WIRE) === wire),
    crossovers: wire === 'any' ? [] : map.crossovers.filter((c) => (c.wire ?? DEFAULT_WIRE) === wire),
  };
}

/** The views of a map: itself for one wire; each wire and then across the wires for several. */
export function mapViews(map: DecisionMap): MapView[] {
  const wires = mapWireList(map);
  if (wires.length === 1) return [{ wire: wires[0]!, suffix: '', title: '', map }];
  return [
    ...wires.map((wire) => ({ wire, suffix: `-${wire}`, title: ` on ${WIRE_META[wire].label}`, map: viewOf(map, wire) })),
    { wire: 'any' as const, suffix: '-across-wires', title: ' across the wires', map: viewOf(map, 'any') },
  ];
}

/** A cell's figure for a ranking: the model's figure of a criterion, or its weighted score. */
export function cellRankFigure(figures: Parameters<typeof figureOf>[0], cell: MapCell, ranking: MapRanking): number | null {
  return ranking === 'weighted' ? (cell.weighted ?? null) : figureOf(figures, ranking);
}

/** A winner's code: `SSE`, or `SSE/h2` across the wires. */
export function winnerCode(w: Pick<MapWinner, 'technique' | 'winnerWire'>): string {
  if (w.technique === null) return '—';
  return `${techniqueCode(w.technique)}${w.winnerWire === undefined || w.winnerWire === null ? '' : `/${w.winnerWire}`}`;
}

/** A technique's code in the map's tables (core/techniques.ts: SP, LP, SSE, WS, WSD). */
export { techniqueCode };

/** `1.0e-2`-free rate text: 0.01, 0.0316, 3.16, 100. */
export function rateText(rate: number): string {
  return String(Number(rate.toPrecision(3)));
}

/** `100 ms`, `1 s`, `10 s`. */
export function intervalText(ms: number): string {
  return ms >= 1000 ? `${formatNumber(ms / 1000, 2)} s` : `${formatNumber(ms, 1)} ms`;
}

/** A figure with its unit, to 3 significant digits. */
export function figureText(value: number | null, criterion: MapRanking): string {
  if (value === null) return '—';
  return `${formatNumber(Number(value.toPrecision(3)), 3)} ${CRITERION_TEXT[criterion].unit}`;
}

/** The winner of one grid point for a criterion. */
export function winnerAt(
  map: DecisionMap,
  criterion: MapRanking,
  rate: number,
  intervalMs: number,
  clients: number,
): MapWinner | undefined {
  return map.winners.find((w) => w.criterion === criterion && w.rate === rate && w.intervalMs === intervalMs && w.clients === clients);
}

/** The cells of one grid point. */
export function cellsAt(map: DecisionMap, rate: number, intervalMs: number, clients: number): MapCell[] {
  return map.cells.filter((c) => c.rate === rate && c.intervalMs === intervalMs && c.clients === clients);
}

/** `WS 2.1x*`: a winner, its margin over the runner-up, `*` measured, `!` a measured cell that disagrees with the model there. */
function winnerText(map: DecisionMap, w: MapWinner | undefined): string {
  if (w === undefined || w.technique === null) return '—';
  const margin = w.margin === null ? '' : ` ${formatNumber(Number(w.margin.toPrecision(w.margin < 10 ? 3 : 2)), 2)}x`;
  const cells = cellsAt(map, w.rate, w.intervalMs, w.clients);
  const disagree = w.criterion !== 'weighted' && cells.some((c) => c.measurement?.disagree.includes(w.criterion as never));
  const measured = cells.some((c) => c.measured);
  return `${winnerCode(w)}${margin}${measured ? '*' : ''}${disagree ? '!' : ''}`;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The rows of one criterion's winner table: a row per (clients, interval), a column per rate. */
function winnerRows(map: DecisionMap, criterion: MapRanking): string[][] {
  const rows: string[][] = [['clients', 'interval', ...map.axes.rates.map((r) => `${rateText(r)}/s`)]];
  for (const clients of map.axes.clients) {
    for (const intervalMs of map.axes.intervalsMs) {
      rows.push([
        formatInteger(clients),
        intervalText(intervalMs),
        ...map.axes.rates.map((rate) => winnerText(map, winnerAt(map, criterion, rate, intervalMs, clients))),
      ]);
    }
  }
  return rows;
}

function legend(map: DecisionMap): string {
  return `${map.axes.techniques.map((t) => `${techniqueCode(t)} ${TECHNIQUE_META[t].label}`).join(', ')}; 2.1x: the runner-up costs 2.1 times as much; * measured point; ! the measurement differs from the model there (shown instead)`;
}

/** The map's first sentence: its size, what was measured, its parameters and limits. */
export function mapHeadline(map: DecisionMap): string {
  const cells = map.cells.length;
  const limits = [
    map.limits.maxLatencyMs === null ? null : `p99 <= ${intervalText(map.limits.maxLatencyMs)}`,
    map.limits.maxBandwidthBytesPerSecond === null
      ? null
      : `bandwidth <= ${formatInteger(map.limits.maxBandwidthBytesPerSecond)} B/s per client`,
    map.limits.maxMemoryBytes === null ? null : `server memory <= ${formatInteger(map.limits.maxMemoryBytes)} B`,
  ].filter((l) => l !== null);
  const wires = mapWireList(map);
  const weights = map.weights ?? null;
  // The techniques on the map: those its wire and target carry (a refused one is named under "Left out").
  const onMap = new Set(map.cells.map((c) => c.technique)).size;
  const pairs = wires.length === 1 ? `${onMap} techniques` : `${wires.length} wires (${wires.join(', ')}) × their techniques`;
  return (
    `Decision map: ${map.axes.rates.length} rates × ${map.axes.intervalsMs.length} intervals × ${map.axes.clients.length} client counts × ${pairs} = ${formatInteger(cells)} cells from the model` +
    `${wires.length === 1 && wires[0] === DEFAULT_WIRE ? '' : ` (on ${wires.map((w) => WIRE_META[w].label).join(', ')})`}; ` +
    `${map.measuredCells} points measured (${map.cells.filter((c) => c.measured).length} cells); ${formatNumber(map.wallMs / 1000, 1)} s. ` +
    `Broadcast, ${map.params.payloadBytes} B payload, ${map.params.headers} headers, ${intervalText(map.params.holdMs)} hold.` +
    (limits.length === 0 ? '' : ` Limits: ${limits.join(', ')}.`) +
    (weights === null
      ? ''
      : ` Weights: ${MAP_CRITERIA.filter((c) => (weights[c] ?? 0) > 0)
          .map((c) => `${c}=${weights[c]}`)
          .join(', ')} (each figure over the best at its point, weighted mean).`) +
    (map.axes.refused === undefined || map.axes.refused.length === 0 ? '' : ` Left out: ${map.axes.refused.join('; ')}.`)
  );
}

/** Measured points beside the model: one row per measured cell. */
function measuredRows(map: DecisionMap): string[][] {
  const rows: string[][] = [
    [
      'point',
      map.axes.wires !== undefined && map.axes.wires.length > 1 ? 'tech/wire' : 'tech',
      'B/msg',
      'p50 ms',
      'p99 ms',
      'CPU µs/msg',
      'n/msgs',
      'x faster',
    ],
  ];
  for (const cell of map.cells) {
    const m = cell.measurement;
    if (m === undefined) continue;
    const mark = (c: 'bytes' | 'p50' | 'p99'): string => (m.disagree.includes(c) ? ' !' : '');
    rows.push([
      `${rateText(cell.rate)}/s ${intervalText(cell.intervalMs)} ${formatInteger(cell.clients)}c`,
      `${techniqueCode(cell.technique)}${map.axes.wires !== undefined && map.axes.wires.length > 1 ? `/${cell.wire ?? DEFAULT_WIRE}` : ''}`,
      `${formatNumber(m.figures.bytesPerMessage, 1)} / ${formatNumber(m.modelAsRun.bytesPerMessage, 1)}${mark('bytes')}`,
      `${formatNumber(m.figures.p50Ms, 2)} / ${formatNumber(m.modelAsRun.p50Ms, 2)}${mark('p50')}`,
      `${formatNumber(m.figures.p99Ms, 2)} / ${formatNumber(m.modelAsRun.p99Ms, 2)}${mark('p99')}`,
      m.figures.cpuMicrosPerMessage === null ? '—' : formatNumber(m.figures.cpuMicrosPerMessage, 1),
      `${formatInteger(m.samples)}/${formatInteger(m.messages)}`,
      formatNumber(m.timeScale, 1),
    ]);
  }
  return rows;
}

/** Where a crossover was computed, in words: `at 1 msg/s`, `at 100 ms polls`. */
function atText(c: MapCrossover): string {
  if (c.at.rate !== undefined) return `${rateText(c.at.rate)} msg/s`;
  if (c.at.intervalMs !== undefined) return `${intervalText(c.at.intervalMs)} polls`;
  return '';
}

function valueText(c: MapCrossover): string {
  if (c.value === null) return 'none';
  return c.axis === 'rate'
    ? `${rateText(c.value)} msg/s`
    : c.axis === 'intervalMs'
      ? intervalText(c.value)
      : `${formatInteger(c.value)} clients`;
}

/**
 * One line per kind of crossover (the id before `@`): the sentence of its middle instance, its
 * formula, then where it falls at every other point it was computed at (results.json has each).
 */
export function crossoverLines(map: DecisionMap): string[] {
  const groups = new Map<string, MapCrossover[]>();
  for (const c of map.crossovers) {
    const kind = c.id.split('@')[0]!;
    groups.set(kind, [...(groups.get(kind) ?? []), c]);
  }
  return [...groups.values()].map((list) => {
    const shown = list[Math.floor((list.length - 1) / 2)]!;
    const across = list.length === 1 ? '' : ` Across the map: ${list.map((c) => `${valueText(c)} at ${atText(c)}`).join('; ')}.`;
    return `- ${shown.text}${across} [${shown.formula}]`;
  });
}

/** The crossover lines of each wire, prefixed with the wire on a map of several. */
function viewCrossoverLines(map: DecisionMap): string[] {
  return mapViews(map)
    .filter((view) => view.wire !== 'any')
    .flatMap((view) => crossoverLines(view.map).map((line) => (view.title === '' ? line : `- ${view.title.trim()}: ${line.slice(2)}`)));
}

function claimLines(map: DecisionMap): string[] {
  return map.claims.map((c) => `- "${c.claim}" — ${c.verdict.toUpperCase()}. ${c.evidence}`);
}

/** The whole map as terminal text (`criteria`: the winner tables to print). */
export function renderMapText(map: DecisionMap, criteria: readonly MapRanking[] = mapRankings(map)): string {
  const out: string[] = [wrap(mapHeadline(map)), '', wrap(`Model: ${map.calibration}`), ''];
  for (const view of mapViews(map)) {
    for (const criterion of criteria) {
      if (criterion === 'weighted' && (map.weights ?? null) === null) continue;
      out.push(
        `Winner by ${CRITERION_TEXT[criterion].title} (${CRITERION_TEXT[criterion].unit})${view.title}, per rate (msg/s):`,
        pad(winnerRows(view.map, criterion)),
        '',
      );
    }
  }
  out.push(wrap(`Codes: ${legend(map)}.`), '');
  const measured = measuredRows(map);
  out.push(
    measured.length > 1
      ? `${wrap("Measured cells, each figure as measured / the model at the run's own rate and interval (! beyond 1% for bytes, 10% for latency):")}\n${pad(measured)}`
      : 'No cell was measured.',
    '',
    'Crossovers:',
    ...viewCrossoverLines(map).map((line) => wrap(line)),
    '',
    'What the classic argument gets right and wrong:',
    ...claimLines(map).map((line) => wrap(line)),
    '',
  );
  return out.join('\n');
}

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  const row = (cells: string[]): string => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return [row(head!), `|${head!.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`, ...body.map(row)].join('\n');
}

/** A list line with its text escaped (the sentences carry `*`, `|` and `!` of formulas and marks). */
const markdownItem = (line: string): string => `- ${escapeMarkdown(line.replace(/^- /, ''))}`;

/** The map as a Markdown section of summary.md. */
export function renderMapMarkdown(map: DecisionMap): string {
  const out: string[] = ['## Decision map', '', escapeMarkdown(mapHeadline(map)), '', `Model: ${escapeMarkdown(map.calibration)}`, ''];
  for (const view of mapViews(map)) {
    for (const criterion of mapRankings(map)) {
      out.push(
        `### Winner by ${CRITERION_TEXT[criterion].title} (${CRITERION_TEXT[criterion].unit})${view.title}`,
        '',
        markdownTable(winnerRows(view.map, criterion)),
        '',
      );
    }
  }
  out.push(`Codes: ${escapeMarkdown(legend(map))}.`, '');
  const measured = measuredRows(map);
  if (measured.length > 1) out.push('### Measured cells beside the model', '', markdownTable(measured), '');
  out.push(
    '### Crossovers',
    '',
    ...viewCrossoverLines(map).map(markdownItem),
    '',
    '### What the classic argument gets right and wrong',
    '',
    ...claimLines(map).map(markdownItem),
    '',
  );
  return out.join('\n');
}

/**
 * The map in a few lines, for a session that made it on the side (`npm run bench`): the winner of
 * every criterion along the rate axis at one interval and client count (the most measured
 * points', the fewest clients on a tie), with the codes. The files hold the whole map.
 */
export function renderMapBrief(map: DecisionMap): string {
  const measured = (intervalMs: number, clients: number): number =>
    map.cells.filter((c) => c.measured && c.intervalMs === intervalMs && c.clients === clients).length;
  let at = { intervalMs: map.axes.intervalsMs[0] ?? 0, clients: map.axes.clients[0] ?? 0 };
  for (const clients of map.axes.clients)
    for (const intervalMs of map.axes.intervalsMs)
      if (measured(intervalMs, clients) > measured(at.intervalMs, at.clients)) at = { intervalMs, clients };
  const rows: string[][] = [['winner by', 'unit', ...map.axes.rates.map((r) => `${rateText(r)}/s`)]];
  for (const criterion of MAP_CRITERIA) {
    rows.push([
      criterion,
      CRITERION_TEXT[criterion].unit,
      ...map.axes.rates.map((rate) => winnerText(map, winnerAt(map, criterion, rate, at.intervalMs, at.clients))),
    ]);
  }
  const codes = map.axes.techniques.map((t) => `${techniqueCode(t)} ${TECHNIQUE_META[t].label}`).join(', ');
  return [
    wrap(
      `Decision map from the model (${map.measuredCells} of the suite's points measured on it), at ${intervalText(at.intervalMs)} polls and ${formatInteger(at.clients)} clients; the whole map is in report.html and results.json:`,
    ),
    pad(rows),
    wrap(`${codes}; 2.1x: the runner-up costs 2.1 times as much; * measured point; ! measurement differs from the model.`),
    '',
  ].join('\n');
}
