/**
 * Capacity of the server, not of the load tool: how many polls per second one polling
 * server process answers, and what one poll costs it.
 *
 * 1. Saturation: load processes (load/poll-load.ts, the lean keep-alive client) poll
 *    `GET /poll?since=<head>` closed loop, so that together they make more requests than the
 *    server can answer while each stays below saturation itself. As few as do that: unless a
 *    count is given, the probe starts one and adds one (up to cores + 1) while, over the second
 *    half of a warm-up, the busiest load process's event loop was busier than LOAD_ELU_TO_ADD.
 *    After the warm-up (a cold JIT
 *    and fresh connections answer far slower), several rounds are measured from the server's
 *    own counters: requests answered per second and the server's event-loop utilisation,
 *    beside every load process's. A probe is valid when the server's loop was saturated
 *    (>= 0.95) and no load process's was; the result says whether it was.
 * 2. Cost: the same load processes send a fixed, open-loop rate far below saturation, and the
 *    server's CPU time per poll (µs) is read from its own CPU counter. That figure does not
 *    depend on the load tool at all, and gives the clients one core serves per poll interval.
 *    It does depend on the rate: a poll that arrives alone costs the server a loop wakeup of
 *    its own, while at saturation polls share them (each round also records the server's CPU
 *    per poll), so the clients per core from the fixed-rate cost are a lower bound.
 *
 * The server, when the probe starts it, and every load process are child processes: nothing
 * shares an event loop.
 */
import os from 'node:os';
import { request } from 'undici';
import { mergeEncoded, summarize } from '../core/histogram.ts';
import { PATHS, nowMicros, type ServerStats } from '../core/protocol.ts';
import { median } from '../core/spread.ts';
import { INTERVAL_POLL_TECHNIQUE, TECHNIQUE_META } from '../core/techniques.ts';
import type { CapacityResult, CapacityRound } from '../core/results.ts';
import { SocketCounter } from '../core/socket-counter.ts';
import type { WireId } from '../core/wires.ts';
import type { HeaderList } from '../load/headers.ts';
import type { PollLoadSample, PollLoadSpec } from '../load/poll-load.ts';
import { CLIENT_WIRES } from '../load/wire-clients.ts';
import { CapacityError } from './capacity-error.ts';
import { LoadProcess } from './load-process.ts';
import { ServerProcess } from './server-process.ts';

export { CapacityError };

export interface CapacityOptions {
  /** Base URL of a running server; without it (and without `server`) a polling server is spawned and closed afterwards. */
  url?: string;
  /** A polling server process someone else started (perf:capacity): probed, asked for its counters, left running. */
  server?: ServerProcess;
  /** Request headers every poll carries (a header profile's `poll` list). */
  headers: HeaderList;
  /** What carries the polls (core/wires.ts), and the wire of the server the probe spawns; absent: http. */
  wire?: WireId;
  /** The header profile `headers` come from, recorded in the result (absent: not recorded). */
  headerProfile?: string;
  /** Load processes; absent: as few as saturate the server (nextLoadProcessCount), from 1 up to `maxLoadProcesses`. */
  loadProcesses?: number;
  /** Without `loadProcesses`: the most load processes the probe adds; absent: cores + 1. */
  maxLoadProcesses?: number;
  /** Keep-alive connections of the closed-loop load, all load processes together (split as evenly as they go). */
  connections?: number;
  /** Closed-loop load before the first measured round (at each load process count tried, when the probe chooses it). */
  warmupMs?: number;
  rounds?: number;
  /** Length of each measured round. */
  durationMs?: number;
  /** Requests per second of the open-loop cost measurement (all load processes together); 0 skips it. */
  fixedRate?: number;
  /** Length of the cost measurement (after half as long of warm-up at the same rate). */
  fixedRateMs?: number;
  intervalsMs?: readonly number[];
  /** Progress lines; stderr by default so that stdout stays clean for data. */
  progress?: (line: string) => void;
}

export const DEFAULT_CAPACITY_OPTIONS = Object.freeze({
  connections: 96,
  warmupMs: 1000,
  rounds: 3,
  durationMs: 1000,
  fixedRate: 2000,
  fixedRateMs: 2000,
  intervalsMs: Object.freeze([250, 1000, 5000, 10_000]) as readonly number[],
});

/** Event-loop utilisation at and above which a process counts as saturated. */
export const SATURATED_ELU = 0.95;

/**
 * Without a given count, a load process is added while the busiest one's event loop was busier
 * than this over the second half of a warm-up. Measured on the 2-core test machine, HTTP/1.1,
 * 96 connections (docs/results/2026-12-07-capacity-wires.md): one load process ran at 0.5-0.7
 * and left the server's loop below 0.95 in 11 of 18 rounds; two ran at about 0.4 each and left
 * it below in 4 of 18; three at about 0.25, 1 of 18. On HTTP/2 one load process ran at 0.3 and
 * the server was saturated in all but one round. A busier load loop answers late enough that
 * the server waits for it, though it is not saturated itself. The server's own loop is not
 * part of the rule: in the warm-up it read 0.95 or more where the rounds after it did not.
 */
export const LOAD_ELU_TO_ADD = 0.5;

/** The most load processes the probe adds by itself: the cores, and one more. */
export function defaultMaxLoadProcesses(): number {
  return (os.availableParallelism?.() ?? os.cpus().length) + 1;
}

/** One warm-up step of the load process search (CapacityResult's loadProcessSearch). */
export interface LoadProcessStep {
  loadProcesses: number;
  /** Null against a server the probe cannot ask. */
  serverEventLoopUtilization: number | null;
  maxLoadEventLoopUtilization: number;
}

/**
 * The rule: after a warm-up step, the load process count to try next, or null when this one
 * stays: one more while the busiest load process was busier than LOAD_ELU_TO_ADD and the count
 * is below `max`. (The step's server figure is recorded, not used: see LOAD_ELU_TO_ADD.)
 */
export function nextLoadProcessCount(step: LoadProcessStep, max: number): number | null {
  return step.maxLoadEventLoopUtilization > LOAD_ELU_TO_ADD && step.loadProcesses < max ? step.loadProcesses + 1 : null;
}

/** `total` connections over `processes` load processes, the first ones taking one more where they do not divide. */
export function splitConnections(total: number, processes: number): number[] {
  return Array.from({ length: processes }, (_, i) => Math.floor(total / processes) + (i < total % processes ? 1 : 0));
}

/** The technique capacity is about: the one whose clients poll on an interval (short polling). */
export const CAPACITY_TECHNIQUE = INTERVAL_POLL_TECHNIQUE;

/** The server a capacity run spawns: polling only, 1 msg/s of 64-byte payloads. */
export const CAPACITY_SERVER = Object.freeze({ techniques: [CAPACITY_TECHNIQUE] as const, rate: 1, payloadBytes: 64, holdMs: 30_000 });

function stderrProgress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Largest client count each poll interval allows at `requestsPerSecond`. */
export function maxClientsByInterval(requestsPerSecond: number, intervalsMs: readonly number[]): CapacityResult['maxClientsByInterval'] {
  return intervalsMs.map((intervalMs) => ({ intervalMs, clients: Math.floor((requestsPerSecond * intervalMs) / 1000) }));
}

/**
 * Clients one core serves per poll interval when one poll costs `cpuMicrosPerPoll`: a client
 * polling every `intervalMs` costs that much CPU per interval, and a core has intervalMs x 1000 µs.
 */
export function clientsPerCore(cpuMicrosPerPoll: number, intervalsMs: readonly number[]): Array<{ intervalMs: number; clients: number }> {
  return intervalsMs.map((intervalMs) => ({
    intervalMs,
    clients: cpuMicrosPerPoll > 0 ? Math.floor((intervalMs * 1000) / cpuMicrosPerPoll) : 0,
  }));
}

/** Event-loop utilisation between two cumulative samples: active / (active + idle). */
export function utilization(before: { eluActiveMs: number; eluIdleMs: number }, after: { eluActiveMs: number; eluIdleMs: number }): number {
  const active = after.eluActiveMs - before.eluActiveMs;
  const idle = after.eluIdleMs - before.eluIdleMs;
  return active + idle > 0 ? active / (active + idle) : 0;
}

/** Polls the server answered, from its own counter (or the load's responses against a server we cannot ask). */
function polls(stats: ServerStats | null, loads: readonly PollLoadSample[]): number {
  if (stats !== null) return stats.techniques[CAPACITY_TECHNIQUE]?.requests ?? 0;
  return loads.reduce((n, s) => n + s.responses, 0);
}

interface Snapshot {
  at: number;
  server: ServerStats | null;
  loads: PollLoadSample[];
}

async function snapshot(server: ServerProcess | undefined, loads: readonly LoadProcess[]): Promise<Snapshot> {
  const [stats, samples] = await Promise.all([server?.stats(), Promise.all(loads.map((l) => l.sample()))]);
  return { at: stats?.stats.at ?? nowMicros(), server: stats?.stats ?? null, loads: samples };
}

/** One measured round between two snapshots. */
export function roundBetween(a: Snapshot, b: Snapshot): CapacityRound {
  const seconds = (b.at - a.at) / 1e6;
  const answered = polls(b.server, b.loads) - polls(a.server, a.loads);
  return {
    requestsPerSecond: seconds > 0 ? answered / seconds : 0,
    serverCpuMicrosPerPoll:
      a.server === null || b.server === null || answered === 0
        ? null
        : (b.server.process.cpuMicros - a.server.process.cpuMicros) / answered,
    serverEventLoopUtilization: a.server === null || b.server === null ? null : utilization(a.server.process, b.server.process),
    loadEventLoopUtilization: b.loads.map((sample, i) => utilization(a.loads[i]!, sample)),
  };
}

function checkErrors(loads: readonly PollLoadSample[], target: string): void {
  const non200 = loads.reduce((n, s) => n + s.non200, 0);
  const errors = loads.reduce((n, s) => n + s.errors, 0);
  const responses = loads.reduce((n, s) => n + s.responses, 0);
  if (non200 > 0) throw new CapacityError(`capacity: ${non200} of ${responses} polls to ${target} got a status other than 200`);
  if (responses === 0)
    throw new CapacityError(
      `capacity: no poll to ${target} completed (${errors} errors${errors > 0 ? `, first: ${loads.find((s) => s.firstError !== null)?.firstError}` : ''})`,
    );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Measures the polls/s one server sustains at saturation, and its CPU per poll at a fixed rate. */
export async function measureCapacity(options: CapacityOptions): Promise<CapacityResult> {
  const o = { ...DEFAULT_CAPACITY_OPTIONS, ...options };
  const progress = options.progress ?? stderrProgress;
  const wire = options.wire ?? 'http';
  validate(o);

  let server: ServerProcess | undefined = options.server;
  const owned = options.server === undefined;
  const loads: LoadProcess[] = [];
  try {
    let url = (options.server?.url ?? options.url)?.replace(/\/+$/, '');
    if (url === undefined) {
      progress('capacity: starting a polling server process');
      server = await ServerProcess.spawn({ ...CAPACITY_SERVER, techniques: [...CAPACITY_SERVER.techniques], wire });
      url = server.url;
    }
    // since=0 would return the whole ring on every poll; pollers that keep up ask from the head.
    const head = await fetchHead(url, wire);
    const path = `${TECHNIQUE_META[CAPACITY_TECHNIQUE].path}?since=${head}`;
    const target = `${url}${path}`;
    const explicit = options.loadProcesses !== undefined;
    const maxLoadProcesses = explicit
      ? options.loadProcesses!
      : Math.min(options.maxLoadProcesses ?? defaultMaxLoadProcesses(), o.connections);
    const closed: PollLoadSpec = {
      origin: url,
      wire,
      path,
      headers: options.headers,
      connections: o.connections,
      ratePerSecond: null,
    };
    // Every load process (re)started with its share of the connections.
    const startAll = async (spec: PollLoadSpec, startAt?: number): Promise<void> => {
      const shares = splitConnections(o.connections, loads.length);
      await Promise.all(loads.map((l, i) => l.start({ ...spec, connections: shares[i]! }, startAt)));
    };

    // 1. Saturation: closed loop, warm-up (at each count tried), then the rounds.
    const search: LoadProcessStep[] = [];
    let count: number | null = explicit ? maxLoadProcesses : 1;
    while (count !== null) {
      if (loads.length > 0) await Promise.all(loads.map((l) => l.stop()));
      while (loads.length < count) loads.push(LoadProcess.spawn());
      progress(
        `capacity: ${loads.length} load process${loads.length === 1 ? '' : 'es'}, ${o.connections} connections in all on ${target}, closed loop: ${o.warmupMs} ms warm-up${explicit ? '' : ` (adding one up to ${maxLoadProcesses} while the busiest is above ${LOAD_ELU_TO_ADD})`}`,
      );
      await startAll(closed);
      if (explicit) {
        await sleep(o.warmupMs);
        break;
      }
      // The decision reads the second half of the warm-up: the first one heats the JIT and the connections.
      await sleep(o.warmupMs / 2);
      const a = await snapshot(server, loads);
      await sleep(o.warmupMs / 2);
      const round = roundBetween(a, await snapshot(server, loads));
      const step: LoadProcessStep = {
        loadProcesses: loads.length,
        serverEventLoopUtilization: round.serverEventLoopUtilization,
        maxLoadEventLoopUtilization: Math.max(...round.loadEventLoopUtilization),
      };
      search.push(step);
      count = nextLoadProcessCount(step, maxLoadProcesses);
      progress(
        `capacity: warm-up with ${step.loadProcesses}: server event loop ${step.serverEventLoopUtilization === null ? 'n/a' : step.serverEventLoopUtilization.toFixed(3)}, busiest load process ${step.maxLoadEventLoopUtilization.toFixed(3)}${count === null ? '' : `: adding one`}`,
      );
    }
    progress(`capacity: ${o.rounds} rounds of ${o.durationMs} ms`);
    const rounds: CapacityRound[] = [];
    let previous = await snapshot(server, loads);
    for (let r = 0; r < o.rounds; r++) {
      await sleep(o.durationMs);
      const next = await snapshot(server, loads);
      rounds.push(roundBetween(previous, next));
      previous = next;
    }
    checkErrors(previous.loads, target);
    const latency = summarize(mergeEncoded(previous.loads.map((s) => s.latency)));
    await Promise.all(loads.map((l) => l.stop()));
    const requestsPerSecond = median(rounds.map((r) => r.requestsPerSecond));
    const serverElus = rounds.map((r) => r.serverEventLoopUtilization).filter((u): u is number => u !== null);
    const serverEventLoopUtilization = serverElus.length === 0 ? null : median(serverElus);
    const maxLoadEventLoopUtilization = Math.max(...rounds.flatMap((r) => r.loadEventLoopUtilization));
    progress(
      `capacity: ${Math.round(requestsPerSecond)} polls/s (rounds ${rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')}), ` +
        `server event loop ${serverEventLoopUtilization === null ? 'n/a' : serverEventLoopUtilization.toFixed(3)}, busiest load process ${maxLoadEventLoopUtilization.toFixed(3)}`,
    );

    // 2. Cost: a fixed open-loop rate, the server's CPU per poll (only for a server we can ask).
    let costAtFixedRate: CapacityResult['costAtFixedRate'] = null;
    if (server !== undefined && o.fixedRate > 0) {
      progress(`capacity: ${o.fixedRate} polls/s open loop for ${o.fixedRateMs} ms: the server's CPU per poll`);
      const startAt = nowMicros() + 100_000;
      await startAll({ ...closed, ratePerSecond: o.fixedRate / loads.length }, startAt);
      await sleep((startAt - nowMicros()) / 1000 + o.fixedRateMs / 2);
      const a = await snapshot(server, loads);
      await sleep(o.fixedRateMs);
      const b = await snapshot(server, loads);
      checkErrors(b.loads, target);
      await Promise.all(loads.map((l) => l.stop()));
      const answered = polls(b.server, b.loads) - polls(a.server, a.loads);
      const cpuMicros = b.server!.process.cpuMicros - a.server!.process.cpuMicros;
      const cpuMicrosPerPoll = answered > 0 ? cpuMicros / answered : 0;
      costAtFixedRate = {
        targetRequestsPerSecond: o.fixedRate,
        requestsPerSecond: (answered * 1e6) / (b.at - a.at),
        windowMs: o.fixedRateMs,
        cpuMicrosPerPoll,
        serverEventLoopUtilization: utilization(a.server!.process, b.server!.process),
        clientsPerCoreByInterval: clientsPerCore(cpuMicrosPerPoll, o.intervalsMs),
      };
      progress(
        `capacity: ${cpuMicrosPerPoll.toFixed(1)} µs of server CPU per poll at ${Math.round(costAtFixedRate.requestsPerSecond)} polls/s`,
      );
    }

    return {
      url,
      connections: o.connections,
      durationMs: o.durationMs,
      requestsPerSecond,
      latencyMsP99: latency.p99,
      maxClientsByInterval: maxClientsByInterval(requestsPerSecond, o.intervalsMs),
      loadProcesses: loads.length,
      warmupMs: o.warmupMs,
      rounds,
      serverEventLoopUtilization,
      maxLoadEventLoopUtilization,
      saturated:
        serverEventLoopUtilization !== null && serverEventLoopUtilization >= SATURATED_ELU && maxLoadEventLoopUtilization < SATURATED_ELU,
      costAtFixedRate,
      wire,
      ...(options.headerProfile === undefined ? {} : { headers: options.headerProfile }),
      ...(explicit ? {} : { loadProcessSearch: search }),
    };
  } finally {
    await Promise.all([...loads.map((l) => l.close()), owned ? server?.close() : undefined]);
  }
}

/** The info document at `GET /` over `wire`: undici on HTTP/1.1 cleartext, the load's own client of the wire otherwise (any certificate: a loopback server's self-signed one). */
async function fetchInfo(url: string, wire: WireId): Promise<unknown> {
  if (wire === 'http') {
    const res = await request(`${url}${PATHS.info}`, { headersTimeout: 5000, bodyTimeout: 5000 });
    return res.body.json();
  }
  const channel = CLIENT_WIRES[wire](url, new SocketCounter()).gets([], [], 'snapshot');
  const timer = setTimeout(() => channel.destroy(), 5000);
  try {
    await channel.connect();
    return JSON.parse((await channel.get(PATHS.info)).body.toString()) as unknown;
  } finally {
    clearTimeout(timer);
    await channel.close(1000);
  }
}

/** The newest seq the server holds, from its info document at `GET /`. */
async function fetchHead(url: string, wire: WireId): Promise<number> {
  let info: unknown;
  try {
    info = await fetchInfo(url, wire);
  } catch (error) {
    throw new CapacityError(`capacity: cannot read ${url}${PATHS.info}: ${(error as Error).message}`, { cause: error });
  }
  const head = (info as { head?: unknown } | null)?.head;
  if (typeof head !== 'number' || !Number.isSafeInteger(head) || head < 0) {
    throw new CapacityError(
      `capacity: ${url}${PATHS.info} is not a pushbench server: expected a JSON object with an integer "head", received ${JSON.stringify(info)?.slice(0, 200)}`,
    );
  }
  return head;
}

function validate(
  o: Required<Pick<CapacityOptions, 'connections' | 'warmupMs' | 'rounds' | 'durationMs' | 'fixedRate' | 'fixedRateMs' | 'intervalsMs'>> &
    Pick<CapacityOptions, 'loadProcesses' | 'maxLoadProcesses'>,
): void {
  const integer = (name: string, value: number, min: number): void => {
    if (!(Number.isInteger(value) && value >= min))
      throw new CapacityError(`invalid ${name}: received ${value}; expected an integer >= ${min}`);
  };
  if (o.loadProcesses !== undefined) integer('loadProcesses', o.loadProcesses, 1);
  if (o.maxLoadProcesses !== undefined) integer('maxLoadProcesses', o.maxLoadProcesses, 1);
  integer('connections', o.connections, 1);
  if (o.loadProcesses !== undefined && o.connections < o.loadProcesses)
    throw new CapacityError(
      `invalid connections: received ${o.connections}; expected at least one per load process (loadProcesses ${o.loadProcesses})`,
    );
  integer('rounds', o.rounds, 1);
  if (!(Number.isFinite(o.durationMs) && o.durationMs >= 100))
    throw new CapacityError(`invalid durationMs: received ${o.durationMs}; expected at least 100`);
  if (!(Number.isFinite(o.warmupMs) && o.warmupMs >= 0))
    throw new CapacityError(`invalid warmupMs: received ${o.warmupMs}; expected at least 0`);
  if (!(Number.isFinite(o.fixedRate) && o.fixedRate >= 0))
    throw new CapacityError(`invalid fixedRate: received ${o.fixedRate}; expected requests/s >= 0 (0 skips the cost measurement)`);
  if (!(Number.isFinite(o.fixedRateMs) && o.fixedRateMs >= 100))
    throw new CapacityError(`invalid fixedRateMs: received ${o.fixedRateMs}; expected at least 100`);
  for (const interval of o.intervalsMs) {
    if (!(Number.isFinite(interval) && interval > 0)) {
      throw new CapacityError(`invalid intervalsMs: received ${interval}; every interval must be a positive number of ms`);
    }
  }
}
