/**
 * chart.js's UMD build, read from node_modules so report.html can inline it. The UMD file is
 * not in chart.js's package exports, so it is found next to the resolved CommonJS entry.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

let cached: Promise<string> | null = null;

/** The path of chart.js's `dist/chart.umd.js` in the installed package. */
export function chartJsUmdPath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
}

/** The source of chart.js's UMD build (read once per process). */
export function loadChartJsUmd(): Promise<string> {
  cached ??= readFile(chartJsUmdPath(), 'utf8').catch((error: unknown) => {
    cached = null;
    throw new Error(`cannot inline chart.js into report.html: ${chartJsUmdPath()} is unreadable; reinstall dependencies with \`npm ci\``, {
      cause: error,
    });
  });
  return cached;
}
