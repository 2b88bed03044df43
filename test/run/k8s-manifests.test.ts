/**
 * The manifests of `pushbench k8s` validate offline against the Kubernetes schemas (through the
 * typed models, also after a round trip through their JSON text) and carry the contract a shard
 * pod depends on: the Indexed Job with completions = parallelism = N, the index in
 * JOB_COMPLETION_INDEX, the shard command with --shard auto/N, a coordinator Service the shards'
 * --coordinator names, and one set of run parameters on both sides of the rendezvous.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  buildManifests,
  COORDINATOR_PORT,
  coordinatorArgs,
  DEFAULT_IMAGE,
  quantityValue,
  SHARD_CONTAINER,
  shardArgs,
  type K8sSpec,
} from '../../run/k8s-manifests.ts';
import { parseRunArgs } from '../../cli/options.ts';

const SPEC: K8sSpec = {
  name: 'bench',
  shards: 10,
  target: 'http://10.0.0.5:8080',
  technique: 'websocket',
  clients: 10_000,
  workload: 'broadcast',
  roomSize: 10,
  rate: 20,
  payloadBytes: 64,
  durationMs: 30_000,
  warmupMs: 2000,
  generators: 2,
  image: DEFAULT_IMAGE,
  exec: ['npx', '--yes', 'pushbench@0.1.0'],
  cpu: '2',
  memory: '2Gi',
  antiAffinity: 'preferred',
  runId: 'run-1',
  readyTimeoutMs: 600_000,
  startDelayMs: 1000,
};

function byFile(spec: K8sSpec): Map<string, unknown> {
  return new Map(buildManifests(spec).map((f) => [f.file, JSON.parse(JSON.stringify(f.object.toJSON())) as unknown]));
}

/** The value after `flag` in an argument list. */
function argOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

test('every manifest validates against the Kubernetes schemas, also re-read from its JSON text', () => {
  for (const spec of [
    SPEC,
    { ...SPEC, target: null },
    { ...SPEC, antiAffinity: 'required' as const },
    { ...SPEC, antiAffinity: 'none' as const },
  ]) {
    for (const [file, json] of byFile(spec)) {
      const data = json as { kind: string };
      const model =
        data.kind === 'Job'
          ? new Job(json as Job)
          : data.kind === 'Service'
            ? new Service(json as Service)
            : new Deployment(json as Deployment);
      assert.doesNotThrow(() => model.validate(), file);
    }
  }
  assert.deepEqual([...byFile(SPEC).keys()], ['coordinator-job.json', 'coordinator-service.json', 'shards-job.json']);
  assert.deepEqual(
    [...byFile({ ...SPEC, target: null }).keys()],
    ['server-deployment.json', 'server-service.json', 'coordinator-job.json', 'coordinator-service.json', 'shards-job.json'],
  );
});

test('the schemas refuse what the flags must refuse: a CPU quantity that is not one fails validate()', () => {
  assert.throws(() => buildManifests({ ...SPEC, cpu: 'two' }), /cpu must match format "quantity"/);
});

test('the shard Job is an Indexed Job of N pods reading their index from JOB_COMPLETION_INDEX, with the shard command', () => {
  const job = byFile(SPEC).get('shards-job.json') as Job;
  const spec = job.spec!;
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.completions, 10);
  assert.equal(spec.parallelism, 10);
  assert.equal(spec.backoffLimitPerIndex, 0);
  assert.ok(spec.activeDeadlineSeconds! > (600_000 + 30_000 + 2000) / 1000, 'the deadline leaves room for the wait, warm-up and window');
  const pod = spec.template.spec!;
  assert.equal(pod.restartPolicy, 'Never');
  const container = pod.containers.find((c) => c.name === SHARD_CONTAINER)!;
  assert.deepEqual(container.env, [
    {
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
    },
  ]);
  const command = container.command!;
  assert.deepEqual(command.slice(0, 3), ['npx', '--yes', 'pushbench@0.1.0']);
  assert.deepEqual(command.slice(3), shardArgs(SPEC));
  assert.equal(argOf(command, '--shard'), 'auto/10');
  assert.equal(argOf(command, '--coordinator'), `http://bench-coordinator:${COORDINATOR_PORT}`);
  assert.equal(argOf(command, '--target'), 'http://10.0.0.5:8080');
  assert.equal(argOf(command, '--generators'), '2');
  assert.deepEqual(container.resources, { requests: { cpu: '2', memory: '2Gi' }, limits: { memory: '2Gi' } });
  // The init container waits for the coordinator's Service and the server before the shard starts.
  assert.deepEqual(pod.initContainers![0]!.command!.slice(-2), [`http://bench-coordinator:${COORDINATOR_PORT}/`, 'http://10.0.0.5:8080/']);
  // Preferred anti-affinity on the shard pods' own labels, one node per pod where the cluster can.
  const term = pod.affinity!.podAntiAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!.podAffinityTerm;
  assert.deepEqual(term.labelSelector!.matchLabels, job.spec!.template.metadata!.labels);
  assert.equal(term.topologyKey, 'kubernetes.io/hostname');
  const required = (byFile({ ...SPEC, antiAffinity: 'required' }).get('shards-job.json') as Job).spec!.template.spec!.affinity!
    .podAntiAffinity!;
  assert.equal(required.requiredDuringSchedulingIgnoredDuringExecution!.length, 1);
  assert.equal((byFile({ ...SPEC, antiAffinity: 'none' }).get('shards-job.json') as Job).spec!.template.spec!.affinity, undefined);
});

test('the shard command is one pushbench run accepts: pod I is shard I of N by its environment', () => {
  const saved = process.env.JOB_COMPLETION_INDEX;
  process.env.JOB_COMPLETION_INDEX = '7';
  try {
    const config = parseRunArgs(shardArgs(SPEC).slice(1));
    assert.deepEqual(config.shard, { index: 7, count: 10 });
    assert.equal(config.coordinator, 'http://bench-coordinator:7700');
    assert.deepEqual(config.techniques, ['websocket']);
    assert.deepEqual(config.clients, [10_000]);
  } finally {
    if (saved === undefined) delete process.env.JOB_COMPLETION_INDEX;
    else process.env.JOB_COMPLETION_INDEX = saved;
  }
});

test('the rendezvous: the coordinator Service selects the coordinator pod on the port the shards use, and both sides share the run parameters', () => {
  const files = byFile(SPEC);
  const job = files.get('coordinator-job.json') as Job;
  const service = files.get('coordinator-service.json') as Service;
  assert.equal(service.metadata!.name, 'bench-coordinator');
  assert.deepEqual(service.spec!.selector, job.spec!.template.metadata!.labels);
  assert.deepEqual(service.spec!.ports, [{ name: 'rendezvous', port: COORDINATOR_PORT, targetPort: COORDINATOR_PORT }]);
  assert.equal(job.spec!.backoffLimit, 0, 'one publisher: a coordinator is never started twice');
  const command = job.spec!.template.spec!.containers[0]!.command!;
  assert.deepEqual(command.slice(3), coordinatorArgs(SPEC));
  assert.equal(command[3], 'publish');
  assert.equal(argOf(command, '--shards'), '10');
  assert.equal(argOf(command, '--host'), '0.0.0.0');
  assert.equal(argOf(command, '--port'), String(COORDINATOR_PORT));
  assert.equal(argOf(command, '--run-id'), 'run-1');
  assert.equal(argOf(command, '--start-delay'), '1000ms');
  const shardCommand = (files.get('shards-job.json') as Job).spec!.template.spec!.containers[0]!.command!;
  for (const flag of ['--target', '--technique', '--clients', '--rate', '--payload', '--duration', '--warmup'])
    assert.equal(argOf(command, flag), argOf(shardCommand, flag), flag);
});

test('--serve: a server Deployment and Service publishing nothing, and every command pointing at that Service', () => {
  const spec = { ...SPEC, target: null };
  const files = byFile(spec);
  const deployment = files.get('server-deployment.json') as Deployment;
  const service = files.get('server-service.json') as Service;
  assert.deepEqual(service.spec!.selector, deployment.spec!.template.metadata!.labels);
  const serve = deployment.spec!.template.spec!.containers[0]!.command!;
  assert.equal(serve[3], 'serve');
  assert.equal(argOf(serve, '--rate'), '0');
  assert.equal(argOf(shardArgs(spec), '--target'), 'http://bench-server:8080');
  assert.equal(argOf(coordinatorArgs(spec), '--target'), 'http://bench-server:8080');
});

test('quantities: values by hand, and what is not a positive quantity', () => {
  assert.equal(quantityValue('500m'), 0.5);
  assert.equal(quantityValue('2'), 2);
  assert.equal(quantityValue('1Gi'), 1_073_741_824);
  assert.equal(quantityValue('512Mi'), 536_870_912);
  assert.equal(quantityValue('1.5'), 1.5);
  assert.equal(quantityValue('1e3'), 1000);
  assert.equal(quantityValue('2k'), 2000);
  for (const bad of ['abc', '-1', '0', '1XB', '1 Gi', '', '1gi']) assert.equal(quantityValue(bad), null, bad);
});

test('chat: every command carries the workload and room size, and the in-cluster server has a room for each', () => {
  const spec: K8sSpec = { ...SPEC, target: null, workload: 'chat', roomSize: 25 };
  const files = byFile(spec);
  const serve = (files.get('server-deployment.json') as Deployment).spec!.template.spec!.containers[0]!.command!;
  assert.equal(argOf(serve, '--rooms'), '400');
  for (const args of [shardArgs(spec), coordinatorArgs(spec)]) {
    assert.equal(argOf(args, '--workload'), 'chat');
    assert.equal(argOf(args, '--room-size'), '25');
  }
  assert.equal(argOf(shardArgs(SPEC), '--workload'), undefined, 'broadcast commands stay as they were');
});
