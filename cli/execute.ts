/**
 * What `pushbench run` and `npm run bench` share once their scenarios are built: run
 * them with Ctrl-C / SIGTERM handling and progress on stderr, save results.json and the
 * reports (with fallbacks, cli/save-results.ts), print the summary, and choose the exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ResultsFile } from '../core/results.ts';
import { killAllChildren, liveChildren } from '../run/children.ts';
import type { RunConfig } from '../run/config.ts';
import type { ScenarioSpec } from '../run/runner.ts';
import { estimateLine, estimateSession } from '../run/estimate.ts';
import { runSession } from '../run/session.ts';
import { describePlan, machineLimits, planScale } from '../run/scale-plan.ts';
import { socketsPerClient } from '../run/prepare-run.ts';
import { openFileLimit, RESERVED_FDS } from '../run/limits.ts';
import { renderSummary } from '../reports/terminal.ts';
import { renderMapBrief } from '../reports/map.ts';
import { EXIT, reportError } from './exit-codes.ts';
import { prepareOutDir } from './out-dir.ts';
import { stderrProgress } from './progress.ts';
import { saveResults } from './save-results.ts';

/** Where results go by default: results/<timestamp>, with results/latest pointing at it. */
export const RESULTS_ROOT = 'results';

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('Z', '');
}

/** Points results/latest at `dir` atomically (a new link renamed over the old one); best effort. */
function linkLatest(dir: string): void {
  const root = path.resolve(RESULTS_ROOT);
  if (path.dirname(path.resolve(dir)) !== root) return;
  const temp = path.join(root, `.latest-${process.pid}`);
  try {
    fs.rmSync(temp, { force: true });
    fs.symlinkSync(path.basename(dir), temp);
    fs.renameSync(temp, path.join(root, 'latest'));
  } catch (error) {
    fs.rmSync(temp, { force: true });
    process.stderr.write(`pushbench: warning: could not point ${path.join(root, 'latest')} at ${dir}: ${(error as Error).message}\n`);
  }
}

/**
 * The plan of each technique at each scenario's client count (run/scale-plan.ts): the lines worth
 * printing before the run (more than one process or address), and what this machine cannot hold.
 */
export function planLines(
  config: Pick<RunConfig, 'generators' | 'serverProcesses'>,
  specs: readonly ScenarioSpec[],
): { lines: string[]; refusals: string[] } {
  const lines = new Set<string>();
  const refusals = new Set<string>();
  for (const spec of specs) {
    if (spec.sameAs !== undefined) continue;
    const builtin = (spec.target?.server.kind ?? 'builtin') === 'builtin';
    for (const technique of spec.techniques) {
      const plan = planScale(
        {
          clients: spec.params.clients,
          socketsPerClient: socketsPerClient(technique, spec.params),
          requestedGenerators: config.generators,
          serverProcesses: config.serverProcesses,
          builtinServer: builtin,
        },
        machineLimits(openFileLimit(), RESERVED_FDS),
      );
      if (plan.refusals.length > 0) refusals.add(`${spec.params.clients} ${technique} clients: ${plan.refusals.join('; ')}`);
      else if (plan.generators > 1 || plan.addressCount > 1 || config.serverProcesses > 1)
        lines.add(describePlan(plan, spec.params.clients, technique, builtin ? config.serverProcesses : 0));
    }
  }
  return { lines: [...lines], refusals: [...refusals] };
}

export async function executeRun(
  config: RunConfig,
  specs: readonly ScenarioSpec[],
  command: string,
  options: {
    capacity: boolean;
    micro: boolean;
    /** What the entry point adds to the finished results before they are saved (the bench's map). */
    extend?: (results: ResultsFile) => ResultsFile;
  },
): Promise<number> {
  // A run this machine cannot hold is refused before anything starts, with the arithmetic.
  const plans = planLines(config, specs);
  if (plans.refusals.length > 0) {
    for (const refusal of plans.refusals) process.stderr.write(`pushbench: refused: ${refusal}\n`);
    return EXIT.badInput;
  }
  for (const line of plans.lines) process.stderr.write(`pushbench: ${line}\n`);
  const outDir = config.out ?? path.join(RESULTS_ROOT, timestamp(new Date()));
  try {
    prepareOutDir(outDir);
  } catch (error) {
    return reportError('pushbench', error);
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\npushbench: ${signal}: stopping, cleaning up and writing what was measured (press Ctrl-C again to force)\n`);
      // The signal is the abort reason, so that the results name it (a SIGTERM is not a Ctrl-C).
      controller.abort(signal);
    } else {
      // Forced: no waiting for anything, but no child outlives this process either.
      killAllChildren();
      process.stderr.write(`pushbench: ${signal} again: forced stop; child processes killed, results not written\n`);
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Said before anything starts, so that a run of hours is never a surprise (Ctrl-C stops it cleanly).
  process.stderr.write(
    `pushbench: ${estimateLine(estimateSession(specs, { generators: config.generators, runs: config.runs, capacity: options.capacity, micro: options.micro, quick: config.quick }))}\n`,
  );
  const progress = stderrProgress();
  try {
    let results;
    try {
      results = await runSession(specs, {
        command,
        signal: controller.signal,
        generators: config.generators,
        runs: config.runs,
        delayMs: config.delayMs,
        serverProcesses: config.serverProcesses,
        ...(config.ramp === null ? {} : { rampPerSecond: config.ramp }),
        capacity: options.capacity,
        quick: config.quick,
        micro: options.micro,
        progress: progress.listener,
      });
    } finally {
      progress.done();
    }
    return await finishRun(options.extend === undefined ? results : options.extend(results), outDir, {
      verbose: config.verbose,
      json: config.json,
    });
  } finally {
    // Until here a second signal still forces the exit (also while the results are saved).
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Saves the results and reports, prints the summary (or with `json` results.json itself, the
 * same text the file holds, and the file names on stderr), and returns the exit code.
 */
async function finishRun(results: ResultsFile, outDir: string, print: { verbose: boolean; json: boolean }): Promise<number> {
  if (liveChildren() > 0) process.stderr.write(`pushbench: warning: ${liveChildren()} child processes still running; killing them\n`);
  killAllChildren();

  const saved = await saveResults(results, outDir);
  if (saved.resultsFile !== null && !saved.fellBack) linkLatest(outDir);
  const where = [
    `results: ${saved.resultsFile ?? '(not saved: printed as JSON on stderr)'}`,
    ...saved.reportFiles.map((r) => `report:  ${r}`),
  ];
  // The summary (or the JSON) reaches stdout whatever happened to the files.
  if (print.json) {
    process.stdout.write(resultsJsonText(results));
    process.stderr.write(`${where.join('\n')}\n`);
  } else {
    process.stdout.write(renderSummary(results, { verbose: print.verbose }));
    if (results.map !== undefined) process.stdout.write(`\n${renderMapBrief(results.map)}`);
    process.stdout.write(`\n${where.join('\n')}\n`);
  }
  return runExitCode(results, saved.writeFailed);
}

/** results.json's text as writeJsonAtomic writes it (2-space JSON, one newline): `--json` prints exactly the file. */
function resultsJsonText(results: ResultsFile): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

/**
 * The exit code of a finished run: an interruption wins (the user asked to stop), then a write
 * failure, then a failed technique (1), then a loss (4: everything ran, but a technique
 * delivered less than was published; a loss is not a pass), else 0.
 */
export function runExitCode(results: ResultsFile, writeFailed = false): number {
  if (results.state === 'interrupted') return EXIT.interrupted;
  if (writeFailed) return EXIT.writeFailed;
  if (results.state === 'failed') return EXIT.failed;
  const lost = results.scenarios.some((scenario) =>
    Object.values(scenario.results).some((r) => r?.state === 'completed' && r.messages.lost > 0),
  );
  return lost ? EXIT.messagesLost : EXIT.ok;
}
