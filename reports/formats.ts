/**
 * The report formats, in one registry: each renders a results file (plus the chart specs every
 * format shares) to files relative to the output folder. Adding a format is one entry here.
 */
import type { ResultsFile } from '../core/results.ts';
import type { ChartSpec } from './charts.ts';
import { loadChartJsUmd } from './chartjs-source.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { renderChartPng } from './png.ts';
import { renderMapPngs } from './map-png.ts';

/** One file of a report, named relative to the output folder (`report.html`, `charts/<id>.png`). */
export interface OutputFile {
  file: string;
  content: string | Buffer;
}

/** What every format receives besides the results: computed once, shared by all. */
export interface RenderContext {
  charts: readonly ChartSpec[];
}

export interface ReportFormat {
  description: string;
  render: (results: ResultsFile, context: RenderContext) => Promise<OutputFile[]>;
}

export const FORMATS = {
  html: {
    description: 'report.html: self-contained teaching report with interactive charts',
    render: async (results, { charts }) => [
      { file: 'report.html', content: renderHtml(results, { charts, chartJsSource: await loadChartJsUmd() }) },
    ],
  },
  markdown: {
    description: 'summary.md: key figures, extrapolation and conclusions for CI summaries',
    render: async (results, { charts }) => [{ file: 'summary.md', content: renderMarkdown(results, { charts }) }],
  },
  png: {
    description: 'charts/<id>.png: every chart as a 900×500 PNG; with a decision map, charts/decision-map-<criterion>.png heatmaps too',
    render: async (results, { charts }) => [
      ...charts.map((spec) => ({ file: `charts/${spec.id}.png`, content: renderChartPng(spec) })),
      ...(results.map === undefined ? [] : renderMapPngs(results.map)),
    ],
  },
  json: {
    description: 'results.json: the results themselves, pretty-printed',
    render: async (results) => [{ file: 'results.json', content: `${JSON.stringify(results, null, 2)}\n` }],
  },
} as const satisfies Record<string, ReportFormat>;

export type FormatName = keyof typeof FORMATS;

/** What `renderAll` writes unless told otherwise (results.json is the input, not an output). */
export const DEFAULT_FORMATS: readonly FormatName[] = ['html', 'markdown', 'png'];
