/**
 * The Kubernetes objects of a run measured in shards (`pushbench k8s`), built with the typed
 * models of `kubernetes-models` and validated offline against the Kubernetes schemas: an Indexed
 * Job whose pods are the shards (`pushbench run --shard auto/N`, the index from
 * JOB_COMPLETION_INDEX), the coordinator (`pushbench publish`) as a Job with a Service the shards
 * reach, and optionally a pushbench server in the cluster; with a target file, a ConfigMap that
 * holds it, mounted into the coordinator's and the shards' pods. Pure: objects and text in, no I/O.
 */
import type { TechniqueId } from '../core/protocol.ts';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IAffinity } from 'kubernetes-models/v1/Affinity';

/** Where the coordinator listens in its pod, and the port of its Service. */
export const COORDINATOR_PORT = 7700;
/** Where the in-cluster server (`--serve`) listens, and the port of its Service. */
export const SERVER_PORT = 8080;
/** The image `--image` defaults to: Node 20 on glibc (the prebuilt @napi-rs/canvas binary needs glibc, not musl). */
export const DEFAULT_IMAGE = 'node:20-bookworm-slim';
/** Where a target file's ConfigMap is mounted in the coordinator's and the shards' pods, and the file's name there. */
export const TARGET_MOUNT = '/etc/pushbench/target';
export const TARGET_FILE_KEY = 'target.json';
/** The shard container's name: `kubectl logs -c` names it. */
export const SHARD_CONTAINER = 'shard';

export type AntiAffinity = 'none' | 'preferred' | 'required';
export const ANTI_AFFINITIES: readonly AntiAffinity[] = ['none', 'preferred', 'required'];

/** Everything the manifests depend on, resolved and validated by the caller (cli/k8s.ts). */
export interface K8sSpec {
  /** Prefix of every object's name, a DNS-1035 label of at most 40 characters. */
  name: string;
  shards: number;
  /** Origin of the server the shards drive (a pushbench server, or the target file's); null: the pushbench server these manifests run (`--serve`). */
  target: string | null;
  /**
   * A target file (`--target-file`): its name and text, carried in a ConfigMap mounted into the
   * pods, which use it for the subscription and the publish request; its server runs at `target`.
   * Absent or null: `target` is a pushbench server.
   */
  targetFile?: { name: string; text: string } | null;
  technique: TechniqueId;
  /** Clients of the whole run, every shard together. */
  clients: number;
  /** `chat`: the clients publish to their rooms, each room within one shard; the coordinator publishes nothing. */
  workload: 'broadcast' | 'chat';
  /** Chat: clients per room. */
  roomSize: number;
  rate: number;
  payloadBytes: number;
  durationMs: number;
  warmupMs: number;
  /** Generator processes per shard. */
  generators: number;
  image: string;
  /** The command that runs pushbench in the image, split into words (`npx --yes pushbench@0.1.0`). */
  exec: readonly string[];
  /** Kubernetes quantities, requested by every pod; memory is also its limit. */
  cpu: string;
  memory: string;
  antiAffinity: AntiAffinity;
  runId: string;
  /** How long the coordinator waits for every shard to be ready. */
  readyTimeoutMs: number;
  startDelayMs: number;
}

/** One manifest file: its name in the output folder and the validated object. */
export interface ManifestFile {
  file: string;
  object: Job | Service | Deployment | ConfigMap;
}

/**
 * Kubernetes' quantity syntax (k8s.io/apimachinery resource.Quantity): a decimal with an optional
 * binary (Ki..Ei), decimal (n, u, m, k, M..E) or exponent suffix.
 */
const QUANTITY = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity (`500m` is 0.5, `1Gi` is 1073741824), or null when it is not one or not positive. */
export function quantityValue(text: string): number | null {
  if (!QUANTITY.test(text)) return null;
  const match = /^([\d.]+)(.*)$/.exec(text)!;
  const suffix = match[2]!;
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  const value = Number(match[1]) * (factor ?? NaN);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** The names of the objects, so that the commands and the objects cannot disagree. */
export function objectNames(name: string): { coordinator: string; shards: string; server: string; target: string } {
  return { coordinator: `${name}-coordinator`, shards: `${name}-shards`, server: `${name}-server`, target: `${name}-target` };
}

function labels(spec: K8sSpec, component: 'shard' | 'coordinator' | 'server' | 'target'): Record<string, string> {
  return { 'app.kubernetes.io/name': 'pushbench', 'app.kubernetes.io/instance': spec.name, 'app.kubernetes.io/component': component };
}

/** The label selector of the shard pods, as `kubectl logs -l` takes it. */
export function shardSelector(spec: K8sSpec): string {
  return Object.entries(labels(spec, 'shard'))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function durationArg(ms: number): string {
  return `${ms}ms`;
}

/** The target the shards and the coordinator use: the user's, or the in-cluster server's Service. */
export function targetOf(spec: K8sSpec): string {
  return spec.target ?? `http://${objectNames(spec.name).server}:${SERVER_PORT}`;
}

/** The server's arguments: the origin, and a target file's path in the pod. */
function targetArgs(spec: K8sSpec): string[] {
  const file = spec.targetFile ? ['--target-file', `${TARGET_MOUNT}/${TARGET_FILE_KEY}`] : [];
  return [...file, '--target', targetOf(spec)];
}

function sharedArgs(spec: K8sSpec): string[] {
  return [
    '--technique',
    spec.technique,
    '--clients',
    String(spec.clients),
    '--rate',
    String(spec.rate),
    '--payload',
    String(spec.payloadBytes),
    '--duration',
    durationArg(spec.durationMs),
    '--warmup',
    durationArg(spec.warmupMs),
    ...(spec.workload === 'chat' ? ['--workload', 'chat', '--room-size', String(spec.roomSize)] : []),
  ];
}

/** The coordinator's arguments after the pushbench command. */
export function coordinatorArgs(spec: K8sSpec): string[] {
  return [
    'publish',
    ...targetArgs(spec),
    // Every address a pod reaches is another host to pushbench: the user named it (or these manifests made it).
    '--allow-remote',
    '--shards',
    String(spec.shards),
    ...sharedArgs(spec),
    '--host',
    '0.0.0.0',
    '--port',
    String(COORDINATOR_PORT),
    '--run-id',
    spec.runId,
    '--start-delay',
    durationArg(spec.startDelayMs),
    '--ready-timeout',
    durationArg(spec.readyTimeoutMs),
  ];
}

/** A shard pod's arguments after the pushbench command: the same for every pod, the index comes from JOB_COMPLETION_INDEX. */
export function shardArgs(spec: K8sSpec): string[] {
  return [
    'run',
    '--shard',
    `auto/${spec.shards}`,
    '--coordinator',
    `http://${objectNames(spec.name).coordinator}:${COORDINATOR_PORT}`,
    ...targetArgs(spec),
    '--allow-remote',
    ...sharedArgs(spec),
    '--generators',
    String(spec.generators),
  ];
}

/** The in-cluster server's arguments (`--serve`): it publishes nothing, the coordinator does. */
export function serverArgs(spec: K8sSpec): string[] {
  const rooms = spec.workload === 'chat' ? ['--rooms', String(Math.ceil(spec.clients / spec.roomSize))] : [];
  return [
    'serve',
    '--technique',
    spec.technique,
    '--rate',
    '0',
    '--payload',
    String(spec.payloadBytes),
    ...rooms,
    '--host',
    '0.0.0.0',
    '--port',
    String(SERVER_PORT),
  ];
}

/**
 * The init container's script: waits until every URL answers 2xx (the coordinator and the server
 * start in their own pods, in no set order), or exits 1 naming the one that did not; with
 * WAIT_ANY_STATUS=1, any HTTP answer counts (a target file's server need not answer GET / with
 * 2xx: Nchan answers 404 there). Node 20's fetch, so it needs nothing but the image's node.
 */
export const WAIT_SCRIPT = [
  'const urls = process.argv.slice(1);',
  'const deadline = Date.now() + Number(process.env.WAIT_MS);',
  "const any = process.env.WAIT_ANY_STATUS === '1';",
  'const up = async (u) => { try { const r = await fetch(u, { signal: AbortSignal.timeout(3000) }); return any || r.ok; } catch { return false; } };',
  '(async () => { for (const u of urls) { while (!(await up(u))) {',
  "  if (Date.now() > deadline) { console.error('not up: ' + u); process.exit(1); }",
  "  await new Promise((r) => setTimeout(r, 1000)); } console.log('up: ' + u); } })();",
].join('\n');

function resources(spec: K8sSpec): IContainer['resources'] {
  // No CPU limit: a throttled generator (CFS quota) would add its stalls to the latency measured.
  return { requests: { cpu: spec.cpu, memory: spec.memory }, limits: { memory: spec.memory } };
}

function affinity(spec: K8sSpec): IAffinity | undefined {
  if (spec.antiAffinity === 'none') return undefined;
  const term = { labelSelector: { matchLabels: labels(spec, 'shard') }, topologyKey: 'kubernetes.io/hostname' };
  return spec.antiAffinity === 'required'
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

/** Seconds after which Kubernetes stops a Job still running: waiting, warm-up, window and margins; nothing hangs. */
export function deadlineSeconds(spec: K8sSpec): number {
  return Math.ceil((spec.readyTimeoutMs + spec.startDelayMs + spec.warmupMs + spec.durationMs) / 1000) + 600;
}

/** The manifests, each validated against the Kubernetes schemas (`validate()` throws naming the field). */
export function buildManifests(spec: K8sSpec): ManifestFile[] {
  const names = objectNames(spec.name);
  const exec = [...spec.exec];
  const annotations = { 'pushbench/run-id': spec.runId };
  const files: ManifestFile[] = [];

  if (spec.target === null) {
    files.push({
      file: 'server-deployment.json',
      object: new Deployment({
        metadata: { name: names.server, labels: labels(spec, 'server'), annotations },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels(spec, 'server') },
          template: {
            metadata: { labels: labels(spec, 'server') },
            spec: {
              containers: [
                {
                  name: 'server',
                  image: spec.image,
                  command: [...exec, ...serverArgs(spec)],
                  ports: [{ containerPort: SERVER_PORT, name: 'http' }],
                  resources: resources(spec),
                  readinessProbe: { httpGet: { path: '/', port: SERVER_PORT }, periodSeconds: 2 },
                },
              ],
            },
          },
        },
      }),
    });
    files.push({
      file: 'server-service.json',
      object: new Service({
        metadata: { name: names.server, labels: labels(spec, 'server') },
        spec: { selector: labels(spec, 'server'), ports: [{ name: 'http', port: SERVER_PORT, targetPort: SERVER_PORT }] },
      }),
    });
  }

  const wait = (urls: string[]): IContainer => ({
    name: 'wait',
    image: spec.image,
    command: ['node', '-e', WAIT_SCRIPT, ...urls],
    env: [{ name: 'WAIT_MS', value: String(spec.readyTimeoutMs) }, ...(spec.targetFile ? [{ name: 'WAIT_ANY_STATUS', value: '1' }] : [])],
  });
  // A target file: one ConfigMap, mounted read-only where the pods' --target-file names it.
  const targetVolume = spec.targetFile ? { volumes: [{ name: 'target', configMap: { name: names.target } }] } : {};
  const targetMount = spec.targetFile ? { volumeMounts: [{ name: 'target', mountPath: TARGET_MOUNT, readOnly: true }] } : {};
  if (spec.targetFile) {
    files.push({
      file: 'target-configmap.json',
      object: new ConfigMap({
        metadata: {
          name: names.target,
          labels: labels(spec, 'target'),
          annotations: { ...annotations, 'pushbench/target': spec.targetFile.name },
        },
        data: { [TARGET_FILE_KEY]: spec.targetFile.text },
      }),
    });
  }
  files.push({
    file: 'coordinator-job.json',
    object: new Job({
      metadata: { name: names.coordinator, labels: labels(spec, 'coordinator'), annotations },
      spec: {
        // One publisher per run: a second pod would publish a second feed.
        backoffLimit: 0,
        activeDeadlineSeconds: deadlineSeconds(spec),
        template: {
          metadata: { labels: labels(spec, 'coordinator'), annotations },
          spec: {
            restartPolicy: 'Never',
            // Its publisher posts to the server from the start: the server must be up first.
            initContainers: [wait([`${targetOf(spec)}/`])],
            containers: [
              {
                name: 'coordinator',
                image: spec.image,
                command: [...exec, ...coordinatorArgs(spec)],
                ports: [{ containerPort: COORDINATOR_PORT, name: 'rendezvous' }],
                resources: resources(spec),
                ...targetMount,
                readinessProbe: { httpGet: { path: '/', port: COORDINATOR_PORT }, periodSeconds: 2 },
              },
            ],
            ...targetVolume,
          },
        },
      },
    }),
  });
  files.push({
    file: 'coordinator-service.json',
    object: new Service({
      metadata: { name: names.coordinator, labels: labels(spec, 'coordinator') },
      spec: {
        selector: labels(spec, 'coordinator'),
        ports: [{ name: 'rendezvous', port: COORDINATOR_PORT, targetPort: COORDINATOR_PORT }],
      },
    }),
  });

  files.push({
    file: 'shards-job.json',
    object: new Job({
      metadata: { name: names.shards, labels: labels(spec, 'shard'), annotations },
      spec: {
        completionMode: 'Indexed',
        completions: spec.shards,
        // All at once: the coordinator starts the window only when every shard is ready.
        parallelism: spec.shards,
        // A failed shard is not retried (a late one would be left out of the merge anyway) and does not stop the others.
        backoffLimitPerIndex: 0,
        activeDeadlineSeconds: deadlineSeconds(spec),
        template: {
          metadata: { labels: labels(spec, 'shard'), annotations },
          spec: {
            restartPolicy: 'Never',
            initContainers: [wait([`http://${names.coordinator}:${COORDINATOR_PORT}/`, `${targetOf(spec)}/`])],
            containers: [
              {
                name: SHARD_CONTAINER,
                image: spec.image,
                command: [...exec, ...shardArgs(spec)],
                // Kubernetes sets it in an Indexed Job's pods; stated here so the contract is visible in the manifest.
                env: [
                  {
                    name: 'JOB_COMPLETION_INDEX',
                    valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
                  },
                ],
                resources: resources(spec),
                ...targetMount,
              },
            ],
            ...targetVolume,
            ...(affinity(spec) === undefined ? {} : { affinity: affinity(spec)! }),
          },
        },
      },
    }),
  });
  for (const f of files) f.object.validate();
  return files;
}

/** Shell-quotes one word for the printed commands. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The commands that run the manifests in `dir` and bring the result back, one step each. */
export function k8sCommands(spec: K8sSpec, dir: string): Array<{ step: string; command: string }> {
  const names = objectNames(spec.name);
  const timeout = `${deadlineSeconds(spec)}s`;
  return [
    { step: 'start the run (server, coordinator and shards; they wait for each other)', command: `kubectl apply -f ${sh(dir)}` },
    {
      // A loop rather than `kubectl wait`: it ends on Complete or Failed alike, with any kubectl; activeDeadlineSeconds bounds it.
      step: `wait until every shard pod has ended: the Job is Complete, or Failed when a shard failed (Kubernetes stops it after ${timeout} at most)`,
      command: `until kubectl get job/${names.shards} -o jsonpath='{.status.conditions[*].type}' | grep -qwE 'Complete|Failed'; do sleep 5; done`,
    },
    {
      step: "collect each shard's result: one JSON line in each pod's log",
      command: `kubectl logs -l ${shardSelector(spec)} -c ${SHARD_CONTAINER} --tail=-1 --max-log-requests=${Math.max(5, spec.shards)} > ${sh(`${spec.name}-shards.log`)}`,
    },
    {
      step: 'merge (anywhere pushbench is installed): one results.json and the reports',
      command: `pushbench merge ${sh(`${spec.name}-shards.log`)} --out ${sh(`results/${spec.name}`)}`,
    },
    {
      step: 'clean up (the pods keep their logs until then)',
      command: `kubectl delete job/${names.shards} job/${names.coordinator} service/${names.coordinator}${spec.target === null ? ` deployment/${names.server} service/${names.server}` : ''}${spec.targetFile ? ` configmap/${names.target}` : ''}`,
    },
  ];
}

/** The README written beside the manifests: what they run, what the image needs, and the commands. */
export function k8sReadme(spec: K8sSpec, dir: string, command: string, files: readonly ManifestFile[]): string {
  const names = objectNames(spec.name);
  const steps = k8sCommands(spec, dir)
    .map((c, i) => `${i + 1}. ${c.step}:\n\n   \`\`\`sh\n   ${c.command}\n   \`\`\``)
    .join('\n\n');
  return `# pushbench on Kubernetes: ${spec.shards} shards of run ${spec.runId}

Written by:

\`\`\`sh
${command}
\`\`\`

What the manifests run (${files.map((f) => `\`${f.file}\``).join(', ')}):

- **${names.coordinator}** (Job + Service, port ${COORDINATOR_PORT}): \`pushbench publish\`, the one publisher, the
  clock the shards measure their offset to, and their rendezvous.
- **${names.shards}** (Indexed Job, completions = parallelism = ${spec.shards}): pod I runs
  \`pushbench run --shard auto/${spec.shards}\`, clients of share I of ${spec.clients}, index from
  \`JOB_COMPLETION_INDEX\`; an init container waits for the coordinator and the server. Each pod
  prints its shard result as one JSON line on stdout.
- ${
    spec.target === null
      ? `**${names.server}** (Deployment + Service, port ${SERVER_PORT}): \`pushbench serve --rate 0\`, the server measured.`
      : spec.targetFile
        ? `the server measured: target ${spec.targetFile.name} at ${spec.target} (not started by these manifests; run it yourself). Its target file is the ConfigMap **${names.target}**, mounted at \`${TARGET_MOUNT}/${TARGET_FILE_KEY}\` in the coordinator's and the shards' pods: the shards subscribe as it says, the coordinator publishes with its publish request.`
        : `the server measured: ${spec.target} (not started by these manifests; run it with \`pushbench serve --rate 0\`).`
  }

Image \`${spec.image}\`, command \`${spec.exec.join(' ')}\`: the image needs Node 20.18 or later on glibc
and, for \`npx\`, the npm registry reachable from the pods; see docs/kubernetes.md.
Each pod requests ${spec.cpu} CPU and ${spec.memory} memory (the memory is also its limit); the
shard pods are spread over nodes: anti-affinity ${spec.antiAffinity}.

## Commands

${steps}
`;
}
