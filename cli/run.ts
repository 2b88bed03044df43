/** `pushbench run`: the scenarios given by flags (a list of client counts makes a sweep). */
import { parseRunArgs, RUN_HELP } from './options.ts';
import { runScenarios } from '../run/scenarios.ts';
import { executeRun } from './execute.ts';
import { EXIT } from './exit-codes.ts';

export async function runRunCommand(argv: string[]): Promise<number> {
  const config = parseRunArgs(argv);
  if (config.help) {
    process.stdout.write(`${RUN_HELP}\n`);
    return EXIT.ok;
  }
  return executeRun(config, runScenarios(config), ['pushbench', 'run', ...argv].join(' '), { capacity: config.capacity, micro: false });
}
