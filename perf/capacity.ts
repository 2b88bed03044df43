/**
 * `npm run perf:capacity`: is the capacity probe measuring the server or itself? The probe
 * (run/capacity.ts: closed-loop clients in several load processes) against a C load tool on the
 * same polling server process, alternating rounds, each measured the same way: the polls the
 * server itself counted per second over the same rounds after the same warm-up, and its
 * event-loop utilisation. On `http` (HTTP/1.1) the reference is wrk (/usr/bin/wrk, one thread)
 * and the probe's lean client; on `h2` (HTTP/2 over TLS, issue 16) it is h2load (Debian's
 * nghttp2-client, one thread, one request at a time per connection) and the probe's HTTP/2
 * sessions (load/h2-tab.ts). Targets: probe / wrk >= 0.90; probe / h2load within 10% (>= 0.90).
 *
 * Options: --wire LIST (http,h2), --pairs N (alternating pairs, 2), --rounds N (per measurement, 3),
 * --duration MS (per round, 1000), --warmup MS (1000), --connections N (96, for both tools),
 * --load-processes N (absent: the probe's own choice, the fewest that saturate), --wrk PATH (/usr/bin/wrk), --h2load PATH (/usr/bin/h2load); --quick: one
 * pair of one 500 ms round over 12 connections on each wire (CI: the script still works).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { request } from 'undici';
import { PATHS } from '../core/protocol.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { HEADER_PROFILES } from '../load/headers.ts';
import { median } from '../core/spread.ts';
import { CAPACITY_SERVER, CAPACITY_TECHNIQUE, measureCapacity, utilization } from '../run/capacity.ts';
import { killAllChildren } from '../run/children.ts';
import { collectEnvironment } from '../run/environment.ts';
import { ServerProcess, type StatsReply } from '../run/server-process.ts';
import { h2Headers } from '../load/h2-tab.ts';
import { SocketCounter } from '../core/socket-counter.ts';
import { CLIENT_WIRES } from '../load/wire-clients.ts';
import { EXIT } from '../cli/exit-codes.ts';

const TARGET_RATIO = 0.9;

/** The wires compared, each with its C reference tool. */
const CAPACITY_WIRES = ['http', 'h2'] as const;
type CapacityWire = (typeof CAPACITY_WIRES)[number];
const REFERENCE_TOOL: Readonly<Record<CapacityWire, 'wrk' | 'h2load'>> = { http: 'wrk', h2: 'h2load' };

interface Options {
  pairs: number;
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  'load-processes': number | null;
  wrk: string;
  h2load: string;
  wire: CapacityWire[];
}

const USAGE =
  'usage: npm run perf:capacity -- [--wire http,h2] [--pairs N] [--rounds N] [--duration MS] [--warmup MS] [--connections N] [--load-processes N] [--wrk PATH] [--h2load PATH] [--quick]';

function parseArgs(all: readonly string[]): Options {
  // --quick (CI): one short pair with few connections; proves the script works, its ratio is not compared.
  const quick = all.includes('--quick');
  const argv = all.filter((a) => a !== '--quick');
  const tools = { wrk: '/usr/bin/wrk', h2load: '/usr/bin/h2load', wire: [...CAPACITY_WIRES] };
  const options: Options = quick
    ? { pairs: 1, rounds: 1, duration: 500, warmup: 500, connections: 12, 'load-processes': null, ...tools }
    : { pairs: 2, rounds: 3, duration: 1000, warmup: 1000, connections: 96, 'load-processes': null, ...tools };
  for (let i = 0; i < argv.length; i += 2) {
    const key = (argv[i] ?? '').replace(/^--/, '') as keyof Options;
    const raw = argv[i + 1];
    if (!(key in options) || raw === undefined) throw new Error(`unknown option or missing value: ${JSON.stringify(argv[i])}; ${USAGE}`);
    if (key === 'wrk' || key === 'h2load') {
      options[key] = raw;
      continue;
    }
    if (key === 'wire') {
      const wires = raw.split(',');
      const bad = wires.find((w) => !(CAPACITY_WIRES as readonly string[]).includes(w));
      if (bad !== undefined || wires.length === 0)
        throw new Error(`invalid --wire: received ${JSON.stringify(raw)}; allowed: a comma-separated list of ${CAPACITY_WIRES.join(', ')}`);
      options.wire = [...new Set(wires as CapacityWire[])];
      continue;
    }
    const value = Number(raw);
    if (!(Number.isInteger(value) && value >= 1))
      throw new Error(`invalid --${key}: received ${JSON.stringify(raw)}; expected an integer >= 1`);
    options[key] = value;
  }
  if (options['load-processes'] !== null && options.connections < options['load-processes'])
    throw new Error(
      `invalid --connections: received ${options.connections}; expected at least one per load process (--load-processes ${options['load-processes']})`,
    );
  return options;
}

interface Measured {
  wire: CapacityWire;
  /** The alternating pair (0-based) the measurement belongs to. */
  pair: number;
  tool: 'wrk' | 'h2load' | 'probe';
  /** Per round: polls the server counted per second, its event-loop utilisation and its CPU per poll (µs). */
  rounds: Array<{ requestsPerSecond: number; serverElu: number; serverCpuPerPoll: number }>;
  /** What the tool itself reported (wrk's Requests/sec over its whole run; the probe's load processes' busiest loop). */
  note: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const polls = (reply: StatsReply): number => reply.stats.techniques[CAPACITY_TECHNIQUE]?.requests ?? 0;

/**
 * The reference tool of `wire` (wrk on HTTP/1.1, h2load on HTTP/2) for warm-up + rounds, the
 * server sampled at the same edges as the probe samples it. Both send the probe's header set:
 * wrk the browser profile's lines, h2load the same as HTTP/2 fields (load/h2-tab.ts's h2Headers,
 * what the probe's sessions send).
 */
async function runReference(wire: CapacityWire, server: ServerProcess, url: string, o: Options): Promise<Omit<Measured, 'pair'>> {
  const tool = REFERENCE_TOOL[wire];
  const seconds = Math.ceil((o.warmup + o.rounds * o.duration) / 1000) + 1;
  const args =
    tool === 'wrk'
      ? ['-t1', `-c${o.connections}`, `-d${seconds}s`, ...HEADER_PROFILES.browser.poll.flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url]
      : [
          '-c',
          String(o.connections),
          '-m',
          '1',
          '-D',
          `${seconds}s`,
          ...Object.entries(h2Headers(HEADER_PROFILES.browser.poll)).flatMap(([k, v]) =>
            (Array.isArray(v) ? v : [v]).flatMap((one) => ['-H', `${k}: ${String(one)}`]),
          ),
          url,
        ];
  const child = spawn(tool === 'wrk' ? o.wrk : o.h2load, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
      const answered = polls(next) - polls(previous);
      rounds.push({
        requestsPerSecond: (answered * 1e6) / (next.stats.at - previous.stats.at),
        serverElu: utilization(previous.stats.process, next.stats.process),
        serverCpuPerPoll: answered > 0 ? (next.stats.process.cpuMicros - previous.stats.process.cpuMicros) / answered : 0,
      });
      previous = next;
    }
    const code = await exited;
    if (code !== 0) throw new Error(`${tool} exited with ${code}: ${output.slice(-500)}`);
    if (tool === 'wrk') {
      const wrkRate = /Requests\/sec:\s+([\d.]+)/.exec(output)?.[1];
      return { wire, tool, rounds, note: `wrk's own Requests/sec over its ${seconds} s: ${wrkRate ?? '?'}` };
    }
    const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(output)?.[1];
    const failed = /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed, (\d+) errored/.exec(output);
    const non2xx = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output);
    const bad = [failed?.[1], failed?.[2], non2xx?.[1], non2xx?.[2], non2xx?.[3]].reduce((n, x) => n + Number(x ?? 0), 0);
    if (rate === undefined || failed === null || non2xx === null) throw new Error(`cannot read h2load's output:\n${output.slice(-800)}`);
    if (bad > 0) throw new Error(`h2load counted ${bad} failed, errored or non-2xx requests:\n${output.slice(-800)}`);
    return { wire, tool, rounds, note: `h2load's own req/s over its ${seconds} s: ${rate}` };
  } finally {
    child.kill('SIGKILL');
  }
}

async function runProbe(wire: CapacityWire, server: ServerProcess, o: Options): Promise<Omit<Measured, 'pair'>> {
  const result = await measureCapacity({
    server,
    wire,
    headers: HEADER_PROFILES.browser.poll,
    ...(o['load-processes'] === null ? {} : { loadProcesses: o['load-processes'] }),
    connections: o.connections,
    warmupMs: o.warmup,
    rounds: o.rounds,
    durationMs: o.duration,
    fixedRate: 0,
    progress: () => {},
  });
  return {
    wire,
    tool: 'probe',
    rounds: (result.rounds ?? []).map((r) => ({
      requestsPerSecond: r.requestsPerSecond,
      serverElu: r.serverEventLoopUtilization ?? 0,
      serverCpuPerPoll: r.serverCpuMicrosPerPoll ?? 0,
    })),
    note:
      `${result.loadProcesses} load process${result.loadProcesses === 1 ? '' : 'es'}` +
      (result.loadProcessSearch === undefined
        ? ' (given)'
        : ` (warm-up: ${result.loadProcessSearch.map((s) => `${s.loadProcesses} at ${s.maxLoadEventLoopUtilization.toFixed(2)}, server ${s.serverEventLoopUtilization?.toFixed(2) ?? 'n/a'}`).join('; ')})`) +
      `; busiest load process's event loop in the rounds: ${(result.maxLoadEventLoopUtilization ?? 0).toFixed(3)}`,
  };
}

const f = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The server's newest seq over `wire` (the info document at `GET /`; any certificate, it is the made one). */
async function headOf(url: string, wire: CapacityWire): Promise<number> {
  if (wire === 'http') return ((await (await request(`${url}${PATHS.info}`)).body.json()) as { head: number }).head;
  const channel = CLIENT_WIRES[wire](url, new SocketCounter()).gets([], [], 'snapshot');
  try {
    await channel.connect();
    return (JSON.parse((await channel.get(PATHS.info)).body.toString()) as { head: number }).head;
  } finally {
    await channel.close(1000);
  }
}

/** The alternating pairs of one wire on one polling server of that wire. */
async function measureWire(wire: CapacityWire, o: Options): Promise<Measured[]> {
  const server = await ServerProcess.spawn({ ...CAPACITY_SERVER, techniques: [...CAPACITY_SERVER.techniques], wire });
  const measured: Measured[] = [];
  const reference = REFERENCE_TOOL[wire];
  try {
    const url = `${server.url}${TECHNIQUE_META[CAPACITY_TECHNIQUE].path}?since=${await headOf(server.url, wire)}`;
    for (let pair = 0; pair < o.pairs; pair++) {
      for (const tool of pair % 2 === 0 ? ([reference, 'probe'] as const) : (['probe', reference] as const)) {
        const m = { ...(tool === 'probe' ? await runProbe(wire, server, o) : await runReference(wire, server, url, o)), pair };
        measured.push(m);
        process.stderr.write(
          `perf:capacity: ${wire} pair ${pair + 1} ${tool}: ${m.rounds.map((r) => f(r.requestsPerSecond)).join(', ')} polls/s\n`,
        );
        await sleep(500);
      }
    }
  } finally {
    await server.close();
  }
  return measured;
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (error) {
    // Bad input: the message names the value received and the values allowed.
    process.stderr.write(`perf:capacity: ${(error as Error).message}\n`);
    return EXIT.badInput;
  }
  process.on('SIGINT', () => {
    killAllChildren();
    process.exit(EXIT.interrupted);
  });
  const measured: Measured[] = [];
  try {
    for (const wire of o.wire) measured.push(...(await measureWire(wire, o)));
  } finally {
    killAllChildren();
  }
  const rate = (wire: CapacityWire, tool: Measured['tool']): number =>
    median(measured.filter((m) => m.wire === wire && m.tool === tool).flatMap((m) => m.rounds.map((r) => r.requestsPerSecond)));
  const env = collectEnvironment();
  const load = os.loadavg().map((x) => x.toFixed(1));
  const lines = [
    `## Capacity probe against wrk (HTTP/1.1) and h2load (HTTP/2), same polling server`,
    '',
    `${env.cpuModel}, ${env.cores} cores, Node ${env.node}; load average at the end ${load.join(', ')}; \`npm run perf:capacity -- --wire ${o.wire.join(',')} --pairs ${o.pairs} --rounds ${o.rounds} --duration ${o.duration} --warmup ${o.warmup} --connections ${o.connections}${o['load-processes'] === null ? '' : ` --load-processes ${o['load-processes']}`}\``,
    '',
    `Each tool: ${o.connections} keep-alive connections (on h2 one session each, one request at a time) polling \`/poll?since=<head>\` with the \`browser\` headers, ${o.warmup} ms of warm-up, then ${o.rounds} rounds of ${o.duration} ms counted by the server itself. On h2 the server is pushbench's on TLS with ALPN h2.`,
    '',
    "| wire | tool | polls/s per round (server's count) | server event loop per round | server CPU per poll per round (µs) | note |",
    '|---|---|---|---|---|---|',
    ...measured.map(
      (m) =>
        `| ${m.wire} | ${m.tool} | ${m.rounds.map((r) => f(r.requestsPerSecond)).join(', ')} | ${m.rounds.map((r) => r.serverElu.toFixed(3)).join(', ')} | ${m.rounds.map((r) => r.serverCpuPerPoll.toFixed(1)).join(', ')} | ${m.note} |`,
    ),
    '',
  ];
  for (const wire of o.wire) {
    const reference = REFERENCE_TOOL[wire];
    const ratio = rate(wire, 'probe') / rate(wire, reference);
    // Per pair: the median round of the probe over the median round of the reference measured beside it.
    const pairRatio = (pair: number): number => {
      const of = (tool: Measured['tool']): number =>
        median(
          measured
            .filter((m) => m.wire === wire && m.pair === pair && m.tool === tool)
            .flatMap((m) => m.rounds.map((r) => r.requestsPerSecond)),
        );
      return of('probe') / of(reference);
    };
    const pairs = Array.from({ length: o.pairs }, (_, pair) => pairRatio(pair));
    lines.push(
      `- ${wire}: probe / ${reference} per pair (median rounds): ${pairs.map((r) => r.toFixed(2)).join(', ')}; median of the pairs ${median(pairs).toFixed(2)}`,
    );
    lines.push(
      `- ${wire}: median polls/s: probe **${f(rate(wire, 'probe'))}**, ${reference} **${f(rate(wire, reference))}**: ratio **${ratio.toFixed(2)}** (target >= ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

process.exitCode = await main();
