/**
 * The plain-text summary `pushbench run` and `npm run bench` print to stdout. By default one
 * compact table per scenario that fits TERMINAL_WIDTH columns and one verdict line; with
 * `verbose` also the model and detail columns, the latency decomposition and the notes (all of
 * which results.json and the report always carry). Pure: results in, text out.
 */
import { timeScaleNote } from './time-scale.ts';
import { TECHNIQUES } from '../core/protocol.ts';
import { WIRE_META } from '../core/wires.ts';
import type { CapacityResult, CompletedResult, ResultsFile, Scenario } from '../core/results.ts';
import {
  COMPARISON_HEAD,
  comparisonFindings,
  comparisonLines,
  targetComparisons,
  type ComparisonLine,
  type TargetComparison,
} from './targets.ts';
import { agreementFindings, machineFindings, saturationFindings, stopFindings } from './conclusions.ts';
import { completedFloor, latencyParts, latenessP99Text } from './latency-parts.ts';
import { completedEntries, multiScenarioGroups } from './select.ts';
import { evidenceNotes, latencyEvidence, metricSpread, metricValue, runsOf, type NoisyMetric } from './evidence.ts';
import { fit, scenarioVerdict, verdictLine } from './verdict.ts';
import { formatBoundedMs } from './format.ts';
import { renderShardTable } from './shards.ts';
import { wirePartsNote } from './wires.ts';

/** The widest line the default summary prints: a terminal of 120 columns shows it unwrapped. */
export const TERMINAL_WIDTH = 120;

export interface TerminalOptions {
  /** Add the model and detail columns, the latency decomposition and the notes. */
  verbose: boolean;
}

const COMPACT: TerminalOptions = { verbose: false };

function fixed(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function kib(n: number): string {
  return `${fixed(n / 1024, 1)} KiB`;
}

/**
 * A table with right-aligned figures. A row of two cells (a technique that failed) spans the
 * table: its text is cut to the table's width, so a long error never widens the columns.
 */
function table(rows: string[][]): string {
  const [head] = rows;
  if (head === undefined) return '';
  const full = rows.filter((r) => r.length === head.length);
  const widths = head.map((_, c) => Math.max(...full.map((r) => r[c]!.length)));
  const total = widths.reduce((sum, w) => sum + w, 0) + 2 * (widths.length - 1);
  return rows
    .map((r, i) => {
      if (r.length !== head.length)
        return `${r[0]!.padEnd(widths[0]!)}  ${fit(r.slice(1).join(' '), Math.max(10, total - widths[0]! - 2))}`.trimEnd();
      const line = r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd();
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** `text` broken at spaces into lines of at most `width` characters, continuation lines indented two more spaces. */
export function wrap(text: string, width = TERMINAL_WIDTH): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width) return line;
      const indent = `${/^ */.exec(line)?.[0] ?? ''}  `;
      const out: string[] = [];
      let current = '';
      for (const word of line.trim().split(' ')) {
        const prefix = out.length === 0 ? line.slice(0, line.length - line.trimStart().length) : indent;
        const candidate = current === '' ? `${prefix}${word}` : `${current} ${word}`;
        if (candidate.length > width && current !== '') {
          out.push(current);
          current = fit(`${indent}${word}`, width);
        } else current = fit(candidate, width);
      }
      if (current !== '') out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

/** Columns of the compact table; units sit in the header so the cells stay narrow. */
const HEADER = ['technique', 'delivered', 'lost', 'B/msg (overhead)', 'p50 ms', 'p99 ms', 'n/msgs', 'CPU %', 'mem/conn', 'bytes'];
/** Columns `--verbose` adds in a second table: the model, the extremes, the rest. */
const DETAIL_HEADER = ['technique', 'model B/msg', 'max ms', 'late p99 ms', 'kbit/s', 'empty polls', 'bytes agree'];

/** The row label of the machine's floor. */
const FLOOR_ROW = 'floor (bare ws)';

/** One scenario: its head, the compact table, the verdict; with `verbose` the detail table and notes too. */
export function renderScenarioTable(scenario: Scenario, options: TerminalOptions = COMPACT): string {
  const rows: string[][] = [HEADER];
  const details: string[][] = [DETAIL_HEADER];
  const failures: string[] = [];
  const entries: Array<[string, Scenario['results'][keyof Scenario['results']]]> = TECHNIQUES.map((id) => [id, scenario.results[id]]);
  if (scenario.floor !== undefined) entries.push([FLOOR_ROW, scenario.floor]);
  for (const [label, r] of entries) {
    if (r === undefined) continue;
    if (r.state !== 'completed') {
      rows.push([label, `${r.state}: ${r.error}`]);
      details.push([label, r.state]);
      failures.push(`${label} ${r.state}: ${r.error}`);
      continue;
    }
    rows.push(compactRow(label, r, scenario.clockBoundMs));
    details.push(detailRow(label, r, scenario.clockBoundMs));
  }
  const completed = completedEntries(scenario);
  // Warnings change how the table reads, so they stay in the default output; notes explain it and wait for --verbose.
  const warnings = [
    ...[...saturationFindings(completed), ...agreementFindings(completed)].map((f) => `! ${f.text}`),
    // A large run says which of the machine's limits it hit (or that none held it back).
    ...machineFindings(completed, scenario.params.clients).map((f) => `${f.worst === undefined ? '' : '! '}${f.text}`),
    // --tabs: the browser rule the driver applied decides what was lost, so it is said where the loss shows.
    ...completed.flatMap(({ technique, result }) => (result.browsers === undefined ? [] : [`! ${technique}: ${result.browsers.note}`])),
  ];
  const p = scenario.params;
  const head = [
    scenario.title,
    `${p.workload}, ${p.clients} clients, ${p.rate} msg/s, ${p.payloadBytes} B payload (${p.messageBytes} B message), polls every ${p.intervalMs} ms, ${p.headers} headers, ${p.durationMs} ms window`,
  ];
  const runs = completed.map(({ result }) => runsOf(result)?.length ?? 1).reduce((a, b) => Math.max(a, b), 1);
  if (runs > 1)
    head.push(`${runs} runs per technique: median ±the interval's wider side, * unstable (CV > 10%); n/msgs of the thinnest run`);
  if (scenario.clockBoundMs !== undefined)
    head.push(
      `merged from shards: latencies known to within ±${fixed(scenario.clockBoundMs, 3)} ms (the worst clock bound; each shard's below), printed no finer`,
    );
  const parts = [wrap(head.join('\n')), table(rows), wrap(verdictLine(scenarioVerdict(scenario), TERMINAL_WIDTH))];
  if (failures.length > 0) parts.push(wrap(failures.join('\n')));
  if (warnings.length > 0) parts.push(wrap(warnings.join('\n')));
  if (options.verbose) parts.push(verboseDetails(scenario, details));
  return `${parts[0]}\n\n${parts.slice(1).join('\n')}`;
}

/** What `--verbose` adds under a scenario: the time-scale note, the detail table, the evidence and latency notes. */
function verboseDetails(scenario: Scenario, details: string[][]): string {
  const completed = completedEntries(scenario);
  const notes = [
    ...evidenceNotes(completed.map(({ technique, result }) => ({ label: technique, result }))).map((n) => `  ${n}`),
    ...latencyNotes(scenario),
  ];
  // pushbench's own publisher, when it published: its round trip stands beside the latency it caused.
  for (const { technique, result } of completed) {
    const p = result.publisher;
    if (p === undefined || p === null || p.side !== 'process' || p.roundTripMs === undefined) continue;
    notes.push(
      `  ${technique}: pushbench published ${p.accepted ?? 0}/${p.sent ?? 0} accepted, publish round trip p50 ${fixed(p.roundTripMs.p50, 2)} ms, p99 ${fixed(p.roundTripMs.p99, 2)} ms, at most ${fixed(p.latenessMs.max, 2)} ms behind schedule`,
    );
  }
  // The delaying proxy states what it added beyond the delay it was asked for.
  for (const { technique, result } of completed) {
    const lateness = result.network?.proxyLateness;
    if (lateness === undefined || result.network === null || result.network === undefined) continue;
    notes.push(
      `  ${technique}: delaying proxy, ${fixed(result.network.injectedDelayMs, 2)} ms each way asked, released ${lateness.chunks} chunks a mean ${fixed(lateness.meanMs, 3)} ms (max ${fixed(lateness.maxMs, 2)} ms) after their due time, ${lateness.early} early; RTT ${fixed(result.network.rttMs, 2)} ms`,
    );
  }
  // The wire's parts: per message beside setup per connection, counted on both ends.
  for (const { technique, result } of completed) {
    const note = wirePartsNote(result);
    if (note !== null) notes.push(`  ${technique}: ${note}`);
  }
  for (const { technique, result } of completed) {
    if (result.server !== null && result.server.bytesPerConnection === null)
      notes.push(`  ${technique}: mem/conn — : the server's RSS grew less than 4 MB in all, too little to attribute per connection`);
  }
  const scaled = timeScaleNote(scenario);
  return [...(scaled === null ? [] : ['', scaled]), '', table(details), ...notes].join('\n');
}

/**
 * What latency is made of, in one line: the mean splits into the publisher's lateness and
 * transit (means add up; percentiles do not), and the floor says what the machine costs.
 */
function latencyNotes(scenario: Scenario): string[] {
  const parts = latencyParts(scenario).filter((row) => row.transitMeanMs !== null && row.publisher !== null);
  if (parts.length === 0) return [];
  const split = parts
    .map(
      (row) =>
        `${row.technique ?? FLOOR_ROW} ${fixed(row.latencyMeanMs, 3)} = ${fixed(row.publisher!.latenessMs.mean, 3)} + ${fixed(row.transitMeanMs!, 3)}`,
    )
    .join('; ');
  const server = parts.find((row) => row.publisher!.side === 'server')?.publisher ?? undefined;
  const lines = [`latency mean ms = publisher lateness + transit: ${split}`];
  if (server !== undefined) {
    const blocked =
      server.loopBlockedPercent === undefined ? '' : `, and blocked its event loop ${fixed(server.loopBlockedPercent, 2)}% of the window`;
    lines.push(
      `late p99 = the publisher's lateness against each due time, — below 100 messages (its precise wait cost ${fixed(server.busyWaitCpuPercent, 2)}% of a core, left out of server CPU${blocked})`,
    );
  }
  const queued = parts.filter((row) => row.fanOutMs !== null || row.arrivalSpreadMs !== null);
  if (queued.length > 0) {
    const queue = queued
      .map(
        (row) =>
          `${row.technique ?? FLOOR_ROW} ${row.fanOutMs === null ? '-' : fixed(row.fanOutMs, 3)} + ${row.arrivalSpreadMs === null ? '-' : fixed(row.arrivalSpreadMs, 3)}`,
      )
      .join('; ');
    lines.push(
      `the fan-out's queue ms = server fan-out + clients' mean arrival behind the first (two overlapping parts of the transit; the model adds them, too high with many clients): ${queue}`,
    );
  }
  if (completedFloor(scenario) !== null)
    lines.push(
      `${FLOOR_ROW}: the textbook ws broadcast on this machine, same publisher, clients and window: what any technique pays before its own cost`,
    );
  return lines;
}

/** The compact row: delivery, bytes, latency with its evidence, server cost, and whether the byte counts agree. */
function compactRow(label: string, r: CompletedResult, clockBoundMs: number | undefined): string[] {
  return [
    label,
    `${r.messages.delivered}/${r.messages.expected}`,
    String(r.messages.lost),
    `${fixed(r.perMessage.totalBytes)} (${fixed(r.perMessage.overheadBytes)})`,
    compactNoisy(r, 'p50', clockBoundMs),
    compactNoisy(r, 'p99', clockBoundMs),
    compactEvidence(r),
    r.server === null ? '-' : compactNoisy(r, 'cpu'),
    r.server === null ? '-' : r.server.bytesPerConnection === null ? '—' : kib(r.server.bytesPerConnection),
    bytesMark(r),
  ];
}

function detailRow(label: string, r: CompletedResult, clockBoundMs: number | undefined): string[] {
  return [
    label,
    r.model === null ? 'n/a' : fixed(r.model.perMessage.totalBytes),
    clockBoundMs === undefined ? fixed(r.latencyMs.max, 2) : formatBoundedMs(r.latencyMs.max, clockBoundMs).replace(/ ms$/, ''),
    r.publisher === undefined || r.publisher === null ? '-' : latenessP99Text(r.publisher, (ms) => fixed(ms, 3)),
    fixed(r.bitsPerSecond / 1000),
    r.requests === null ? '-' : `${fixed(r.requests.total > 0 ? (100 * r.requests.empty) / r.requests.total : 0)}%`,
    bytesAgree(r),
  ];
}

/**
 * A noisy figure without its unit (the header has it): the value of one run, or with `--runs N`
 * the median and the interval's wider side as a share of it (`247 ±8%`), `*` when unstable;
 * "—" where the sample rule hides a percentile.
 */
function compactNoisy(r: CompletedResult, metric: NoisyMetric, clockBoundMs?: number): string {
  const number = (v: number): string => (metric === 'cpu' ? fixed(v, 1) : formatBoundedMs(v, clockBoundMs).replace(/ ms$/, ''));
  const spread = metricSpread(r, metric);
  if (spread !== null) {
    const side = spread.median === 0 ? 0 : (100 * Math.max(spread.median - spread.low, spread.high - spread.median)) / spread.median;
    return `${number(spread.median)} ±${Math.round(side)}%${spread.unstable ? '*' : ''}`;
  }
  const value = metricValue(r, metric);
  return value === null ? '—' : number(value);
}

/** "3,000/30": latency samples and the messages behind them; with runs "5×7,497/750", the thinnest run's. */
function compactEvidence(r: CompletedResult): string {
  const runs = runsOf(r);
  if (runs === null)
    return latencyEvidence(r)
      .replace(/^n = /, '')
      .replace(/ from /, '/')
      .replace(/ messages?$/, '');
  const thinnest = runs.reduce((a, b) => (b.latencyMs.count < a.latencyMs.count ? b : a));
  return `${runs.length}×${thinnest.latencyMs.count.toLocaleString('en-US')}/${(thinnest.latencyMs.messages ?? 0).toLocaleString('en-US')}`;
}

/** The bytes column: `ok` when server (or kernel, `ok (k)`) and clients counted the same, `NO` when not, `n/a` or `-` when nothing could tell. */
function bytesMark(r: CompletedResult): string {
  if (r.agreement !== null) return r.agreement.agree ? 'ok' : 'NO';
  const k = r.kernel;
  if (k === undefined || k === null) return '-';
  if (k.agree === null) return 'n/a';
  return k.agree ? 'ok (k)' : 'NO (k)';
}

/**
 * Whether the server's byte count equals the clients': pushbench's own server counts over IPC;
 * for any other server on this host the kernel's per-socket counters (`yes (kernel)`); `n/a`
 * when the kernel's figure is incomplete (sockets closed between its two readings) or bytes were
 * still moving whenever both sides were read, `-` when nothing could count.
 */
function bytesAgree(r: CompletedResult): string {
  if (r.agreement !== null)
    return r.agreement.agree
      ? 'yes'
      : `NO (server ${r.agreement.serverUp}/${r.agreement.serverDown}, client ${r.agreement.clientUp}/${r.agreement.clientDown})`;
  const k = r.kernel;
  if (k === undefined || k === null) return '-';
  if (k.agree === null) return kernelUnconfirmedLabel(k);
  return k.agree ? 'yes (kernel)' : `NO (kernel ${k.serverUp}/${k.serverDown}, client ${k.clientUp}/${k.clientDown})`;
}

/** Why the kernel's count could not confirm the clients' (`agree` null), as both reports write it. */
export function kernelUnconfirmedLabel(k: { unconfirmed?: 'sockets-closed' | 'not-quiet' | undefined }): string {
  return k.unconfirmed === 'not-quiet' ? 'n/a (bytes still moving)' : 'n/a (sockets closed)';
}

/** The stacks table's columns by default; `--verbose` shows every column of COMPARISON_HEAD. */
const COMPACT_COMPARISON: ReadonlyArray<keyof ComparisonLine> = [
  'technique',
  'target',
  'delivered',
  'lost',
  'bytesPerMessage',
  'overhead',
  'p50',
  'p99',
  'cpu',
];

/** One comparison of a scenario across targets: a row per technique and target; a failed row's error goes below the table. */
export function renderTargetComparison(comparison: TargetComparison, options: TerminalOptions = COMPACT): string {
  const keys = options.verbose ? (Object.keys(COMPARISON_HEAD) as Array<keyof ComparisonLine>) : COMPACT_COMPARISON;
  const failures: string[] = [];
  const rows = [
    keys.map((k) => COMPARISON_HEAD[k]),
    ...comparisonLines(comparison).map((line) => {
      // A failed or absent technique has no figures (lost is empty): its reason spans the row.
      if (line.lost !== '') return keys.map((k) => line[k]);
      if (line.delivered !== 'not offered') failures.push(`${line.technique} on ${line.target}: ${line.delivered}`);
      return [line.technique, `${line.target}  ${line.delivered}`];
    }),
  ];
  const findings = comparisonFindings(comparison).map((f) => `- ${f}`);
  const below = [...failures, ...findings];
  return `${wrap(`Stacks side by side: ${comparison.title}\non ${comparison.targets.map((t) => t.name).join(', ')}`)}\n\n${table(rows)}${below.length > 0 ? `\n${wrap(below.join('\n'))}` : ''}`;
}

/** The capacity probe's results of a file: the first wire's (`capacity`), then the other wires' in the run's order. */
export function capacityProbes(results: ResultsFile): CapacityResult[] {
  return results.capacity === undefined ? [] : [results.capacity, ...(results.capacityOtherWires ?? [])];
}

/** `h2 (HTTP/2 + TLS)`: the wire a probe polled on (absent in older files: http). */
export function capacityWireLabel(c: CapacityResult): string {
  const wire = c.wire ?? 'http';
  return `${wire} (${WIRE_META[wire].label})`;
}

/** `1 load process (chosen at warm-up, busiest load process: 0.52 with 1)`, or `3 load processes` when the count was given. */
export function loadProcessesText(c: CapacityResult): string {
  const n = c.loadProcesses;
  const count = n === undefined ? '? load processes' : `${n} load process${n === 1 ? '' : 'es'}`;
  if (c.loadProcessSearch === undefined || c.loadProcessSearch.length === 0) return count;
  const steps = c.loadProcessSearch.map((s) => `${fixed(s.maxLoadEventLoopUtilization, 2)} with ${s.loadProcesses}`).join(', ');
  return `${count} (chosen at warm-up, busiest load process: ${steps})`;
}

/** The capacity probe: polls/s at saturation (with who was saturated) and the server's CPU per poll at a fixed rate. */
export function renderCapacity(c: CapacityResult): string {
  const lines: string[] = [];
  const on = `Capacity on ${capacityWireLabel(c)}`;
  if (c.rounds === undefined) {
    // A file of the one-process autocannon probe.
    lines.push(
      `${on} (autocannon, ${c.connections} connections, ${c.durationMs} ms): /poll sustains ${fixed(c.requestsPerSecond, 0)} req/s (p99 ${fixed(c.latencyMsP99, 2)} ms)`,
    );
  } else {
    const server =
      c.serverEventLoopUtilization === null || c.serverEventLoopUtilization === undefined ? 'n/a' : fixed(c.serverEventLoopUtilization, 3);
    lines.push(
      `${on}, ${c.headers ?? 'browser'} headers (${loadProcessesText(c)}, ${c.connections} connections, ${c.warmupMs ?? 0} ms warm-up, ${c.rounds.length} rounds of ${c.durationMs} ms): ` +
        `the server answered ${fixed(c.requestsPerSecond, 0)} polls/s (median; rounds ${c.rounds.map((r) => fixed(r.requestsPerSecond, 0)).join(', ')})`,
      `  event loop: server ${server}, busiest load process ${fixed(c.maxLoadEventLoopUtilization ?? 0, 3)}: ${c.saturated === true ? 'the server was the limit' : 'NOT a saturated server (a load process or the machine was the limit): the figure is a lower bound'}`,
    );
  }
  lines.push(
    ...c.maxClientsByInterval.map((m) => `  poll every ${m.intervalMs} ms -> at most ${m.clients.toLocaleString('en-US')} clients`),
  );
  const cost = c.costAtFixedRate;
  if (cost !== undefined && cost !== null) {
    lines.push(
      `  server CPU per poll at ${fixed(cost.requestsPerSecond, 0)} polls/s (open loop): ${fixed(cost.cpuMicrosPerPoll, 1)} µs; one core then serves ` +
        cost.clientsPerCoreByInterval.map((m) => `${m.clients.toLocaleString('en-US')} clients at ${m.intervalMs} ms`).join(', '),
    );
  }
  return lines.join('\n');
}

/**
 * Every scenario once (a scenario that reuses another's measurement, as the suite's first sweep
 * point reuses the header-overhead run, is named, not printed again), the stacks comparisons,
 * the session's wall time, capacity and micro-benchmarks.
 */
export function renderSummary(results: ResultsFile, options: TerminalOptions = COMPACT): string {
  const printed: Scenario[] = [];
  const parts: string[] = [];
  for (const scenario of results.scenarios) {
    const same = printed.find((earlier) => sameMeasurement(earlier, scenario));
    parts.push(
      same === undefined
        ? renderScenarioTable(scenario, options)
        : wrap(`${scenario.title}\nthe same measurement as "${same.title}" above (same parameters, measured once)`),
    );
    printed.push(scenario);
  }
  // A sweep of client counts: where each technique stops.
  for (const group of multiScenarioGroups(results)) {
    const stops = stopFindings(group);
    if (stops.length > 0) parts.push(wrap([`${group.group}: where each technique stops`, ...stops.map((f) => `  ${f.text}`)].join('\n')));
  }
  parts.push(...targetComparisons(results).map((c) => renderTargetComparison(c, options)));
  // Merged from shards: every shard on its own, its clock bound beside its latencies.
  if (results.shards !== undefined) parts.push(renderShardTable(results).trimEnd());
  if (results.suiteWallMs !== undefined) {
    const runs =
      results.runsPerTechnique !== undefined && results.runsPerTechnique > 1 ? `, ${results.runsPerTechnique} runs per technique` : '';
    parts.push(`Session wall time: ${fixed(results.suiteWallMs / 1000, 1)} s${runs}`);
  }
  for (const c of capacityProbes(results)) parts.push(wrap(renderCapacity(c)));
  if (results.micro !== undefined && results.micro.length > 0) {
    parts.push(
      wrap(
        `Per-message server work (tinybench):\n${results.micro.map((m) => `  ${m.technique.padEnd(10)} ${fixed(m.meanNs / 1000, 2)} µs  ${m.name}`).join('\n')}`,
      ),
    );
  }
  return `${parts.join('\n\n')}\n`;
}

/** Whether two scenarios hold one measurement: same parameters, target, results and floor (the runner shares it by `sameAs`). */
function sameMeasurement(a: Scenario, b: Scenario): boolean {
  return JSON.stringify([a.params, a.target, a.results, a.floor]) === JSON.stringify([b.params, b.target, b.results, b.floor]);
}
