/**
 * The pods of `pushbench k8s`, run here: every container command is taken from the manifests
 * as written (the image's pushbench command swapped for this checkout's bin), with the Service
 * names mapped to loopback ports, each shard pod with the JOB_COMPLETION_INDEX Kubernetes
 * gives it and its init container first; all pods start at once, in no order, as in a cluster.
 * Each pod's stdout and stderr lines are its log (what `kubectl logs` returns); the merge is the
 * printed merge command. Then the same with a shard pod killed (SIGKILL) in the middle of the
 * window: its share is named as unmeasured, not lost, and nothing hangs. And with a target file:
 * the pods read it where the ConfigMap is mounted (here: the file itself, whose text the
 * ConfigMap holds) and drive real Nginx+Nchan, started by the test as the user would run it.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { Job } from 'kubernetes-models/batch/v1/Job';
import type { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { nowMicros } from '../../core/protocol.ts';
import type { ResultsFile } from '../../core/results.ts';
import {
  buildManifests,
  COORDINATOR_PORT,
  DEFAULT_IMAGE,
  k8sCommands,
  SERVER_PORT,
  TARGET_FILE_KEY,
  TARGET_MOUNT,
  type K8sSpec,
} from '../../run/k8s-manifests.ts';
import type { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { loadTarget } from '../../run/targets.ts';
import { TargetServer } from '../../run/target-server.ts';
import { BIN } from '../helpers/cli.ts';
import { skipUnless } from '../helpers/targets.ts';

const NCHAN = 'targets/nchan/target.json';
const skipNchan = skipUnless(
  ['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'],
  'apt-get install nginx libnginx-mod-nchan',
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-k8s-pods-'));
const started: ChildProcess[] = [];
after(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function spec(name: string, durationMs: number, workload: 'broadcast' | 'chat' = 'broadcast'): K8sSpec {
  return {
    name,
    shards: 2,
    target: null,
    technique: 'websocket',
    clients: workload === 'chat' ? 8 : 6,
    workload,
    roomSize: 2,
    rate: 20,
    payloadBytes: 64,
    durationMs,
    warmupMs: 200,
    generators: 1,
    image: DEFAULT_IMAGE,
    // What --exec does for an image with pushbench installed; here, this checkout.
    exec: [process.execPath, BIN],
    cpu: '1',
    memory: '1Gi',
    antiAffinity: 'none',
    runId: `${name}-run`,
    readyTimeoutMs: 30_000,
    startDelayMs: 300,
  };
}

/** A pod here: its init containers in turn, then its container; its log is its lines, stdout and stderr, as they came. */
class Pod {
  log = '';
  child: ChildProcess | null = null;
  readonly done: Promise<number | null>;
  constructor(
    readonly containers: { init: IContainer[]; main: IContainer },
    private readonly rewrite: (word: string) => string,
    private readonly env: Record<string, string> = {},
  ) {
    this.done = this.run();
  }

  private async run(): Promise<number | null> {
    for (const c of this.containers.init) {
      const code = await this.start(c);
      if (code !== 0) return code;
    }
    return this.start(this.containers.main);
  }

  private start(container: IContainer): Promise<number | null> {
    const [command, ...args] = container.command!.map(this.rewrite);
    const env = {
      ...process.env,
      ...this.env,
      ...Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
    };
    const child = spawn(command === 'node' ? process.execPath : command!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    this.child = child;
    // One buffer per stream, whole lines into the log: the runtime records each stream line by line.
    for (const stream of [child.stdout!, child.stderr!]) {
      let pending = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const end = pending.lastIndexOf('\n');
        if (end === -1) return;
        this.log += pending.slice(0, end + 1);
        pending = pending.slice(end + 1);
      });
      stream.on('end', () => void (this.log += pending));
    }
    return new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }
}

/** Starts the pods of the manifests of `s` at once; returns them and the cluster-to-loopback mapping. */
async function startPods(s: K8sSpec): Promise<{
  server: Pod | null;
  coordinator: Pod;
  shards: Pod[];
  coordinatorUrl: string;
  rewrite: (w: string) => string;
  files: Map<string, unknown>;
}> {
  const serverPort = await freePort();
  const coordinatorPort = await freePort();
  const names = { server: `${s.name}-server:${SERVER_PORT}`, coordinator: `${s.name}-coordinator:${COORDINATOR_PORT}` };
  let previous = '';
  const rewrite = (word: string): string => {
    // A port flag's value is the Service port inside the pod; here each pod needs its own.
    const out =
      previous === '--port'
        ? word === String(SERVER_PORT)
          ? String(serverPort)
          : String(coordinatorPort)
        : word
            .replaceAll(names.server, `127.0.0.1:${serverPort}`)
            .replaceAll(names.coordinator, `127.0.0.1:${coordinatorPort}`)
            .replace(/^0\.0\.0\.0$/, '127.0.0.1')
            // The target file's ConfigMap mount: here the file its text came from.
            .replace(`${TARGET_MOUNT}/${TARGET_FILE_KEY}`, path.resolve(NCHAN));
    previous = word;
    return out;
  };
  const files = new Map(buildManifests(s).map((f) => [f.file, f.object]));
  const podOf = (template: { spec?: { initContainers?: IContainer[]; containers: IContainer[] } }) => ({
    init: template.spec!.initContainers ?? [],
    main: template.spec!.containers[0]!,
  });
  const deployment = files.get('server-deployment.json') as Deployment | undefined;
  const server = deployment === undefined ? null : new Pod(podOf(deployment.spec!.template), rewrite);
  const coordinator = new Pod(podOf((files.get('coordinator-job.json') as Job).spec!.template), rewrite);
  const shardTemplate = podOf((files.get('shards-job.json') as Job).spec!.template);
  // The Job controller gives pod I the index I (the manifest's fieldRef reads it from the pod's annotation).
  const shards = Array.from({ length: s.shards }, (_, i) => new Pod(shardTemplate, rewrite, { JOB_COMPLETION_INDEX: String(i) }));
  return { server, coordinator, shards, coordinatorUrl: `http://127.0.0.1:${coordinatorPort}`, rewrite, files };
}

/** Runs the printed merge command over the collected log, in `cwd`. */
function merge(s: K8sSpec, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = k8sCommands(s, 'manifests')
    .find((c) => c.command.startsWith('pushbench merge'))!
    .command.split(' ');
  assert.deepEqual(command.slice(0, 3), ['pushbench', 'merge', `${s.name}-shards.log`]);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...command.slice(1)], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function stop(pod: Pod | null): Promise<number | null> {
  pod?.child?.kill('SIGTERM');
  return pod?.done ?? Promise.resolve(null);
}

test("the manifests' pods, run here: 2 shard pods with their index from the environment, merged from their logs, delivered = expected", async () => {
  const s = spec('pods', 800);
  const { server, coordinator, shards } = await startPods(s);
  const codes = await Promise.all(shards.map((p) => p.done));
  assert.deepEqual(codes, [0, 0], shards.map((p) => p.log).join('\n'));
  assert.equal(await coordinator.done, 0, 'the coordinator ends by itself once every shard fetched the count');
  await stop(server);
  const cwd = path.join(dir, 'ok');
  fs.mkdirSync(cwd);
  fs.writeFileSync(path.join(cwd, `${s.name}-shards.log`), shards.map((p) => p.log).join(''));
  // The init container said the coordinator and the server were up before the shard began.
  assert.match(shards[0]!.log, /up: http:\/\/127\.0\.0\.1:\d+\/\nup: http:\/\/127\.0\.0\.1:\d+\//);
  const merged = await merge(s, cwd);
  assert.equal(merged.code, 0, merged.stderr);
  const results = JSON.parse(fs.readFileSync(path.join(cwd, 'results', s.name, 'results.json'), 'utf8')) as ResultsFile;
  const r = results.scenarios[0]!.results.websocket!;
  assert.ok(r.state === 'completed');
  assert.ok(r.messages.published > 0);
  assert.equal(r.messages.expected, r.messages.published * 6);
  assert.equal(r.messages.delivered, r.messages.expected);
  assert.equal(results.shards!.runId, 'pods-run');
  assert.deepEqual(
    results.shards!.rows.map((row) => [row.index, row.status, row.clients]),
    [
      [0, 'merged', 3],
      [1, 'merged', 3],
    ],
  );
});

test('a shard pod killed in the middle of the window: its share is named as unmeasured, not lost, and nothing hangs', async () => {
  const s = spec('killed', 1500);
  const { server, coordinator, shards, coordinatorUrl } = await startPods(s);
  // The window on the coordinator's clock, which on one host is this process's monotonic clock too.
  let plan: { startT: number; endT: number } | null = null;
  while (plan === null) {
    const state = (await fetch(`${coordinatorUrl}/`).then(
      (r) => r.json(),
      () => ({ plan: null }),
    )) as { plan: { startT: number; endT: number } | null };
    plan = state.plan;
    if (plan === null) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const middle = (plan.startT + plan.endT) / 2;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (middle - nowMicros()) / 1000)));
  const victim = shards[1]!.child!;
  const generatorPids = fs
    .readFileSync(`/proc/${victim.pid}/task/${victim.pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  assert.ok(generatorPids.length >= 1, 'the shard runs its clients in generator processes');
  assert.ok(nowMicros() < plan.endT, 'killed before the window ended');
  victim.kill('SIGKILL');
  assert.equal(await shards[1]!.done, null);
  assert.equal(await shards[0]!.done, 0, shards[0]!.log);
  // The coordinator would wait --linger for the dead shard to fetch the count; stopped, it ends.
  assert.equal(await stop(coordinator), 0);
  await stop(server);
  // A generator whose shard died notices the closed IPC channel and exits: no process outlives its pod.
  for (const pid of generatorPids) {
    while (fs.existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')))
      await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const cwd = path.join(dir, 'killed');
  fs.mkdirSync(cwd);
  assert.ok(!shards[1]!.log.includes('"kind":"pushbench-shard"'), 'the dead pod printed no result');
  fs.writeFileSync(path.join(cwd, `${s.name}-shards.log`), shards.map((p) => p.log).join(''));
  const merged = await merge(s, cwd);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /1 of 2 shards merged, covering 3 of 6 clients/);
  assert.match(
    merged.stdout,
    /shard 1 not merged: no result given \(the pod died, or its log was not collected\); its 3 clients are unmeasured, not lost/,
  );
  const results = JSON.parse(fs.readFileSync(path.join(cwd, 'results', s.name, 'results.json'), 'utf8')) as ResultsFile;
  const r = results.scenarios[0]!.results.websocket!;
  assert.ok(r.state === 'completed');
  // The figures cover shard 0's 3 clients: nothing of shard 1's share counts as lost.
  assert.equal(r.messages.expected, r.messages.published * 3);
  assert.equal(r.messages.lost, 0);
  assert.equal(r.messages.delivered, r.messages.expected);
  assert.deepEqual(
    results.shards!.rows.map((row) => [row.index, row.status]),
    [
      [0, 'merged'],
      [1, 'missing'],
    ],
  );
  assert.equal(results.shards!.clientsCovered, 3);
});

test('chat in shards: whole rooms per shard pod, the clients publish, latencies read on one clock (no correction, no bound), delivered = expected', async () => {
  const s = spec('chat', 800, 'chat');
  const { server, coordinator, shards } = await startPods(s);
  const codes = await Promise.all(shards.map((p) => p.done));
  assert.deepEqual(codes, [0, 0], shards.map((p) => p.log).join('\n'));
  assert.equal(await coordinator.done, 0);
  await stop(server);
  const cwd = path.join(dir, 'chat');
  fs.mkdirSync(cwd);
  fs.writeFileSync(path.join(cwd, `${s.name}-shards.log`), shards.map((p) => p.log).join(''));
  const merged = await merge(s, cwd);
  assert.equal(merged.code, 0, `${merged.stdout}\n${merged.stderr}\n${shards.map((p) => p.log).join('')}`.slice(0, 6000));
  assert.match(
    merged.stdout,
    /chat: each room lies within one shard, so every latency is read on one host's clock \(self-echo\) and needs no correction/,
  );
  const results = JSON.parse(fs.readFileSync(path.join(cwd, 'results', s.name, 'results.json'), 'utf8')) as ResultsFile;
  const scenario = results.scenarios[0]!;
  assert.equal(scenario.clockBoundMs, undefined, 'no clock bound on latencies read on one clock');
  assert.match(scenario.description, /self-echo/);
  const r = scenario.results.websocket!;
  assert.ok(r.state === 'completed');
  // 8 clients in 4 rooms of 2, 2 rooms per shard: every accepted publish reaches both members of its room.
  assert.ok(r.messages.published > 0);
  assert.equal(r.messages.expected, r.messages.published * 2);
  assert.equal(r.messages.delivered, r.messages.expected);
  const shardFiles = shards.map(
    (p) =>
      JSON.parse(p.log.split('\n').find((line) => line.startsWith('{"kind":"pushbench-shard"'))!) as {
        clients: { from: number; to: number };
        generators: Array<{ accepted?: Record<string, number> }>;
      },
  );
  assert.deepEqual(
    shardFiles.map((f) => f.clients),
    [
      { from: 0, to: 4 },
      { from: 4, to: 8 },
    ],
  );
  assert.deepEqual(
    shardFiles.map((f) => Object.keys(f.generators[0]!.accepted ?? {}).sort()),
    [
      ['0', '1'],
      ['2', '3'],
    ],
    'each shard published to its own rooms only',
  );
  assert.deepEqual(
    results.shards!.rows.map((row) => [row.status, row.delivered === row.expected]),
    [
      ['merged', true],
      ['merged', true],
    ],
  );
});

test('with a target file: the pods read it from the ConfigMap mount and drive real Nginx+Nchan, merged delivered = expected', {
  skip: skipNchan,
}, async () => {
  const nchan = loadTarget(NCHAN, (f) => fs.readFileSync(f, 'utf8'));
  assert.ok(nchan.server.kind === 'command');
  // The user's server, run outside the manifests: here Nchan from its own file's command, on loopback.
  const target = await TargetServer.start(nchan.server.command, nchan.origin!, nchan.name);
  try {
    const text = fs.readFileSync(NCHAN, 'utf8');
    const s: K8sSpec = { ...spec('target', 800), target: target.origin, targetFile: { name: nchan.name, text } };
    const { coordinator, shards, files } = await startPods(s);
    assert.equal((files.get('target-configmap.json') as ConfigMap).data![TARGET_FILE_KEY], text);
    const codes = await Promise.all(shards.map((p) => p.done));
    assert.deepEqual(codes, [0, 0], shards.map((p) => p.log).join('\n'));
    assert.equal(await coordinator.done, 0, coordinator.log);
    // Nchan answers GET / with 404: the init containers took it as up (WAIT_ANY_STATUS).
    assert.ok(shards[0]!.log.includes(`up: ${target.origin}/`), shards[0]!.log);
    const cwd = path.join(dir, 'target');
    fs.mkdirSync(cwd);
    fs.writeFileSync(path.join(cwd, `${s.name}-shards.log`), shards.map((p) => p.log).join(''));
    const merged = await merge(s, cwd);
    assert.equal(merged.code, 0, merged.stderr);
    const results = JSON.parse(fs.readFileSync(path.join(cwd, 'results', s.name, 'results.json'), 'utf8')) as ResultsFile;
    const scenario = results.scenarios[0]!;
    assert.equal(scenario.id, 'shards-6@nchan');
    const r = scenario.results.websocket!;
    assert.ok(r.state === 'completed');
    assert.ok(r.messages.published > 0);
    assert.equal(r.messages.expected, r.messages.published * 6);
    assert.equal(r.messages.delivered, r.messages.expected);
  } finally {
    await target.close();
  }
});
