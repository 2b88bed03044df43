/**
 * `pushbench compare BASE CURRENT [--threshold metric=percent ...] [--format F] [--out FILE]`:
 * baseline versus current with a Markdown verdict (or tracker JSON), exit 1 on a regression.
 * BASE may be several runs: a folder whose subfolders hold results.json, or paths separated by commas.
 */
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareResults, parseThreshold, type CompareMetricId, type RunLabel } from '../reports/compare.ts';
import { COMPARE_OUTPUTS, type CompareOutputName } from '../reports/compare-outputs.ts';
import { ConfigError, describeWriteError, ResultsFileError, showReceived, WriteError } from '../core/errors.ts';
import { HELP_ROW, helpLines, parseCommand, stringReader, synopsis, type Flag, type Reader } from './flags.ts';
import { EXIT, exitCodeFor, reportError } from './exit-codes.ts';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { processIo, readResultsFile, type CommandIo } from './report.ts';

const FORMAT_NAMES = Object.keys(COMPARE_OUTPUTS) as CompareOutputName[];

/** `--format NAME`, with the message compare has always given. */
const formatReader: Reader<CompareOutputName> = {
  expected: `expected one of ${FORMAT_NAMES.join(', ')}`,
  read(input) {
    const name = FORMAT_NAMES.find((f) => f === input);
    if (name === undefined) throw new ConfigError(`--format ${showReceived(input)}: ${formatReader.expected}`);
    return name;
  },
};

/** `--threshold metric=percent`: read by reports/compare.ts, whose message names the metrics allowed. */
const thresholdReader: Reader<{ metric: CompareMetricId; percent: number }> = {
  expected: 'expected metric=percent, e.g. latencyMs.p99=30',
  read: (input) => parseThreshold(String(input)),
};

/** The flags of `pushbench compare`: the parser and the usage text both read this table. */
const COMPARE_FLAGS = {
  threshold: {
    flag: 'threshold',
    arg: 'metric=percent',
    help: 'loosen or tighten one metric (repeatable)',
    defaultText: null,
    reader: thresholdReader,
    multiple: true,
  },
  format: { flag: 'format', arg: FORMAT_NAMES.join('|'), help: 'output format', defaultText: 'markdown', reader: formatReader },
  out: { flag: 'out', arg: 'FILE', help: 'also write the output to FILE', defaultText: null, reader: stringReader('a file name') },
} as const satisfies Record<string, Flag<unknown>>;

export const COMPARE_USAGE = `usage: pushbench compare BASE CURRENT ${synopsis(Object.values(COMPARE_FLAGS))}

Options:
${helpLines([...Object.values(COMPARE_FLAGS), HELP_ROW])}

BASE and CURRENT are results.json files (or folders holding one). BASE may also be several runs:
a folder whose subfolders hold results.json, or paths separated by commas; a noisy metric then
regresses only when CURRENT is worse than the worst base run by more than the threshold.

Metrics and default tolerances (a change must exceed both the percentage and the absolute amount):
  perMessage.totalBytes, perMessage.overheadBytes   +1% and +1 byte
  messages.lost                                     any increase (threshold: % of expected messages)
  deliveredRatio                                    -0.1 percentage point (threshold: points)
  latencyMs.p50, latencyMs.p99                      +50% and +2 ms
  server.cpuPercent                                 +50% and +5 points
  bitsPerSecond                                     +10%
A technique that completed in BASE and failed in CURRENT is a regression.

--format markdown (default) prints the verdict table; github-action-benchmark and bencher print
CURRENT's figures as tracker JSON (the verdict then goes to stderr). --out FILE also writes it to FILE.
Exit codes: 0 no regression, 1 regression, 2 bad input, 3 --out could not be written.`;

/** The base result files a BASE argument names: comma-separated paths, folders expanded. */
export async function resolveBaseFiles(arg: string): Promise<string[]> {
  const parts = arg
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new ConfigError(`BASE ${JSON.stringify(arg)} names no file`);
  const files: string[] = [];
  for (const part of parts) {
    const info = await stat(part).catch(() => null);
    if (info === null)
      throw new ResultsFileError('PUSHBENCH_RESULTS_UNREADABLE', `cannot read results file ${part}: no such file or folder`);
    if (!info.isDirectory()) {
      files.push(part);
      continue;
    }
    const found: string[] = [];
    const direct = path.join(part, 'results.json');
    if (await isFile(direct)) found.push(direct);
    for (const entry of (await readdir(part, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory()) continue;
      const nested = path.join(part, entry.name, 'results.json');
      if (await isFile(nested)) found.push(nested);
    }
    if (found.length === 0)
      throw new ResultsFileError(
        'PUSHBENCH_RESULTS_UNREADABLE',
        `cannot read results from folder ${part}: it holds neither results.json nor */results.json`,
      );
    files.push(...found);
  }
  return files;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

interface CompareArgs {
  base: string;
  current: string;
  thresholds: Partial<Record<CompareMetricId, number>>;
  format: CompareOutputName;
  out: string | undefined;
  help: boolean;
}

function parseCompareArgs(argv: string[]): CompareArgs {
  const { values, positionals, help } = parseCommand(argv, COMPARE_FLAGS, { positionals: true });
  if (help) return { base: '', current: '', thresholds: {}, format: 'markdown', out: undefined, help: true };
  const [base, current, ...extra] = positionals;
  if (base === undefined || current === undefined || extra.length > 0) {
    throw new ConfigError(
      `expected BASE and CURRENT, got ${positionals.length === 0 ? 'nothing' : positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  }
  const thresholds: Partial<Record<CompareMetricId, number>> = {};
  for (const { metric, percent } of values.threshold ?? []) thresholds[metric] = percent;
  return { base, current, thresholds, format: values.format ?? 'markdown', out: values.out, help: false };
}

/** `pushbench compare` (argv without the command name). Returns 0, 1 on a regression, 2 on bad input, 3 when --out cannot be written. */
export async function runCompareCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let args: CompareArgs;
  let baseRuns: RunLabel[];
  let current: RunLabel;
  try {
    args = parseCompareArgs(argv);
    if (args.help) {
      io.stdout(`${COMPARE_USAGE}\n`);
      return EXIT.ok;
    }
    const baseFiles = await resolveBaseFiles(args.base);
    baseRuns = [];
    for (const file of baseFiles) baseRuns.push({ file, results: await readResultsFile(file) });
    current = { file: args.current, results: await readResultsFile(args.current) };
  } catch (error) {
    return badInput(io, error);
  }

  let comparison;
  try {
    comparison = compareResults(
      baseRuns.map((r) => r.results),
      current.results,
      { thresholds: args.thresholds },
    );
  } catch (error) {
    return badInput(io, error);
  }

  const output = COMPARE_OUTPUTS[args.format];
  const text = output.render({ comparison, base: baseRuns, current });
  io.stdout(text);
  if (output.machine) {
    for (const warning of comparison.warnings) io.stderr(`pushbench compare: warning: ${warning}\n`);
    io.stderr(verdictLine(comparison.regressions.length, comparison.rows.length));
    for (const r of comparison.regressions) io.stderr(`  ❌ ${r.scenarioId}/${r.technique} ${r.label}: ${r.baseText} → ${r.currentText}\n`);
  }
  if (args.out !== undefined) {
    try {
      writeOut(args.out, text);
    } catch (error) {
      return reportError('pushbench compare', error, io.stderr);
    }
  }
  return comparison.verdict === 'regression' ? EXIT.failed : EXIT.ok;
}

/**
 * Writes --out atomically; a failure is a WriteError naming --out and why in words, never the
 * temporary file the atomic write renamed from (exit 3).
 */
function writeOut(file: string, text: string): void {
  const fail = (reason: string, cause?: unknown): never => {
    throw new WriteError(file, `cannot write --out ${JSON.stringify(file)}: ${reason}`, { cause });
  };
  let isFolder: boolean;
  try {
    isFolder = statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;
    if (!isFolder) writeFileAtomic(file, text);
  } catch (error) {
    return fail(describeWriteError(error), error);
  }
  // Checked before writing: the rename over a folder would fail naming the temporary file, not the folder.
  if (isFolder) fail(`it is a folder; --out takes a file name, e.g. ${path.join(file, 'compare.md')}`);
}

function verdictLine(regressions: number, rows: number): string {
  return regressions === 0
    ? `pushbench compare: ✅ no regression in ${rows} comparisons\n`
    : `pushbench compare: ❌ ${regressions} regression${regressions > 1 ? 's' : ''} in ${rows} comparisons\n`;
}

function badInput(io: CommandIo, error: unknown): number {
  // A command line that cannot be parsed is shown with the usage; a file or threshold problem alone.
  if (error instanceof ConfigError) {
    io.stderr(`pushbench compare: ${error.message}\n${COMPARE_USAGE}\n`);
    return exitCodeFor(error);
  }
  return reportError('pushbench compare', error, io.stderr);
}
