/**
 * `pushbench report DIR/results.json [--out DIR]`: render report.html, summary.md and
 * charts/*.png from a results file. Also `writeReports`, which the runner calls at the end of
 * a run. The only module of the reporting layer that touches the disk for writing.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic-write.ts';
import path from 'node:path';
import type { ResultsFile } from '../core/results.ts';
import { renderAll } from '../reports/index.ts';
import { parseResults } from '../core/results-validate.ts';
import { ConfigError, describeWriteError, PushbenchError, ResultsFileError } from '../core/errors.ts';
import { EXIT, exitCodeFor, reportError } from './exit-codes.ts';
import { HELP_ROW, helpLines, parseCommand, stringReader, synopsis, type Flag } from './flags.ts';
import { fileKind } from './config-file.ts';

/** Where a command writes; tests pass their own to capture output. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** The flags of `pushbench report`: the parser and the usage text both read this table. */
const REPORT_FLAGS = {
  out: {
    flag: 'out',
    arg: 'DIR',
    help: "folder to write into (default: the results file's folder)",
    defaultText: null,
    reader: stringReader('a folder'),
  },
} as const satisfies Record<string, Flag<unknown>>;

export const REPORT_USAGE = `usage: pushbench report DIR/results.json ${synopsis(Object.values(REPORT_FLAGS))}

Renders report.html (self-contained, opens offline), summary.md and charts/<id>.png
from a results file.

Options:
${helpLines([...Object.values(REPORT_FLAGS), HELP_ROW])}

Exit codes: 0 written, 1 rendering failed, 2 bad input (missing or invalid file, bad flag), 3 a report
could not be written.`;

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
    text = await readRegularFile(target);
  } catch (error) {
    if (error instanceof ResultsFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw new ResultsFileError('PUSHBENCH_RESULTS_UNREADABLE', `cannot read results file ${target}: ${reason}`, { cause: error });
  }
  return parseResults(text, target);
}

/** An error from the file system (errno code such as EROFS, ENOSPC), as opposed to a bug. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/**
 * A regular file's text; anything else (/dev/zero, a pipe, a folder) is refused before reading,
 * which would otherwise run until memory or the string length gives out. Opened non-blocking so
 * that a pipe without a writer is refused instead of waited on.
 */
async function readRegularFile(file: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const kind = fileKind(await handle.stat());
    if (kind !== null)
      throw new ResultsFileError(
        'PUSHBENCH_RESULTS_UNREADABLE',
        `cannot read results file ${file}: it is ${kind}; expected a regular results.json file`,
      );
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** `pushbench report` (argv without the command name). Returns the exit code. */
export async function runReportCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv, REPORT_FLAGS, { positionals: true });
    if (parsed.help) {
      io.stdout(`${REPORT_USAGE}\n`);
      return EXIT.ok;
    }
    const count = parsed.positionals.length;
    if (count !== 1)
      throw new ConfigError(
        `expected exactly one results file, got ${count === 0 ? 'none' : parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}`,
      );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`pushbench report: ${error.message}\n${REPORT_USAGE}\n`);
    return exitCodeFor(error);
  }
  const input = parsed.positionals[0]!;
  const values = parsed.values;

  let results: ResultsFile;
  try {
    results = await readResultsFile(input);
  } catch (error) {
    return reportError('pushbench report', error, io.stderr);
  }

  const inputIsDir = await stat(input).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const outDir = values.out ?? (inputIsDir ? input : path.dirname(input));
  try {
    const written = await writeReports(results, outDir);
    io.stdout(written.map((p) => `${p}\n`).join(''));
    return EXIT.ok;
  } catch (error) {
    // A rendering failure (no font for PNG text) keeps its own exit code; a bug keeps its stack.
    if (error instanceof PushbenchError || !isSystemError(error)) throw error;
    io.stderr(`pushbench report: could not write the reports to ${outDir}: ${describeWriteError(error)}\n`);
    return EXIT.writeFailed;
  }
}
