/**
 * `pushbench compare BASE CURRENT [--threshold metric=percent ...] [--format F] [--out FILE]`:
 * baseline versus current with a Markdown verdict (or tracker JSON), exit 1 on a regression.
 * BASE may be several runs: a folder whose subfolders hold results.json, or paths separated by commas.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CompareInputError, compareResults, parseThreshold, type CompareMetricId, type RunLabel } from '../reports/compare.ts';
import { COMPARE_OUTPUTS, type CompareOutputName } from '../reports/compare-outputs.ts';
import { ResultsFileError } from '../core/results-validate.ts';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { processIo, readResultsFile, type CommandIo } from './report.ts';

const FORMAT_NAMES = Object.keys(COMPARE_OUTPUTS) as CompareOutputName[];

export const COMPARE_USAGE = `usage: pushbench compare BASE CURRENT [--threshold metric=percent ...] [--format ${FORMAT_NAMES.join('|')}] [--out FILE]

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
Exit codes: 0 no regression, 1 regression, 2 bad input.`;

/** Input problems found by this command (paths, flags), reported with exit code 2. */
class UsageError extends Error {}

/** The base result files a BASE argument names: comma-separated paths, folders expanded. */
export async function resolveBaseFiles(arg: string): Promise<string[]> {
  const parts = arg.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new UsageError(`BASE ${JSON.stringify(arg)} names no file`);
  const files: string[] = [];
  for (const part of parts) {
    const info = await stat(part).catch(() => null);
    if (info === null) throw new ResultsFileError('PUSHBENCH_ERR_RESULTS_UNREADABLE', `cannot read results file ${part}: no such file or folder`);
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
    if (found.length === 0) throw new ResultsFileError('PUSHBENCH_ERR_RESULTS_UNREADABLE', `cannot read results from folder ${part}: it holds neither results.json nor */results.json`);
    files.push(...found);
  }
  return files;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then((s) => s.isFile(), () => false);
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
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        threshold: { type: 'string', multiple: true },
        format: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { base: '', current: '', thresholds: {}, format: 'markdown', out: undefined, help: true };
  const [base, current, ...extra] = positionals;
  if (base === undefined || current === undefined || extra.length > 0) {
    throw new UsageError(`expected BASE and CURRENT, got ${positionals.length === 0 ? 'nothing' : positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  }
  const format = values.format ?? 'markdown';
  if (!(FORMAT_NAMES as string[]).includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)}: expected one of ${FORMAT_NAMES.join(', ')}`);
  }
  if (values.out === '') throw new UsageError('--out needs a file name, got an empty string');
  const thresholds: Partial<Record<CompareMetricId, number>> = {};
  for (const text of values.threshold ?? []) {
    const { metric, percent } = parseThreshold(text);
    thresholds[metric] = percent;
  }
  return { base, current, thresholds, format: format as CompareOutputName, out: values.out, help: false };
}

/** `pushbench compare` (argv without the command name). Returns 0, 1 on a regression, 2 on bad input. */
export async function runCompareCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let args: CompareArgs;
  let baseRuns: RunLabel[];
  let current: RunLabel;
  try {
    args = parseCompareArgs(argv);
    if (args.help) {
      io.stdout(`${COMPARE_USAGE}\n`);
      return 0;
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
      writeFileAtomic(args.out, text);
    } catch (error) {
      io.stderr(`pushbench compare: cannot write --out ${args.out}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  return comparison.verdict === 'regression' ? 1 : 0;
}

function verdictLine(regressions: number, rows: number): string {
  return regressions === 0 ? `pushbench compare: ✅ no regression in ${rows} comparisons\n` : `pushbench compare: ❌ ${regressions} regression${regressions > 1 ? 's' : ''} in ${rows} comparisons\n`;
}

function badInput(io: CommandIo, error: unknown): number {
  if (error instanceof UsageError) {
    io.stderr(`pushbench compare: ${error.message}\n${COMPARE_USAGE}\n`);
    return 2;
  }
  if (error instanceof ResultsFileError || error instanceof CompareInputError) {
    io.stderr(`pushbench compare: ${error.message}\n`);
    return 2;
  }
  throw error;
}
