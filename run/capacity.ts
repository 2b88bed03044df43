/**
 * Capacity: autocannon drives `GET /poll` flat out to find the requests/s a polling
 * server sustains, which bounds how many clients a poll interval allows
 * (clients = requests/s x interval). autocannon runs in this process; the server, when
 * we start it, runs in its own child process so the two never share an event loop.
 */
import autocannon from 'autocannon';
import { request } from 'undici';
import { PATHS } from '../core/protocol.ts';
import { INTERVAL_POLL_TECHNIQUE, TECHNIQUE_META } from '../core/techniques.ts';
import type { HeaderList } from '../load/headers.ts';
import type { CapacityResult } from '../core/results.ts';
import { ServerProcess } from './server-process.ts';
import { PushbenchError } from '../core/errors.ts';

export interface CapacityOptions {
  /** Base URL of a running server; without it a polling server is spawned and closed afterwards. */
  url?: string;
  connections?: number;
  durationMs?: number;
  /** Request headers every poll carries (a header profile's `poll` list). */
  headers: HeaderList;
  intervalsMs?: readonly number[];
  /** Progress lines; stderr by default so that stdout stays clean for data. */
  progress?: (line: string) => void;
}

export const DEFAULT_CAPACITY_OPTIONS = Object.freeze({
  connections: 50,
  durationMs: 3000,
  intervalsMs: Object.freeze([250, 1000, 5000, 10_000]) as readonly number[],
});

/** The technique capacity is about: the one whose clients poll on an interval (short polling). */
export const CAPACITY_TECHNIQUE = INTERVAL_POLL_TECHNIQUE;

/** The server a capacity run spawns: polling only, 1 msg/s of 64-byte payloads. */
export const CAPACITY_SERVER = Object.freeze({ techniques: [CAPACITY_TECHNIQUE] as const, rate: 1, payloadBytes: 64, holdMs: 30_000 });

/** Options that cannot work, or a run whose requests the server refused. */
export class CapacityError extends PushbenchError<'PUSHBENCH_CAPACITY'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_CAPACITY', message, options);
  }
}

function stderrProgress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Largest client count each poll interval allows at `requestsPerSecond`. */
export function maxClientsByInterval(requestsPerSecond: number, intervalsMs: readonly number[]): CapacityResult['maxClientsByInterval'] {
  return intervalsMs.map((intervalMs) => ({ intervalMs, clients: Math.floor((requestsPerSecond * intervalMs) / 1000) }));
}

/** Measures the requests/s `/poll` sustains and the client counts that allows per interval. */
export async function measureCapacity(options: CapacityOptions): Promise<CapacityResult> {
  const connections = options.connections ?? DEFAULT_CAPACITY_OPTIONS.connections;
  const durationMs = options.durationMs ?? DEFAULT_CAPACITY_OPTIONS.durationMs;
  const intervalsMs = options.intervalsMs ?? DEFAULT_CAPACITY_OPTIONS.intervalsMs;
  const progress = options.progress ?? stderrProgress;
  validate(connections, durationMs, intervalsMs);

  let server: ServerProcess | undefined;
  try {
    let url = options.url?.replace(/\/+$/, '');
    if (url === undefined) {
      progress('capacity: starting a polling server process');
      server = await ServerProcess.spawn({ ...CAPACITY_SERVER, techniques: [...CAPACITY_SERVER.techniques] });
      url = server.url;
    }
    // since=0 would return the whole ring on every poll; pollers that keep up ask from the head.
    const head = await fetchHead(url);
    const target = `${url}${TECHNIQUE_META[CAPACITY_TECHNIQUE].path}?since=${head}`;
    progress(`capacity: ${connections} connections on ${target} for ${durationMs} ms`);
    const result = await autocannon({
      url: target,
      connections,
      duration: durationMs / 1000,
      headers: Object.fromEntries(options.headers),
    });
    if (result.non2xx > 0) {
      throw new CapacityError(`capacity: ${result.non2xx} of ${result.requests.total} polls to ${target} got a non-2xx status (${JSON.stringify(result.statusCodeStats)})`);
    }
    if (result.requests.total === 0) {
      throw new CapacityError(`capacity: no poll to ${target} completed in ${durationMs} ms (${result.errors} errors, ${result.timeouts} timeouts)`);
    }
    // requests.average is the mean of autocannon's per-second samples: requests/s.
    const requestsPerSecond = result.requests.average;
    progress(`capacity: ${Math.round(requestsPerSecond)} req/s, p99 ${result.latency.p99} ms`);
    return {
      url,
      connections,
      durationMs,
      requestsPerSecond,
      latencyMsP99: result.latency.p99,
      maxClientsByInterval: maxClientsByInterval(requestsPerSecond, intervalsMs),
    };
  } finally {
    await server?.close();
  }
}

/** The newest seq the server holds, from its info document at `GET /`. */
async function fetchHead(url: string): Promise<number> {
  let info: unknown;
  try {
    const res = await request(`${url}${PATHS.info}`, { headersTimeout: 5000, bodyTimeout: 5000 });
    info = await res.body.json();
  } catch (error) {
    throw new CapacityError(`capacity: cannot read ${url}${PATHS.info}: ${(error as Error).message}`, { cause: error });
  }
  const head = (info as { head?: unknown } | null)?.head;
  if (typeof head !== 'number' || !Number.isSafeInteger(head) || head < 0) {
    throw new CapacityError(`capacity: ${url}${PATHS.info} is not a pushbench server: expected a JSON object with an integer "head", received ${JSON.stringify(info)?.slice(0, 200)}`);
  }
  return head;
}

function validate(connections: number, durationMs: number, intervalsMs: readonly number[]): void {
  if (!(Number.isInteger(connections) && connections >= 1)) {
    throw new CapacityError(`invalid connections: received ${connections}; expected an integer >= 1`);
  }
  if (!(Number.isFinite(durationMs) && durationMs >= 100)) {
    throw new CapacityError(`invalid durationMs: received ${durationMs}; expected at least 100`);
  }
  for (const interval of intervalsMs) {
    if (!(Number.isFinite(interval) && interval > 0)) {
      throw new CapacityError(`invalid intervalsMs: received ${interval}; every interval must be a positive number of ms`);
    }
  }
}
