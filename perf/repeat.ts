/**
 * `npm run perf:repeat`: how much the suite's figures move between separate invocations, as
 * hyperfine shows for a command. Runs `npm run bench` N times, one process after another (a
 * fresh process each time, as a user or a CI job would), then prints per scenario and technique
 * the median p50 over the invocations and its coefficient of variation, the machine's floor in
 * the same rows, and each invocation's wall time. A CV above 10% is flagged; where the floor
 * moves as much, the machine's own noise is the reason.
 *
 *   npm run perf:repeat [-- --times 5] [-- --from DIR,DIR,...] [-- -- <bench flags>]
 *
 * `--from` reads results already written (one results.json folder each) instead of running.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompletedResult, ResultsFile, TechniqueResult } from '../core/results.ts';
import { coefficientOfVariation, median, UNSTABLE_CV } from '../core/spread.ts';
import { booleanReader, HELP_ROW, helpLines, integerReader, listReader, parseCommand, synopsis, type Flag } from '../cli/flags.ts';
import { EXIT, reportError } from '../cli/exit-codes.ts';
import { readResultsFile } from '../cli/report.ts';
import { PACKAGE_ROOT } from '../run/package-layout.ts';
import { PLAIN_WS_TECHNIQUE } from '../core/techniques.ts';

const REPEAT_FLAGS = {
  times: { flag: 'times', arg: 'N', help: 'separate `npm run bench` invocations, 2..20', defaultText: '5', reader: integerReader(2, 20) },
  quick: {
    flag: 'quick',
    arg: null,
    help: `two invocations of \`npm run bench -- --quick --technique ${PLAIN_WS_TECHNIQUE}\` (unless bench flags are given): checks the script works (CI)`,
    defaultText: 'off',
    reader: booleanReader(),
  },
  from: {
    flag: 'from',
    arg: 'DIR,...',
    help: 'read these results folders (or results.json files) instead of running',
    defaultText: 'run',
    reader: listReader(
      'a comma-separated list of results folders',
      (input) => (typeof input === 'string' && input !== '' ? input : undefined),
      (items) => items,
      { count: 20, what: 'folders' },
    ),
  },
} as const satisfies Record<string, Flag<unknown>>;

const USAGE = `usage: npm run perf:repeat -- ${synopsis(Object.values(REPEAT_FLAGS))} [-- <npm run bench flags>]

Options:
${helpLines([...Object.values(REPEAT_FLAGS), HELP_ROW])}`;

/** One row of the table: a scenario's technique (or its floor) across the invocations. */
export interface RepeatRow {
  scenario: string;
  label: string;
  /** p50 of each invocation, ms, in order; null where that invocation did not complete it. */
  p50Ms: Array<number | null>;
  medianMs: number | null;
  /** Coefficient of variation of the completed p50s (sample standard deviation / mean); null with fewer than 2. */
  cv: number | null;
}

/** The rows of the repeat table: every technique and floor of every scenario, in the first file's order. */
export function repeatRows(files: readonly ResultsFile[]): RepeatRow[] {
  const first = files[0];
  if (first === undefined) return [];
  const rows: RepeatRow[] = [];
  const p50 = (result: TechniqueResult | undefined): number | null =>
    result?.state === 'completed' && (result as CompletedResult).latencyMs.count > 0 ? (result as CompletedResult).latencyMs.p50 : null;
  for (const scenario of first.scenarios) {
    if (scenario.params === undefined) continue;
    const same = files.map((f) => f.scenarios.find((s) => s.id === scenario.id));
    const labels: Array<[string, (s: (typeof same)[number]) => TechniqueResult | undefined]> = [
      ...Object.keys(scenario.results).map((technique): [string, (s: (typeof same)[number]) => TechniqueResult | undefined] => [
        technique,
        (s) => s?.results[technique as keyof typeof s.results],
      ]),
      ...(scenario.floor === undefined
        ? []
        : [
            ['floor (bare ws)', (s: (typeof same)[number]) => s?.floor] as [
              string,
              (s: (typeof same)[number]) => TechniqueResult | undefined,
            ],
          ]),
    ];
    const own = labels.map(([label, pick]): RepeatRow => {
      const values = same.map((s) => p50(pick(s)));
      const done = values.filter((v): v is number => v !== null);
      return {
        scenario: scenario.id,
        label,
        p50Ms: values,
        medianMs: done.length > 0 ? median(done) : null,
        cv: done.length >= 2 ? coefficientOfVariation(done) : null,
      };
    });
    // A scenario that shares another's measurement (sweep-100 is header-overhead) repeats its rows: listed once.
    const key = (r: RepeatRow): string => `${r.label}:${r.p50Ms.join(',')}`;
    const shared = own.length > 0 && own.every((r) => rows.some((earlier) => key(earlier) === key(r)));
    if (!shared) rows.push(...own);
  }
  return rows;
}

/** The table as Markdown: one row per scenario and technique, the CV flagged above 10%. */
export function repeatTable(rows: readonly RepeatRow[], walls: ReadonlyArray<number | null>): string {
  const ms = (v: number | null): string => (v === null ? '—' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const lines = [
    `| scenario | technique | median p50 ms | p50 per invocation, ms | CV |`,
    `|---|---|---:|---|---:|`,
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.label} | ${ms(r.medianMs)} | ${r.p50Ms.map(ms).join(', ')} | ${r.cv === null ? '—' : `${(r.cv * 100).toFixed(1)}%${r.cv > UNSTABLE_CV ? ' (unstable)' : ''}`} |`,
    ),
  ];
  const unstable = rows.filter((r) => r.cv !== null && r.cv > UNSTABLE_CV).length;
  lines.push(
    '',
    `${rows.length} rows, ${unstable} with a p50 CV above ${UNSTABLE_CV * 100}%. Wall time per invocation: ${walls.map((w) => (w === null ? '—' : `${(w / 1000).toFixed(1)} s`)).join(', ')}.`,
  );
  return lines.join('\n');
}

/** Runs `npm run bench` once with `flags`, writing into `out`; resolves with its exit code. */
function runBench(flags: readonly string[], out: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('cli/bench.ts', PACKAGE_ROOT)), ...flags, '--out', out],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  let benchFlags = split === -1 ? [] : argv.slice(split + 1);
  let times: number;
  let from: readonly string[] | undefined;
  try {
    const parsed = parseCommand(own, REPEAT_FLAGS, { positionals: false });
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const quick = parsed.values.quick === true;
    times = parsed.values.times ?? (quick ? 2 : 5);
    if (quick && benchFlags.length === 0) benchFlags = ['--quick', '--technique', PLAIN_WS_TECHNIQUE];
    from = parsed.values.from;
  } catch (error) {
    return reportError('perf:repeat', error);
  }
  const folders = [...(from ?? [])];
  let failedInvocations = 0;
  if (from === undefined) {
    const root = mkdtempSync(path.join(os.tmpdir(), 'pushbench-repeat-'));
    for (let i = 0; i < times; i++) {
      const out = path.join(root, `run-${i + 1}`);
      process.stderr.write(`perf:repeat: npm run bench ${[...benchFlags, '--out', out].join(' ')} (${i + 1} of ${times})\n`);
      const code = await runBench(benchFlags, out);
      if (code !== 0) {
        process.stderr.write(`perf:repeat: invocation ${i + 1} exited ${code}; its results are read if they were written\n`);
        failedInvocations++;
      }
      folders.push(out);
    }
  }
  const files: ResultsFile[] = [];
  for (const folder of folders) {
    try {
      files.push(await readResultsFile(folder.endsWith('.json') ? folder : path.join(folder, 'results.json')));
    } catch (error) {
      return reportError('perf:repeat', error);
    }
  }
  process.stdout.write(
    `${repeatTable(
      repeatRows(files),
      files.map((f) => f.suiteWallMs ?? null),
    )}\n`,
  );
  // A failed invocation's figures are shown, but the script does not pass it off as a clean repeat.
  return failedInvocations === 0 ? EXIT.ok : EXIT.failed;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
