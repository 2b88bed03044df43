/**
 * `npm run perf:capacity`: is the capacity probe measuring the server or itself? The probe
 * (run/capacity.ts: closed-loop lean clients in several load processes) against wrk
 * (/usr/bin/wrk, C, one thread) on the same polling server process, alternating rounds, each
 * measured the same way: the polls the server itself counted per second over the same rounds
 * after the same warm-up, and its event-loop utilisation. Target: probe / wrk >= 0.90.
 *
 * Options: --pairs N (alternating wrk/probe pairs, 2), --rounds N (per measurement, 3),
 * --duration MS (per round, 1000), --warmup MS (1000), --connections N (96, for both tools),
 * --load-processes N (3), --wrk PATH (/usr/bin/wrk); --quick: one pair of one 500 ms round over 12
 * connections (CI: the script still works).
 */
import { spawn } from 'node:child_process';
import { request } from 'undici';
import { PATHS } from '../core/protocol.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { HEADER_PROFILES } from '../load/headers.ts';
import { median } from '../core/spread.ts';
import { CAPACITY_SERVER, CAPACITY_TECHNIQUE, measureCapacity, utilization } from '../run/capacity.ts';
import { killAllChildren } from '../run/children.ts';
import { collectEnvironment } from '../run/environment.ts';
import { ServerProcess, type StatsReply } from '../run/server-process.ts';
import { EXIT } from '../cli/exit-codes.ts';

const TARGET_RATIO = 0.9;

interface Options {
  pairs: number;
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  'load-processes': number;
  wrk: string;
}

const USAGE =
  'usage: npm run perf:capacity -- [--pairs N] [--rounds N] [--duration MS] [--warmup MS] [--connections N] [--load-processes N] [--wrk PATH] [--quick]';

function parseArgs(all: readonly string[]): Options {
  // --quick (CI): one short pair with few connections; proves the script works, its ratio is not compared.
  const quick = all.includes('--quick');
  const argv = all.filter((a) => a !== '--quick');
  const options: Options = quick
    ? { pairs: 1, rounds: 1, duration: 500, warmup: 500, connections: 12, 'load-processes': 2, wrk: '/usr/bin/wrk' }
    : { pairs: 2, rounds: 3, duration: 1000, warmup: 1000, connections: 96, 'load-processes': 3, wrk: '/usr/bin/wrk' };
  for (let i = 0; i < argv.length; i += 2) {
    const key = (argv[i] ?? '').replace(/^--/, '') as keyof Options;
    const raw = argv[i + 1];
    if (!(key in options) || raw === undefined) throw new Error(`unknown option or missing value: ${JSON.stringify(argv[i])}; ${USAGE}`);
    if (key === 'wrk') {
      options.wrk = raw;
      continue;
    }
    const value = Number(raw);
    if (!(Number.isInteger(value) && value >= 1))
      throw new Error(`invalid --${key}: received ${JSON.stringify(raw)}; expected an integer >= 1`);
    options[key] = value;
  }
  if (options.connections % options['load-processes'] !== 0)
    throw new Error(
      `invalid --connections: received ${options.connections}; expected a multiple of --load-processes (${options['load-processes']})`,
    );
  return options;
}

interface Measured {
  tool: 'wrk' | 'probe';
  /** Per round: polls the server counted per second, and its event-loop utilisation. */
  rounds: Array<{ requestsPerSecond: number; serverElu: number }>;
  /** What the tool itself reported (wrk's Requests/sec over its whole run; the probe's load processes' busiest loop). */
  note: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const polls = (reply: StatsReply): number => reply.stats.techniques[CAPACITY_TECHNIQUE]?.requests ?? 0;

/** wrk for warm-up + rounds, the server sampled at the same edges as the probe samples it. */
async function runWrk(server: ServerProcess, url: string, o: Options): Promise<Measured> {
  const seconds = Math.ceil((o.warmup + o.rounds * o.duration) / 1000) + 1;
  const args = [
    '-t1',
    `-c${o.connections}`,
    `-d${seconds}s`,
    ...HEADER_PROFILES.browser.poll.flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ];
  const child = spawn(o.wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    await sleep(o.warmup);
    const rounds: Measured['rounds'] = [];
    let previous = await server.stats();
    for (let r = 0; r < o.rounds; r++) {
      await sleep(o.duration);
      const next = await server.stats();
      rounds.push({
        requestsPerSecond: ((polls(next) - polls(previous)) * 1e6) / (next.stats.at - previous.stats.at),
        serverElu: utilization(previous.stats.process, next.stats.process),
      });
      previous = next;
    }
    const code = await exited;
    if (code !== 0) throw new Error(`wrk exited with ${code}: ${output.slice(-500)}`);
    const wrkRate = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
    return { tool: 'wrk', rounds, note: `wrk's own Requests/sec over its ${seconds} s: ${wrkRate ?? '?'}` };
  } finally {
    child.kill('SIGKILL');
  }
}

async function runProbe(server: ServerProcess, o: Options): Promise<Measured> {
  const result = await measureCapacity({
    server,
    headers: HEADER_PROFILES.browser.poll,
    loadProcesses: o['load-processes'],
    connectionsPerProcess: o.connections / o['load-processes'],
    warmupMs: o.warmup,
    rounds: o.rounds,
    durationMs: o.duration,
    fixedRate: 0,
    progress: () => {},
  });
  return {
    tool: 'probe',
    rounds: (result.rounds ?? []).map((r) => ({ requestsPerSecond: r.requestsPerSecond, serverElu: r.serverEventLoopUtilization ?? 0 })),
    note: `busiest load process's event loop: ${(result.maxLoadEventLoopUtilization ?? 0).toFixed(3)}`,
  };
}

const f = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  process.on('SIGINT', () => {
    killAllChildren();
    process.exit(EXIT.interrupted);
  });
  const server = await ServerProcess.spawn({ ...CAPACITY_SERVER, techniques: [...CAPACITY_SERVER.techniques] });
  const measured: Measured[] = [];
  try {
    const res = await request(`${server.url}${PATHS.info}`);
    const head = ((await res.body.json()) as { head: number }).head;
    const url = `${server.url}${TECHNIQUE_META[CAPACITY_TECHNIQUE].path}?since=${head}`;
    for (let pair = 0; pair < o.pairs; pair++) {
      for (const tool of pair % 2 === 0 ? (['wrk', 'probe'] as const) : (['probe', 'wrk'] as const)) {
        const m = tool === 'wrk' ? await runWrk(server, url, o) : await runProbe(server, o);
        measured.push(m);
        process.stderr.write(
          `perf:capacity: pair ${pair + 1} ${tool}: ${m.rounds.map((r) => f(r.requestsPerSecond)).join(', ')} polls/s\n`,
        );
        await sleep(500);
      }
    }
  } finally {
    await server.close();
    killAllChildren();
  }
  const rate = (tool: Measured['tool']): number =>
    median(measured.filter((m) => m.tool === tool).flatMap((m) => m.rounds.map((r) => r.requestsPerSecond)));
  const ratio = rate('probe') / rate('wrk');
  const env = collectEnvironment();
  process.stdout.write(`## Capacity probe against wrk, same polling server

${env.cpuModel}, ${env.cores} cores, Node ${env.node}; \`npm run perf:capacity -- --pairs ${o.pairs} --rounds ${o.rounds} --duration ${o.duration} --warmup ${o.warmup} --connections ${o.connections} --load-processes ${o['load-processes']}\`

Both tools: ${o.connections} keep-alive connections polling \`/poll?since=<head>\` with the \`browser\` headers, ${o.warmup} ms of warm-up, then ${o.rounds} rounds of ${o.duration} ms counted by the server itself.

| tool | polls/s per round (server's count) | server event loop per round | note |
|---|---|---|---|
${measured.map((m) => `| ${m.tool} | ${m.rounds.map((r) => f(r.requestsPerSecond)).join(', ')} | ${m.rounds.map((r) => r.serverElu.toFixed(3)).join(', ')} | ${m.note} |`).join('\n')}

- Median polls/s: probe **${f(rate('probe'))}**, wrk **${f(rate('wrk'))}**: ratio **${ratio.toFixed(2)}** (target >= ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'}
`);
  return EXIT.ok;
}

process.exitCode = await main();
