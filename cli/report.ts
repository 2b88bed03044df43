/**
 * `pushbench report DIR/results.json [--out DIR]`: render report.html, summary.md and
 * charts/*.png from a results file. Also `writeReports`, which the runner calls at the end of
 * a run. The only module of the reporting layer that touches the disk for writing.
 */
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.ts';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ResultsFile } from '../core/results.ts';
import { renderAll } from '../reports/index.ts';
import { parseResults, ResultsFileError } from '../core/results-validate.ts';

/** Where a command writes; tests pass their own to capture output. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export const REPORT_USAGE = `usage: pushbench report DIR/results.json [--out DIR]

Renders report.html (self-contained, opens offline), summary.md and charts/<id>.png
from a results file. --out defaults to the results file's folder.
Exit codes: 0 written, 1 rendering or writing failed, 2 bad input (missing or invalid file, bad flag).`;

/**
 * Render every report of `results` into `outDir` (created if needed) and return the written
 * paths (`outDir` joined with report.html, summary.md, charts/<id>.png). The runner calls this
 * at the end of a run: `await writeReports(results, 'results/latest')`.
 */
export async function writeReports(results: ResultsFile, outDir: string): Promise<string[]> {
  const files = await renderAll(results);
  const written: string[] = [];
  for (const { file, content } of files) {
    const target = path.join(outDir, file);
    writeFileAtomic(target, content);
    written.push(target);
  }
  return written;
}

/**
 * Read and validate a results file; a folder stands for the results.json inside it.
 * Throws ResultsFileError naming the file and what was wrong.
 */
export async function readResultsFile(file: string): Promise<ResultsFile> {
  let target = file;
  let text: string;
  try {
    if ((await stat(file)).isDirectory()) target = path.join(file, 'results.json');
    text = await readFile(target, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw new ResultsFileError('PUSHBENCH_ERR_RESULTS_UNREADABLE', `cannot read results file ${target}: ${reason}`, { cause: error });
  }
  return parseResults(text, target);
}

/** `pushbench report` (argv without the command name). Returns the exit code. */
export async function runReportCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let values: { out?: string | undefined; help?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }));
  } catch (error) {
    io.stderr(`pushbench report: ${error instanceof Error ? error.message : String(error)}\n${REPORT_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${REPORT_USAGE}\n`);
    return 0;
  }
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0) {
    io.stderr(`pushbench report: expected exactly one results file, got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')}\n${REPORT_USAGE}\n`);
    return 2;
  }
  if (values.out === '') {
    io.stderr('pushbench report: --out needs a folder, got an empty string\n');
    return 2;
  }

  let results: ResultsFile;
  try {
    results = await readResultsFile(input);
  } catch (error) {
    if (error instanceof ResultsFileError) {
      io.stderr(`pushbench report: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const inputIsDir = await stat(input).then((s) => s.isDirectory(), () => false);
  const outDir = values.out ?? (inputIsDir ? input : path.dirname(input));
  try {
    const written = await writeReports(results, outDir);
    io.stdout(written.map((p) => `${p}\n`).join(''));
    return 0;
  } catch (error) {
    io.stderr(`pushbench report: could not write the reports to ${outDir}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
