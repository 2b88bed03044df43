/**
 * What `pushbench run` and `npm run bench` share once their scenarios are built: run
 * them with Ctrl-C handling and progress on stderr, write results.json atomically,
 * render the reports, print the summary, and choose the exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.ts';
import { killAllChildren, liveChildren } from '../run/children.ts';
import type { RunConfig } from '../run/config.ts';
import type { ScenarioSpec } from '../run/runner.ts';
import { estimateLine, estimateSession } from '../run/estimate.ts';
import { runSession } from '../run/session.ts';
import { renderSummary } from '../reports/terminal.ts';
import { EXIT, reportError } from './exit-codes.ts';
import { prepareOutDir } from './out-dir.ts';
import { stderrProgress } from './progress.ts';
import { writeReports } from './report.ts';

/** Where results go by default: results/<timestamp>, with results/latest pointing at it. */
export const RESULTS_ROOT = 'results';

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('Z', '');
}

/** Points results/latest at `dir` atomically (a new link renamed over the old one). */
function linkLatest(dir: string): void {
  const root = path.resolve(RESULTS_ROOT);
  if (path.dirname(path.resolve(dir)) !== root) return;
  const temp = path.join(root, `.latest-${process.pid}`);
  fs.rmSync(temp, { force: true });
  fs.symlinkSync(path.basename(dir), temp);
  fs.renameSync(temp, path.join(root, 'latest'));
}

export async function executeRun(config: RunConfig, specs: readonly ScenarioSpec[], command: string, options: { capacity: boolean; micro: boolean }): Promise<number> {
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
      killAllChildren();
      process.stderr.write('pushbench: forced stop; results not written\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Said before anything starts, so that a run of hours is never a surprise (Ctrl-C stops it cleanly).
  process.stderr.write(`pushbench: ${estimateLine(estimateSession(specs, { generators: config.generators, capacity: options.capacity, micro: options.micro }))}\n`);
  const progress = stderrProgress();
  let results;
  try {
    results = await runSession(specs, { command, signal: controller.signal, generators: config.generators, capacity: options.capacity, micro: options.micro, progress: progress.listener });
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const file = path.join(outDir, 'results.json');
  writeJsonAtomic(file, results);
  linkLatest(outDir);
  let reports: string[] = [];
  try {
    reports = await writeReports(results, outDir);
  } catch (error) {
    process.stderr.write(`pushbench: results are saved, but the reports could not be rendered: ${(error as Error).message}\n`);
  }

  process.stdout.write(renderSummary(results));
  process.stdout.write(`\nresults: ${file}\n${reports.map((r) => `report:  ${r}`).join('\n')}\n`);
  if (liveChildren() > 0) process.stderr.write(`pushbench: warning: ${liveChildren()} child processes still running; killing them\n`);
  killAllChildren();

  if (results.state === 'interrupted') return 130;
  if (results.state === 'failed') return EXIT.failed;
  // Everything ran, but a technique delivered less than was published: a loss is not a pass.
  const lost = results.scenarios.some((s) => Object.values(s.results).some((r) => r.state === 'completed' && r.messages.lost > 0));
  return lost ? EXIT.messagesLost : EXIT.ok;
}
