/**
 * `pushbench merge SHARD...`: shard results (files written by `pushbench run --shard`, or logs
 * holding their JSON lines, as `kubectl logs` collects them) into one results.json and the usual
 * reports (run/shard-merge.ts), plus the per-shard table.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';
import { SHARD_KIND, validateShard, type ShardResult } from '../core/shard.ts';
import { mergeShards } from '../run/shard-merge.ts';
import { renderSummary } from '../reports/terminal.ts';
import { booleanReader, HELP_ROW, helpLines, numberReader, parseCommand, stringReader, synopsis, type Flag } from './flags.ts';
import { EXIT } from './exit-codes.ts';
import { prepareOutDir } from './out-dir.ts';
import { saveResults } from './save-results.ts';
import { runExitCode } from './execute.ts';

/** The default limit on a merged shard's clock bound, ms: past it a latency figure says more about the clocks than the server. */
export const DEFAULT_MAX_CLOCK_BOUND_MS = 5;

const MERGE_FLAGS = {
  out: {
    flag: 'out',
    arg: 'DIR',
    help: 'folder for results.json and the reports',
    defaultText: 'results/merged-<timestamp>',
    reader: stringReader('a folder path'),
  },
  maxClockBound: {
    flag: 'max-clock-bound',
    arg: 'MS',
    help: 'leave out (and name) a shard whose clock offset is known less precisely than ± this, ms',
    defaultText: String(DEFAULT_MAX_CLOCK_BOUND_MS),
    reader: numberReader(0, 60_000, true),
  },
  json: {
    flag: 'json',
    arg: null,
    help: 'print results.json to stdout instead of the tables',
    defaultText: 'off',
    reader: booleanReader(),
  },
} as const satisfies Record<string, Flag<unknown>>;

export const MERGE_USAGE = `usage: pushbench merge SHARD... ${synopsis(Object.values(MERGE_FLAGS))}

Options:
${helpLines([...Object.values(MERGE_FLAGS), HELP_ROW])}

Each SHARD is a shard result file (pushbench run --shard I/N --out DIR writes DIR/shard-I.json) or
a log holding shard results as JSON lines (kubectl logs of the shard pods). Counters and bytes
are summed and latency histograms added, never percentiles averaged. A shard that is missing,
failed, joined late or whose clock bound is past --max-clock-bound is left out and named; the
merged figures then cover the other shards' clients. Shards of different runs or parameters are
refused (exit 2).`;

/** The shard results in one file: the file as one JSON object, else every line that is one. */
export function shardsInText(text: string, label: string): Array<{ shard: ShardResult; label: string }> {
  const trimmed = text.trim();
  try {
    return [{ shard: validateShard(JSON.parse(trimmed), label), label }];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const found: Array<{ shard: ShardResult; label: string }> = [];
  for (const [i, line] of text.split('\n').entries()) {
    const start = line.indexOf(`{"kind":"${SHARD_KIND}"`);
    if (start === -1) continue;
    found.push({ shard: validateShard(JSON.parse(line.slice(start)), `${label} line ${i + 1}`), label: `${label} line ${i + 1}` });
  }
  if (found.length === 0)
    throw new ConfigError(
      `${label} holds no shard result: expected a shard JSON file or a log with lines starting {"kind":"${SHARD_KIND}"`,
    );
  return found;
}

export async function runMergeCommand(argv: string[]): Promise<number> {
  const { values, positionals, help } = parseCommand(argv, MERGE_FLAGS, { positionals: true });
  if (help) {
    process.stdout.write(`${MERGE_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new ConfigError('pushbench merge needs at least one SHARD file; see pushbench merge --help');
  const found: Array<{ shard: ShardResult; label: string }> = [];
  for (const file of positionals) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`cannot read shard file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    });
    found.push(...shardsInText(text, file));
  }
  const results = mergeShards(
    found.map((f) => f.shard),
    found.map((f) => f.label),
    { maxClockBoundMs: values.maxClockBound ?? DEFAULT_MAX_CLOCK_BOUND_MS, command: ['pushbench', 'merge', ...argv].join(' ') },
  );
  const outDir = values.out ?? path.join('results', `merged-${new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '')}`);
  prepareOutDir(outDir);
  const saved = await saveResults(results, outDir);
  const where = [
    `results: ${saved.resultsFile ?? '(not saved: printed as JSON on stderr)'}`,
    ...saved.reportFiles.map((r) => `report:  ${r}`),
  ];
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    process.stderr.write(`${where.join('\n')}\n`);
  } else {
    // The summary holds the per-shard table of a merged file.
    process.stdout.write(renderSummary(results, { verbose: false }));
    process.stdout.write(`\n${where.join('\n')}\n`);
  }
  return runExitCode(results, saved.writeFailed);
}
