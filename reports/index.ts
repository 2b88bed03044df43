/**
 * The reporting layer's entry: results in, report files out. Pure apart from reading chart.js's
 * UMD build to inline it; writing files is the caller's job (cli/report.ts).
 */
import type { ResultsFile } from '../core/results.ts';
import { buildCharts } from './charts.ts';
import { DEFAULT_FORMATS, FORMATS, type FormatName, type OutputFile } from './formats.ts';

export type { OutputFile, FormatName } from './formats.ts';
export { FORMATS, DEFAULT_FORMATS } from './formats.ts';
export { buildCharts, type ChartSpec } from './charts.ts';
export { parseResults, validateResults } from '../core/results-validate.ts';
export { ResultsFileError } from '../core/errors.ts';

/**
 * Render every report of a results file: `report.html`, `summary.md` and `charts/<id>.png`
 * (file names relative to the output folder). `formats` narrows or widens the set.
 */
export async function renderAll(results: ResultsFile, formats: readonly FormatName[] = DEFAULT_FORMATS): Promise<OutputFile[]> {
  const charts = buildCharts(results);
  const files: OutputFile[] = [];
  for (const name of formats) files.push(...(await FORMATS[name].render(results, { charts })));
  return files;
}
