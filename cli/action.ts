/**
 * The steps of the pushbench GitHub Action (action.yml at the repository root), as one script
 * that runs with or without GitHub: read the inputs from `INPUT_*` variables, run `pushbench run`
 * (or take an already measured results file), compare with the baseline, write the Markdown
 * summary to `$GITHUB_STEP_SUMMARY` (within GitHub's 1 MiB), the outputs to `$GITHUB_OUTPUT`,
 * and the github-action-benchmark JSON beside the results; exit 1 on a regression when asked.
 *
 *   INPUT_BASELINE=bench/baseline/results.json node dist/cli/action.js      (the action)
 *   INPUT_RESULTS=results/latest/results.json node --import tsx cli/action.ts (from a checkout)
 *
 * Composite actions do not export their inputs; action.yml maps each one to INPUT_<NAME> (upper
 * case, `-` as `_`), and test/action/action.test.ts holds the two lists to each other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ResultsFile } from '../core/results.ts';
import { ConfigError, PushbenchError, showReceived } from '../core/errors.ts';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { compareResults, parseThreshold, type CompareMetricId, type Comparison, type RunLabel } from '../reports/compare.ts';
import { COMPARE_OUTPUTS } from '../reports/compare-outputs.ts';
import { renderAll } from '../reports/index.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { booleanReader } from './flags.ts';
import { parseRunArgs } from './options.ts';
import { readResultsFile } from './report.ts';
import { resolveBaseFiles } from './compare.ts';

/** One input of the action: its default (as action.yml declares it) and what it is for. */
interface ActionInput {
  readonly default: string;
  readonly description: string;
}

/** The inputs this script reads, by their action.yml names; action.yml declares the same set with the same defaults. */
export const ACTION_INPUTS = {
  'working-directory': { default: '.', description: 'folder the other paths are relative to (relative to the workspace)' },
  'target-file': { default: '', description: "the pushbench target file of your server (JSON); empty measures pushbench's own servers" },
  techniques: { default: '', description: 'techniques to measure, comma-separated; empty means every technique the target offers' },
  clients: { default: '100', description: 'simulated clients (a comma-separated list runs a sweep)' },
  rate: { default: '10', description: 'messages per second' },
  duration: { default: '5s', description: 'measured window, e.g. 5s' },
  args: { default: '', description: 'more `pushbench run` flags, e.g. --headers minimal --runs 3 (quotes group words)' },
  results: { default: '', description: 'an already measured results.json: skip the run and compare this file' },
  baseline: {
    default: 'bench/pushbench-baseline/results.json',
    description:
      'the baseline results.json (or a folder of runs, or paths separated by commas); missing: no comparison, the summary says how to commit one',
  },
  thresholds: { default: '', description: 'compare tolerances, metric=percent, separated by commas or new lines, e.g. latencyMs.p99=100' },
  'fail-on-regression': { default: 'true', description: 'fail the step when the comparison finds a regression' },
  'out-dir': {
    default: '',
    description: 'folder for results.json, the reports, compare.md and the tracker JSON; empty means $RUNNER_TEMP/pushbench',
  },
  'artifact-name': { default: 'pushbench-report', description: 'name of the artifact that keeps out-dir; empty uploads none' },
} as const satisfies Record<string, ActionInput>;

export type ActionInputName = keyof typeof ACTION_INPUTS;

/** Inputs action.yml itself uses (in its own steps), which this script never sees. */
export const ACTION_YML_ONLY_INPUTS = ['node-version'] as const;

/** The outputs this script writes to $GITHUB_OUTPUT; action.yml forwards the same set. */
export const ACTION_OUTPUTS = ['results', 'report-dir', 'summary', 'compare', 'benchmark-json', 'verdict', 'regression'] as const;
export type ActionOutputName = (typeof ACTION_OUTPUTS)[number];

/** GitHub refuses a step summary above 1 MiB; the script keeps to this many bytes in all. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024;

/** The environment variable an input arrives in: `fail-on-regression` -> `INPUT_FAIL_ON_REGRESSION`. */
export function inputVariable(name: string): string {
  return `INPUT_${name.toUpperCase().replace(/[- ]/g, '_')}`;
}

/** A bad input: the message names the input, the value received and what is allowed (exit 2). */
function invalidInput(name: ActionInputName, received: string, allowed: string): ConfigError {
  return new ConfigError(`invalid input ${name}: received ${showReceived(received)}; ${allowed}`);
}

/** Re-labels a flag error as an input error, keeping pushbench's own list of what is allowed. */
function asInputError(name: ActionInputName, error: unknown): unknown {
  if (!(error instanceof ConfigError)) return error;
  return new ConfigError(`invalid input ${name}: ${error.message}`, { cause: error });
}

/**
 * Splits `args` into words like a shell does for plain words and quotes (no variables, no
 * escapes beyond quoting), so `--headers "my file.json"` stays two words.
 */
export function splitArgs(text: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|([^\s"']+)/g;
  let current: string | null = null;
  let lastEnd = -1;
  for (const match of text.matchAll(pattern)) {
    const piece = match[1] ?? match[2] ?? match[3] ?? '';
    // Pieces with no space between them are one word (--out="a b" or a"b").
    if (current !== null && match.index === lastEnd) current += piece;
    else {
      if (current !== null) words.push(current);
      current = piece;
    }
    lastEnd = match.index + match[0].length;
  }
  if (current !== null) words.push(current);
  if (/["']/.test(text.replace(pattern, ''))) throw invalidInput('args', text, 'expected pushbench run flags with balanced quotes');
  return words;
}

/** The resolved inputs, paths absolute. */
export interface ActionConfig {
  workingDirectory: string;
  /** The `pushbench run` flags without --out; empty when `resultsFile` is set. */
  runArgs: string[];
  /** The same flags as the user would type them in the working directory (for the baseline hint). */
  runArgsAsTyped: string[];
  resultsFile: string | null;
  baseline: string;
  thresholds: Partial<Record<CompareMetricId, number>>;
  failOnRegression: boolean;
  outDir: string;
}

/** Reads and checks every input; throws ConfigError naming the input, the value and what is allowed. */
export function readActionConfig(env: NodeJS.ProcessEnv): ActionConfig {
  const raw = (name: ActionInputName): string => (env[inputVariable(name)] ?? ACTION_INPUTS[name].default).trim();
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const workingDirectory = path.resolve(workspace, raw('working-directory') || '.');
  if (!isDirectory(workingDirectory))
    throw invalidInput(
      'working-directory',
      raw('working-directory'),
      `expected a folder; ${workingDirectory} is not one (relative paths start at ${workspace})`,
    );
  const inWorkDir = (p: string): string => path.resolve(workingDirectory, p);

  const failText = raw('fail-on-regression');
  let failOnRegression: boolean;
  try {
    failOnRegression = booleanReader().read(failText, 'fail-on-regression');
  } catch {
    throw invalidInput('fail-on-regression', failText, 'expected true or false');
  }

  const thresholds: Partial<Record<CompareMetricId, number>> = {};
  for (const item of raw('thresholds')
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter((t) => t !== '')) {
    try {
      const { metric, percent } = parseThreshold(item);
      thresholds[metric] = percent;
    } catch (error) {
      if (error instanceof PushbenchError) throw new ConfigError(`invalid input thresholds: ${error.message}`, { cause: error });
      throw error;
    }
  }

  const resultsText = raw('results');
  const resultsFile = resultsText === '' ? null : inWorkDir(resultsText);
  if (resultsFile !== null && !fs.existsSync(resultsFile))
    throw invalidInput('results', resultsText, `expected an existing results.json (or its folder); ${resultsFile} does not exist`);

  // Each run input is checked alone with pushbench run's own reader, so the message names the input.
  const typed: string[] = [];
  const absolute: string[] = [];
  const flagInputs = [
    ['techniques', '--technique'],
    ['clients', '--clients'],
    ['rate', '--rate'],
    ['duration', '--duration'],
  ] as const satisfies ReadonlyArray<readonly [ActionInputName, string]>;
  for (const [name, flag] of flagInputs) {
    const value = raw(name);
    if (value === '') continue;
    try {
      parseRunArgs([flag, value]);
    } catch (error) {
      throw asInputError(name, error);
    }
    typed.push(flag, value);
    absolute.push(flag, value);
  }
  const targetText = raw('target-file');
  if (targetText !== '') {
    const file = inWorkDir(targetText);
    if (!fs.existsSync(file)) {
      throw invalidInput(
        'target-file',
        targetText,
        `expected the path of a pushbench target file (JSON, see targets/target.schema.json) relative to working-directory, or empty for pushbench's own servers; ${file} does not exist`,
      );
    }
    typed.push('--target-file', targetText);
    absolute.push('--target-file', file);
  }
  const extra = splitArgs(raw('args'));
  if (extra.some((word) => word === '--out' || word.startsWith('--out=')))
    throw invalidInput('args', raw('args'), 'expected pushbench run flags other than --out (use the out-dir input)');
  typed.push(...extra);
  absolute.push(...extra);
  if (resultsFile === null) {
    // The whole command line once more: flags that only fail together (a technique the target lacks).
    try {
      withCwd(workingDirectory, () => parseRunArgs(absolute));
    } catch (error) {
      if (error instanceof ConfigError)
        throw new ConfigError(`the inputs make an invalid pushbench run command (pushbench run ${typed.join(' ')}): ${error.message}`, {
          cause: error,
        });
      throw error;
    }
  }

  const outText = raw('out-dir');
  const outDir = outText !== '' ? inWorkDir(outText) : path.join(env.RUNNER_TEMP ?? path.join(workingDirectory, '.pushbench'), 'pushbench');
  return {
    workingDirectory,
    runArgs: resultsFile === null ? absolute : [],
    runArgsAsTyped: typed,
    resultsFile,
    baseline: raw('baseline'),
    thresholds,
    failOnRegression,
    outDir,
  };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function withCwd<T>(dir: string, fn: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(before);
  }
}

/**
 * Cuts `text` to at most `limitBytes` UTF-8 bytes at a line end and appends `note`; unchanged
 * when it fits. The note's own bytes count against the limit.
 */
export function truncateSummary(text: string, limitBytes: number, note: string): string {
  if (Buffer.byteLength(text) <= limitBytes) return text;
  const tail = `\n\n${note}\n`;
  const budget = limitBytes - Buffer.byteLength(tail);
  if (budget <= 0)
    return Buffer.from(tail)
      .subarray(0, Math.max(0, limitBytes))
      .toString('utf8')
      .replace(/\uFFFD$/, '');
  // Cut by bytes, drop a split character and the partial last line, so no table row is cut in half.
  let kept = Buffer.from(text)
    .subarray(0, budget)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const lastNewline = kept.lastIndexOf('\n');
  if (lastNewline > 0) kept = kept.slice(0, lastNewline);
  return `${kept}${tail}`;
}

/** What one action run decided, for the outputs and the exit code. */
export interface ActionOutcome {
  exitCode: number;
  outputs: Record<ActionOutputName, string>;
  summary: string;
}

type Log = (line: string) => void;

/** Runs `pushbench run` in this process (the compiled CLI in the action, the source in a checkout). */
async function runPushbench(config: ActionConfig, log: Log): Promise<number> {
  const { main } = await import('./cli.ts');
  log(`pushbench action: pushbench run ${config.runArgsAsTyped.join(' ')} --out ${config.outDir}`);
  return withCwdAsync(config.workingDirectory, () => main(['run', ...config.runArgs, '--out', config.outDir]));
}

async function withCwdAsync<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return await fn();
  } finally {
    process.chdir(before);
  }
}

/** Copies an already measured results file into out-dir and renders its summary and HTML report there. */
async function adoptResults(config: ActionConfig, file: string): Promise<ResultsFile> {
  const results = await readResultsFile(file).catch((error: unknown) => {
    throw error instanceof PushbenchError ? new ConfigError(`invalid input results: ${error.message}`, { cause: error }) : error;
  });
  fs.mkdirSync(config.outDir, { recursive: true });
  const source = fs.statSync(file).isDirectory() ? path.join(file, 'results.json') : file;
  if (path.resolve(source) !== path.join(config.outDir, 'results.json')) fs.copyFileSync(source, path.join(config.outDir, 'results.json'));
  // PNG charts need a font and take seconds: the ones a run wrote beside its results are kept, none are drawn.
  for (const { file: name, content } of await renderAll(results, ['markdown', 'html']))
    writeFileAtomic(path.join(config.outDir, name), content);
  const charts = path.join(path.dirname(source), 'charts');
  if (isDirectory(charts) && path.resolve(charts) !== path.join(config.outDir, 'charts'))
    fs.cpSync(charts, path.join(config.outDir, 'charts'), { recursive: true });
  return results;
}

/** The baseline's files, or null when none exists yet (a first run is not a failure). */
async function baselineFiles(config: ActionConfig): Promise<string[] | null> {
  const parts = config.baseline
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return null;
  const absolute = parts.map((p) => path.resolve(config.workingDirectory, p));
  if (absolute.every((p) => !fs.existsSync(p))) return null;
  try {
    return await resolveBaseFiles(absolute.join(','));
  } catch (error) {
    throw error instanceof PushbenchError ? new ConfigError(`invalid input baseline: ${error.message}`, { cause: error }) : error;
  }
}

function noBaselineText(config: ActionConfig): string {
  const target = config.baseline.split(',')[0]?.trim() || ACTION_INPUTS.baseline.default;
  const folder = path.posix.dirname(target.split(path.sep).join('/'));
  const command =
    config.runArgsAsTyped.length > 0
      ? `npx pushbench run ${config.runArgsAsTyped.join(' ')} --out ${folder}`
      : `npx pushbench run --out ${folder}`;
  return [
    '## pushbench: ℹ️ no baseline yet',
    '',
    `No baseline at \`${target}\` (input \`baseline\`, relative to \`working-directory\`), so nothing was compared and the step does not fail.`,
    'To guard against regressions, commit a baseline measured on the kind of machine this job runs on:',
    '',
    `1. download the artifact of this run and copy its \`results.json\` to \`${target}\`, or run \`${command}\` on such a machine;`,
    `2. \`git add ${target} && git commit -m "pushbench baseline"\`.`,
    '',
    'From then on every run is compared with it; refresh it the same way after an intended change.',
  ].join('\n');
}

/**
 * The action's steps after the inputs are read: measure (or adopt) the results, compare, write
 * the reports, the tracker JSON and the summary text. Pure of GitHub: the caller writes the outputs.
 */
export async function runAction(config: ActionConfig, log: Log): Promise<ActionOutcome> {
  const resultsPath = path.join(config.outDir, 'results.json');
  const outputs: Record<ActionOutputName, string> = {
    results: resultsPath,
    'report-dir': config.outDir,
    summary: path.join(config.outDir, 'action-summary.md'),
    compare: '',
    'benchmark-json': '',
    verdict: '',
    regression: 'false',
  };
  let runExit: number = EXIT.ok;
  let current: ResultsFile;
  if (config.resultsFile !== null) {
    current = await adoptResults(config, config.resultsFile);
  } else {
    runExit = await runPushbench(config, log);
    if (!fs.existsSync(resultsPath)) {
      const summary = `## pushbench: ❌ the run failed\n\n\`pushbench run ${config.runArgsAsTyped.join(' ')}\` exited ${runExit} and wrote no results; its messages are in the step's log.\n`;
      return {
        exitCode: runExit === EXIT.ok ? EXIT.failed : runExit,
        outputs: { ...outputs, results: '', verdict: 'run-failed' },
        summary,
      };
    }
    current = await readResultsFile(resultsPath);
  }

  const currentLabel: RunLabel = { file: shownPath(config, config.resultsFile ?? resultsPath), results: current };
  const benchmarkPath = path.join(config.outDir, 'github-action-benchmark.json');
  writeFileAtomic(benchmarkPath, `${JSON.stringify(toBenchmark(currentLabel), null, 2)}\n`);
  outputs['benchmark-json'] = benchmarkPath;

  const parts: string[] = [];
  let comparison: Comparison | null = null;
  const base = await baselineFiles(config);
  if (base === null) {
    parts.push(noBaselineText(config));
    outputs.verdict = 'no-baseline';
  } else {
    const baseRuns: RunLabel[] = [];
    for (const file of base) {
      try {
        baseRuns.push({ file: shownPath(config, file), results: await readResultsFile(file) });
      } catch (error) {
        throw error instanceof PushbenchError ? new ConfigError(`invalid input baseline: ${error.message}`, { cause: error }) : error;
      }
    }
    try {
      comparison = compareResults(
        baseRuns.map((r) => r.results),
        current,
        { thresholds: config.thresholds },
      );
    } catch (error) {
      // Scenarios that do not match: the baseline was measured with other inputs.
      throw error instanceof PushbenchError
        ? new ConfigError(`invalid input baseline: ${error.message}; refresh the baseline with the same inputs`, { cause: error })
        : error;
    }
    const compareText = COMPARE_OUTPUTS.markdown.render({ comparison, base: baseRuns, current: currentLabel });
    const comparePath = path.join(config.outDir, 'compare.md');
    writeFileAtomic(comparePath, compareText);
    outputs.compare = comparePath;
    outputs.verdict = comparison.verdict;
    outputs.regression = String(comparison.verdict === 'regression');
    parts.push(compareText.trimEnd());
  }
  if (runExit !== EXIT.ok)
    parts.push(`> ❌ \`pushbench run\` exited ${runExit} (1: a technique failed, 4: messages were lost); see the step's log.`);
  const runSummary = path.join(config.outDir, 'summary.md');
  if (fs.existsSync(runSummary)) parts.push(fs.readFileSync(runSummary, 'utf8').trimEnd());
  const summary = `${parts.join('\n\n')}\n`;
  writeFileAtomic(outputs.summary, summary);

  let exitCode = runExit;
  if (exitCode === EXIT.ok && comparison?.verdict === 'regression') {
    if (config.failOnRegression) exitCode = EXIT.failed;
    else log('pushbench action: a regression, and fail-on-regression is false: the step passes');
  }
  return { exitCode, outputs, summary };
}

/** A path as the reader knows it: relative to working-directory when inside it. */
function shownPath(config: ActionConfig, file: string): string {
  const relative = path.relative(config.workingDirectory, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function toBenchmark(current: RunLabel): unknown {
  const empty: Comparison = { rows: [], regressions: [], verdict: 'pass', warnings: [] };
  return JSON.parse(COMPARE_OUTPUTS['github-action-benchmark'].render({ comparison: empty, base: [], current }));
}

/** Appends `name<<DELIM ... DELIM` records, the form $GITHUB_OUTPUT takes for any value. */
export function outputRecords(outputs: Readonly<Record<string, string>>): string {
  const delimiter = `pushbench_${randomBytes(8).toString('hex')}`;
  return Object.entries(outputs)
    .map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
    .join('');
}

/** Appends the summary to $GITHUB_STEP_SUMMARY, cut to what is left of GitHub's 1 MiB. */
function writeStepSummary(file: string, summary: string, artifactHint: string): void {
  const used = fs.existsSync(file) ? fs.statSync(file).size : 0;
  const note = `> ✂️ Summary truncated: it is ${Buffer.byteLength(summary)} bytes and GitHub shows at most 1 MiB per step. The whole text is \`action-summary.md\` ${artifactHint}.`;
  fs.appendFileSync(file, truncateSummary(summary, STEP_SUMMARY_LIMIT_BYTES - used, note));
}

/** The action's entry point: returns the exit code (0, 1 regression or failed run, 2 bad input, 3 unwritable, 4 lost). */
export async function actionMain(
  env: NodeJS.ProcessEnv = process.env,
  log: Log = (line) => void process.stderr.write(`${line}\n`),
): Promise<number> {
  let outcome: ActionOutcome;
  try {
    const config = readActionConfig(env);
    outcome = await runAction(config, log);
  } catch (error) {
    if (!(error instanceof PushbenchError)) throw error;
    log(`pushbench action: ${error.message}`);
    return exitCodeFor(error);
  }
  const artifactName = env[inputVariable('artifact-name')] ?? ACTION_INPUTS['artifact-name'].default;
  const artifact = artifactName.trim() !== '' ? `in the artifact ${artifactName.trim()}` : `in ${outcome.outputs['report-dir']}`;
  if (env.GITHUB_STEP_SUMMARY) writeStepSummary(env.GITHUB_STEP_SUMMARY, outcome.summary, artifact);
  else log(`pushbench action: GITHUB_STEP_SUMMARY is not set; the summary is ${outcome.outputs.summary}`);
  if (env.GITHUB_OUTPUT) fs.appendFileSync(env.GITHUB_OUTPUT, outputRecords(outcome.outputs));
  log(
    `pushbench action: verdict ${outcome.outputs.verdict}, regression ${outcome.outputs.regression}, exit ${outcome.exitCode}; reports in ${outcome.outputs['report-dir']}`,
  );
  return outcome.exitCode;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = await actionMain();
}
