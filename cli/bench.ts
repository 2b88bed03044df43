/**
 * `npm run bench`: the default suite (header overhead, latency, client sweep, sparse
 * updates, chat, capacity). Takes the same flags as `pushbench run`; flags the user
 * sets apply to every scenario. `--quick` is the short version for CI. After the suite, a small
 * decision map from the model with the suite's broadcast scenarios on it (run/bench-map.ts).
 */
import { parseRunArgs, RUN_HELP } from './options.ts';
import { suiteScenarios } from '../run/scenarios.ts';
import { executeRun } from './execute.ts';
import { EXIT, reportError } from './exit-codes.ts';
import { benchMap } from '../run/bench-map.ts';
import type { ResultsFile } from '../core/results.ts';

/** The suite's results with the small decision map of its measured points (none when nothing fits the model). */
function withMap(results: ResultsFile): ResultsFile {
  if (results.state === 'interrupted') return results;
  try {
    const map = benchMap(results);
    return map === null ? results : { ...results, map };
  } catch (error) {
    // The suite's measurements are what matters: a map that cannot be drawn never costs them.
    process.stderr.write(`npm run bench: warning: no decision map: ${(error as Error).message}\n`);
    return results;
  }
}

async function main(argv: string[]): Promise<number> {
  let config;
  try {
    config = parseRunArgs(argv);
  } catch (error) {
    return reportError('npm run bench', error);
  }
  if (config.help) {
    process.stdout.write(`npm run bench [-- options]: the default suite; --quick for CI.\n\n${RUN_HELP}\n`);
    return EXIT.ok;
  }
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  return executeRun(config, suiteScenarios(config), command, {
    capacity: !config.quick || config.capacity,
    micro: !config.quick,
    extend: withMap,
  });
}

process.exitCode = await main(process.argv.slice(2));
