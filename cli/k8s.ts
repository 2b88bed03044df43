/**
 * `pushbench k8s --shards N --target URL [run flags]`: writes the Kubernetes manifests of a run
 * measured in shards (run/k8s-manifests.ts), a README with the exact commands beside them, and
 * prints those commands. It talks to no cluster: `kubectl apply` is the user's step.
 *
 * The manifests are JSON: every JSON document is YAML, kubectl reads both (`kubectl apply -f
 * x.json`), and JSON.stringify has no quoting traps (a YAML emitter must quote `on`, `0700`,
 * `1e3`, `:`... or change what the cluster receives).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigError, showReceived } from '../core/errors.ts';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { isLoopbackHost } from '../core/loopback.ts';
import type { WorkloadName } from '../core/results.ts';
import { LIMITS } from '../run/config.ts';
import { chatProblem } from '../run/targets.ts';
import { TOOL_VERSION } from '../run/session.ts';
import {
  ANTI_AFFINITIES,
  buildManifests,
  DEFAULT_IMAGE,
  k8sCommands,
  k8sReadme,
  quantityValue,
  type AntiAffinity,
  type K8sSpec,
} from '../run/k8s-manifests.ts';
import {
  booleanReader,
  durationReader,
  enumReader,
  HELP_ROW,
  helpLines,
  integerReader,
  parseCommand,
  reader,
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
import { prepareOutDir } from './out-dir.ts';

/** A Kubernetes quantity, positive (`500m`, `2`, `1Gi`), kept as typed: the cluster reads the text. */
function quantityReader(example: string): Reader<string> {
  return reader(`expected a positive Kubernetes quantity such as ${example}`, (input) => {
    const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
    return quantityValue(text) === null ? undefined : text;
  });
}

/** What --name allows: the objects are `NAME-coordinator` etc., DNS-1035 labels of at most 63 characters. */
const NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

const K8S_FLAGS = {
  shards: {
    flag: 'shards',
    arg: 'N',
    help: 'shard pods of the Indexed Job, 1..1000; required',
    defaultText: null,
    reader: integerReader(1, 1000, 'shards'),
  },
  target: {
    flag: 'target',
    arg: 'URL',
    help: "the pushbench server the pods drive (pushbench serve --rate 0), reachable from the pods; with --target-file: where that file's server runs; needs --allow-remote",
    defaultText: null,
    reader: targetReader(),
  },
  targetFile: {
    ...shardTargetFileOption,
    help: "your server's target file (docs/targets.md), carried to the pods in a ConfigMap; its server runs outside these manifests, at --target URL or the file's fixed origin",
  },
  serve: {
    flag: 'serve',
    arg: null,
    help: 'instead of --target: the manifests run the server too (a Deployment and a Service)',
    defaultText: 'off',
    reader: booleanReader(),
  },
  allowRemote: {
    flag: 'allow-remote',
    arg: null,
    help: 'confirm that --target is a server you own (every address a pod reaches is another host)',
    defaultText: 'off',
    reader: booleanReader(),
  },
  technique: shardTechniqueOption,
  clients: shardClientsOption,
  rate: shardRateOption,
  workload: {
    flag: 'workload',
    arg: 'NAME',
    help: 'broadcast (the coordinator publishes) or chat (the clients publish to their rooms, each room within one shard)',
    defaultText: 'broadcast',
    reader: enumReader<WorkloadName>(['broadcast', 'chat']),
  },
  roomSize: roomSizeOption,
  payload: payloadOption,
  duration: durationOption,
  warmup: warmupOption,
  generators: {
    flag: 'generators',
    arg: 'N',
    help: `generator processes per shard pod, 1..${LIMITS.maxGenerators}`,
    defaultText: 'the whole CPUs of --cpu, at least 1',
    reader: integerReader(1, LIMITS.maxGenerators),
  },
  cpu: {
    flag: 'cpu',
    arg: 'QUANTITY',
    help: 'CPU each pod requests (no CPU limit: throttling would show as latency)',
    defaultText: '1',
    reader: quantityReader('500m or 2'),
  },
  memory: {
    flag: 'memory',
    arg: 'QUANTITY',
    help: 'memory each pod requests, also its limit',
    defaultText: '1Gi',
    reader: quantityReader('512Mi or 2Gi'),
  },
  antiAffinity: {
    flag: 'anti-affinity',
    arg: 'MODE',
    help: `spreading shard pods over nodes: ${ANTI_AFFINITIES.join(', ')} (required: one shard per node, or it stays Pending)`,
    defaultText: 'preferred',
    reader: enumReader<AntiAffinity>(ANTI_AFFINITIES),
  },
  image: {
    flag: 'image',
    arg: 'IMAGE',
    help: 'container image of every pod',
    defaultText: DEFAULT_IMAGE,
    reader: stringReader('a container image reference'),
  },
  exec: {
    flag: 'exec',
    arg: 'CMD',
    help: 'the command that runs pushbench in the image, words split on spaces',
    defaultText: `npx --yes pushbench@${TOOL_VERSION} with the default image, else pushbench`,
    reader: stringReader('a command'),
  },
  name: {
    flag: 'name',
    arg: 'NAME',
    help: 'prefix of the object names: lower-case letters, digits and -, at most 40',
    defaultText: 'pushbench',
    reader: reader('expected lower-case letters, digits and -, starting with a letter, at most 40 characters', (input) =>
      typeof input === 'string' && NAME.test(input) ? input : undefined,
    ),
  },
  runId: {
    flag: 'run-id',
    arg: 'ID',
    help: 'the run id the coordinator gives the shards',
    defaultText: 'a random UUID',
    reader: reader('expected letters, digits, . _ and -, at most 63 characters', (input) =>
      typeof input === 'string' && /^[A-Za-z0-9._-]{1,63}$/.test(input) ? input : undefined,
    ),
  },
  readyTimeout: {
    flag: 'ready-timeout',
    arg: 'DURATION',
    help: 'how long the coordinator and the pods wait for each other (image pulls, npx, scheduling)',
    defaultText: '10m',
    reader: durationReader('s', 1000, 3_600_000),
  },
  startDelay: {
    flag: 'start-delay',
    arg: 'DURATION',
    help: 'the clients begin this long after the last shard is ready',
    defaultText: '1s',
    reader: durationReader('s', 100, 600_000),
  },
  out: {
    flag: 'out',
    arg: 'DIR',
    help: 'folder for the manifests and their README',
    defaultText: 'k8s-<name>',
    reader: stringReader('a folder path'),
  },
} as const satisfies Record<string, Flag<unknown>>;

export const K8S_USAGE = `usage: pushbench k8s ${synopsis(Object.values(K8S_FLAGS))}

Options:
${helpLines([...Object.values(K8S_FLAGS), HELP_ROW])}

Writes the Kubernetes manifests of a run measured in shards (docs/kubernetes.md): an Indexed Job
of --shards pods, each running pushbench run --shard auto/N (its index from JOB_COMPLETION_INDEX),
the coordinator (pushbench publish) as a Job with a Service, with --serve the server too, with
--target-file a ConfigMap holding the file, mounted into the coordinator's and the shards' pods; each
validated offline against the Kubernetes schemas. Prints the commands that run them, collect
each pod's result line (kubectl logs) and merge them (pushbench merge); the README beside the
manifests says the same. Talks to no cluster.`;

/** Reads and checks the flags into the manifests' spec; bad input throws a ConfigError (exit 2) naming the value. */
export function k8sSpecFrom(argv: readonly string[]): { spec: K8sSpec; out: string } | 'help' {
  const { values, help } = parseCommand(argv, K8S_FLAGS, { positionals: false });
  if (help) return 'help';
  for (const key of ['shards', 'technique', 'clients'] as const) {
    if (values[key] === undefined) throw new ConfigError(`pushbench k8s needs --${K8S_FLAGS[key].flag} ${K8S_FLAGS[key].arg}`);
  }
  const serve = values.serve === true;
  if (values.targetFile !== undefined && serve)
    throw new ConfigError(
      `pushbench k8s takes --target-file ${showReceived(values.targetFile)} or --serve, not both: --serve runs pushbench's own server; the server of a target file runs outside the manifests (--target URL or the file's fixed origin)`,
    );
  if (values.target === undefined && values.targetFile === undefined && !serve)
    throw new ConfigError(
      'pushbench k8s needs --target URL (a pushbench server the pods reach), --target-file FILE (your server, with its target file) or --serve (the manifests run a pushbench server)',
    );
  if (values.target !== undefined && serve) throw new ConfigError(`pushbench k8s takes --target ${values.target} or --serve, not both`);
  // A target file: its subscription and publish request go to the pods; its server is reached at --target or its fixed origin.
  const file =
    values.targetFile === undefined ? null : loadShardTarget(values.targetFile, values.target ?? null, values.technique!, 'the shards');
  const target = file?.origin ?? values.target;
  if (target !== undefined) {
    const label = values.target === undefined ? `origin of target file ${showReceived(values.targetFile)}` : '--target';
    const host = new URL(target).hostname;
    if (isLoopbackHost(host))
      throw new ConfigError(
        `invalid ${label}: received ${showReceived(target)}; in a pod, ${host} is the pod itself: expected the server's address as the pods reach it${file === null ? ' (or --serve)' : ' (pass it with --target URL)'}`,
      );
    if (values.allowRemote !== true)
      throw new ConfigError(
        `refusing ${label} ${showReceived(target)} without --allow-remote: the pods will send load to it; pass --allow-remote for a server you own`,
      );
  }
  if (values.shards! > values.clients!)
    throw new ConfigError(
      `--clients ${values.clients} cannot be dealt to --shards ${values.shards}; allowed: at most as many shards as clients`,
    );
  const workload = values.workload ?? 'broadcast';
  const roomSize = Math.min(values.roomSize ?? 10, values.clients!);
  const rooms = Math.ceil(values.clients! / roomSize);
  if (workload === 'chat' && file !== null) {
    const problem = chatProblem(file, values.technique!, values.clients!, roomSize);
    if (problem !== null)
      throw new ConfigError(`invalid --workload: received "chat" with target file ${showReceived(values.targetFile)}: ${problem}`);
  }
  if (workload === 'chat' && values.shards! > rooms) {
    throw new ConfigError(
      `--shards ${values.shards}: ${rooms} rooms of ${roomSize} clients cannot be dealt to them; allowed: at most as many shards as rooms (each room lies within one shard)`,
    );
  }
  const image = values.image ?? DEFAULT_IMAGE;
  const exec = (values.exec ?? (image === DEFAULT_IMAGE ? `npx --yes pushbench@${TOOL_VERSION}` : 'pushbench')).trim().split(/\s+/);
  const cpu = values.cpu ?? '1';
  const name = values.name ?? 'pushbench';
  return {
    out: values.out ?? `k8s-${name}`,
    spec: {
      name,
      shards: values.shards!,
      target: target ?? null,
      targetFile: file === null ? null : { name: file.name, text: readFileSync(values.targetFile!, 'utf8') },
      technique: values.technique!,
      clients: values.clients!,
      workload,
      roomSize,
      rate: values.rate ?? 1,
      payloadBytes: values.payload ?? 64,
      durationMs: values.duration ?? 10_000,
      warmupMs: values.warmup ?? 2000,
      // A pod sees the node's cores, not its share: `auto` would start a generator per node core.
      generators: values.generators ?? Math.min(LIMITS.maxGenerators, Math.max(1, Math.floor(quantityValue(cpu)!))),
      image,
      exec,
      cpu,
      memory: values.memory ?? '1Gi',
      antiAffinity: values.antiAffinity ?? 'preferred',
      runId: values.runId ?? randomUUID(),
      readyTimeoutMs: values.readyTimeout ?? 600_000,
      startDelayMs: values.startDelay ?? 1000,
    },
  };
}

export async function runK8sCommand(argv: string[]): Promise<number> {
  const parsed = k8sSpecFrom(argv);
  if (parsed === 'help') {
    process.stdout.write(`${K8S_USAGE}\n`);
    return EXIT.ok;
  }
  const { spec, out } = parsed;
  const files = buildManifests(spec);
  prepareOutDir(out);
  for (const f of files) writeFileAtomic(path.join(out, f.file), `${JSON.stringify(f.object.toJSON(), null, 2)}\n`);
  const command = ['pushbench', 'k8s', ...argv].join(' ');
  writeFileAtomic(path.join(out, 'README.md'), k8sReadme(spec, out, command, files));
  const lines = [
    `pushbench k8s: ${files.length} manifests for ${spec.shards} shards of run ${spec.runId} in ${out}/ (${files.map((f) => f.file).join(', ')}), validated against the Kubernetes schemas`,
    '',
    ...k8sCommands(spec, out).flatMap((c, i) => [`# ${i + 1}. ${c.step}`, c.command]),
    '',
    `The same commands, and what the image needs: ${path.join(out, 'README.md')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
