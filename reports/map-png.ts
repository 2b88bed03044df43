/**
 * Decision-map heatmaps as PNG: one image per criterion, a panel per client count, drawn on
 * @napi-rs/canvas from the geometry of reports/map-heatmap.ts (winner by colour, stronger with
 * the margin; measured cells framed in black, a disagreement with the model marked "!";
 * crossover lines dashed over the grid).
 */
import { createCanvas } from '@napi-rs/canvas';
import type { DecisionMap, MapRanking } from '../core/results.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { heatmap, type Heatmap } from './map-heatmap.ts';
import { CRITERION_TEXT, mapRankings, mapViews, techniqueCode } from './map.ts';
import { ensureFont } from './png.ts';

const WIDTH = 1000;
const MARGIN_LEFT = 90;
const MARGIN_RIGHT = 20;
const ROW_HEIGHT = 34;
const PANEL_GAP = 44;
const TOP = 76;
const LEGEND_HEIGHT = 70;

/**
 * `charts/decision-map-<criterion>.png` for every criterion (and `weighted` with weights); on a
 * map of several wires one per wire (`-<wire>`) and one across the wires (`-across-wires`).
 */
export function renderMapPngs(map: DecisionMap): Array<{ file: string; content: Buffer }> {
  return mapViews(map).flatMap((view) =>
    mapRankings(map).map((criterion) => ({
      file: `charts/decision-map-${criterion}${view.suffix}.png`,
      content: renderMapPng(view.map, criterion, view.title),
    })),
  );
}

/** One criterion's heatmap, all client counts, as a PNG. */
export function renderMapPng(map: DecisionMap, criterion: MapRanking, viewTitle = ''): Buffer {
  const family = ensureFont();
  const panels = map.axes.clients.map((clients) => heatmap(map, criterion, clients, viewTitle));
  const rows = map.axes.intervalsMs.length;
  const panelHeight = rows * ROW_HEIGHT;
  const height = TOP + panels.length * (panelHeight + PANEL_GAP) + LEGEND_HEIGHT;
  const canvas = createCanvas(WIDTH, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, WIDTH, height);
  ctx.fillStyle = '#111111';
  ctx.font = `bold 17px ${family}`;
  ctx.fillText(`Which technique wins${viewTitle}: ${CRITERION_TEXT[criterion].title} (${CRITERION_TEXT[criterion].unit})`, MARGIN_LEFT, 26);
  ctx.font = `12px ${family}`;
  ctx.fillStyle = '#444444';
  ctx.fillText(
    'Colour: the winner, paler when the runner-up is close ("2.1x": it costs 2.1 times as much). Black frame: a measured point;',
    MARGIN_LEFT,
    44,
  );
  ctx.fillText(
    '"!": the measurement differs from the model there (the cell shows the measurement). Dashed: crossovers (where two techniques cost the same).',
    MARGIN_LEFT,
    60,
  );
  const cellWidth = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / map.axes.rates.length;
  panels.forEach((panel, index) => {
    drawPanel(ctx, panel, family, TOP + index * (panelHeight + PANEL_GAP) + 18, cellWidth);
  });
  drawLegend(ctx, map, family, height - LEGEND_HEIGHT + 20);
  return canvas.toBuffer('image/png');
}

/** Where a cell of a panel is drawn in the PNG, in pixels (for tests that read the picture back). */
export function cellBox(
  map: DecisionMap,
  panelIndex: number,
  col: number,
  row: number,
): { x: number; y: number; width: number; height: number } {
  const cellWidth = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / map.axes.rates.length;
  const top = TOP + panelIndex * (map.axes.intervalsMs.length * ROW_HEIGHT + PANEL_GAP) + 18;
  return { x: MARGIN_LEFT + col * cellWidth, y: top + row * ROW_HEIGHT, width: cellWidth, height: ROW_HEIGHT };
}

type Ctx = ReturnType<ReturnType<typeof createCanvas>['getContext']>;

function drawPanel(ctx: Ctx, panel: Heatmap, family: string, top: number, cellWidth: number): void {
  ctx.fillStyle = '#111111';
  ctx.font = `bold 13px ${family}`;
  ctx.fillText(`${panel.clients} clients`, 8, top - 6);
  ctx.font = `11px ${family}`;
  ctx.fillStyle = '#444444';
  panel.columns.forEach((label, col) => {
    ctx.fillText(label, MARGIN_LEFT + col * cellWidth + 4, top - 6);
  });
  panel.rows.forEach((label, row) => {
    ctx.fillText(`${label} polls`, 8, top + row * ROW_HEIGHT + ROW_HEIGHT / 2 + 4);
  });
  for (const cell of panel.cells) {
    const x = MARGIN_LEFT + cell.col * cellWidth;
    const y = top + cell.row * ROW_HEIGHT;
    ctx.globalAlpha = cell.opacity;
    ctx.fillStyle = cell.color;
    ctx.fillRect(x + 1, y + 1, cellWidth - 2, ROW_HEIGHT - 2);
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#000000';
    ctx.font = `${cell.measured ? 'bold ' : ''}12px ${family}`;
    ctx.fillText(`${cell.label}${cell.disagree ? ' !' : ''}`, x + 6, y + ROW_HEIGHT / 2 + 4);
    if (cell.measured) {
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = 3;
      ctx.strokeRect(x + 2, y + 2, cellWidth - 4, ROW_HEIGHT - 4);
    }
  }
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#222222';
  panel.lines.forEach((line, lineIndex) => {
    const toX = (gx: number): number => MARGIN_LEFT + gx * cellWidth;
    const toY = (gy: number): number => top + gy * ROW_HEIGHT;
    // Each point spans its row (a rate crossover) or its column (an interval crossover), joined to the next.
    ctx.beginPath();
    line.points.forEach(([gx, gy], i) => {
      const [x0, y0, x1, y1] = line.axis === 'rate' ? [gx, gy - 0.5, gx, gy + 0.5] : [gx - 0.5, gy, gx + 0.5, gy];
      if (i === 0) ctx.moveTo(toX(x0), toY(y0));
      else ctx.lineTo(toX(x0), toY(y0));
      ctx.lineTo(toX(x1), toY(y1));
    });
    ctx.stroke();
    const last = line.points[line.points.length - 1];
    if (last !== undefined) {
      ctx.fillStyle = '#222222';
      ctx.font = `11px ${family}`;
      // Staggered, so that labels of lines ending near each other do not overlap.
      ctx.fillText(line.label, toX(last[0]) + 4, toY(last[1]) + (line.axis === 'rate' ? ROW_HEIGHT / 2 - 4 : -4) + 12 * (lineIndex % 2));
    }
  });
  ctx.setLineDash([]);
}

function drawLegend(ctx: Ctx, map: DecisionMap, family: string, top: number): void {
  ctx.font = `12px ${family}`;
  let x = MARGIN_LEFT;
  for (const technique of map.axes.techniques) {
    ctx.fillStyle = TECHNIQUE_META[technique].color;
    ctx.fillRect(x, top - 10, 14, 14);
    ctx.fillStyle = '#111111';
    const text = `${techniqueCode(technique)} ${TECHNIQUE_META[technique].label}`;
    ctx.fillText(text, x + 18, top + 2);
    x += 18 + ctx.measureText(text).width + 18;
  }
  ctx.fillStyle = '#444444';
  ctx.fillText(
    `Model for every cell (RTT ${Number(map.params.rttMs.toPrecision(3))} ms); ${map.measuredCells} points measured. Lines: ${[...new Set(map.crossovers.map((c) => c.id.split('@')[0]))].length} kinds of crossover (see the text).`,
    MARGIN_LEFT,
    top + 26,
  );
}
