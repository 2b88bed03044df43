/**
 * Shards against a target file (docs/shards.md): two shard processes and their coordinator drive
 * real Nginx+Nchan (targets/nchan/target.json, its server started here as a `--target-file` run
 * starts it) with the file's subscription and publish request, and the merge accounts for every
 * message; a merge of shards of different targets, and the unclear or impossible combinations
 * of --shard, --target and --target-file, are bad input (exit 2) naming what was received and
 * what is allowed; `pushbench k8s --target-file` carries the file in a validated ConfigMap.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigError } from '../../core/errors.ts';
import { createLatencyHistogram, encodeHistogram } from '../../core/histogram.ts';
import type { ResultsFile } from '../../core/results.ts';
import { validateShard, type ShardResult } from '../../core/shard.ts';
import { parseRunArgs } from '../../cli/options.ts';
import { k8sSpecFrom } from '../../cli/k8s.ts';
import { liveChildren } from '../../run/children.ts';
import { paramsMismatch, type SharedParams } from '../../run/coordinator.ts';
import { buildManifests, TARGET_FILE_KEY, TARGET_MOUNT } from '../../run/k8s-manifests.ts';
import { mergeShards } from '../../run/shard-merge.ts';
import { cleanup, runLocalShards } from '../../scripts/shards-local.ts';
import { runCli } from '../helpers/cli.ts';
import { skipUnless } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan');
const NCHAN = 'targets/nchan/target.json';
const SOCKET_IO = 'targets/socket.io/target.json';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-shards-targets-'));
after(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

test('2 shards against Nginx+Nchan (its target file): merged delivered = published x 10 clients, none lost, the target named', {
  skip,
}, async () => {
  const out = path.join(dir, 'broadcast');
  const outcome = await runLocalShards(
    { shards: 2, clients: 10, technique: 'websocket', rate: 20, durationMs: 600, warmupMs: 200, out, loopback: false, targetFile: NCHAN },
    () => {},
  );
  const results = readJson<ResultsFile>(path.join(outcome.out, 'results.json'));
  assert.equal(outcome.code, 0, `merge exit ${outcome.code}: ${JSON.stringify(results.shards?.rows)}`);
  const scenario = results.scenarios[0]!;
  assert.equal(scenario.id, 'shards-10@nchan');
  assert.equal(scenario.target?.name, 'nchan');
  assert.equal(scenario.target?.kind, 'file');
  const r = scenario.results.websocket!;
  assert.ok(r.state === 'completed', JSON.stringify(r));
  // 0.6 s at 20 msg/s: 12 publishes due in the window, each accepted by Nchan (201/202), each to all 10 clients.
  assert.equal(r.messages.published, 12);
  assert.equal(r.messages.expected, 12 * 10);
  assert.equal(r.messages.delivered, r.messages.expected);
  assert.equal(r.messages.lost, 0);
  assert.equal(r.messages.unmatched, 0);
  // Each shard wrote the target it measured and the share it drove.
  const shards = [0, 1].map((i) => validateShard(readJson(path.join(out, `shard-${i}.json`)), `shard-${i}.json`));
  assert.deepEqual(
    shards.map((s) => [s.targetInfo?.name, s.targetInfo?.file, s.targetInfo?.server, s.clients]),
    [
      ['nchan', NCHAN, 'running', { from: 0, to: 5 }],
      ['nchan', NCHAN, 'running', { from: 5, to: 10 }],
    ],
  );
  assert.equal(
    r.bytes.down,
    shards.reduce((n, s) => n + s.generators.reduce((m, g) => m + g.bytes.down, 0), 0),
  );
  // Nchan's server, started by the script, is stopped: no process of ours is left.
  assert.equal(liveChildren(), 0);
});

test('chat in 2 shards against Nchan over WebSocket (publishFrame), whole rooms per shard: delivered = expected', { skip }, async () => {
  const out = path.join(dir, 'chat');
  const outcome = await runLocalShards(
    {
      shards: 2,
      clients: 8,
      roomSize: 2,
      technique: 'websocket',
      rate: 5,
      durationMs: 600,
      warmupMs: 200,
      out,
      loopback: false,
      targetFile: NCHAN,
    },
    () => {},
  );
  const results = readJson<ResultsFile>(path.join(outcome.out, 'results.json'));
  assert.equal(outcome.code, 0, `merge exit ${outcome.code}: ${JSON.stringify(results.shards?.rows)}`);
  const r = results.scenarios[0]!.results.websocket!;
  assert.ok(r.state === 'completed', JSON.stringify(r));
  // Every client publishes to its room of 2: each accepted frame reaches both members.
  assert.ok(r.messages.published > 0);
  assert.equal(r.messages.expected, r.messages.published * 2);
  assert.equal(r.messages.delivered, r.messages.expected);
  // Shard 0 holds rooms 0 and 1, shard 1 rooms 2 and 3: each counted only its own rooms' publishes.
  const rooms = [0, 1].map((i) =>
    Object.keys(
      Object.assign({}, ...readJson<ShardResult>(path.join(out, `shard-${i}.json`)).generators.map((g) => g.accepted ?? {})),
    ).sort(),
  );
  assert.deepEqual(rooms, [
    ['0', '1'],
    ['2', '3'],
  ]);
});

/** A shard result of `target` (null: a pushbench server), with one generator that received nothing. */
function shardOf(index: number, target: { name: string; file: string } | null): ShardResult {
  const empty = encodeHistogram(createLatencyHistogram());
  return {
    kind: 'pushbench-shard',
    version: 1,
    runId: 'run-t',
    shard: { index, count: 2 },
    technique: 'websocket',
    params: {
      workload: 'broadcast',
      clients: 4,
      rate: 1,
      payloadBytes: 64,
      messageBytes: 99,
      intervalMs: 1000,
      holdMs: 30_000,
      durationMs: 1000,
      warmupMs: 0,
      headers: 'minimal',
      roomSize: 10,
      target: 'http://127.0.0.1:1',
    },
    clients: { from: index * 2, to: index * 2 + 2 },
    target: 'http://127.0.0.1:1',
    ...(target === null
      ? {}
      : {
          targetInfo: { name: target.name, kind: 'file' as const, file: target.file, description: target.name, server: 'running' as const },
        }),
    coordinator: 'http://127.0.0.1:2',
    state: 'completed',
    clock: {
      before: { offsetMicros: 0, boundMicros: 10, rttMicros: 20, samples: 32, atMicros: 0 },
      after: null,
      appliedOffsetMicros: 0,
      boundMicros: 10,
      driftMicrosPerSecond: 0,
    },
    window: { startT: 0, endT: 1e6, beginAt: 0, lateMicros: -1000 },
    published: { sent: 0, accepted: 0, refused: 0 },
    generators: [
      {
        counts: {
          delivered: 0,
          duplicated: 0,
          outOfOrder: 0,
          receivedInWindow: 0,
          payloadInWindow: 0,
          unmatched: 0,
          stale: 0,
          arrivalSpreadMicros: 0,
          latencySeqs: {},
        },
        histogram: empty,
        publishLateness: empty,
        bytes: { up: 0, down: 0 },
        windowMicros: 1e6,
        requests: { total: 0, empty: 0, late: 0 },
        sent: 0,
        sentPayload: 0,
        errors: { count: 0, first: [] },
        responseHead: null,
        session: null,
      },
    ],
    clientTotals: [null],
    busiestGeneratorCpuPercent: null,
    environment: { node: 'v20', os: 'Linux', platform: 'linux', arch: 'x64', cpuModel: 'cpu', cores: 2, memoryBytes: 1, gitCommit: null },
    host: `pod-${index}`,
    startedAt: '2026-12-07T00:00:00.000Z',
  };
}

test('merge refuses shards of different targets (exit 2), naming both', async () => {
  const nchan = shardOf(0, { name: 'nchan', file: NCHAN });
  const sio = shardOf(1, { name: 'socket.io', file: SOCKET_IO });
  // The schema takes the target and a generator's session field.
  assert.doesNotThrow(() => validateShard(JSON.parse(JSON.stringify(sio)), 'sio'));
  assert.throws(
    () => mergeShards([nchan, sio], ['a.json', 'b.json'], { maxClockBoundMs: 5, command: 't' }),
    (error: Error) =>
      error instanceof ConfigError &&
      error.message ===
        'b.json measured target socket.io (targets/socket.io/target.json), a.json target nchan (targets/nchan/target.json): shards of different targets cannot be merged; allowed: shards of one target, one run',
  );
  // A target file's shards against shards of a pushbench server (written before target files: no targetInfo).
  assert.throws(
    () => mergeShards([shardOf(0, null), sio], ['a.json', 'b.json'], { maxClockBoundMs: 5, command: 't' }),
    /b\.json measured target socket\.io .*, a\.json target url: shards of different targets/,
  );
  const a = path.join(dir, 'a.json');
  const b = path.join(dir, 'b.json');
  fs.writeFileSync(a, JSON.stringify(nchan));
  fs.writeFileSync(b, JSON.stringify(sio));
  const merged = await runCli(['merge', a, b, '--out', path.join(dir, 'never')], { timeoutMs: 60_000 });
  assert.equal(merged.code, 2);
  assert.match(merged.stderr, /shards of different targets cannot be merged/);
});

test('the coordinator refuses a shard of another target at /ready', () => {
  const mine: SharedParams = {
    technique: 'websocket',
    clients: 4,
    rate: 1,
    payloadBytes: 64,
    durationMs: 1000,
    warmupMs: 0,
    workload: 'broadcast',
    roomSize: 4,
    target: 'nchan',
  };
  assert.equal(paramsMismatch(mine, { ...mine, target: 'url' }), 'target: the coordinator has "nchan", the shard "url"');
  assert.equal(paramsMismatch(mine, { ...mine }), null);
});

const SHARD = ['--shard', '0/2', '--coordinator', 'http://127.0.0.1:2'];

/** Asserts that `argv` is bad input (ConfigError: exit 2) with a message matching `pattern`. */
function refused(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseRunArgs(argv),
    (error: Error) => error instanceof ConfigError && pattern.test(error.message),
  );
}

test('run --shard --target-file: the server where it runs, or bad input (exit 2) naming the values received and allowed', () => {
  // A file that starts its own server ({port}): the shard needs --target URL, where the user runs it.
  const config = parseRunArgs([...SHARD, '--target-file', NCHAN, '--target', 'http://127.0.0.1:8080', '--technique', 'sse']);
  assert.equal(config.targets[0]!.name, 'nchan');
  assert.equal(config.targets[0]!.origin, 'http://127.0.0.1:8080');
  assert.equal(config.targets[0]!.server.kind, 'running');
  refused(
    [...SHARD, '--target-file', NCHAN, '--technique', 'sse'],
    /^--shard 0\/2 with target file "targets\/nchan\/target\.json": its origin "http:\/\/127\.0\.0\.1:\{port\}" is a port pushbench picks .*; allowed: start it yourself .* pass its origin with --target URL/,
  );
  refused(
    [...SHARD, '--target-file', SOCKET_IO, '--target', 'http://127.0.0.1:8080', '--technique', 'sse'],
    /invalid --technique: received "sse", which target file "targets\/socket\.io\/target\.json" does not offer; it offers longpoll, websocket/,
  );
  refused(
    [...SHARD, '--target-file', 'builtin', '--technique', 'sse'],
    /received --target-file "builtin", which starts pushbench's own servers on this host; allowed: a target file of a server that runs elsewhere, or a pushbench server at --target URL/,
  );
  refused(
    [...SHARD, '--target-file', `${NCHAN},${SOCKET_IO}`, '--target', 'http://127.0.0.1:8080', '--technique', 'websocket'],
    /--shard 0\/2 measures one target: received --target-file "targets\/nchan\/target\.json,targets\/socket\.io\/target\.json"; allowed: one target file/,
  );
  refused(
    [...SHARD, '--target-file', NCHAN, '--target', 'http://127.0.0.1:8080', '--technique', 'sse', '--wire', 'https'],
    /--shard 0\/2 measures on the http wire: received --wire https; allowed: http/,
  );
  refused([...SHARD, '--technique', 'sse'], /needs --target URL \(a running pushbench server.*\) or --target-file FILE/);
  // Without --shard, --target and --target-file stay exclusive: a normal run starts the file's server itself.
  refused(['--target-file', NCHAN, '--target', 'http://127.0.0.1:8080'], /--target and --target-file cannot be combined/);
});

test('a target file with a fixed origin is reached there; chat needs what the file offers for it', () => {
  const file = path.join(dir, 'own.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: 'own',
      origin: 'http://127.0.0.1:9',
      publish: { method: 'POST', path: '/pub/{room}', body: '{message}', accepted: [200] },
      techniques: { websocket: { path: '/ws/{room}', cursor: { kind: 'none' } }, sse: { path: '/sse/{room}', cursor: { kind: 'none' } } },
    }),
  );
  const config = parseRunArgs([...SHARD, '--target-file', file, '--technique', 'sse']);
  assert.equal(config.targets[0]!.origin, 'http://127.0.0.1:9');
  // --target overrides the fixed origin (the server moved).
  assert.equal(
    parseRunArgs([...SHARD, '--target-file', file, '--target', 'http://127.0.0.1:10', '--technique', 'sse']).targets[0]!.origin,
    'http://127.0.0.1:10',
  );
  // Chat over SSE publishes with the file's publish request; over WebSocket it needs a publishFrame, which this file lacks.
  assert.doesNotThrow(() =>
    parseRunArgs([...SHARD, '--target-file', file, '--technique', 'sse', '--clients', '4', '--workload', 'chat', '--room-size', '2']),
  );
  refused(
    [...SHARD, '--target-file', file, '--technique', 'websocket', '--clients', '4', '--workload', 'chat', '--room-size', '2'],
    /invalid --workload: received "chat" with target file .*: target own offers no chat over websocket: techniques\.websocket has no publishFrame/,
  );
});

test('publish and k8s with a target file: bad combinations exit 2', async () => {
  const publish = await runCli(
    ['publish', '--target-file', SOCKET_IO, '--target', 'http://127.0.0.1:1', '--shards', '2', '--technique', 'sse', '--clients', '4'],
    { timeoutMs: 60_000 },
  );
  assert.equal(publish.code, 2);
  assert.match(
    publish.stderr,
    /invalid --technique: received "sse", which target file "targets\/socket\.io\/target\.json" does not offer; it offers longpoll, websocket/,
  );
  const k8s = ['--shards', '2', '--technique', 'websocket', '--clients', '4'];
  const k8sRefused = (argv: string[], pattern: RegExp): void =>
    assert.throws(
      () => k8sSpecFrom([...k8s, ...argv]),
      (error: Error) => error instanceof ConfigError && pattern.test(error.message),
    );
  k8sRefused(['--target-file', NCHAN], /its origin "http:\/\/127\.0\.0\.1:\{port\}" is a port pushbench picks/);
  k8sRefused(['--target-file', NCHAN, '--target', 'http://127.0.0.1:8080', '--allow-remote'], /in a pod, 127\.0\.0\.1 is the pod itself/);
  k8sRefused(['--target-file', NCHAN, '--target', 'http://10.0.0.5:8080'], /without --allow-remote/);
  k8sRefused(['--target-file', NCHAN, '--serve'], /--target-file "targets\/nchan\/target\.json" or --serve, not both/);
  // A file with a fixed loopback origin: in a pod that is the pod itself.
  const fixed = path.join(dir, 'fixed.json');
  fs.writeFileSync(fixed, JSON.stringify({ ...readJson<Record<string, unknown>>(NCHAN), origin: 'http://127.0.0.1:9', server: undefined }));
  k8sRefused(
    ['--target-file', fixed, '--allow-remote'],
    /^invalid origin of target file ".*fixed\.json": received "http:\/\/127\.0\.0\.1:9"; in a pod, 127\.0\.0\.1 is the pod itself/,
  );
});

test("k8s --target-file: a ConfigMap with the file, mounted where the pods' --target-file names it; every manifest validates", () => {
  const parsed = k8sSpecFrom([
    '--shards',
    '2',
    '--technique',
    'websocket',
    '--clients',
    '4',
    '--target-file',
    NCHAN,
    '--target',
    'http://10.0.0.5:8080',
    '--allow-remote',
    '--run-id',
    'r1',
  ]);
  assert.ok(parsed !== 'help');
  const files = buildManifests(parsed.spec);
  assert.deepEqual(
    files.map((f) => f.file),
    ['target-configmap.json', 'coordinator-job.json', 'coordinator-service.json', 'shards-job.json'],
  );
  const json = new Map(files.map((f) => [f.file, JSON.parse(JSON.stringify(f.object.toJSON())) as Record<string, unknown>]));
  const configMap = new ConfigMap(json.get('target-configmap.json') as unknown as ConfigMap);
  configMap.validate();
  assert.equal(configMap.data![TARGET_FILE_KEY], fs.readFileSync(NCHAN, 'utf8'));
  for (const name of ['coordinator-job.json', 'shards-job.json']) {
    const job = new Job(json.get(name) as unknown as Job);
    job.validate();
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    const command = container.command!.join(' ');
    assert.ok(command.includes(`--target-file ${TARGET_MOUNT}/${TARGET_FILE_KEY} --target http://10.0.0.5:8080`), command);
    assert.deepEqual(container.volumeMounts, [{ name: 'target', mountPath: TARGET_MOUNT, readOnly: true }]);
    assert.deepEqual(pod.volumes, [{ name: 'target', configMap: { name: configMap.metadata!.name } }]);
    // Nchan answers GET / with 404: the init container takes any HTTP answer from a target file's server.
    assert.ok(pod.initContainers![0]!.env!.some((e) => e.name === 'WAIT_ANY_STATUS' && e.value === '1'));
  }
  // The shard command as written parses as a shard of that target (the mount path stands for the file here).
  const shardCommand = (json.get('shards-job.json') as { spec: { template: { spec: { containers: Array<{ command: string[] }> } } } }).spec
    .template.spec.containers[0]!.command;
  const args = shardCommand.slice(shardCommand.indexOf('run') + 1).map((w) => (w === `${TARGET_MOUNT}/${TARGET_FILE_KEY}` ? NCHAN : w));
  const config = parseRunArgs(args.map((w) => (w === 'auto/2' ? '1/2' : w)));
  assert.equal(config.targets[0]!.name, 'nchan');
  assert.equal(config.targets[0]!.origin, 'http://10.0.0.5:8080');
});
