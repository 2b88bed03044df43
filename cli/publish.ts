/**
 * `pushbench publish`: the coordinator of a run measured in shards (run/coordinator.ts): the one
 * publisher, the clock the shards measure their offset to, and their rendezvous. The first
 * stdout line is one JSON object with its endpoint and run id; when the count is known and
 * fetched it prints one more (what it published, which shards came) and exits.
 */
import { ConfigError, showReceived } from '../core/errors.ts';
import { isLoopbackHost } from '../core/loopback.ts';
import type { WorkloadName } from '../core/results.ts';
import { Coordinator } from '../run/coordinator.ts';
import { chatProblem, urlTarget } from '../run/targets.ts';
import {
  booleanReader,
  durationReader,
  enumReader,
  HELP_ROW,
  helpLines,
  integerReader,
  parseCommand,
  stringReader,
  synopsis,
  type Flag,
  type Reader,
} from './flags.ts';
import {
  durationOption,
  loadShardTarget,
  payloadOption,
  roomSizeOption,
  shardClientsOption,
  shardRateOption,
  shardTargetFileOption,
  shardTechniqueOption,
  targetReader,
  warmupOption,
} from './options.ts';
import { EXIT } from './exit-codes.ts';

/** `--start-at`: an ISO date-time or epoch milliseconds; a wall-clock time on the coordinator's host. */
export const startAtReader: Reader<number> = {
  expected: 'an ISO date-time (2026-12-06T22:00:00Z) or epoch milliseconds',
  read(input, label) {
    const text = String(input).trim();
    const ms = /^\d{12,}$/.test(text) ? Number(text) : /^\d{4}-\d\d-\d\dT/.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(ms)) throw ConfigError.invalid(label, showReceived(input), this.expected);
    return ms;
  },
};

const PUBLISH_FLAGS = {
  target: {
    flag: 'target',
    arg: 'URL',
    help: "the pushbench server to publish to (pushbench serve --rate 0); with --target-file: where that file's server runs",
    defaultText: null,
    reader: targetReader(),
  },
  targetFile: shardTargetFileOption,
  shards: {
    flag: 'shards',
    arg: 'N',
    help: 'shards of the run, 1..1000; required',
    defaultText: null,
    reader: integerReader(1, 1000, 'shards'),
  },
  technique: shardTechniqueOption,
  clients: shardClientsOption,
  rate: shardRateOption,
  workload: {
    flag: 'workload',
    arg: 'NAME',
    help: 'broadcast (this coordinator publishes) or chat (the clients publish to their rooms, each room within one shard; this coordinator only sets the window)',
    defaultText: 'broadcast',
    reader: enumReader<WorkloadName>(['broadcast', 'chat']),
  },
  roomSize: roomSizeOption,
  payload: payloadOption,
  duration: durationOption,
  warmup: warmupOption,
  startAt: {
    flag: 'start-at',
    arg: 'TIME',
    help: "when the shards' clients begin (then warm-up, then the window): ISO time or epoch ms on this host's clock",
    defaultText: '--start-delay after the last shard is ready',
    reader: startAtReader,
  },
  startDelay: {
    flag: 'start-delay',
    arg: 'DURATION',
    help: 'without --start-at: the clients begin this long after the last shard reported ready',
    defaultText: '1s',
    reader: durationReader('s', 100, 600_000),
  },
  readyTimeout: {
    flag: 'ready-timeout',
    arg: 'DURATION',
    help: 'give up when not every shard is ready within this',
    defaultText: '10m',
    reader: durationReader('s', 1000, 3_600_000),
  },
  host: {
    flag: 'host',
    arg: 'HOST',
    help: 'address the endpoint listens on (0.0.0.0 in a pod)',
    defaultText: '127.0.0.1',
    reader: stringReader('a host name or IP address'),
  },
  port: {
    flag: 'port',
    arg: 'PORT',
    help: 'port of the endpoint, 0 for a free one',
    defaultText: '7700',
    reader: integerReader(0, 65_535),
  },
  runId: {
    flag: 'run-id',
    arg: 'ID',
    help: 'the run id the shards record',
    defaultText: 'a random UUID',
    reader: stringReader('a run id'),
  },
  linger: {
    flag: 'linger',
    arg: 'DURATION',
    help: 'after the count is known: how long to wait for shards that have not fetched it',
    defaultText: '60s',
    reader: durationReader('s', 0, 3_600_000),
  },
  allowRemote: {
    flag: 'allow-remote',
    arg: null,
    help: 'allow a --target that is not on this host (only servers you own)',
    defaultText: 'off',
    reader: booleanReader(),
  },
} as const satisfies Record<string, Flag<unknown>>;

export const PUBLISH_USAGE = `usage: pushbench publish ${synopsis(Object.values(PUBLISH_FLAGS))}

Options:
${helpLines([...Object.values(PUBLISH_FLAGS), HELP_ROW])}

The coordinator of a run measured in shards (docs/shards.md): it alone publishes to --target (or
with --target-file, with that file's publish request to its server), on the open-loop schedule,
and counts what the server accepted; each shard (pushbench run --shard I/N
--coordinator URL) measures its clock offset to it (GET /clock), reports ready (POST /ready) and
gets the window, and asks for the accepted count after it (GET /accepted).`;

export async function runPublishCommand(argv: string[]): Promise<number> {
  const { values, help } = parseCommand(argv, PUBLISH_FLAGS, { positionals: false });
  if (help) {
    process.stdout.write(`${PUBLISH_USAGE}\n`);
    return EXIT.ok;
  }
  for (const key of ['shards', 'technique', 'clients'] as const) {
    if (values[key] === undefined) throw new ConfigError(`pushbench publish needs --${PUBLISH_FLAGS[key].flag} ${PUBLISH_FLAGS[key].arg}`);
  }
  if (values.target === undefined && values.targetFile === undefined)
    throw new ConfigError(
      'pushbench publish needs --target URL (a pushbench server: pushbench serve --rate 0) or --target-file FILE (the target file of your server)',
    );
  // A pushbench server publishes through POST /publish; a target file's server through the file's publish request.
  const measured =
    values.targetFile === undefined
      ? urlTarget(values.target!)
      : loadShardTarget(values.targetFile, values.target ?? null, values.technique!, 'the shards');
  const target = measured.origin!;
  if (!values.allowRemote && !isLoopbackHost(new URL(target).hostname)) {
    throw new ConfigError(`refusing non-loopback --target "${target}"; pass --allow-remote to publish to a server you own on another host`);
  }
  const workload = values.workload ?? 'broadcast';
  // The default `pushbench run` resolves to, so that a shard without --room-size agrees.
  const roomSize = Math.min(values.roomSize ?? 10, values.clients!);
  if (workload === 'chat' && measured.kind === 'file') {
    const problem = chatProblem(measured, values.technique!, values.clients!, roomSize);
    if (problem !== null)
      throw new ConfigError(`invalid --workload: received "chat" with target file ${JSON.stringify(measured.file)}: ${problem}`);
  }
  if (values.startAt !== undefined && values.startAt <= Date.now()) {
    throw new ConfigError(
      `invalid --start-at: received ${new Date(values.startAt).toISOString()}, which has passed; expected a time in the future`,
    );
  }
  if (values.shards! > values.clients!)
    throw new ConfigError(
      `--clients ${values.clients} cannot be dealt to --shards ${values.shards}; allowed: at most as many shards as clients`,
    );
  const coordinator = await Coordinator.start({
    target,
    publish: measured.publish!,
    params: {
      target: measured.name,
      technique: values.technique!,
      clients: values.clients!,
      rate: values.rate ?? 1,
      payloadBytes: values.payload ?? 64,
      durationMs: values.duration ?? 10_000,
      warmupMs: values.warmup ?? 2000,
      workload,
      roomSize,
    },
    shards: values.shards!,
    startAtMs: values.startAt ?? null,
    startDelayMs: values.startDelay ?? 1000,
    readyTimeoutMs: values.readyTimeout ?? 600_000,
    host: values.host ?? '127.0.0.1',
    port: values.port ?? 7700,
    lingerMs: values.linger ?? 60_000,
    ...(values.runId === undefined ? {} : { runId: values.runId }),
  });
  process.stdout.write(
    `${JSON.stringify({ coordinator: coordinator.origin, runId: coordinator.runId, shards: values.shards, pid: process.pid })}\n`,
  );
  const stop = (): void => void coordinator.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const outcome = await coordinator.finished;
  await coordinator.close();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  process.stdout.write(
    `${JSON.stringify({ runId: coordinator.runId, published: outcome.count, failure: outcome.failure, ready: outcome.ready, fetched: outcome.fetched })}\n`,
  );
  if (outcome.count === null) process.stderr.write(`pushbench publish: no count: ${outcome.failure}\n`);
  return outcome.count === null ? EXIT.failed : EXIT.ok;
}
