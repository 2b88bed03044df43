/**
 * `npm run shards:local`: a run measured in N shards on "separate hosts" on this machine. Each
 * shard runs as its own process in its own network namespace with its own address and the
 * environment a Kubernetes pod gets (JOB_COMPLETION_INDEX, --shard auto/N), the server and the
 * coordinator in another namespace, all joined by a bridge in a namespace of their own (nothing
 * of the host's network is touched). Without `ip netns` (not root) it falls back to processes on
 * 127.0.0.x and says so. Then it merges the shards. Namespaces are removed in every case.
 *
 *   npm run shards:local -- --shards 4 --clients 400 --technique websocket --rate 20 --duration 5s
 *
 * With `--target-file FILE` the server measured is that target's (Nginx+Nchan, Socket.IO, ...):
 * started here from the file's server command, as a `--target-file` run starts it, on loopback
 * (the bundled files bind 127.0.0.1), or, for a file without a server section, the one running
 * at its origin; the coordinator and the shards are then processes on this host, given the file
 * and the server's origin (--target-file FILE --target URL), as on separate hosts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTarget } from '../run/targets.ts';
import { TargetServer } from '../run/target-server.ts';

const BIN = fileURLToPath(new URL('../cli/pushbench.js', import.meta.url));
const PREFIX = `pbs${process.pid % 10000}`;
const SUBNET = '10.213.0';

/** Whether network namespaces can be made here (root with iproute2). */
export function netnsAvailable(): boolean {
  try {
    execFileSync('ip', ['netns', 'add', `${PREFIX}-probe`], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', `${PREFIX}-probe`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Namespaces made by this process, removed by cleanup(). */
const made: string[] = [];

/** Makes namespace `name` with address `address`/24 on the bridge of the switch namespace. */
function addHost(name: string, address: string): void {
  const ns = `${PREFIX}-${name}`;
  ip('netns', 'add', ns);
  made.push(ns);
  ip('link', 'add', `${PREFIX}v${name}`, 'type', 'veth', 'peer', 'name', `${PREFIX}p${name}`);
  ip('link', 'set', `${PREFIX}v${name}`, 'netns', ns);
  ip('link', 'set', `${PREFIX}p${name}`, 'netns', `${PREFIX}-sw`);
  ip('netns', 'exec', `${PREFIX}-sw`, 'ip', 'link', 'set', `${PREFIX}p${name}`, 'master', 'br0', 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/24`, 'dev', `${PREFIX}v${name}`);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', `${PREFIX}v${name}`, 'up');
  ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
}

/** Removes every namespace this process made (their veth ends go with them). */
export function cleanup(): void {
  for (const ns of made.splice(0).reverse()) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // Already gone.
    }
  }
}

interface Plan {
  shards: number;
  clients: number;
  technique: string;
  rate: number;
  durationMs: number;
  warmupMs: number;
  out: string;
  /** Chat: rooms of this many clients, each within one shard; absent: broadcast. */
  roomSize?: number;
  /** Force the 127.0.0.x fallback. */
  loopback: boolean;
  /** A target file: its server (started here when the file says how) instead of pushbench serve. */
  targetFile?: string;
}

/** Spawns `pushbench ARGS` (inside namespace `ns` when given) and returns it with its first stdout line. */
function pushbench(
  ns: string | null,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; firstLine: Promise<string>; stdout: () => string; stderr: () => string } {
  const command = ns === null ? process.execPath : 'ip';
  const argv = ns === null ? [BIN, ...args] : ['netns', 'exec', ns, process.execPath, BIN, ...args];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let resolveLine!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (resolveLine = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const nl = out.indexOf('\n');
    if (nl !== -1) resolveLine(out.slice(0, nl));
  });
  child.stderr!.on('data', (chunk: Buffer) => void (err += chunk.toString()));
  child.on('exit', () => resolveLine(''));
  return { child, firstLine, stdout: () => out, stderr: () => err };
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code ?? 1))));
}

/** Runs the whole thing; returns the merge's exit code and where the results are, and whether namespaces were used. */
export async function runLocalShards(
  plan: Plan,
  log: (line: string) => void = (l) => void process.stderr.write(`${l}\n`),
): Promise<{ code: number; netns: boolean; out: string; wallMs: number }> {
  const started = Date.now();
  // A target file's server listens on loopback (the bundled files bind 127.0.0.1): no namespace reaches it.
  const netns = !plan.loopback && plan.targetFile === undefined && netnsAvailable();
  const children: ChildProcess[] = [];
  let targetServer: TargetServer | null = null;
  mkdirSync(plan.out, { recursive: true });
  try {
    let serverHost = '127.0.0.1';
    const shardHost = (i: number): string => (netns ? `${SUBNET}.${10 + i}` : `127.0.1.${10 + i}`);
    if (netns) {
      ip('netns', 'add', `${PREFIX}-sw`);
      made.push(`${PREFIX}-sw`);
      ip('netns', 'exec', `${PREFIX}-sw`, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
      ip('netns', 'exec', `${PREFIX}-sw`, 'ip', 'link', 'set', 'br0', 'up');
      serverHost = `${SUBNET}.2`;
      addHost('srv', serverHost);
      for (let i = 0; i < plan.shards; i++) addHost(`s${i}`, shardHost(i));
      log(
        `shards:local: ${plan.shards} shards, each in its own network namespace (${shardHost(0)}..${shardHost(plan.shards - 1)}), server and coordinator in another (${serverHost})`,
      );
    } else if (plan.targetFile !== undefined) {
      log(`shards:local: target file ${plan.targetFile}: its server on loopback, ${plan.shards} shard processes on this host`);
    } else {
      log(
        `shards:local: network namespaces unavailable (ip netns needs root): falling back to ${plan.shards} shard processes on 127.0.1.x on this host`,
      );
    }
    const serverNs = netns ? `${PREFIX}-srv` : null;
    const chat = plan.roomSize === undefined ? [] : ['--workload', 'chat', '--room-size', String(plan.roomSize)];
    const rooms = plan.roomSize === undefined ? [] : ['--rooms', String(Math.ceil(plan.clients / plan.roomSize))];
    let target: string;
    let serve: ReturnType<typeof pushbench> | null = null;
    if (plan.targetFile === undefined) {
      serve = pushbench(serverNs, ['serve', '--rate', '0', ...rooms, '--host', serverHost, '--port', '0']);
      children.push(serve.child);
      target = (JSON.parse(await serve.firstLine) as { url: string }).url;
    } else {
      const file = loadTarget(plan.targetFile, (f) => readFileSync(f, 'utf8'));
      if (file.server.kind === 'command') {
        targetServer = await TargetServer.start(file.server.command, file.origin!, file.name);
        target = targetServer.origin;
        log(`shards:local: started the server of target ${file.name} at ${target} (pid ${targetServer.pid})`);
      } else target = file.origin!;
    }
    const targetArgs = plan.targetFile === undefined ? ['--target', target] : ['--target-file', plan.targetFile, '--target', target];
    const common = [
      '--technique',
      plan.technique,
      '--clients',
      String(plan.clients),
      '--rate',
      String(plan.rate),
      '--duration',
      `${plan.durationMs}ms`,
      '--warmup',
      `${plan.warmupMs}ms`,
      ...chat,
    ];
    const publish = pushbench(serverNs, [
      'publish',
      ...targetArgs,
      '--shards',
      String(plan.shards),
      ...common,
      '--host',
      serverHost,
      '--port',
      '0',
      '--linger',
      '10s',
      '--allow-remote',
    ]);
    children.push(publish.child);
    const coordinatorLine = await publish.firstLine;
    if (coordinatorLine === '') throw new Error(`pushbench publish did not start: ${publish.stderr()}`);
    const coordinator = (JSON.parse(coordinatorLine) as { coordinator: string }).coordinator;
    const shards = Array.from({ length: plan.shards }, (_, i) => {
      // What a pod of the Indexed Job gets: its index in the environment, the same arguments for all.
      const shard = pushbench(
        netns ? `${PREFIX}-s${i}` : null,
        [
          'run',
          '--shard',
          `auto/${plan.shards}`,
          '--coordinator',
          coordinator,
          ...targetArgs,
          ...common,
          '--headers',
          'minimal',
          '--out',
          plan.out,
          '--allow-remote',
        ],
        { JOB_COMPLETION_INDEX: String(i) },
      );
      children.push(shard.child);
      return shard;
    });
    const codes = await Promise.all(shards.map((s) => exited(s.child)));
    for (const [i, s] of shards.entries()) log(`shard ${i} (exit ${codes[i]}): ${s.stderr().trim().split('\n').at(-1)}`);
    await exited(publish.child);
    if (serve !== null) {
      serve.child.kill('SIGTERM');
      await exited(serve.child);
    }
    const files = shards.map((_, i) => path.join(plan.out, `shard-${i}.json`));
    const merge = pushbench(null, ['merge', ...files, '--out', path.join(plan.out, 'merged')]);
    const code = await exited(merge.child);
    process.stdout.write(merge.stdout());
    if (code !== 0) log(merge.stderr());
    return { code, netns, out: path.join(plan.out, 'merged'), wallMs: Date.now() - started };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await targetServer?.close();
    cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      shards: { type: 'string', default: '4' },
      clients: { type: 'string', default: '400' },
      technique: { type: 'string', default: 'websocket' },
      rate: { type: 'string', default: '20' },
      duration: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '1000' },
      out: { type: 'string', default: `results/shards-local-${Date.now()}` },
      loopback: { type: 'boolean', default: false },
      'room-size': { type: 'string' },
      'target-file': { type: 'string' },
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  const result = await runLocalShards({
    shards: Number(values.shards),
    clients: Number(values.clients),
    technique: values.technique!,
    rate: Number(values.rate),
    durationMs: Number(values.duration),
    warmupMs: Number(values.warmup),
    out: values.out!,
    loopback: values.loopback!,
    ...(values['room-size'] === undefined ? {} : { roomSize: Number(values['room-size']) }),
    ...(values['target-file'] === undefined ? {} : { targetFile: values['target-file'] }),
  });
  process.stderr.write(
    `shards:local: wall time ${(result.wallMs / 1000).toFixed(1)} s, ${result.netns ? 'network namespaces' : values['target-file'] === undefined ? '127.0.1.x fallback' : 'processes on this host'}; merged: ${result.out}\n`,
  );
  process.exitCode = result.code;
}
