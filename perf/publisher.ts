/**
 * `npm run perf:publisher`: how precisely the broadcast publisher meets its due times, and
 * what that precision costs. Alternating rounds of the precise publisher (timer 2 ms ahead,
 * a futex sleep, then a short busy-wait) and the timer-only one, in this process, on a feed nobody reads:
 * lateness p50 / p99 / max from each round's HDR histogram, and the CPU of the round (the
 * busy-wait is nearly all of it). Target: the precise publisher's p99 lateness <= 0.1 ms.
 *
 * Options: --rate N (msgs/s, 50), --seconds N (per round, 4), --rounds N (3): 200 messages per
 * round, so that each round's p99 is a percentile (not nearly its maximum, as with 60);
 * --quick: one round of 1 s each way (CI: the script still works; its p99 is nearly a maximum).
 */
import { decodeHistogram } from '../core/histogram.ts';
import { nowMicros } from '../core/protocol.ts';
import { median } from '../core/spread.ts';
import { collectEnvironment } from '../run/environment.ts';
import { Feed } from '../servers/feed.ts';
import { Publisher } from '../servers/publisher.ts';

const TARGET_P99_MS = 0.1;

interface Options {
  rate: number;
  seconds: number;
  rounds: number;
}

function parseArgs(all: readonly string[]): Options {
  // --quick (CI): one short round each way; proves the script works, its figures are not compared.
  const quick = all.includes('--quick');
  const argv = all.filter((a) => a !== '--quick');
  const options: Options = quick ? { rate: 50, seconds: 1, rounds: 1 } : { rate: 50, seconds: 4, rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const key = flag.replace(/^--/, '') as keyof Options;
    const raw = argv[i + 1];
    const value = Number(raw);
    if (!(key in options))
      throw new Error(
        `unknown option ${JSON.stringify(flag)}; usage: npm run perf:publisher -- [--rate N] [--seconds N] [--rounds N] [--quick]`,
      );
    if (raw === undefined || !Number.isFinite(value) || value <= 0)
      throw new Error(`invalid ${flag}: received ${JSON.stringify(raw ?? null)}; expected a positive number`);
    options[key] = value;
  }
  return options;
}

interface Round {
  precise: boolean;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cpuPercent: number;
  busyWaitMicrosPerMessage: number;
  blockedMicrosPerMessage: number;
  /** Share of the messages that left within 0.1 ms of their due time, %. */
  withinTargetPercent: number;
}

async function round(precise: boolean, options: Options): Promise<Round> {
  const publisher = new Publisher(new Feed(1024), 64, { precise });
  const startT = nowMicros() + 20_000;
  const endT = startT + options.seconds * 1e6;
  publisher.setWindow(startT, endT);
  const cpuBefore = process.cpuUsage();
  const wallBefore = nowMicros();
  publisher.start(options.rate, startT);
  await new Promise((resolve) => setTimeout(resolve, (endT - nowMicros()) / 1000 + 50));
  publisher.stop();
  const cpu = process.cpuUsage(cpuBefore);
  const wall = nowMicros() - wallBefore;
  const h = decodeHistogram(publisher.latenessHistogram());
  return {
    precise,
    messages: h.totalCount,
    p50Ms: h.getValueAtPercentile(50) / 1000,
    p99Ms: h.getValueAtPercentile(99) / 1000,
    maxMs: h.maxValue / 1000,
    cpuPercent: ((cpu.user + cpu.system) / wall) * 100,
    busyWaitMicrosPerMessage: publisher.stats.busyWaitMicros / Math.max(1, publisher.stats.published),
    blockedMicrosPerMessage: publisher.stats.blockedMicros / Math.max(1, publisher.stats.published),
    withinTargetPercent: h.totalCount === 0 ? 0 : (100 * countAtOrBelow(h, TARGET_P99_MS * 1000)) / h.totalCount,
  };
}

/** Recorded values at or below `micros`. */
function countAtOrBelow(h: ReturnType<typeof decodeHistogram>, micros: number): number {
  let count = 0;
  // hdr-histogram-js iterates recorded values bucket by bucket.
  for (let v = 1; v <= micros; v++) count += (h as unknown as { getCountAtValue(value: number): number }).getCountAtValue(v);
  return count;
}

const f = (n: number, digits = 3): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const rounds: Round[] = [];
  for (let i = 0; i < options.rounds; i++) {
    for (const precise of i % 2 === 0 ? [true, false] : [false, true]) {
      const r = await round(precise, options);
      rounds.push(r);
      process.stderr.write(
        `perf:publisher: round ${i + 1} ${precise ? 'precise' : 'timer-only'}: p99 ${f(r.p99Ms)} ms, CPU ${f(r.cpuPercent, 2)}%\n`,
      );
    }
  }
  const of = (precise: boolean): Round[] => rounds.filter((r) => r.precise === precise);
  const env = collectEnvironment();
  const preciseP99 = median(of(true).map((r) => r.p99Ms));
  process.stdout.write(`## pushbench publisher: lateness against the due time

${env.cpuModel}, ${env.cores} cores, Node ${env.node}; \`npm run perf:publisher -- --rate ${options.rate} --seconds ${options.seconds} --rounds ${options.rounds}\`

| publisher | messages | within 0.1 ms | p50 ms | p99 ms | max ms | CPU (% of a core) | busy-wait µs/msg | loop blocked µs/msg |
|---|---|---|---|---|---|---|---|---|
${rounds.map((r) => `| ${r.precise ? 'precise' : 'timer only'} | ${r.messages} | ${f(r.withinTargetPercent, 1)}% | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs)} | ${f(r.cpuPercent, 2)} | ${f(r.busyWaitMicrosPerMessage, 0)} | ${f(r.blockedMicrosPerMessage, 0)} |`).join('\n')}

- Precise publisher: median p99 lateness **${f(preciseP99)} ms** (target <= ${TARGET_P99_MS} ms): ${preciseP99 <= TARGET_P99_MS ? 'met' : 'MISSED'}; timer only: ${f(median(of(false).map((r) => r.p99Ms)))} ms.
- Its cost: median ${f(median(of(true).map((r) => r.busyWaitMicrosPerMessage)), 0)} µs of busy-wait per message, ${f(median(of(true).map((r) => r.cpuPercent)), 2)}% of a core at ${options.rate} msgs/s (timer only: ${f(median(of(false).map((r) => r.cpuPercent)), 2)}%).
`);
}

await main();
