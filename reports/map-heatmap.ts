/**
 * The geometry of a decision-map heatmap, shared by the PNG (reports/map-png.ts) and the SVG in
 * report.html (reports/map-html.ts): for one criterion and one client count, a column per rate
 * and a row per poll interval, each cell coloured by its winner (stronger the wider the margin),
 * the measured cells and the disagreements marked, and the crossover lines of that criterion
 * drawn through the grid. Pure: grid units only (a cell is 1 × 1; x grows with the rate, y with
 * the interval, row 0 the shortest).
 */
import type { DecisionMap, MapCriterion, MapRanking } from '../core/results.ts';
import { TECHNIQUE_META, type TechniqueId } from '../core/techniques.ts';
import { CRITERION_TEXT, cellRankFigure, cellsAt, figureText, intervalText, rateText, techniqueCode, winnerAt, winnerCode } from './map.ts';

export interface HeatCell {
  col: number;
  row: number;
  rate: number;
  intervalMs: number;
  technique: TechniqueId | null;
  color: string;
  /** 0.3 (the runner-up is within a few percent) to 1 (it costs 3 times as much or more). */
  opacity: number;
  label: string;
  measured: boolean;
  disagree: boolean;
  /** The cell's numbers, one line per technique, for a tooltip. */
  detail: string;
}

export interface HeatLine {
  id: string;
  label: string;
  /** Along which axis the crossover moves: each point is a rate in a row, or an interval in a column. */
  axis: 'rate' | 'intervalMs';
  /** Points in grid units (x, y): the crossover at each row (a rate) or each column (an interval) where it falls on the grid. */
  points: Array<[number, number]>;
}

export interface Heatmap {
  criterion: MapRanking;
  clients: number;
  title: string;
  columns: string[];
  rows: string[];
  cells: HeatCell[];
  lines: HeatLine[];
}

/** Where `value` falls among ascending `axis` values, in fractional index units (cell centres at i + 0.5); null outside the axis. */
export function axisPosition(axis: readonly number[], value: number): number | null {
  if (axis.length === 0) return null;
  if (axis.length === 1) return value === axis[0] ? 0.5 : null;
  const first = axis[0]!;
  const last = axis[axis.length - 1]!;
  if (value < first || value > last) return null;
  for (let i = 0; i < axis.length - 1; i++) {
    const a = axis[i]!;
    const b = axis[i + 1]!;
    if (value >= a && value <= b) return i + 0.5 + Math.log(value / a) / Math.log(b / a);
  }
  return null;
}

function opacityFor(margin: number | null): number {
  if (margin === null || margin <= 1) return 0.3;
  return Math.min(1, 0.3 + (0.7 * Math.log(margin)) / Math.log(3));
}

/** The heatmap of one criterion at one client count. */
export function heatmap(map: DecisionMap, criterion: MapRanking, clients: number, viewTitle = ''): Heatmap {
  const cells: HeatCell[] = [];
  map.axes.intervalsMs.forEach((intervalMs, row) => {
    map.axes.rates.forEach((rate, col) => {
      const w = winnerAt(map, criterion, rate, intervalMs, clients);
      const point = cellsAt(map, rate, intervalMs, clients);
      const measured = point.some((c) => c.measured);
      const disagree = criterion !== 'weighted' && point.some((c) => c.measurement?.disagree.includes(criterion));
      const technique = w?.technique ?? null;
      const detail = [
        `${rateText(rate)} msg/s, ${intervalText(intervalMs)} polls, ${clients} clients: ${CRITERION_TEXT[criterion].title}${viewTitle}`,
        ...point.map((c) => {
          const m = c.measurement;
          const name = `${TECHNIQUE_META[c.technique].label}${viewTitle === ' across the wires' ? ` on ${c.wire ?? 'http'}` : ''}`;
          if (criterion === 'weighted')
            return `${name}: ${figureText(c.weighted ?? null, criterion)}${c.measured ? ' (from measured figures where shown)' : ' (model)'}`;
          const model = figureText(cellRankFigure(c.model, c, criterion), criterion);
          if (m === undefined) return `${name}: ${model} (model)`;
          const measuredValue = figureText(cellRankFigure(m.figures, c, criterion), criterion);
          const flag = m.disagree.includes(criterion) ? ' — differs from the model' : '';
          // A compressed run is checked against the model at its own rate and interval: say that figure too.
          const asRunValue =
            criterion === 'bytes'
              ? m.modelAsRun.bytesPerMessage
              : criterion === 'p50'
                ? m.modelAsRun.p50Ms
                : criterion === 'p99'
                  ? m.modelAsRun.p99Ms
                  : null;
          const asRun =
            m.timeScale > 1 && asRunValue !== null ? ` (${figureText(asRunValue, criterion)} at the run's rate and interval)` : '';
          return `${name}: ${measuredValue} measured (n = ${m.samples} from ${m.messages} messages, run ${Number(m.timeScale.toPrecision(3))}x faster), model ${model}${asRun}${flag}`;
        }),
      ].join('\n');
      cells.push({
        col,
        row,
        rate,
        intervalMs,
        technique,
        color: technique === null ? '#dddddd' : TECHNIQUE_META[technique].color,
        opacity: technique === null ? 1 : opacityFor(w?.margin ?? null),
        label:
          technique === null
            ? '—'
            : `${winnerCode({ technique, winnerWire: w?.winnerWire })}${w?.margin == null ? '' : ` ${Number(w.margin.toPrecision(2))}x`}`,
        measured,
        disagree,
        detail,
      });
    });
  });
  return {
    criterion,
    clients,
    title: `Winner by ${CRITERION_TEXT[criterion].title}${viewTitle} at ${clients} clients`,
    columns: map.axes.rates.map((r) => `${rateText(r)}/s`),
    rows: map.axes.intervalsMs.map(intervalText),
    cells,
    lines:
      criterion === 'weighted'
        ? []
        : crossoverLines(
            map,
            criterion === 'bandwidth' ? 'bytes' : criterion,
            new Set(cells.map((c) => c.technique).filter((t): t is TechniqueId => t !== null)),
          ),
  };
}

/**
 * The crossovers of `criterion` as polylines: one along the rate (a point per interval row) or
 * along the interval (a point per rate column), grouped by kind (the id before `@`). The bytes
 * crossovers the classic argument is about are all drawn; of the others (CPU: short polling
 * against each technique) only those between two techniques that win somewhere on this panel,
 * the boundaries a reader looks for.
 */
function crossoverLines(map: DecisionMap, criterion: MapCriterion, winners: ReadonlySet<TechniqueId>): HeatLine[] {
  const groups = new Map<string, HeatLine>();
  for (const c of map.crossovers) {
    if (c.criterion !== criterion || c.value === null) continue;
    if (criterion !== 'bytes' && !c.techniques.every((t) => winners.has(t))) continue;
    const kind = c.id.split('@')[0]!;
    let x: number | null = null;
    let y: number | null = null;
    if (c.axis === 'rate' && c.at.intervalMs !== undefined) {
      x = axisPosition(map.axes.rates, c.value);
      y = map.axes.intervalsMs.indexOf(c.at.intervalMs) + 0.5;
    } else if (c.axis === 'intervalMs' && c.at.rate !== undefined) {
      x = map.axes.rates.indexOf(c.at.rate) + 0.5;
      y = axisPosition(map.axes.intervalsMs, c.value);
    }
    if (x === null || y === null || x < 0 || y < 0) continue;
    const line = groups.get(kind) ?? {
      id: kind,
      label: c.techniques.map((t) => techniqueCode(t)).join(' = '),
      axis: c.axis === 'intervalMs' ? 'intervalMs' : 'rate',
      points: [],
    };
    line.points.push([x, y]);
    groups.set(kind, line);
  }
  return [...groups.values()];
}
