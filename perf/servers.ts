/**
 * `npm run perf:servers`: how fast pushbench's server is, as ratios against bare
 * baselines measured side by side in the same run (alternating A/B rounds, median
 * ratio), because absolute figures on a shared 2-core machine mean little.
 *
 * (a) GET /poll: pushbench's server vs a bare Node handler that returns the very same
 *     bytes (built from a real pushbench response), both in child processes, on each wire
 *     of --wire: node:http driven by autocannon (target pushbench/bare req/s >= 1.0, issue 19);
 *     node:https and node:http2 over TLS driven by h2load (target >= 1.0, issue 16). On h2 two bare
 *     servers: Node's compatibility API as written (each stream ended by an extra empty DATA frame,
 *     since it asks for trailers) and the same told not to (pushbench's frames): see POLL_BASELINES.
 * (b) WebSocket broadcast: server CPU per delivered message, pushbench's server vs the
 *     textbook `ws` broadcast loop, same clients, same schedule, same JSON bytes.
 *     Target: pushbench/bare CPU per message <= 1.0 (issue 19).
 * (c) The same at 10,000 clients (issue 19; `--scale-clients`), the clients in child processes
 *     (perf/ws-clients.ts) planned as a large run plans its generators (run/scale-plan.ts), at a
 *     rate that keeps the deliveries per second of (b). Target: <= 1.0 (the issue's goal).
 *
 * A WebSocket round in which some client did not receive every message the server
 * published FAILS, says so, is left out of the median, and the script exits 1; a poll round
 * with an error or a non-2xx answer stops the script. A broken round is never a ratio.
 *
 * Every child is killed at the end, on error and on Ctrl-C; every wait has a deadline.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { killAllChildren } from '../run/children.ts';
import { collectEnvironment } from '../run/environment.ts';
import { ServerProcess } from '../run/server-process.ts';
import { nowMicros, PATHS } from '../core/protocol.ts';
import { median } from '../core/spread.ts';
import { INTERVAL_POLL_TECHNIQUE, PLAIN_WS_TECHNIQUE, TECHNIQUE_META, techniqueUrl } from '../core/techniques.ts';
import type { BareHttpResponse, BareWsOptions, H2End } from './bare-protocol.ts';
import { BareProcess } from './bare-process.ts';
import { planClients, WsClientPool } from './ws-client-pool.ts';
import { ConfigError } from '../core/errors.ts';
import type { WireId } from '../core/wires.ts';
import { EXIT, reportError } from '../cli/exit-codes.ts';
import {
  booleanReader,
  enumReader,
  HELP_ROW,
  helpLines,
  integerReader,
  listReader,
  parseCommand,
  stringReader,
  synopsis,
  type Flag,
} from '../cli/flags.ts';

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

interface PerfConfig {
  rounds: number;
  /** autocannon run per round, ms. */
  durationMs: number;
  connections: number;
  /** WebSocket clients. */
  clients: number;
  /** Messages published per WebSocket round. */
  messages: number;
  /** Messages/s of the WebSocket broadcast. */
  rate: number;
  payloadBytes: number;
  /** Exit 1 when a target is missed. */
  strict: boolean;
  /** Run one comparison only. */
  only: 'poll' | typeof PLAIN_WS_TECHNIQUE | 'scale' | null;
  /** WebSocket clients of the many-client case (c); 0 skips it. */
  scaleClients: number;
  /** The wires GET /poll is compared on. */
  wires: readonly PollWire[];
  /** The h2load binary that drives the TLS wires (Debian's nghttp2-client). */
  h2load: string;
  /** One short round with fewer clients: proves the script still works (CI); its figures are not compared. */
  quick: boolean;
}

/** The wires the poll comparison runs on: autocannon drives http as before; h2load (C, its own process) drives https (--h1) and h2. */
const POLL_WIRES = ['http', 'https', 'h2'] as const satisfies readonly WireId[];
type PollWire = (typeof POLL_WIRES)[number];

const DEFAULTS: Readonly<PerfConfig> = Object.freeze({
  rounds: 5,
  durationMs: 3000,
  connections: 50,
  clients: 1000,
  messages: 200,
  rate: 100,
  payloadBytes: 64,
  strict: false,
  only: null,
  scaleClients: 10_000,
  wires: [...POLL_WIRES],
  h2load: '/usr/bin/h2load',
  quick: false,
});

/** What `--quick` changes; a flag given beside it still wins. */
const QUICK: Partial<PerfConfig> = { rounds: 1, durationMs: 500, connections: 10, clients: 100, messages: 20, rate: 50, scaleClients: 200 };

/** On every wire (issues 16 and 19): pushbench's server at least as fast as the bare Node server of that wire (http was 0.90 before). */
const TARGET_POLL_RATIO = 1.0;
/**
 * The bare servers GET /poll is compared against, per wire. On h2 two: Node's compatibility API as
 * written (the textbook server: every response asks for trailers, so each stream ends with an empty
 * DATA frame sent a tick after the body, in a TLS record of its own), and the same API told not to
 * wait for trailers, whose frames are pushbench's (HEADERS, then DATA with END_STREAM): the first
 * says what a user's Node server would cost, the second what pushbench's own code adds to Node's.
 */
const POLL_BASELINES: Readonly<Record<PollWire, ReadonlyArray<{ name: string; spec: { h2End?: H2End }; sameFrames: boolean }>>> = {
  http: [{ name: 'bare node:http', spec: {}, sameFrames: true }],
  https: [{ name: 'bare node:https', spec: {}, sameFrames: true }],
  h2: [
    { name: 'bare node:http2', spec: { h2End: 'trailers' }, sameFrames: false },
    { name: 'bare node:http2, no trailers', spec: { h2End: 'data' }, sameFrames: true },
  ],
};
/** Issue 19: no more CPU per delivered message than the bare ws loop, at 1,000 clients as at 10,000 (it was 1.10 before). */
const TARGET_WS_CPU_RATIO = 1.0;
/** At 10,000 clients, issue 19's goal: no more CPU per message than the bare `ws` loop. */
const TARGET_WS_SCALE_CPU_RATIO = 1.0;
/** The flags of `npm run perf:servers`: the parser and the usage text both read this table. */
const PERF_FLAGS = {
  rounds: { flag: 'rounds', arg: 'N', help: 'alternating A/B rounds', defaultText: `${DEFAULTS.rounds}`, reader: integerReader(1, null) },
  durationMs: {
    flag: 'duration',
    arg: 'MS',
    help: 'autocannon run per round, milliseconds',
    defaultText: `${DEFAULTS.durationMs}`,
    reader: integerReader(500, null),
  },
  connections: {
    flag: 'connections',
    arg: 'N',
    help: 'autocannon connections',
    defaultText: `${DEFAULTS.connections}`,
    reader: integerReader(1, null),
  },
  clients: { flag: 'clients', arg: 'N', help: 'WebSocket clients', defaultText: `${DEFAULTS.clients}`, reader: integerReader(1, null) },
  messages: {
    flag: 'messages',
    arg: 'N',
    help: 'messages published per WebSocket round',
    defaultText: `${DEFAULTS.messages}`,
    reader: integerReader(1, null),
  },
  rate: {
    flag: 'rate',
    arg: 'N',
    help: 'messages/s of the WebSocket broadcast',
    defaultText: `${DEFAULTS.rate}`,
    reader: integerReader(1, null),
  },
  payloadBytes: {
    flag: 'payload',
    arg: 'BYTES',
    help: "size of each message's data",
    defaultText: `${DEFAULTS.payloadBytes}`,
    reader: integerReader(0, null),
  },
  only: {
    flag: 'only',
    arg: `poll|${PLAIN_WS_TECHNIQUE}|scale`,
    help: 'run one comparison only (scale: WebSocket at --scale-clients)',
    defaultText: 'all',
    reader: enumReader(['poll', PLAIN_WS_TECHNIQUE, 'scale'] as const),
  },
  scaleClients: {
    flag: 'scale-clients',
    arg: 'N',
    help: 'WebSocket clients of the many-client case, in child processes (0 skips it; --quick: 200)',
    defaultText: `${DEFAULTS.scaleClients}`,
    reader: integerReader(0, null),
  },
  strict: { flag: 'strict', arg: null, help: 'exit 1 when a target is missed', defaultText: 'off', reader: booleanReader() },
  wires: {
    flag: 'wire',
    arg: 'LIST',
    help: `wires of the GET /poll comparison: ${POLL_WIRES.join(', ')}`,
    defaultText: POLL_WIRES.join(','),
    reader: listReader(
      `allowed: ${POLL_WIRES.join(', ')}`,
      (input) => POLL_WIRES.find((wire) => wire === input),
      (items) => [...new Set(items)],
    ),
  },
  h2load: {
    flag: 'h2load',
    arg: 'PATH',
    help: 'h2load binary for the https and h2 rounds (apt-get install nghttp2-client)',
    defaultText: DEFAULTS.h2load,
    reader: stringReader('a path to h2load'),
  },
  quick: {
    flag: 'quick',
    arg: null,
    help: 'one short round with fewer clients: checks the script works (CI), figures not comparable',
    defaultText: 'off',
    reader: booleanReader(),
  },
} as const satisfies { [K in keyof PerfConfig]-?: Flag<PerfConfig[K]> };

const USAGE = `usage: npm run perf:servers -- ${synopsis(Object.values(PERF_FLAGS))}

Options:
${helpLines([...Object.values(PERF_FLAGS), HELP_ROW])}`;

/** The config, or null when help was asked for. Throws ConfigError on a bad, unknown or duplicated flag. */
function parsePerfArgs(argv: readonly string[]): PerfConfig | null {
  const { values, help } = parseCommand(argv, PERF_FLAGS, { positionals: false });
  return help ? null : { ...DEFAULTS, ...(values.quick === true ? QUICK : {}), ...values };
}

// ---------------------------------------------------------------------------------------
// Small helpers: deadlines, progress
// ---------------------------------------------------------------------------------------

function progress(line: string): void {
  process.stderr.write(`perf:servers: ${line}\n`);
}

/** Rejects with `what` if `promise` does not settle within `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every 20 ms until it holds or `ms` pass; returns whether it held. */
async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(20);
  }
  return condition();
}

/** The two servers of one comparison, seen the same way: CPU and a work counter. */
interface Contender {
  name: string;
  url: string;
  sample(): Promise<{ cpuMicros: number; count: number }>;
  startPublishing(rate: number, startAt: number): Promise<void>;
  stopPublishing(): Promise<void>;
  close(): Promise<void>;
}

/** How long a server may take to answer a stats request; (c)'s servers hold 10,000 sockets on a shared machine and get longer. */
const STATS_TIMEOUT_MS = 10_000;
const SCALE_STATS_TIMEOUT_MS = 30_000;

function pushbenchContender(server: ServerProcess, counter: 'requests' | 'published', statsTimeoutMs = STATS_TIMEOUT_MS): Contender {
  return {
    name: 'pushbench',
    url: server.url,
    async sample() {
      const { stats } = await within(server.stats(), statsTimeoutMs, 'pushbench stats');
      // Polling counts requests answered; WebSocket counts messages published.
      const count = counter === 'requests' ? (stats.techniques[INTERVAL_POLL_TECHNIQUE]?.requests ?? 0) : stats.published;
      return { cpuMicros: stats.process.cpuMicros, count };
    },
    startPublishing: (rate, startAt) => server.startPublishing(rate, startAt),
    stopPublishing: () => server.stopPublishing(),
    close: () => server.close(),
  };
}

function bareContender(bare: BareProcess, counter: 'requests' | 'published', statsTimeoutMs = STATS_TIMEOUT_MS): Contender {
  return {
    name: bare.name,
    url: bare.url,
    async sample() {
      const stats = await bare.stats(statsTimeoutMs);
      return { cpuMicros: stats.process.cpuMicros, count: stats[counter] };
    },
    startPublishing: async (rate, startAt) => bare.startPublishing(rate, startAt),
    stopPublishing: async () => bare.stopPublishing(),
    close: () => bare.close(),
  };
}

// ---------------------------------------------------------------------------------------
// (a) GET /poll: pushbench vs bare node:http, same bytes
// ---------------------------------------------------------------------------------------

interface RawResponse {
  head: string;
  body: Buffer;
}

/** One keep-alive GET over a raw socket (TLS for an https origin), returning the exact head and body bytes. */
function rawGet(baseUrl: string, path: string): Promise<RawResponse> {
  const { hostname, port, protocol } = new URL(baseUrl);
  return within(
    new Promise<RawResponse>((resolve, reject) => {
      // The made certificate is self-signed: this reads a response, it checks no identity.
      const socket =
        protocol === 'https:'
          ? tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
          : net.connect(Number(port), hostname);
      let data = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const end = data.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = data.subarray(0, end + 4).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (data.length < end + 4 + length) return;
        socket.destroy();
        resolve({ head, body: data.subarray(end + 4, end + 4 + length) });
      });
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`);
    }),
    5000,
    `GET ${baseUrl}${path}`,
  );
}

/** node:http writes these itself, after the handler's headers; the bare server must not. */
const AUTOMATIC_HEADERS = new Set(['date', 'connection', 'keep-alive']);

function bareSpecFrom(response: RawResponse): BareHttpResponse {
  const [statusLine, ...lines] = response.head.slice(0, -4).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine ?? '')?.[1]);
  const headers = lines
    .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)] as [string, string])
    .filter(([name]) => !AUTOMATIC_HEADERS.has(name.toLowerCase()));
  return { status, headers, bodyBase64: response.body.toString('base64') };
}

/** One GET over HTTP/2 + TLS: the status, the header fields (no pseudo-headers, no date) and the body. */
function h2Get(baseUrl: string, path: string): Promise<BareHttpResponse> {
  return within(
    new Promise<BareHttpResponse>((resolve, reject) => {
      const session = http2.connect(baseUrl, { rejectUnauthorized: false });
      session.on('error', reject);
      const stream = session.request({ ':path': path });
      const chunks: Buffer[] = [];
      let status = 0;
      let headers: Array<[string, string]> = [];
      stream.on('response', (fields) => {
        status = Number(fields[':status']);
        headers = Object.entries(fields)
          .filter(([name]) => !name.startsWith(':') && !AUTOMATIC_HEADERS.has(name))
          .map(([name, value]) => [name, String(value)]);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        session.close();
        resolve({ status, headers, bodyBase64: Buffer.concat(chunks).toString('base64'), wire: 'h2' });
      });
      stream.on('error', reject);
    }),
    5000,
    `GET ${baseUrl}${path} over h2`,
  );
}

/** The response pushbench gives on `wire`, as the bare server's spec, and its size on the wire before TLS (HTTP/1.1) or its body (h2). */
async function referenceResponse(
  wire: PollWire,
  baseUrl: string,
  path: string,
): Promise<{ spec: BareHttpResponse; shown: string; size: number }> {
  if (wire === 'h2') {
    const spec = await h2Get(baseUrl, path);
    return {
      spec,
      shown: JSON.stringify({
        status: spec.status,
        headers: spec.headers,
        body: Buffer.from(spec.bodyBase64, 'base64').toString('latin1'),
      }),
      size: Buffer.from(spec.bodyBase64, 'base64').length,
    };
  }
  const response = await rawGet(baseUrl, path);
  return {
    spec: { ...bareSpecFrom(response), wire },
    shown: withoutDate(response.head) + response.body.toString('latin1'),
    size: response.head.length + response.body.length,
  };
}

/** The body of GET `path` on `wire`, as text. */
async function referenceBody(wire: PollWire, baseUrl: string, path: string): Promise<string> {
  if (wire === 'h2') return Buffer.from((await h2Get(baseUrl, path)).bodyBase64, 'base64').toString();
  return (await rawGet(baseUrl, path)).body.toString();
}

const withoutDate = (head: string): string => head.replace(/\r\nDate: [^\r]*\r\n/, '\r\nDate: -\r\n');

interface PollRound {
  round: number;
  contender: string;
  requestsPerSecond: number;
  /** autocannon's p99; h2load reports a mean request time instead (null here). */
  latencyMsP99: number | null;
  cpuMicrosPerRequest: number;
}

interface PollComparison {
  wire: PollWire;
  /** The load tool of the rounds. */
  tool: string;
  /** The bare server compared against (POLL_BASELINES). */
  baseline: string;
  /** Whether the bare server sends the same frames as pushbench's (false: Node's extra empty DATA frame per response on h2). */
  sameFrames: boolean;
  variant: string;
  path: string;
  responseBytes: number;
  rounds: PollRound[];
  ratios: number[];
  medianRatio: number;
  /** Median of pushbench / bare server CPU per request: at saturation it mirrors the req/s ratio, per request. */
  medianCpuRatio: number;
}

async function driveAutocannon(
  contender: Contender,
  path: string,
  config: PerfConfig,
  durationMs: number,
): Promise<Omit<PollRound, 'round'>> {
  const before = await contender.sample();
  const result = await within(
    autocannon({ url: `${contender.url}${path}`, connections: config.connections, duration: durationMs / 1000 }),
    durationMs + 15_000,
    `autocannon on ${contender.name}`,
  );
  const after = await contender.sample();
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${contender.name} answered ${result.non2xx} non-2xx and ${result.errors} errors of ${result.requests.total} requests`);
  }
  return {
    contender: contender.name,
    requestsPerSecond: result.requests.average,
    latencyMsP99: result.latency.p99,
    cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, after.count - before.count),
  };
}

/**
 * One h2load run (C, its own process, so the load is not this Node process's): `--h1` for
 * HTTP/1.1 over TLS, HTTP/2 with ALPN h2 otherwise; one request at a time per connection
 * (`-m 1`), as a browser tab polls. Every request must come back 2xx.
 */
async function driveH2load(
  contender: Contender,
  wire: 'https' | 'h2',
  path: string,
  config: PerfConfig,
  durationMs: number,
): Promise<Omit<PollRound, 'round'>> {
  const before = await contender.sample();
  // -N: a connection silent for 5 s is closed and its requests counted as failed, so a stuck stream fails the round with h2load's counts instead of hanging it.
  const args = [
    '-c',
    String(config.connections),
    '-m',
    '1',
    '-D',
    `${durationMs}ms`,
    '-N',
    '5s',
    ...(wire === 'https' ? ['--h1'] : []),
    `${contender.url}${path}`,
  ];
  const output = await within(
    new Promise<string>((resolve, reject) => {
      const child = spawn(config.h2load, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`h2load ${args.join(' ')} exited ${code}: ${text.slice(-500)}`)),
      );
    }),
    durationMs + 15_000,
    `h2load on ${contender.name}`,
  );
  const after = await contender.sample();
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(output)?.[1];
  const counts = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(output);
  const ok2xx = /status codes: (\d+) 2xx/.exec(output)?.[1];
  if (rate === undefined || counts === null || ok2xx === undefined) throw new Error(`cannot read h2load's output:\n${output.slice(-800)}`);
  // In -D mode the requests in flight at the end answer 2xx without counting as succeeded: 2xx >= succeeded.
  if (Number(counts[4]) > 0 || Number(counts[5]) > 0 || Number(ok2xx) < Number(counts[3])) {
    throw new Error(
      `${contender.name} over ${wire}: h2load counted ${counts[4]} failed, ${counts[5]} errored, ${ok2xx} 2xx of ${counts[3]} succeeded`,
    );
  }
  return {
    contender: contender.name,
    requestsPerSecond: Number(rate),
    latencyMsP99: null,
    cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, after.count - before.count),
  };
}

async function comparePoll(config: PerfConfig, wire: PollWire): Promise<PollComparison[]> {
  progress(`(a) ${wire}: starting the pushbench polling server`);
  const server = await ServerProcess.spawn({
    techniques: [INTERVAL_POLL_TECHNIQUE],
    rate: 0,
    payloadBytes: config.payloadBytes,
    holdMs: 30_000,
    wire,
  });
  const pushbench = pushbenchContender(server, 'requests');
  const tool = wire === 'http' ? 'autocannon' : `h2load${wire === 'https' ? ' --h1' : ''}`;
  const drive = (contender: Contender, path: string, durationMs: number): Promise<Omit<PollRound, 'round'>> =>
    wire === 'http' ? driveAutocannon(contender, path, config, durationMs) : driveH2load(contender, wire, path, config, durationMs);
  const comparisons: PollComparison[] = [];
  try {
    // A few messages in the ring, so that a poll can get exactly one.
    await server.startPublishing(1000, nowMicros());
    await sleep(20);
    await server.stopPublishing();
    const info = JSON.parse(await referenceBody(wire, server.url, PATHS.info)) as { head: number };
    if (!(info.head >= 1)) throw new Error(`expected the pushbench server to have published a message; head is ${info.head}`);
    const variants = [
      { variant: 'empty poll `[]`', since: info.head },
      { variant: `one ${config.payloadBytes}-byte-payload message`, since: info.head - 1 },
    ];
    for (const { variant, since } of variants) {
      const path = `${TECHNIQUE_META[INTERVAL_POLL_TECHNIQUE].path}?since=${since}`;
      const reference = await referenceResponse(wire, server.url, path);
      for (const baseline of POLL_BASELINES[wire]) {
        const bare = bareContender(
          await BareProcess.spawn(baseline.name, new URL('./bare-http.ts', import.meta.url), { ...reference.spec, ...baseline.spec }),
          'requests',
        );
        try {
          const copy = await referenceResponse(wire, bare.url, path);
          if (copy.shown !== reference.shown) {
            throw new Error(
              `the bare server's response differs from pushbench's:\n${JSON.stringify(reference.shown)}\n${JSON.stringify(copy.shown)}`,
            );
          }
          progress(
            `(a) ${wire}, ${variant}: ${reference.size} bytes per ${wire === 'h2' ? 'response body' : 'response'}, identical on both; warming up`,
          );
          for (const contender of [pushbench, bare]) await drive(contender, path, 1000);
          const rounds: PollRound[] = [];
          for (let round = 1; round <= config.rounds; round++) {
            for (const contender of pairOrder(round, pushbench, bare)) {
              const result = { round, ...(await drive(contender, path, config.durationMs)) };
              progress(
                `(a) ${wire}, ${variant} round ${round} ${contender.name}: ${Math.round(result.requestsPerSecond)} req/s, ${result.cpuMicrosPerRequest.toFixed(1)} µs CPU/req`,
              );
              rounds.push(result);
            }
          }
          const ratios = [...pairRatios(rounds, (r) => r.requestsPerSecond).values()];
          const cpuRatios = [...pairRatios(rounds, (r) => r.cpuMicrosPerRequest).values()];
          comparisons.push({
            wire,
            tool,
            baseline: baseline.name,
            sameFrames: baseline.sameFrames,
            variant,
            path,
            responseBytes: reference.size,
            rounds,
            ratios,
            medianRatio: median(ratios),
            medianCpuRatio: median(cpuRatios),
          });
        } finally {
          await bare.close();
        }
      }
    }
  } finally {
    await pushbench.close();
  }
  return comparisons;
}

/**
 * The order of a round's pair: pushbench first in odd rounds, the baseline first in even
 * ones (A B, B A, A B, ...), so that a machine getting steadily busier or quieter does not
 * favour whichever always runs first.
 */
function pairOrder<T>(round: number, pushbench: T, baseline: T): T[] {
  return round % 2 === 1 ? [pushbench, baseline] : [baseline, pushbench];
}

/** pushbench / baseline for each round whose two sides are both valid, by round number. */
function pairRatios<T extends { round: number; contender: string; failure?: string | null }>(
  rounds: readonly T[],
  value: (r: T) => number,
): Map<number, number> {
  const ratios = new Map<number, number>();
  for (const round of new Set(rounds.map((r) => r.round))) {
    const a = rounds.find((r) => r.round === round && r.contender === 'pushbench');
    const b = rounds.find((r) => r.round === round && r.contender !== 'pushbench');
    if (a !== undefined && b !== undefined && (a.failure ?? null) === null && (b.failure ?? null) === null)
      ratios.set(round, value(a) / value(b));
  }
  return ratios;
}

// ---------------------------------------------------------------------------------------
// (b) WebSocket broadcast: server CPU per delivered message
// ---------------------------------------------------------------------------------------

/** Every ws client this process opened, so that Ctrl-C and errors can drop them all. */
const openSockets = new Set<WebSocket>();

interface ClientSet {
  sockets: WebSocket[];
  /** Messages received per client. */
  counts: number[];
  delivered(): number;
  close(): Promise<void>;
}

const CONNECT_BATCH = 100;

/** Opens `n` clients to `url` in batches; each counts the frames it receives. */
async function openClients(url: string, n: number): Promise<ClientSet> {
  const sockets: WebSocket[] = [];
  const counts = new Array<number>(n).fill(0);
  for (let start = 0; start < n; start += CONNECT_BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(n, start + CONNECT_BATCH); i++) {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      openSockets.add(ws);
      sockets.push(ws);
      ws.on('message', () => counts[i]!++);
      batch.push(
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        }),
      );
    }
    await within(Promise.all(batch), 10_000, `${CONNECT_BATCH} WebSocket clients to open on ${url}`);
  }
  return {
    sockets,
    counts,
    delivered: () => counts.reduce((sum, c) => sum + c, 0),
    async close() {
      const closed = sockets.map(
        (ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))),
      );
      for (const ws of sockets) {
        ws.terminate();
        openSockets.delete(ws);
      }
      await within(Promise.all(closed), 5000, 'the clients to close').catch(() => {});
    },
  };
}

interface WsRound {
  round: number;
  contender: string;
  published: number;
  delivered: number;
  /** Every client got every message. */
  complete: boolean;
  /** Why the round is void (some client did not get every published message), or null. */
  failure: string | null;
  cpuMicros: number;
  cpuMicrosPerMessage: number;
}

interface WsComparison {
  rounds: WsRound[];
  /** pushbench / bare per valid round, by round number. */
  ratios: Map<number, number>;
  /** Null when no round was valid. */
  medianRatio: number | null;
}

async function broadcastRound(contender: Contender, wsUrl: string, config: PerfConfig, messages: number): Promise<Omit<WsRound, 'round'>> {
  const clients = await openClients(wsUrl, config.clients);
  try {
    await sleep(300); // let the upgrade work settle before the CPU window opens
    const before = await contender.sample();
    const receivedBefore = clients.delivered();
    const startAt = nowMicros() + 200_000;
    await contender.startPublishing(config.rate, startAt);
    // Stop once every client has the wanted messages (a server that falls behind its
    // schedule still sends them all; it may send one or two more, which are counted too).
    const scheduleMs = 200 + (messages * 1000) / config.rate;
    await waitUntil(() => clients.delivered() - receivedBefore >= messages * config.clients, scheduleMs + 15_000);
    await contender.stopPublishing();
    const published = (await contender.sample()).count - before.count;
    const expected = published * config.clients;
    await waitUntil(() => clients.delivered() - receivedBefore >= expected, 15_000);
    const after = await contender.sample();
    const delivered = clients.delivered() - receivedBefore;
    const cpuMicros = after.cpuMicros - before.cpuMicros;
    const short = clients.counts.filter((c) => c < published).length;
    const complete = published > 0 && delivered === expected && short === 0;
    const failure = complete
      ? null
      : published === 0
        ? 'the server published nothing'
        : `delivered ${delivered} of the ${expected} messages published (${published} × ${config.clients} clients); ${short} client${short === 1 ? '' : 's'} missed some`;
    return {
      contender: contender.name,
      published,
      delivered,
      complete,
      failure,
      cpuMicros,
      cpuMicrosPerMessage: cpuMicros / Math.max(1, delivered),
    };
  } finally {
    await clients.close();
  }
}

async function compareWebSocket(config: PerfConfig): Promise<WsComparison> {
  progress(`(b) starting the pushbench WebSocket server and the bare ws server`);
  const server = await ServerProcess.spawn({
    techniques: [PLAIN_WS_TECHNIQUE],
    rate: 0,
    payloadBytes: config.payloadBytes,
    holdMs: 30_000,
  });
  const pushbench = pushbenchContender(server, 'published');
  let bare: Contender | undefined;
  try {
    const options: BareWsOptions = { payloadBytes: config.payloadBytes };
    bare = bareContender(await BareProcess.spawn('bare ws', new URL('./bare-ws.ts', import.meta.url), options), 'published');
    const targets = [
      { contender: pushbench, wsUrl: techniqueUrl(PLAIN_WS_TECHNIQUE, pushbench.url) },
      { contender: bare, wsUrl: bare.url.replace('http', 'ws') },
    ];
    progress(`(b) warm-up: ${config.clients} clients, ${Math.ceil(config.messages / 4)} messages each server`);
    for (const { contender, wsUrl } of targets) await broadcastRound(contender, wsUrl, config, Math.ceil(config.messages / 4));
    const rounds: WsRound[] = [];
    for (let round = 1; round <= config.rounds; round++) {
      for (const { contender, wsUrl } of pairOrder(round, targets[0]!, targets[1]!)) {
        const result = { round, ...(await broadcastRound(contender, wsUrl, config, config.messages)) };
        progress(
          `(b) round ${round} ${contender.name}: ${result.published} published, ${result.delivered} delivered, ${result.failure === null ? `${result.cpuMicrosPerMessage.toFixed(2)} µs CPU/msg` : `FAILED: ${result.failure}`}`,
        );
        rounds.push(result);
      }
    }
    const ratios = pairRatios(rounds, (r) => r.cpuMicrosPerMessage);
    return { rounds, ratios, medianRatio: ratios.size === 0 ? null : median([...ratios.values()]) };
  } finally {
    await Promise.all([pushbench.close(), bare?.close()]);
  }
}

// ---------------------------------------------------------------------------------------
// (c) WebSocket broadcast at many clients (10,000 by default): the clients in child processes
// ---------------------------------------------------------------------------------------

interface WsScaleComparison extends WsComparison {
  clients: number;
  rate: number;
  messages: number;
  /** Client processes per server and the source addresses they connect from. */
  processes: number;
  sourceAddresses: string[];
}

/** The rate and round length of (c): the deliveries per second of (b), rounds twice as long. */
function scaleSchedule(config: PerfConfig): { rate: number; messages: number } {
  const rate = Math.max(1, Math.round((config.rate * config.clients) / config.scaleClients));
  const messages = Math.max(5, Math.round((config.messages / config.rate) * rate * 2));
  return { rate, messages };
}

async function scaleRound(contender: Contender, pool: WsClientPool, rate: number, messages: number): Promise<Omit<WsRound, 'round'>> {
  const n = pool.clients;
  pool.mark();
  const before = await contender.sample();
  await contender.startPublishing(rate, nowMicros() + 200_000);
  const scheduleMs = 200 + (messages * 1000) / rate;
  const deliveredAtLeast = async (count: number, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && (await pool.count(0)).delivered < count) await sleep(100);
  };
  await deliveredAtLeast(messages * n, scheduleMs + 30_000);
  await contender.stopPublishing();
  const published = (await contender.sample()).count - before.count;
  await deliveredAtLeast(published * n, 15_000);
  const after = await contender.sample();
  const { delivered, short } = await pool.count(published);
  const cpuMicros = after.cpuMicros - before.cpuMicros;
  const expected = published * n;
  const complete = published > 0 && delivered === expected && short === 0;
  const failure = complete
    ? null
    : published === 0
      ? 'the server published nothing'
      : `delivered ${delivered} of the ${expected} messages published (${published} × ${n} clients); ${short} client${short === 1 ? '' : 's'} missed some`;
  return {
    contender: contender.name,
    published,
    delivered,
    complete,
    failure,
    cpuMicros,
    cpuMicrosPerMessage: cpuMicros / Math.max(1, delivered),
  };
}

async function compareWebSocketAtScale(config: PerfConfig): Promise<WsScaleComparison> {
  const n = config.scaleClients;
  const { rate, messages } = scaleSchedule(config);
  const plan = planClients(n);
  progress(
    `(c) ${n} WebSocket clients per server in ${plan.generators} process(es)${plan.sourceAddresses.length > 0 ? ` from ${[...new Set(plan.sourceAddresses)].join(', ')}` : ''}; ${messages} messages at ${rate} msgs/s per round`,
  );
  const server = await ServerProcess.spawn({
    techniques: [PLAIN_WS_TECHNIQUE],
    rate: 0,
    payloadBytes: config.payloadBytes,
    holdMs: 30_000,
  });
  const pushbench = pushbenchContender(server, 'published', SCALE_STATS_TIMEOUT_MS);
  let bare: Contender | undefined;
  const pools: WsClientPool[] = [];
  try {
    bare = bareContender(
      await BareProcess.spawn('bare ws', new URL('./bare-ws.ts', import.meta.url), {
        payloadBytes: config.payloadBytes,
      } satisfies BareWsOptions),
      'published',
      SCALE_STATS_TIMEOUT_MS,
    );
    // Both sets of clients stay open through every round: 10,000 handshakes per round would dwarf the rounds.
    const openMs = 60_000 + n * 10;
    const pushbenchPool = await WsClientPool.open(techniqueUrl(PLAIN_WS_TECHNIQUE, pushbench.url), plan, n, openMs);
    pools.push(pushbenchPool);
    const barePool = await WsClientPool.open(bare.url.replace('http', 'ws'), plan, n, openMs);
    pools.push(barePool);
    progress(`(c) ${n} clients open on each server; warm-up: ${Math.ceil(messages / 4)} messages each`);
    const targets = [
      { contender: pushbench, pool: pushbenchPool },
      { contender: bare, pool: barePool },
    ];
    for (const { contender, pool } of targets) await scaleRound(contender, pool, rate, Math.ceil(messages / 4));
    const rounds: WsRound[] = [];
    for (let round = 1; round <= config.rounds; round++) {
      for (const { contender, pool } of pairOrder(round, targets[0]!, targets[1]!)) {
        const result = { round, ...(await scaleRound(contender, pool, rate, messages)) };
        progress(
          `(c) round ${round} ${contender.name}: ${result.published} published, ${result.delivered} delivered, ${result.failure === null ? `${result.cpuMicrosPerMessage.toFixed(2)} µs CPU/msg` : `FAILED: ${result.failure}`}`,
        );
        rounds.push(result);
      }
    }
    const ratios = pairRatios(rounds, (r) => r.cpuMicrosPerMessage);
    return {
      rounds,
      ratios,
      medianRatio: ratios.size === 0 ? null : median([...ratios.values()]),
      clients: n,
      rate,
      messages,
      processes: plan.generators,
      sourceAddresses: plan.sourceAddresses,
    };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await Promise.all([pushbench.close(), bare?.close()]);
  }
}

// ---------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------

/** How the two h2 servers of a comparison end their streams, for its method line. */
function h2FramesText(sameFrames: boolean): string {
  return sameFrames
    ? '; both end each stream with END_STREAM on the DATA frame of the body (no trailers asked for)'
    : "; pushbench's server ends each stream with END_STREAM on the DATA frame of the body, the bare one as Node's compatibility API does by default, with an empty DATA frame sent a tick later (9 B more, in a TLS record of its own)";
}

const n0 = (n: number): string => Math.round(n).toLocaleString('en-US');
const n2 = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function renderMarkdown(
  config: PerfConfig,
  poll: PollComparison[],
  ws: WsComparison | null,
  scale: WsScaleComparison | null,
  command: string,
): { text: string; missed: string[]; failed: string[] } {
  const env = collectEnvironment();
  const missed: string[] = [];
  const failed = [
    ...(ws?.rounds ?? []).filter((r) => r.failure !== null).map((r) => `WebSocket round ${r.round} ${r.contender}: ${r.failure}`),
    ...(scale?.rounds ?? [])
      .filter((r) => r.failure !== null)
      .map((r) => `WebSocket at ${n0(scale!.clients)} clients, round ${r.round} ${r.contender}: ${r.failure}`),
  ];
  const lines: string[] = [];
  lines.push('## pushbench server speed vs bare baselines', '');
  lines.push(
    `Machine: ${env.cores} cores, ${env.cpuModel}, Node ${env.node}, ${env.os}${env.gitCommit ? `, commit ${env.gitCommit.slice(0, 12)}` : ''}`,
  );
  lines.push(`Command: \`${command}\``, '');
  lines.push(
    '| comparison | pushbench (median) | baseline (median) | median ratio pushbench/baseline | target | verdict |',
    '|---|---:|---:|---:|---:|---|',
  );
  for (const p of poll) {
    const push = median(p.rounds.filter((r) => r.contender === 'pushbench').map((r) => r.requestsPerSecond));
    const base = median(p.rounds.filter((r) => r.contender !== 'pushbench').map((r) => r.requestsPerSecond));
    const target = TARGET_POLL_RATIO;
    const ok = p.medianRatio >= target;
    if (!ok) missed.push(`GET /poll over ${p.wire} (${p.variant}) against ${p.baseline}: ratio ${n2(p.medianRatio)} < ${target}`);
    lines.push(
      `| GET /poll over ${p.wire}, ${p.variant}: req/s (${p.tool}) against ${p.baseline} | ${n0(push)} | ${n0(base)} | ${n2(p.medianRatio)} | ≥ ${n2(target)} | ${ok ? 'met' : '**missed**'} |`,
    );
    const cpuPush = median(p.rounds.filter((r) => r.contender === 'pushbench').map((r) => r.cpuMicrosPerRequest));
    const cpuBase = median(p.rounds.filter((r) => r.contender !== 'pushbench').map((r) => r.cpuMicrosPerRequest));
    lines.push(
      `| GET /poll over ${p.wire}, ${p.variant}: server CPU µs/request against ${p.baseline} (for diagnosis) | ${n2(cpuPush)} | ${n2(cpuBase)} | ${n2(p.medianCpuRatio)} | | |`,
    );
  }
  const wsRow = (what: string, comparison: WsComparison, target: number): void => {
    const valid = comparison.rounds.filter((r) => comparison.ratios.has(r.round));
    const medianOf = (rs: WsRound[]): string => (rs.length === 0 ? 'n/a' : n2(median(rs.map((r) => r.cpuMicrosPerMessage))));
    if (comparison.medianRatio === null) {
      lines.push(`| ${what}: server CPU µs per delivered message | n/a | n/a | n/a (no valid round) | ≤ ${n2(target)} | **failed** |`);
      return;
    }
    const ok = comparison.medianRatio <= target;
    if (!ok) missed.push(`${what} CPU/message ratio ${n2(comparison.medianRatio)} > ${target}`);
    lines.push(
      `| ${what}: server CPU µs per delivered message | ${medianOf(valid.filter((r) => r.contender === 'pushbench'))} | ${medianOf(valid.filter((r) => r.contender !== 'pushbench'))} | ${n2(comparison.medianRatio)} | ≤ ${n2(target)} | ${ok ? 'met' : '**missed**'} |`,
    );
  };
  if (ws !== null) wsRow(`WebSocket broadcast, ${n0(config.clients)} clients`, ws, TARGET_WS_CPU_RATIO);
  if (scale !== null) wsRow(`WebSocket broadcast, ${n0(scale.clients)} clients`, scale, TARGET_WS_SCALE_CPU_RATIO);
  lines.push('');

  for (const p of poll) {
    lines.push(
      `### (a) GET ${p.path} over ${p.wire} — ${p.variant}, against ${p.baseline}`,
      '',
      p.wire === 'http'
        ? `Both servers answer with the same ${p.responseBytes}-byte response (checked byte for byte, Date aside). autocannon in this process, ${config.connections} connections, ${config.durationMs} ms per round, after a 1 s warm-up each; the pair's order alternates (A B, B A, ...). Ratio = pushbench / bare of the round.`
        : `Both servers answer with the same ${p.wire === 'h2' ? `status, header fields and ${p.responseBytes}-byte body (checked, date aside)` : `${p.responseBytes}-byte response (checked byte for byte, Date aside)`}, over TLS 1.3 with a self-signed P-256 certificate made at start${p.wire === 'h2' ? `, ALPN h2 and the same HTTP/2 SETTINGS (the bare server has none of pushbench's session limits, guards or accounting)${h2FramesText(p.sameFrames)}` : ''}. ${p.tool} (C, its own process), ${config.connections} connections, one request at a time each (-m 1), ${config.durationMs} ms per round, after a 1 s warm-up each; the pair's order alternates. h2load reports no p99. Ratio = pushbench / bare of the round.`,
      '',
      '| round | server | req/s | p99 ms | server CPU µs/req | ratio pushbench/bare |',
      '|---:|---|---:|---:|---:|---:|',
    );
    for (const r of p.rounds) {
      const ratio = r.contender === 'pushbench' ? '' : n2(p.ratios[r.round - 1] ?? Number.NaN);
      lines.push(
        `| ${r.round} | ${r.contender} | ${n0(r.requestsPerSecond)} | ${r.latencyMsP99 ?? 'n/a'} | ${n2(r.cpuMicrosPerRequest)} | ${ratio} |`,
      );
    }
    lines.push('');
  }

  const wsRounds = (comparison: WsComparison): void => {
    lines.push(
      '| round | server | published | delivered | complete | server CPU ms | CPU µs/msg | ratio pushbench/bare |',
      '|---:|---|---:|---:|---|---:|---:|---:|',
    );
    for (const r of comparison.rounds) {
      const pairRatio = comparison.ratios.get(r.round);
      const ratio = r.contender === 'pushbench' ? '' : pairRatio === undefined ? 'n/a' : n2(pairRatio);
      const complete = r.failure === null ? 'yes' : `**FAILED**: ${r.failure}`;
      lines.push(
        `| ${r.round} | ${r.contender} | ${r.published} | ${n0(r.delivered)} | ${complete} | ${n2(r.cpuMicros / 1000)} | ${n2(r.cpuMicrosPerMessage)} | ${ratio} |`,
      );
    }
    lines.push('');
  };
  if (ws !== null) {
    lines.push(
      '### (b) WebSocket broadcast — server CPU per delivered message',
      '',
      `${n0(config.clients)} ws clients (this process, opened in batches of ${CONNECT_BATCH}), ${config.messages} messages at ${config.rate} msgs/s, ${config.payloadBytes}-byte payload; CPU is user + system of the server process (process.cpuUsage, reported over IPC) from before the first message to the last delivery, divided by messages counted on the clients. A warm-up round each first; the pair's order alternates (A B, B A, ...).`,
      '',
    );
    wsRounds(ws);
  }
  if (scale !== null) {
    const addresses =
      scale.sourceAddresses.length === 0
        ? 'one source address (127.0.0.1)'
        : `source addresses ${[...new Set(scale.sourceAddresses)].join(', ')}`;
    lines.push(
      `### (c) WebSocket broadcast at ${n0(scale.clients)} clients — server CPU per delivered message`,
      '',
      `${n0(scale.clients)} ws clients per server in ${scale.processes} child process(es) each (run/scale-plan.ts: ≤ 5,000 sockets a process, ${addresses}), both sets open through every round; ${scale.messages} messages at ${scale.rate} msgs/s per round (the deliveries per second of (b)), ${config.payloadBytes}-byte payload. CPU as in (b). A warm-up round each first; the pair's order alternates.`,
      '',
    );
    wsRounds(scale);
  }
  if (failed.length > 0)
    lines.push(
      `**${failed.length} round${failed.length > 1 ? 's' : ''} FAILED** (left out of the medians):`,
      ...failed.map((x) => `- ${x}`),
      '',
    );
  return { text: lines.join('\n'), missed, failed };
}

// ---------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------

function dropEverything(): void {
  for (const ws of openSockets) ws.terminate();
  openSockets.clear();
  killAllChildren('SIGKILL');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = parsePerfArgs(args);
  if (config === null) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const command = `npm run perf:servers${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping every server process and client`);
      dropEverything();
      process.exit(EXIT.interrupted);
    });
  }
  const started = Date.now();
  const poll: PollComparison[] = [];
  if (config.only === null || config.only === 'poll') {
    if (config.wires.some((wire) => wire !== 'http') && !existsSync(config.h2load)) {
      throw new ConfigError(
        `invalid --h2load: ${JSON.stringify(config.h2load)} does not exist; the https and h2 rounds need h2load (apt-get install nghttp2-client), or pass --wire http`,
      );
    }
    for (const wire of config.wires) poll.push(...(await comparePoll(config, wire)));
  }
  const ws = config.only === null || config.only === PLAIN_WS_TECHNIQUE ? await compareWebSocket(config) : null;
  const scale = (config.only === null || config.only === 'scale') && config.scaleClients > 0 ? await compareWebSocketAtScale(config) : null;
  const { text, missed, failed } = renderMarkdown(config, poll, ws, scale, command);
  process.stdout.write(`${text}\n`);
  const problems = [
    ...(failed.length > 0 ? [`${failed.length} failed round(s)`] : []),
    ...(missed.length > 0 ? [`missed: ${missed.join('; ')}`] : []),
  ];
  progress(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s${problems.length > 0 ? `; ${problems.join('; ')}` : '; all targets met'}`,
  );
  // A failed round always fails the script; a missed target only with --strict.
  if (failed.length > 0 || (missed.length > 0 && config.strict)) process.exitCode = EXIT.failed;
}

main()
  .catch((error: Error) => {
    if (error instanceof ConfigError) {
      process.exitCode = reportError('perf:servers', error);
      return;
    }
    progress(`failed: ${error.stack ?? error.message}`);
    process.exitCode = EXIT.failed;
  })
  .finally(dropEverything);
