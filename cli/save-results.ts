/**
 * Saving a finished run so that nothing measured is lost: results.json into --out; when
 * that fails (disk full, a mount turned read-only, permissions), into a fresh folder of
 * the system temp dir, with a message naming both paths; when that fails too, as JSON on
 * stderr. Then the reports beside the results. Every write is atomic (core/atomic-write.ts):
 * a reader finds the whole file or none, never half of one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.ts';
import { describeWriteError } from '../core/errors.ts';
import type { ResultsFile } from '../core/results.ts';
import { writeReports } from './report.ts';

/** The file operations saving uses; tests replace them to inject a failure at the file boundary. */
export interface SaveDeps {
  writeJson: (file: string, value: unknown) => void;
  writeReports: (results: ResultsFile, dir: string) => Promise<string[]>;
  /** Makes a fresh fallback folder and returns its path. */
  makeFallbackDir: () => string;
  stderr: (text: string) => void;
}

export const defaultSaveDeps: SaveDeps = {
  writeJson: writeJsonAtomic,
  writeReports,
  makeFallbackDir: () => fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-results-')),
  stderr: (text) => void process.stderr.write(text),
};

export interface SaveOutcome {
  /** Where results.json was written, or null when it could only be printed to stderr. */
  resultsFile: string | null;
  /** True when results.json went to the fallback folder (or stderr) instead of --out. */
  fellBack: boolean;
  reportFiles: string[];
  /** True when results.json or a report could not be written where asked: the run exits with EXIT.writeFailed (3). */
  writeFailed: boolean;
}

/** Saves `results` into `outDir` (or the fallbacks) and its reports beside them; never throws. */
export async function saveResults(results: ResultsFile, outDir: string, deps: SaveDeps = defaultSaveDeps): Promise<SaveOutcome> {
  const wanted = path.join(outDir, 'results.json');
  let resultsFile: string | null = null;
  let fellBack = false;
  try {
    deps.writeJson(wanted, results);
    resultsFile = wanted;
  } catch (error) {
    fellBack = true;
    const reason = describeWriteError(error);
    let fallback: string | null = null;
    try {
      fallback = path.join(deps.makeFallbackDir(), 'results.json');
      deps.writeJson(fallback, results);
      resultsFile = fallback;
      deps.stderr(`pushbench: could not write ${wanted}: ${reason}. The results are saved to ${fallback} instead.\n`);
    } catch (fallbackError) {
      const where = fallback ?? `a new folder in ${os.tmpdir()}`;
      deps.stderr(
        `pushbench: could not write ${wanted}: ${reason}, nor ${where}: ${describeWriteError(fallbackError)}. ` +
          'Here are the results as JSON, between the two marker lines; save them as results.json:\n' +
          `----- BEGIN pushbench results.json -----\n${JSON.stringify(results, null, 2)}\n----- END pushbench results.json -----\n`,
      );
    }
  }

  let reportFiles: string[] = [];
  let reportsFailed = false;
  if (resultsFile !== null) {
    const reportDir = path.dirname(resultsFile);
    try {
      reportFiles = await deps.writeReports(results, reportDir);
    } catch (error) {
      reportsFailed = true;
      deps.stderr(
        `pushbench: the reports could not be written to ${reportDir}: ${describeWriteError(error)}. ` +
          `The results are saved in ${resultsFile}; render the reports elsewhere with: pushbench report ${resultsFile} --out DIR\n`,
      );
    }
  }
  return { resultsFile, fellBack, reportFiles, writeFailed: fellBack || reportsFailed };
}
