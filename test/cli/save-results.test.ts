/**
 * The save path with write errors injected at the file boundary (for machines where the
 * real tmpfs tests of write-failure.test.ts cannot mount): each fallback, its message, and
 * whether the run counts as a write failure.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { describeWriteError } from '../../core/errors.ts';
import { saveResults, type SaveDeps } from '../../cli/save-results.ts';

const results = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;
const OUT = '/out/run-1';
const FALLBACK = '/tmp/pushbench-results-abc';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** Deps whose writes fail for the paths in `failing` (by prefix) with `code`; records what was written. */
function deps(
  failing: Record<string, string>,
  reportsFail?: string,
): SaveDeps & { written: string[]; stderrText: () => string; reportDirs: string[] } {
  const written: string[] = [];
  const reportDirs: string[] = [];
  let stderr = '';
  const failFor = (file: string): string | undefined => Object.entries(failing).find(([prefix]) => file.startsWith(prefix))?.[1];
  return {
    written,
    reportDirs,
    stderrText: () => stderr,
    writeJson: (file) => {
      const code = failFor(file);
      if (code !== undefined) throw errno(code);
      written.push(file);
    },
    writeReports: async (_results, dir) => {
      reportDirs.push(dir);
      if (reportsFail !== undefined) throw errno(reportsFail);
      return [path.join(dir, 'report.html')];
    },
    makeFallbackDir: () => FALLBACK,
    stderr: (text) => void (stderr += text),
  };
}

test('writes where asked and reports beside it: not a write failure', async () => {
  const d = deps({});
  const outcome = await saveResults(results, OUT, d);
  assert.deepEqual(outcome, {
    resultsFile: `${OUT}/results.json`,
    fellBack: false,
    reportFiles: [`${OUT}/report.html`],
    writeFailed: false,
  });
  assert.equal(d.stderrText(), '');
});

test('--out full: saved to the fallback folder, the message names both paths', async () => {
  const d = deps({ [OUT]: 'ENOSPC' });
  const outcome = await saveResults(results, OUT, d);
  assert.deepEqual(outcome, {
    resultsFile: `${FALLBACK}/results.json`,
    fellBack: true,
    reportFiles: [`${FALLBACK}/report.html`],
    writeFailed: true,
  });
  assert.equal(
    d.stderrText(),
    `pushbench: could not write ${OUT}/results.json: no space left on the device (ENOSPC). The results are saved to ${FALLBACK}/results.json instead.\n`,
  );
  assert.deepEqual(d.reportDirs, [FALLBACK]);
});

test('--out and the fallback both fail: the results are printed as JSON on stderr', async () => {
  const d = deps({ [OUT]: 'EROFS', [FALLBACK]: 'EACCES' });
  const outcome = await saveResults(results, OUT, d);
  assert.deepEqual(outcome, { resultsFile: null, fellBack: true, reportFiles: [], writeFailed: true });
  const text = d.stderrText();
  assert.ok(
    text.startsWith(
      `pushbench: could not write ${OUT}/results.json: read-only file system (EROFS), nor ${FALLBACK}/results.json: permission denied (EACCES). `,
    ),
    text,
  );
  const json = /----- BEGIN pushbench results\.json -----\n([\s\S]*)\n----- END pushbench results\.json -----\n$/.exec(text)?.[1];
  assert.deepEqual(JSON.parse(json ?? 'null'), results);
  assert.deepEqual(d.reportDirs, [], 'no reports without a saved results file');
});

test('the reports fail: the results stay saved, the run is a write failure, the message says how to render them', async () => {
  const d = deps({}, 'ENOSPC');
  const outcome = await saveResults(results, OUT, d);
  assert.deepEqual(outcome, { resultsFile: `${OUT}/results.json`, fellBack: false, reportFiles: [], writeFailed: true });
  assert.equal(
    d.stderrText(),
    `pushbench: the reports could not be written to ${OUT}: no space left on the device (ENOSPC). The results are saved in ${OUT}/results.json; render the reports elsewhere with: pushbench report ${OUT}/results.json --out DIR\n`,
  );
});

test('write errors in words, with the system code', () => {
  assert.equal(describeWriteError(errno('EROFS')), 'read-only file system (EROFS)');
  assert.equal(describeWriteError(errno('EDQUOT')), 'disk quota exceeded (EDQUOT)');
  assert.equal(describeWriteError(errno('EWHATEVER')), 'EWHATEVER: injected');
  assert.equal(describeWriteError('plain'), 'plain');
});
