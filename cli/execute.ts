/**
 * What `pushbench run` and `npm run bench` share once their scenarios are built: run
 * them with Ctrl-C / SIGTERM handling and progress on stderr, save results.json and the
 * reports (with fallbacks, cli/save-results.ts), print the summary, and choose the exit code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killAllChildren, liveChildren } from '../run/children.ts';
import type { RunConfig } from '../run/config.ts';
import type { ResultsFile } from '../core/results.ts';
import type { ScenarioSpec } from '../run/runner.ts';
import { runSession } from '../run/session.ts';
import { renderSummary } from '../reports/terminal.ts';
import { checkWritableDir, saveResults } from './save-results.ts';

/** The exit codes of `pushbench run` and `npm run bench` (README, "Exit codes"). */
export const EXIT_CODES = {
  completed: 0,
  /** A technique failed; its result says why, the others still ran, the results are written. */
  techniqueFailed: 1,
  /** Invalid flags, config or --out: nothing was run. */
  badInput: 2,
  /** results.json or a report could not be written where asked (saved to the fallback or printed instead). */
  writeFailed: 3,
} as const;

/** 128 + the signal's number, as a shell reports a process ended by it: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 2);
}

/** Where results go by default: results/<timestamp>, with results/latest pointing at it. */
export const RESULTS_ROOT = 'results';

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('Z', '');
}

const BAR_WIDTH = 20;

/** `(3/24) ...` becomes a bar of how many technique runs are done. */
export function progressBar(text: string): string {
  const match = /^\((\d+)\/(\d+)\)/.exec(text);
  if (match === null) return '';
  const done = Number(match[1]) - 1;
  const filled = Math.round((done / Number(match[2])) * BAR_WIDTH);
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} `;
}

/** Progress on stderr: a live bar and line on a terminal, plain lines otherwise (CI logs). */
function progressPrinter(): { line: (text: string) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let live = false;
  return {
    line(text) {
      const stamp = `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s]`;
      if (tty) {
        const bar = progressBar(text);
        process.stderr.write(`\r\x1b[K${bar}${stamp} ${text.slice(0, (process.stderr.columns ?? 120) - 14 - bar.length)}`);
        live = true;
      } else process.stderr.write(`${stamp} ${text}\n`);
    },
    done() {
      if (live) process.stderr.write('\n');
    },
  };
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

export async function executeRun(config: RunConfig, specs: readonly ScenarioSpec[], command: string, options: { capacity: boolean; micro: boolean }): Promise<number> {
  const outDir = config.out ?? path.join(RESULTS_ROOT, timestamp(new Date()));
  const unwritable = checkWritableDir(outDir);
  if (unwritable !== null) {
    process.stderr.write(`pushbench: cannot write results to --out ${JSON.stringify(outDir)}: ${unwritable}\n`);
    return EXIT_CODES.badInput;
  }

  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy === null) {
      stoppedBy = signal;
      process.stderr.write(`\npushbench: ${signal}: stopping, cleaning up and writing what was measured (press Ctrl-C again to force)\n`);
      // The reason names the signal, so the results say which one stopped the run.
      controller.abort(signal);
    } else {
      // Forced: no waiting for anything, but no child outlives this process either.
      killAllChildren();
      process.stderr.write(`pushbench: ${signal} again: forced stop; child processes killed, results not written\n`);
      process.exit(signalExitCode(signal));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const progress = progressPrinter();
  try {
    let results;
    try {
      results = await runSession(specs, { command, signal: controller.signal, generators: config.generators, capacity: options.capacity, micro: options.micro, progress: progress.line });
    } finally {
      progress.done();
    }
    return await finishRun(results, outDir, stoppedBy);
  } finally {
    // Until here a second signal still forces the exit (also while the results are saved).
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Saves the results and reports, prints the summary, and returns the exit code. */
async function finishRun(results: ResultsFile, outDir: string, stoppedBy: NodeJS.Signals | null): Promise<number> {
  if (liveChildren() > 0) process.stderr.write(`pushbench: warning: ${liveChildren()} child processes still running; killing them\n`);
  killAllChildren();

  const saved = await saveResults(results, outDir);
  if (saved.resultsFile !== null && !saved.fellBack) linkLatest(outDir);
  // The summary reaches stdout whatever happened to the files.
  process.stdout.write(renderSummary(results));
  const where = [`results: ${saved.resultsFile ?? '(not saved: printed as JSON on stderr)'}`, ...saved.reportFiles.map((r) => `report:  ${r}`)];
  process.stdout.write(`\n${where.join('\n')}\n`);

  if (results.state === 'interrupted') return signalExitCode(stoppedBy ?? 'SIGINT');
  if (saved.writeFailed) return EXIT_CODES.writeFailed;
  return results.state === 'failed' ? EXIT_CODES.techniqueFailed : EXIT_CODES.completed;
}
