/**
 * `npm run perf:generator`: is pushbench's load generator the bottleneck? Its CPU cost,
 * as ratios against textbook baselines measured side by side in one run (alternating
 * rounds, median ratio), since absolute figures on a shared machine mean little:
 *
 * (a) per poll request: pushbench's polling driver (lean keep-alive GETs, browser headers,
 *     JSON parsing, seq checks) vs autocannon at the same request rate over as many
 *     connections, same endpoint and headers. Target: at most autocannon's CPU per request (1.0x;
 *     issue 19; 1.5x before the poll path was profiled and cut, docs/results/2026-12-07-generator-poll.md).
 * (b) per received WebSocket message: pushbench's WebSocket driver (its stamp found in the
 *     frame's bytes, seq check, HDR latency record) vs a bare `ws` client loop that only counts,
 *     same server, same stream. Target: at most the bare loop's CPU per message (1.0x, issue 19;
 *     profiled and cut in docs/results/2026-12-07-generator-ws.md).
 *
 * A round is valid only if its load was connected before the span began, met no error,
 * did some work, and (WebSocket) every client received every message the server
 * published. Otherwise the round FAILS, says why, is left out of the medians, and the
 * script exits 1: a broken round is never turned into a ratio.
 *
 * Each driver runs in its own child process; every child is killed at the end, on error
 * and on Ctrl-C; every wait has a deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { forkChild, killAllChildren, describeExit } from '../run/children.ts';
import { collectEnvironment } from '../run/environment.ts';
import { ServerProcess } from '../run/server-process.ts';
import { nowMicros, PATHS } from '../core/protocol.ts';
import { median } from '../core/spread.ts';
import { HEADER_PROFILES, profileOrigins } from '../load/headers.ts';
import { INTERVAL_POLL_TECHNIQUE, PLAIN_WS_TECHNIQUE } from '../core/techniques.ts';
import type { LoadKind, LoadReport, LoadRun } from './load-driver.ts';
import { EXIT, reportError } from '../cli/exit-codes.ts';
import { booleanReader, HELP_ROW, helpLines, integerReader, parseCommand, synopsis, type Flag } from '../cli/flags.ts';

/** The flags of `npm run perf:generator`: the parser and the usage text both read this table. */
const GENERATOR_FLAGS = {
  rounds: { flag: 'rounds', arg: 'N', help: 'alternating rounds, 1..50', defaultText: '3, or $PERF_ROUNDS', reader: integerReader(1, 50) },
  leadMs: {
    flag: 'lead',
    arg: 'MS',
    help: 'from forking a driver to the span: Node start-up plus connecting every client (raise it on a loaded machine)',
    defaultText: '3000',
    reader: integerReader(500, 120_000),
  },
  quick: {
    flag: 'quick',
    arg: null,
    help: 'one short round with fewer clients: checks the script works (CI), figures not comparable',
    defaultText: 'off',
    reader: booleanReader(),
  },
} as const satisfies Record<string, Flag<unknown>>;

const USAGE = `usage: npm run perf:generator -- ${synopsis(Object.values(GENERATOR_FLAGS))}

Options:
${helpLines([...Object.values(GENERATOR_FLAGS), HELP_ROW])}`;

const { ROUNDS, QUICK, LEAD_MS } = (() => {
  try {
    const parsed = parseCommand(process.argv.slice(2), GENERATOR_FLAGS, { positionals: false });
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(EXIT.ok);
    }
    const quick = parsed.values.quick ?? false;
    return {
      QUICK: quick,
      LEAD_MS: parsed.values.leadMs ?? 3000,
      ROUNDS: parsed.values.rounds ?? (quick ? 1 : GENERATOR_FLAGS.rounds.reader.read(process.env.PERF_ROUNDS ?? 3, 'PERF_ROUNDS')),
    };
  } catch (error) {
    process.exit(reportError('perf:generator', error));
  }
})();
const SPAN_MS = QUICK ? 1000 : 3000;
/** WebSocket publishing starts this long before the span and ends this long after it; clients then count for as long again. */
const PUBLISH_MARGIN_MS = 500;
// Quick mode keeps the rates per client and only shrinks the load: it proves the rounds are valid, not the ratios.
const POLL = { clients: QUICK ? 50 : 200, intervalMs: 40 }; // 25 requests/s per client: 5,000 requests/s in all
const WS = { clients: QUICK ? 200 : 1000, rate: 50 }; // 50 messages/s per client: 50,000 messages/s in all
const TARGET_POLL = 1.0;
// Issue 19: the driver costs no more than autocannon per poll and no more than the bare ws loop per message.
const TARGET_WS = 1.0;

const DRIVER = new URL('./load-driver.ts', import.meta.url);

/** One driver's round: its report, or why the round is void. */
interface Outcome {
  kind: LoadKind;
  report: LoadReport;
  /** Null when the round is valid. */
  failure: string | null;
}

async function serverHead(origin: string): Promise<number> {
  const info = (await (await fetch(`${origin}${PATHS.info}`, { signal: AbortSignal.timeout(5000) })).json()) as { head: number };
  return info.head;
}

/** A driver that threw (a refused handshake, a crash): the round fails with its reason, the other rounds still run. */
async function driverOutcome(kind: LoadKind, report: Promise<LoadReport>, failure: (r: LoadReport) => string | null): Promise<Outcome> {
  try {
    const r = await report;
    return { kind, report: r, failure: failure(r) };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    return { kind, report: { cpuMicros: 0, count: 0, readyAt: 0, delivered: null, errors: 1 }, failure: `the driver failed: ${message}` };
  }
}

async function runDriver(run: LoadRun): Promise<LoadReport> {
  const forked = forkChild(DRIVER, []);
  const reply = new Promise<LoadReport>((resolve, reject) => {
    forked.child.on('message', (m: { type: 'done'; report: LoadReport } | { type: 'error'; message: string }) =>
      m.type === 'done' ? resolve(m.report) : reject(new Error(`${run.kind}: ${m.message}`)),
    );
    void forked.exited.then((exit) => reject(new Error(describeExit(run.kind, exit, forked.stderrTail()))));
  });
  forked.child.send(run);
  const deadline = sleep((run.drainUntil - nowMicros()) / 1000 + 30_000).then(() => {
    throw new Error(`${run.kind} did not finish in time`);
  });
  try {
    return await Promise.race([reply, deadline]);
  } finally {
    await Promise.race([forked.exited, sleep(3000)]);
    forked.child.kill('SIGKILL');
  }
}

/** Times of one driver's run, all on the monotonic clock, from now. */
function schedule(kind: LoadKind, origin: string, clients: number, intervalMs: number, startSeq: number): LoadRun {
  const startT = nowMicros() + LEAD_MS * 1000;
  const endT = startT + SPAN_MS * 1000;
  const margin = PUBLISH_MARGIN_MS * 1000;
  return { kind, origin, clients, intervalMs, startSeq, startT, endT, publishStart: startT - margin, drainUntil: endT + 2 * margin };
}

/** Why a round's figures cannot be used, or null. */
function validate(run: LoadRun, report: LoadReport, unit: string, expected: number | null): string | null {
  if (report.readyAt > run.startT)
    return `its ${run.clients} clients were connected only ${((report.readyAt - run.startT) / 1000).toFixed(0)} ms after the span began (a loaded machine: raise --lead, now ${LEAD_MS} ms)`;
  if (report.errors > 0) return `${report.errors} errors`;
  if (report.count === 0) return `no ${unit} in the span`;
  if (expected !== null && report.delivered !== expected)
    return `delivered ${report.delivered} of the ${expected} messages published (${expected / run.clients} × ${run.clients} clients)`;
  return null;
}

async function pollRound(kind: LoadKind, server: ServerProcess): Promise<Outcome> {
  const run = schedule(kind, server.url, POLL.clients, POLL.intervalMs, await serverHead(server.url));
  return driverOutcome(kind, runDriver(run), (report) => validate(run, report, 'requests', null));
}

async function wsRound(kind: LoadKind, server: ServerProcess): Promise<Outcome> {
  const run = schedule(kind, server.url, WS.clients, 0, await serverHead(server.url));
  const before = (await server.stats()).stats.published;
  await server.startPublishing(WS.rate, run.publishStart);
  const report = runDriver(run);
  // Publishing stops PUBLISH_MARGIN_MS after the span, while the driver still counts.
  await Promise.race([sleep((run.endT + PUBLISH_MARGIN_MS * 1000 - nowMicros()) / 1000), report.catch(() => {})]);
  await server.stopPublishing();
  const published = (await server.stats()).stats.published - before;
  return driverOutcome(kind, report, (outcome) => validate(run, outcome, 'messages', published * WS.clients));
}

const perUnit = (r: LoadReport): number => r.cpuMicros / r.count;
const f = (n: number, d = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** The rows of one comparison's round and its ratio (null when either side failed). */
function pair(
  round: number,
  label: string,
  unit: string,
  ours: Outcome,
  baseline: Outcome,
  names: [string, string],
): { rows: string[]; ratio: number | null; failures: string[] } {
  const failures = [ours, baseline].filter((o) => o.failure !== null).map((o) => `round ${round} ${label} ${o.kind}: ${o.failure}`);
  const ratio = failures.length === 0 ? perUnit(ours.report) / perUnit(baseline.report) : null;
  const row = (name: string, o: Outcome, last: string): string =>
    `| ${round} | ${label}: ${name} | ${o.report.count} ${unit}s | ${o.failure === null ? `${f(perUnit(o.report))} µs/${unit}` : `**FAILED**: ${o.failure}`} | ${last} |`;
  return { rows: [row(names[0], ours, ''), row(names[1], baseline, ratio === null ? 'n/a' : `${f(ratio)}x`)], ratio, failures };
}

function verdict(ratios: number[], target: number): string {
  if (ratios.length === 0) return 'n/a (no valid round)';
  const m = median(ratios);
  return `**${f(m)}x** (${ratios.length} valid round${ratios.length > 1 ? 's' : ''}; target <= ${target}x): ${m <= target ? 'met' : 'MISSED'}`;
}

async function main(): Promise<number> {
  process.on('SIGINT', () => {
    killAllChildren();
    process.exit(EXIT.interrupted);
  });
  // The drivers send the browser profile, Origin included: the server's Origin guard must accept it, as `pushbench run` tells it.
  const server = await ServerProcess.spawn({
    techniques: [INTERVAL_POLL_TECHNIQUE, PLAIN_WS_TECHNIQUE],
    rate: 0,
    payloadBytes: 64,
    holdMs: 30_000,
    ringSize: 65_536,
    allowedOrigins: profileOrigins(HEADER_PROFILES.browser),
  });
  const rows: string[] = [];
  const pollRatios: number[] = [];
  const wsRatios: number[] = [];
  const failures: string[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const pollKinds: LoadKind[] = round % 2 === 1 ? ['generator-poll', 'autocannon'] : ['autocannon', 'generator-poll'];
      const poll = new Map<LoadKind, Outcome>();
      for (const kind of pollKinds) poll.set(kind, await pollRound(kind, server));
      const p = pair(round, 'poll', 'request', poll.get('generator-poll')!, poll.get('autocannon')!, ['pushbench driver', 'autocannon']);

      const wsKinds: LoadKind[] = round % 2 === 1 ? ['generator-ws', 'bare-ws'] : ['bare-ws', 'generator-ws'];
      const ws = new Map<LoadKind, Outcome>();
      for (const kind of wsKinds) ws.set(kind, await wsRound(kind, server));
      const w = pair(round, 'ws', 'message', ws.get('generator-ws')!, ws.get('bare-ws')!, ['pushbench driver', 'bare ws loop']);

      rows.push(...p.rows, ...w.rows);
      if (p.ratio !== null) pollRatios.push(p.ratio);
      if (w.ratio !== null) wsRatios.push(w.ratio);
      failures.push(...p.failures, ...w.failures);
      const show = (r: number | null): string => (r === null ? 'FAILED' : `${f(r)}x`);
      process.stderr.write(`round ${round}: poll ${show(p.ratio)}, ws ${show(w.ratio)}\n`);
      for (const failure of [...p.failures, ...w.failures]) process.stderr.write(`  ${failure}\n`);
    }
  } finally {
    await server.close();
    killAllChildren();
  }
  const env = collectEnvironment();
  process.stdout.write(`## pushbench load generator: CPU cost against baselines

${env.cpuModel}, ${env.cores} cores, Node ${env.node}; \`npm run perf:generator${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` (${ROUNDS} alternating rounds, ${SPAN_MS} ms each)

| round | driver | work in the span | CPU | ratio |
|---|---|---|---|---|
${rows.join('\n')}

- Poll requests (${POLL.clients} connections, ${(POLL.clients * 1000) / POLL.intervalMs} requests/s, browser headers), CPU per request, pushbench driver / autocannon: median ${verdict(pollRatios, TARGET_POLL)}
- WebSocket messages (${WS.clients} clients, ${WS.rate} msgs/s each, every message checked delivered to every client), CPU per message, pushbench driver / bare ws loop: median ${verdict(wsRatios, TARGET_WS)}
${failures.length === 0 ? '' : `\n**${failures.length} round${failures.length > 1 ? 's' : ''} FAILED** and ${failures.length > 1 ? 'are' : 'is'} left out of the medians:\n${failures.map((x) => `- ${x}`).join('\n')}\n`}`);
  return failures.length === 0 ? EXIT.ok : EXIT.failed;
}

process.exitCode = await main();
