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
  // A shard of a run spread over machines writes a shard result, not a results folder.
  if (config.shard !== null) return (await import('./shard.ts')).runShardCommand(config);
  return executeRun(config, runScenarios(config), ['pushbench', 'run', ...argv].join(' '), { capacity: config.capacity, micro: false });
}
