/**
 * A load driver child process for perf/generator.ts: runs one kind of client load
 * between two instants on the shared monotonic clock and reports the CPU it spent
 * (user + system) in that span, how much work it did in it, when it was ready, and, for
 * the WebSocket kinds, how many messages it received in all (the parent checks that
 * against what the server published: a round that delivers less fails).
 */
import { builtinSubscription } from '../core/targets.ts';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { Generator } from '../load/generator.ts';
import { HEADER_PROFILES } from '../load/headers.ts';
import { nowMicros, type TechniqueId } from '../core/protocol.ts';
import { INTERVAL_POLL_TECHNIQUE, PLAIN_WS_TECHNIQUE, TECHNIQUE_META, techniqueUrl } from '../core/techniques.ts';
import { EXIT } from '../cli/exit-codes.ts';

export interface LoadRun {
  kind: LoadKind;
  origin: string;
  clients: number;
  /** Polling interval (generator) or the equivalent overall request rate (autocannon). */
  intervalMs: number;
  /**
   * The seq clients start after: the server's newest when the run was prepared. Starting
   * at 0 would replay every message of earlier rounds to every client while connecting.
   */
  startSeq: number;
  /** Measured span, monotonic µs; the load must be ready before `startT`. */
  startT: number;
  endT: number;
  /** WebSocket kinds: the server publishes from `publishStart` (before startT) until `publishEnd`; clients count until `drainUntil`. */
  publishStart: number;
  drainUntil: number;
}

export interface LoadReport {
  /** CPU of this process during [startT, endT]. */
  cpuMicros: number;
  /** Requests answered (poll kinds) or messages received (WebSocket kinds) in the span. */
  count: number;
  /** Monotonic µs at which every client was connected (the span is void if this is after startT). */
  readyAt: number;
  /** WebSocket kinds: distinct messages received in all, over every client (null for the poll kinds). */
  delivered: number | null;
  /** Errors the load met (failed requests, non-2xx answers, client errors). */
  errors: number;
}

export type LoadKind = keyof typeof KINDS;

function cpuNow(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function sleepUntil(t: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (t - nowMicros()) / 1000)));
}

/** Measures this process's CPU over the span; `count()` is read at both ends. */
async function measured(run: LoadRun, count: () => number): Promise<{ cpuMicros: number; count: number }> {
  await sleepUntil(run.startT);
  const cpu0 = cpuNow();
  const count0 = count();
  await sleepUntil(run.endT);
  return { cpuMicros: cpuNow() - cpu0, count: count() - count0 };
}

/** pushbench's own load generator for `run.clients` broadcast clients of `technique`, browser headers. */
function broadcastGenerator(technique: TechniqueId, run: LoadRun): Generator {
  return new Generator({
    technique,
    origin: run.origin,
    fromClient: 0,
    toClient: run.clients,
    workload: 'broadcast',
    roomSize: 1,
    startSeq: run.startSeq,
    intervalMs: run.intervalMs,
    holdMs: 30_000,
    headers: HEADER_PROFILES.browser,
    rate: 1,
    payloadBytes: 64,
    connectConcurrency: 64,
    subscription: builtinSubscription(technique),
    notBeforeT: 0,
  });
}

async function connected(generator: Generator): Promise<number> {
  const outcome = await generator.connect();
  if (outcome.failed > 0) throw new Error(`${outcome.failed} clients could not connect: ${outcome.firstError}`);
  return nowMicros();
}

const KINDS = {
  /** pushbench's polling driver: one keep-alive connection per client, a poll every interval. */
  async 'generator-poll'(run: LoadRun): Promise<LoadReport> {
    const generator = broadcastGenerator(INTERVAL_POLL_TECHNIQUE, run);
    const readyAt = await connected(generator);
    // Polls begin on the grid at startT; requests are counted between the window's snapshots.
    generator.setWindow({ startT: run.startT, endT: run.endT }, run.startT, null);
    const { cpuMicros } = await measured(run, () => 0);
    const window = await generator.collect();
    await generator.close();
    return { cpuMicros, count: window.requests.total, readyAt, delivered: null, errors: window.errors.count };
  },
  /** autocannon at the same overall request rate over the same number of connections. */
  async autocannon(run: LoadRun): Promise<LoadReport> {
    // Poll from the newest seq, as pushbench's clients do after their first poll: `since=0`
    // would return the whole ring, and the bodies would grow with every message published.
    const readyAt = nowMicros();
    await sleepUntil(run.startT);
    const cpu0 = cpuNow();
    const result = await autocannon({
      url: `${run.origin}${TECHNIQUE_META[INTERVAL_POLL_TECHNIQUE].path}?since=${run.startSeq}`,
      connections: run.clients,
      overallRate: Math.round((run.clients * 1000) / run.intervalMs),
      duration: (run.endT - run.startT) / 1e6,
      headers: Object.fromEntries(HEADER_PROFILES.browser.poll),
    });
    return { cpuMicros: cpuNow() - cpu0, count: result.requests.total, readyAt, delivered: null, errors: result.errors + result.non2xx };
  },
  /** pushbench's WebSocket driver: parses every message, checks its seq, records its latency. */
  async 'generator-ws'(run: LoadRun): Promise<LoadReport> {
    const generator = broadcastGenerator(PLAIN_WS_TECHNIQUE, run);
    const readyAt = await connected(generator);
    // Every message published counts as delivered; the span's work is read off the same counter.
    generator.setWindow({ startT: run.publishStart, endT: run.drainUntil }, run.publishStart, null);
    const { cpuMicros, count } = await measured(run, () => generator.recorder.counts.receivedInWindow);
    await sleepUntil(run.drainUntil);
    const window = await generator.collect();
    await generator.close();
    return { cpuMicros, count, readyAt, delivered: window.counts.delivered, errors: window.errors.count };
  },
  /** The textbook loop: ws clients that count messages and do nothing else. */
  async 'bare-ws'(run: LoadRun): Promise<LoadReport> {
    let received = 0;
    let errors = 0;
    const sockets: WebSocket[] = [];
    for (let i = 0; i < run.clients; i += 64) {
      await Promise.all(
        Array.from(
          { length: Math.min(64, run.clients - i) },
          () =>
            new Promise<void>((resolve, reject) => {
              const ws = new WebSocket(`${techniqueUrl(PLAIN_WS_TECHNIQUE, run.origin)}?since=${run.startSeq}`, {
                perMessageDeflate: false,
              });
              ws.on('message', () => received++);
              ws.once('open', () => resolve());
              ws.once('error', (error) => (ws.readyState === WebSocket.CONNECTING ? reject(error) : errors++));
              sockets.push(ws);
            }),
        ),
      );
    }
    const readyAt = nowMicros();
    const report = await measured(run, () => received);
    await sleepUntil(run.drainUntil);
    const delivered = received;
    for (const ws of sockets) ws.terminate();
    return { ...report, readyAt, delivered, errors };
  },
};

process.on('message', (run: LoadRun) => {
  KINDS[run.kind](run).then(
    (report) => process.send?.({ type: 'done', report }, undefined, undefined, () => process.disconnect()),
    (error: Error) =>
      process.send?.({ type: 'error', message: error.stack ?? error.message }, undefined, undefined, () => process.disconnect()),
  );
});
// The perf script is gone: leave.
process.on('disconnect', () => setTimeout(() => process.exit(EXIT.ok), 2000).unref());
