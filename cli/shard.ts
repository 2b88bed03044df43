/**
 * `pushbench run --shard I/N`: one shard of a run spread over machines (run/shard-run.ts). Its
 * result goes to stdout as one JSON line (what `kubectl logs` collects from a pod) and, with
 * --out DIR, to DIR/shard-I.json too; a one-line summary goes to stderr.
 */
import path from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.ts';
import type { RunConfig } from '../run/config.ts';
import { paramsFrom } from '../run/scenarios.ts';
import { runShard } from '../run/shard-run.ts';
import { killAllChildren } from '../run/children.ts';
import { shardRow } from '../run/shard-merge.ts';
import { EXIT } from './exit-codes.ts';

/** How long a shard waits for every other shard to be ready before it gives up. */
const READY_TIMEOUT_MS = 600_000;

export async function runShardCommand(config: RunConfig): Promise<number> {
  const shard = config.shard!;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\npushbench: ${signal}: stopping shard ${shard.index}\n`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // The origin the shard drives, also when a target file names it.
    const params = { ...paramsFrom(config, config.clients[0]!), target: config.targets[0]!.origin };
    const result = await runShard({
      technique: config.techniques[0]!,
      params,
      shard,
      // A pushbench server at --target URL, or a target file's server where it runs (cli/options.ts checkShard).
      target: config.targets[0]!,
      coordinator: config.coordinator!,
      generators: config.generators,
      signal: controller.signal,
      readyTimeoutMs: READY_TIMEOUT_MS,
      log: (line) => void process.stderr.write(`pushbench: ${line}\n`),
    });
    // One line, whatever happens to the file: a pod's log is where Kubernetes keeps it.
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (config.out !== null) writeJsonAtomic(path.join(config.out, `shard-${shard.index}.json`), result);
    if (result.state === 'failed') {
      process.stderr.write(`pushbench: shard ${shard.index}/${shard.count} failed: ${result.error}\n`);
      return EXIT.failed;
    }
    const row = shardRow(result);
    process.stderr.write(
      `pushbench: shard ${shard.index}/${shard.count} of run ${result.runId}: ${row.delivered}/${row.expected} delivered, p50 ${row.p50Ms ?? '-'} ms, p99 ${row.p99Ms ?? '-'} ms, ` +
        `offset ${row.offsetMs?.toFixed(3)} ms ± ${row.boundMs?.toFixed(3)} ms\n`,
    );
    return EXIT.ok;
  } finally {
    killAllChildren();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
