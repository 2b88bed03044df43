/**
 * The decision map in report.html: for every criterion an SVG heatmap per client count (the
 * geometry of reports/map-heatmap.ts, as the PNGs draw it), each cell carrying its numbers in a
 * <title> tooltip and a data attribute that the hover script (assets/map-hover.js) shows under
 * the map; then the measured points beside the model, the crossovers and the classic claims.
 */
import { readFileSync } from 'node:fs';
import { html, joinHtml, safe, scriptText, type SafeHtml } from '../core/html.ts';
import type { DecisionMap } from '../core/results.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { heatmap, type Heatmap } from './map-heatmap.ts';
import { CRITERION_TEXT, crossoverLines, mapHeadline, mapRankings, mapViews, techniqueCode } from './map.ts';

const CELL_W = 86;
const CELL_H = 30;
const LEFT = 96;
const TOP = 22;

let hoverScript: SafeHtml | undefined;
function mapHoverScript(): SafeHtml {
  hoverScript ??= scriptText(readFileSync(new URL('./assets/map-hover.js', import.meta.url), 'utf8'));
  return hoverScript;
}

function svgPanel(panel: Heatmap): SafeHtml {
  const width = LEFT + panel.columns.length * CELL_W + 10;
  const height = TOP + panel.rows.length * CELL_H + 6;
  const columns = panel.columns.map(
    (label, col) => html`<text x="${LEFT + col * CELL_W + 4}" y="${TOP - 6}" class="map-axis">${label}</text>`,
  );
  const rows = panel.rows.map(
    (label, row) => html`<text x="4" y="${TOP + row * CELL_H + CELL_H / 2 + 4}" class="map-axis">${label} polls</text>`,
  );
  const cells = panel.cells.map((cell) => {
    const x = LEFT + cell.col * CELL_W;
    const y = TOP + cell.row * CELL_H;
    return html`<g class="map-cell" tabindex="0" data-criterion="${panel.criterion}" data-clients="${panel.clients}" data-rate="${cell.rate}" data-interval-ms="${cell.intervalMs}" data-technique="${cell.technique ?? ''}" data-measured="${cell.measured ? 'true' : 'false'}" data-detail="${cell.detail}"><title>${cell.detail}</title><rect x="${x + 1}" y="${y + 1}" width="${CELL_W - 2}" height="${CELL_H - 2}" fill="${cell.color}" fill-opacity="${cell.opacity.toFixed(2)}"${safe(cell.measured ? ' stroke="#000" stroke-width="3"' : '')}></rect><text x="${x + 5}" y="${y + CELL_H / 2 + 4}"${safe(cell.measured ? ' font-weight="bold"' : '')}>${cell.label}${cell.disagree ? ' !' : ''}</text></g>`;
  });
  const lines = panel.lines.map((line) => {
    const points = line.points
      .flatMap(([gx, gy]) =>
        line.axis === 'rate'
          ? [
              [gx, gy - 0.5],
              [gx, gy + 0.5],
            ]
          : [
              [gx - 0.5, gy],
              [gx + 0.5, gy],
            ],
      )
      .map(([gx, gy]) => `${(LEFT + gx! * CELL_W).toFixed(1)},${(TOP + gy! * CELL_H).toFixed(1)}`)
      .join(' ');
    return html`<polyline class="map-line" points="${points}" fill="none" stroke="#222" stroke-width="2" stroke-dasharray="6 4"><title>${line.label}</title></polyline>`;
  });
  return html`<svg class="map-svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${panel.title}"><text x="4" y="${TOP - 6}" class="map-axis" font-weight="bold">${panel.clients} clients</text>${columns}${rows}${cells}${lines}</svg>`;
}

/** The decision-map section of report.html; empty when the results hold no map. */
export function mapSection(map: DecisionMap | undefined): SafeHtml {
  if (map === undefined) return safe('');
  const legend = joinHtml(
    map.axes.techniques.map(
      (t) =>
        html`<span class="map-key"><span class="map-swatch" style="${safe(`background:${TECHNIQUE_META[t].color}`)}"></span>${techniqueCode(t)} ${TECHNIQUE_META[t].label}</span>`,
    ),
    ' ',
  );
  const views = mapViews(map);
  const figures = views.flatMap((view) =>
    mapRankings(map).map(
      (
        criterion,
      ) => html`<figure class="map-figure" id="map-${criterion}${view.suffix}"><figcaption><strong>Winner by ${CRITERION_TEXT[criterion].title}${view.title}</strong> (${CRITERION_TEXT[criterion].unit}). Point at a cell for its numbers.</figcaption>
<div class="scroll">${map.axes.clients.map((clients) => svgPanel(heatmap(view.map, criterion, clients, view.title)))}</div>
<pre class="map-detail" aria-live="polite">Point at a cell (or focus it with Tab) to see every technique's figure there, measured or model, with n.</pre></figure>`,
    ),
  );
  const crossovers = views
    .filter((view) => view.wire !== 'any')
    .flatMap((view) =>
      crossoverLines(view.map).map((line) => html`<li>${view.title === '' ? '' : `${view.title.trim()}: `}${line.replace(/^- /, '')}</li>`),
    );
  const claims = map.claims.map(
    (c) =>
      html`<li><strong>“${c.claim}”</strong> — <span class="verdict-${c.verdict.replace(' ', '-')}">${c.verdict}</span>. ${c.evidence}</li>`,
  );
  const measured = map.cells.filter((c) => c.measurement !== undefined);
  const measuredRows = measured.map((c) => {
    const m = c.measurement!;
    const mark = (k: 'bytes' | 'p50' | 'p99'): string => (m.disagree.includes(k) ? ' !' : '');
    return html`<tr><td>${c.rate} msg/s, ${c.intervalMs} ms, ${c.clients} clients</td><td>${TECHNIQUE_META[c.technique].label}${views.length > 1 ? ` on ${c.wire ?? 'http'}` : ''}</td><td>${m.figures.bytesPerMessage.toFixed(1)} / ${m.modelAsRun.bytesPerMessage.toFixed(1)}${mark('bytes')}</td><td>${m.figures.p50Ms.toFixed(2)} / ${m.modelAsRun.p50Ms.toFixed(2)}${mark('p50')}</td><td>${m.figures.p99Ms.toFixed(2)} / ${m.modelAsRun.p99Ms.toFixed(2)}${mark('p99')}</td><td>${m.samples} / ${m.messages}</td><td>${Number(m.timeScale.toPrecision(3))}</td></tr>`;
  });
  return html`<section id="decision-map">
<h2>Decision map: which technique when</h2>
<p>${mapHeadline(map)}</p>
<p class="meta">Model: ${map.calibration}</p>
<p class="map-legend">${legend}. Paler: the runner-up is close (“2.1x”: it costs 2.1 times as much). Framed: a measured point. “!”: the measurement differs from the model there (bytes beyond 1%, latency beyond 10%) and is shown instead. Dashed lines: crossovers.</p>
${figures}
<h3>What the classic argument gets right and wrong</h3>
<ul class="claims">${claims}</ul>
<h3>Crossovers</h3>
<ul>${crossovers}</ul>
<h3>Measured cells beside the model</h3>
<div class="scroll"><table class="figures"><thead><tr><th>Point</th><th>Technique</th><th>B/msg measured / model</th><th>p50 ms measured / model</th><th>p99 ms measured / model</th><th>n / messages</th><th>run x faster</th></tr></thead><tbody>${measuredRows}</tbody></table></div>
<script>${mapHoverScript()}</script>
</section>`;
}
