/**
 * The plain-text summary `pushbench run` and `npm run bench` print to stdout: one table
 * per scenario, measured next to the model. Pure: results in, text out.
 */
import { timeScaleNote } from './time-scale.ts';
import { TECHNIQUES } from '../core/protocol.ts';
import type { CapacityResult, CompletedResult, ResultsFile, Scenario } from '../core/results.ts';
import { COMPARISON_HEAD, comparisonFindings, comparisonLines, targetComparisons, type ComparisonLine, type TargetComparison } from './targets.ts';
import { agreementFindings, saturationFindings } from './conclusions.ts';
import { completedFloor, latencyParts, latenessP99Text } from './latency-parts.ts';
import { completedEntries } from './select.ts';
import { evidenceNotes, latencyEvidence, noisyCell } from './evidence.ts';

function fixed(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function kib(n: number): string {
  return `${fixed(n / 1024, 1)} KiB`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

const HEADER = ['technique', 'delivered', 'lost', 'B/msg', 'model B/msg', 'overhead B/msg', 'p50', 'p99', 'max ms', 'latency n', 'late p99 ms', 'kbit/s', 'server CPU', 'mem/conn', 'empty polls', 'bytes agree'];

/** The row label of the machine's floor. */
const FLOOR_ROW = 'floor (bare ws)';

export function renderScenarioTable(scenario: Scenario): string {
  const rows: string[][] = [HEADER];
  for (const id of TECHNIQUES) {
    const r = scenario.results[id];
    if (r === undefined) continue;
    if (r.state !== 'completed') {
      rows.push([id, `${r.state}: ${r.error.slice(0, 100)}`, ...HEADER.slice(2).map(() => '')]);
      continue;
    }
    rows.push(resultRow(id, r));
  }
  const floor = scenario.floor;
  if (floor !== undefined) {
    rows.push(floor.state === 'completed' ? resultRow(FLOOR_ROW, floor) : [FLOOR_ROW, `${floor.state}: ${floor.error.slice(0, 100)}`, ...HEADER.slice(2).map(() => '')]);
  }
  const completed = completedEntries(scenario);
  const notes = [
    ...saturationFindings(completed).map((f) => `! ${f.text}`),
    ...agreementFindings(completed).map((f) => `! ${f.text}`),
    ...evidenceNotes(completed.map(({ technique, result }) => ({ label: technique, result }))).map((n) => `  ${n}`),
    ...latencyNotes(scenario),
  ];
  // pushbench's own publisher, when it published: its round trip stands beside the latency it caused.
  for (const { technique, result } of completed) {
    const p = result.publisher;
    if (p === undefined || p === null || p.side !== 'process' || p.roundTripMs === undefined) continue;
    notes.push(`  ${technique}: pushbench published ${p.accepted ?? 0}/${p.sent ?? 0} accepted, publish round trip p50 ${fixed(p.roundTripMs.p50, 2)} ms, p99 ${fixed(p.roundTripMs.p99, 2)} ms, at most ${fixed(p.latenessMs.max, 2)} ms behind schedule`);
  }
  const p = scenario.params;
  const head = `${scenario.title}\n${p.workload}, ${p.clients} clients, ${p.rate} msg/s, ${p.payloadBytes} B payload (${p.messageBytes} B message), poll interval ${p.intervalMs} ms, ${p.headers} headers, window ${p.durationMs} ms`;
  const scaled = timeScaleNote(scenario);
  return `${head}${scaled === null ? '' : `\n${scaled}`}\n\n${table(rows)}${notes.length > 0 ? `\n${notes.join('\n')}` : ''}`;
}

/**
 * What latency is made of, in one line: the mean splits into the publisher's lateness and
 * transit (means add up; percentiles do not), and the floor says what the machine costs.
 */
function latencyNotes(scenario: Scenario): string[] {
  const parts = latencyParts(scenario).filter((row) => row.transitMeanMs !== null && row.publisher !== null);
  if (parts.length === 0) return [];
  const split = parts.map((row) => `${row.technique ?? FLOOR_ROW} ${fixed(row.latencyMeanMs, 3)} = ${fixed(row.publisher!.latenessMs.mean, 3)} + ${fixed(row.transitMeanMs!, 3)}`).join('; ');
  const server = parts.find((row) => row.publisher!.side === 'server')?.publisher ?? undefined;
  const lines = [`latency mean ms = publisher lateness + transit: ${split}`];
  if (server !== undefined) {
    const blocked = server.loopBlockedPercent === undefined ? '' : `, and blocked its event loop ${fixed(server.loopBlockedPercent, 2)}% of the window`;
    lines.push(`late p99 = the publisher's lateness against each due time, — below 100 messages (its precise wait cost ${fixed(server.busyWaitCpuPercent, 2)}% of a core, left out of server CPU${blocked})`);
  }
  const queued = parts.filter((row) => row.fanOutMs !== null || row.arrivalSpreadMs !== null);
  if (queued.length > 0) {
    const queue = queued.map((row) => `${row.technique ?? FLOOR_ROW} ${row.fanOutMs === null ? '-' : fixed(row.fanOutMs, 3)} + ${row.arrivalSpreadMs === null ? '-' : fixed(row.arrivalSpreadMs, 3)}`).join('; ');
    lines.push(`the fan-out's queue ms = server fan-out + clients' mean arrival behind the first (two overlapping parts of the transit; the model adds them, too high with many clients): ${queue}`);
  }
  if (completedFloor(scenario) !== null) lines.push(`${FLOOR_ROW}: the textbook ws broadcast on this machine, same publisher, clients and window: what any technique pays before its own cost`);
  return lines;
}

function resultRow(id: string, r: CompletedResult): string[] {
  return [
      id,
      `${r.messages.delivered}/${r.messages.expected}`,
      String(r.messages.lost),
      fixed(r.perMessage.totalBytes),
      r.model === null ? 'n/a' : fixed(r.model.perMessage.totalBytes),
      fixed(r.perMessage.overheadBytes),
      noisyCell(r, 'p50'),
      noisyCell(r, 'p99'),
      fixed(r.latencyMs.max, 2),
      latencyEvidence(r).replace(/^n = /, ''),
      r.publisher === undefined || r.publisher === null ? '-' : latenessP99Text(r.publisher, (ms) => fixed(ms, 3)),
      fixed(r.bitsPerSecond / 1000),
      r.server === null ? '-' : noisyCell(r, 'cpu'),
      r.server === null ? '-' : r.server.bytesPerConnection === null ? '< 4 MB tot' : kib(r.server.bytesPerConnection),
      r.requests === null ? '-' : `${fixed(r.requests.total > 0 ? (100 * r.requests.empty) / r.requests.total : 0)}%`,
      bytesAgree(r),
  ];
}

/**
 * Whether the server's byte count equals the clients': pushbench's own server counts over IPC;
 * for any other server on this host the kernel's per-socket counters (`yes (kernel)`); `n/a`
 * when the kernel's figure is incomplete (sockets closed inside the window) or bytes were moving
 * at a window edge whenever both sides were read, `-` when nothing could count.
 */
function bytesAgree(r: CompletedResult): string {
  if (r.agreement !== null) return r.agreement.agree ? 'yes' : `NO (server ${r.agreement.serverUp}/${r.agreement.serverDown}, client ${r.agreement.clientUp}/${r.agreement.clientDown})`;
  const k = r.kernel;
  if (k === undefined || k === null) return '-';
  if (k.agree === null) return k.unconfirmed === 'not-quiet' ? 'n/a (bytes moving at an edge)' : 'n/a (sockets closed)';
  return k.agree ? 'yes (kernel)' : `NO (kernel ${k.serverUp}/${k.serverDown}, client ${k.clientUp}/${k.clientDown})`;
}

/** One comparison of a scenario across targets: a row per technique and target. */
export function renderTargetComparison(comparison: TargetComparison): string {
  const keys = Object.keys(COMPARISON_HEAD) as Array<keyof ComparisonLine>;
  const rows = [keys.map((k) => COMPARISON_HEAD[k]), ...comparisonLines(comparison).map((line) => keys.map((k) => (k === 'delivered' ? line[k].slice(0, 100) : line[k])))];
  const findings = comparisonFindings(comparison).map((f) => `- ${f}`);
  return `Stacks side by side: ${comparison.title}\non ${comparison.targets.map((t) => t.name).join(', ')}\n\n${table(rows)}${findings.length > 0 ? `\n${findings.join('\n')}` : ''}`;
}

/** The capacity probe: polls/s at saturation (with who was saturated) and the server's CPU per poll at a fixed rate. */
export function renderCapacity(c: CapacityResult): string {
  const lines: string[] = [];
  if (c.rounds === undefined) {
    // A file of the one-process autocannon probe.
    lines.push(`Capacity (autocannon, ${c.connections} connections, ${c.durationMs} ms): /poll sustains ${fixed(c.requestsPerSecond, 0)} req/s (p99 ${fixed(c.latencyMsP99, 2)} ms)`);
  } else {
    const server = c.serverEventLoopUtilization === null || c.serverEventLoopUtilization === undefined ? 'n/a' : fixed(c.serverEventLoopUtilization, 3);
    lines.push(
      `Capacity (${c.loadProcesses ?? '?'} load processes, ${c.connections} connections, ${c.warmupMs ?? 0} ms warm-up, ${c.rounds.length} rounds of ${c.durationMs} ms): ` +
        `the server answered ${fixed(c.requestsPerSecond, 0)} polls/s (median; rounds ${c.rounds.map((r) => fixed(r.requestsPerSecond, 0)).join(', ')})`,
      `  event loop: server ${server}, busiest load process ${fixed(c.maxLoadEventLoopUtilization ?? 0, 3)}: ${c.saturated === true ? 'the server was the limit' : 'NOT a saturated server (a load process or the machine was the limit): the figure is a lower bound'}`,
    );
  }
  lines.push(...c.maxClientsByInterval.map((m) => `  poll every ${m.intervalMs} ms -> at most ${m.clients.toLocaleString('en-US')} clients`));
  const cost = c.costAtFixedRate;
  if (cost !== undefined && cost !== null) {
    lines.push(
      `  server CPU per poll at ${fixed(cost.requestsPerSecond, 0)} polls/s (open loop): ${fixed(cost.cpuMicrosPerPoll, 1)} µs; one core then serves ` +
        cost.clientsPerCoreByInterval.map((m) => `${m.clients.toLocaleString('en-US')} clients at ${m.intervalMs} ms`).join(', '),
    );
  }
  return lines.join('\n');
}

export function renderSummary(results: ResultsFile): string {
  const parts = results.scenarios.map(renderScenarioTable);
  parts.push(...targetComparisons(results).map(renderTargetComparison));
  if (results.suiteWallMs !== undefined) {
    const runs = results.runsPerTechnique !== undefined && results.runsPerTechnique > 1 ? `, ${results.runsPerTechnique} runs per technique` : '';
    parts.push(`Session wall time: ${fixed(results.suiteWallMs / 1000, 1)} s${runs}`);
  }
  if (results.capacity !== undefined) parts.push(renderCapacity(results.capacity));
  if (results.micro !== undefined && results.micro.length > 0) {
    parts.push(
      `Per-message server work (tinybench):\n${results.micro.map((m) => `  ${m.technique.padEnd(10)} ${fixed(m.meanNs / 1000, 2)} µs  ${m.name}`).join('\n')}`,
    );
  }
  return `${parts.join('\n\n')}\n`;
}
