/**
 * `npm run perf:generator`: is pushbench's load generator the bottleneck? Its CPU cost,
 * as ratios against textbook baselines measured side by side in one run (alternating
 * rounds, median ratio), since absolute figures on a shared machine mean little:
 *
 * (a) per poll request: pushbench's polling driver (undici, browser headers, JSON parsing,
 *     seq checks) vs autocannon at the same request rate over as many connections, same
 *     endpoint and headers. Target: at most 1.5x autocannon's CPU per request.
 * (b) per received WebSocket message: pushbench's WebSocket driver (JSON parse, seq check,
 *     HDR latency record) vs a bare `ws` client loop that only counts, same server, same
 *     stream. Target: at most 1.25x the bare loop's CPU per message.
 *
 * Each driver runs in its own child process; every child is killed at the end, on error
 * and on Ctrl-C; every wait has a deadline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { forkChild, killAllChildren, describeExit } from '../run/children.ts';
import { collectEnvironment } from '../run/environment.ts';
import { ServerProcess } from '../run/server-process.ts';
import { nowMicros } from '../core/protocol.ts';
import { INTERVAL_POLL_TECHNIQUE, PLAIN_WS_TECHNIQUE } from '../core/techniques.ts';
import type { LoadKind, LoadReport, LoadRun } from './load-driver.ts';
import { reportError } from '../cli/exit-codes.ts';
import { HELP_ROW, helpLines, integerReader, parseCommand, synopsis, type Flag } from '../cli/flags.ts';

/** The flags of `npm run perf:generator`: the parser and the usage text both read this table. */
const GENERATOR_FLAGS = {
  rounds: { flag: 'rounds', arg: 'N', help: 'alternating rounds, 1..50', defaultText: '3, or $PERF_ROUNDS', reader: integerReader(1, 50) },
} as const satisfies Record<string, Flag<unknown>>;

const USAGE = `usage: npm run perf:generator -- ${synopsis(Object.values(GENERATOR_FLAGS))}

Options:
${helpLines([...Object.values(GENERATOR_FLAGS), HELP_ROW])}`;

const ROUNDS = (() => {
  try {
    const parsed = parseCommand(process.argv.slice(2), GENERATOR_FLAGS, { positionals: false });
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    return parsed.values.rounds ?? GENERATOR_FLAGS.rounds.reader.read(process.env['PERF_ROUNDS'] ?? 3, 'PERF_ROUNDS');
  } catch (error) {
    process.exit(reportError('perf:generator', error));
  }
})();
const SPAN_MS = 3000;
const POLL = { clients: 200, intervalMs: 40 }; // 5,000 requests/s
const WS = { clients: 1000, rate: 50 }; // 50,000 messages/s received
const TARGET_POLL = 1.5;
const TARGET_WS = 1.25;

const DRIVER = new URL('./load-driver.ts', import.meta.url);

async function runDriver(kind: LoadKind, origin: string, clients: number, intervalMs: number, onStart?: (startT: number, endT: number) => void): Promise<LoadReport> {
  const forked = forkChild(DRIVER, []);
  // Connecting 1,000 clients takes a moment: the span starts well after.
  const startT = nowMicros() + 3_000_000;
  const endT = startT + SPAN_MS * 1000;
  const run: LoadRun = { kind, origin, clients, intervalMs, startT, endT };
  onStart?.(startT, endT);
  const reply = new Promise<LoadReport>((resolve, reject) => {
    forked.child.on('message', (m: { type: 'done'; report: LoadReport } | { type: 'error'; message: string }) => (m.type === 'done' ? resolve(m.report) : reject(new Error(`${kind}: ${m.message}`))));
    void forked.exited.then((exit) => reject(new Error(describeExit(kind, exit, forked.stderrTail()))));
  });
  forked.child.send(run);
  const deadline = sleep(SPAN_MS + 30_000).then(() => {
    throw new Error(`${kind} did not finish in time`);
  });
  try {
    return await Promise.race([reply, deadline]);
  } finally {
    await Promise.race([forked.exited, sleep(3000)]);
    forked.child.kill('SIGKILL');
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perUnit = (r: LoadReport): number => r.cpuMicros / Math.max(1, r.count);
const f = (n: number, d = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<number> {
  process.on('SIGINT', () => {
    killAllChildren();
    process.exit(130);
  });
  const server = await ServerProcess.spawn({ techniques: [INTERVAL_POLL_TECHNIQUE, PLAIN_WS_TECHNIQUE], rate: 0, payloadBytes: 64, holdMs: 30_000, ringSize: 65_536 });
  const rows: string[] = [];
  const pollRatios: number[] = [];
  const wsRatios: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Array<[LoadKind, LoadKind]> = round % 2 === 1 ? [['generator-poll', 'autocannon']] : [['autocannon', 'generator-poll']];
      const poll: Partial<Record<LoadKind, LoadReport>> = {};
      for (const kind of order[0]!) poll[kind] = await runDriver(kind, server.url, POLL.clients, POLL.intervalMs);
      const pollRatio = perUnit(poll['generator-poll']!) / perUnit(poll.autocannon!);
      pollRatios.push(pollRatio);
      rows.push(`| ${round} | poll: pushbench driver | ${poll['generator-poll']!.count} requests | ${f(perUnit(poll['generator-poll']!))} µs/request | |`);
      rows.push(`| ${round} | poll: autocannon | ${poll.autocannon!.count} requests | ${f(perUnit(poll.autocannon!))} µs/request | ${f(pollRatio)}x |`);

      const ws: Partial<Record<LoadKind, LoadReport>> = {};
      for (const kind of (round % 2 === 1 ? ['generator-ws', 'bare-ws'] : ['bare-ws', 'generator-ws']) as LoadKind[]) {
        ws[kind] = await runDriver(kind, server.url, WS.clients, 0, (startT, endT) => {
          // Publishing covers the span with a margin on both sides.
          server.startPublishing(WS.rate, startT - 500_000);
          void sleep((endT - nowMicros()) / 1000 + 500).then(() => server.stopPublishing());
        });
        await sleep(800);
      }
      const wsRatio = perUnit(ws['generator-ws']!) / perUnit(ws['bare-ws']!);
      wsRatios.push(wsRatio);
      rows.push(`| ${round} | ws: pushbench driver | ${ws['generator-ws']!.count} messages | ${f(perUnit(ws['generator-ws']!))} µs/message | |`);
      rows.push(`| ${round} | ws: bare ws loop | ${ws['bare-ws']!.count} messages | ${f(perUnit(ws['bare-ws']!))} µs/message | ${f(wsRatio)}x |`);
      process.stderr.write(`round ${round}: poll ${f(pollRatio)}x, ws ${f(wsRatio)}x\n`);
    }
  } finally {
    await server.close();
    killAllChildren();
  }
  const env = collectEnvironment();
  const pollMedian = median(pollRatios);
  const wsMedian = median(wsRatios);
  process.stdout.write(`## pushbench load generator: CPU cost against baselines

${env.cpuModel}, ${env.cores} cores, Node ${env.node}; \`npm run perf:generator\` (${ROUNDS} alternating rounds, ${SPAN_MS} ms each)

| round | driver | work in the span | CPU | ratio |
|---|---|---|---|---|
${rows.join('\n')}

- Poll requests (${POLL.clients} connections, ${(POLL.clients * 1000) / POLL.intervalMs} requests/s, browser headers): median **${f(pollMedian)}x** autocannon's CPU per request (target <= ${TARGET_POLL}x): ${pollMedian <= TARGET_POLL ? 'met' : 'MISSED'}
- WebSocket messages (${WS.clients} clients, ${WS.rate} msgs/s each): median **${f(wsMedian)}x** a bare ws loop's CPU per message (target <= ${TARGET_WS}x): ${wsMedian <= TARGET_WS ? 'met' : 'MISSED'}
`);
  return 0;
}

process.exitCode = await main();
