/**
 * Stacks side by side: the same scenario measured on several targets (pushbench's own servers,
 * nginx + Nchan, Django Channels, ...), one comparison per scenario and technique. Pure views
 * over a ResultsFile that the terminal summary, summary.md and report.html all render, plus the
 * sentences that say where the differences come from, computed from the numbers.
 */
import type { CompletedResult, ResultsFile, Scenario, ScenarioParams, TargetInfo, TechniqueResult } from '../core/results.ts';
import { TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import { shownPercentile } from './evidence.ts';
import { formatByteSize, formatBytes, formatMs, formatNumber, formatPercent } from './format.ts';
import { techniqueLabel } from './techniques.ts';

/** The target of a scenario; a file written before targets existed measured pushbench's own servers. */
export function targetOf(scenario: Scenario): TargetInfo {
  return scenario.target ?? { name: 'builtin', kind: 'builtin', file: null, description: "pushbench's own servers", server: 'started' };
}

/** The scenario's id without its `@target` suffix: what the same scenario is called on every target. */
export function baseScenarioId(scenario: Scenario): string {
  const target = targetOf(scenario);
  const suffix = `@${target.name}`;
  return target.kind !== 'builtin' && scenario.id.endsWith(suffix) ? scenario.id.slice(0, -suffix.length) : scenario.id;
}

export interface TargetCell {
  target: TargetInfo;
  scenarioId: string;
  /** Undefined when the target does not offer the technique. */
  result: TechniqueResult | undefined;
}

export interface TargetComparison {
  /** The scenario's id on the built-in target (without `@target`). */
  baseId: string;
  /** The first scenario's title, without its `, on <target>` tail. */
  title: string;
  params: ScenarioParams;
  targets: TargetInfo[];
  rows: Array<{ technique: TechniqueId; cells: TargetCell[] }>;
}

/** Every scenario measured on two or more targets, in the order of the file. */
export function targetComparisons(results: ResultsFile): TargetComparison[] {
  const byBase = new Map<string, Scenario[]>();
  for (const scenario of results.scenarios) {
    const base = baseScenarioId(scenario);
    byBase.set(base, [...(byBase.get(base) ?? []), scenario]);
  }
  const comparisons: TargetComparison[] = [];
  for (const [baseId, scenarios] of byBase) {
    if (new Set(scenarios.map((s) => targetOf(s).name)).size < 2) continue;
    const first = scenarios[0]!;
    const techniques = TECHNIQUES.filter((id) => scenarios.some((s) => s.results[id] !== undefined));
    comparisons.push({
      baseId,
      title: first.title.replace(/, on [^,]+$/, ''),
      params: first.params,
      targets: scenarios.map(targetOf),
      rows: techniques.map((technique) => ({
        technique,
        cells: scenarios.map((s) => ({ target: targetOf(s), scenarioId: s.id, result: s.results[technique] })),
      })),
    });
  }
  return comparisons;
}

/** Bytes of a response head as received (its lines, CRLF-separated, and the blank line that ends it). */
export function headBytes(head: string): number {
  return Buffer.byteLength(head, 'latin1') + 4;
}

/** One row of the comparison table, as plain strings (each renderer escapes them for its format). */
export interface ComparisonLine {
  technique: string;
  target: string;
  delivered: string;
  lost: string;
  bytesPerMessage: string;
  payload: string;
  overhead: string;
  /** A framework's share of the overhead per message (its envelope, heartbeats), '—' without one. */
  framework: string;
  /** What one client paid to connect through the framework's session protocol (handshake, namespace connect, upgrade). */
  connect: string;
  head: string;
  p50: string;
  p99: string;
  cpu: string;
  rss: string;
}

export const COMPARISON_HEAD: ComparisonLine = {
  technique: 'Technique',
  target: 'Target',
  delivered: 'Delivered',
  lost: 'Lost',
  bytesPerMessage: 'Bytes/msg',
  payload: 'Payload',
  overhead: 'Overhead',
  framework: 'Framework/msg',
  connect: 'Connect/client',
  head: 'Response head',
  p50: 'p50',
  p99: 'p99',
  cpu: 'Server CPU',
  rss: 'Server RSS',
};

/** A line with nothing measured: its technique and target, and why in the delivered column. */
function onlyDelivered(base: Pick<ComparisonLine, 'technique' | 'target'>, delivered: string): ComparisonLine {
  return {
    ...base,
    delivered,
    lost: '',
    bytesPerMessage: '',
    payload: '',
    overhead: '',
    framework: '',
    connect: '',
    head: '',
    p50: '',
    p99: '',
    cpu: '',
    rss: '',
  };
}

/** The table lines of one comparison: every technique, every target, failures and absences named. */
export function comparisonLines(comparison: TargetComparison): ComparisonLine[] {
  const lines: ComparisonLine[] = [];
  for (const { technique, cells } of comparison.rows) {
    for (const { target, result } of cells) {
      const base = { technique: techniqueLabel(technique), target: target.name };
      if (result === undefined) {
        lines.push(onlyDelivered(base, 'not offered'));
        continue;
      }
      if (result.state !== 'completed') {
        lines.push(onlyDelivered(base, `${result.state}: ${result.error}`));
        continue;
      }
      const perMessage = result.perMessage.totalBytes;
      lines.push({
        ...base,
        delivered: `${result.messages.delivered}/${result.messages.expected}`,
        lost: String(result.messages.lost),
        bytesPerMessage: formatBytes(perMessage),
        payload: formatBytes(perMessage - result.perMessage.overheadBytes),
        overhead: formatBytes(result.perMessage.overheadBytes),
        ...sessionColumns(result),
        head: result.responseHead === undefined || result.responseHead === null ? '—' : formatBytes(headBytes(result.responseHead)),
        p50: formatMs(result.latencyMs.p50),
        p99: formatMs(result.latencyMs.p99),
        cpu: result.server === null ? '—' : formatPercent(result.server.cpuPercent),
        rss: result.server === null ? '—' : formatByteSize(result.server.rssBytes),
      });
    }
  }
  return lines;
}

/** A framework session's bytes: per delivered message (envelope and heartbeats, both part of the overhead) and per connecting client. */
export function sessionFigures(
  result: CompletedResult,
): { frameworkPerMessage: number; heartbeatsPerMessage: number; envelopePerMessage: number; connectPerClient: number } | null {
  const session = result.session;
  if (session === undefined || session === null) return null;
  const delivered = Math.max(1, result.messages.delivered);
  const heartbeats = session.heartbeatBytes.up + session.heartbeatBytes.down;
  const connect = session.connect.steps.reduce((sum, s) => sum + s.up + s.down, 0);
  return {
    // The envelope over the messages it was counted on (received in the byte window); heartbeats over the window's deliveries, as the overhead is.
    envelopePerMessage: session.envelopeBytes / Math.max(1, session.envelopeMessages),
    heartbeatsPerMessage: heartbeats / delivered,
    frameworkPerMessage: session.envelopeBytes / Math.max(1, session.envelopeMessages) + heartbeats / delivered,
    connectPerClient: session.connect.clients === 0 ? 0 : connect / session.connect.clients,
  };
}

function sessionColumns(result: CompletedResult): Pick<ComparisonLine, 'framework' | 'connect'> {
  const figures = sessionFigures(result);
  if (figures === null) return { framework: '—', connect: '—' };
  return { framework: formatBytes(figures.frameworkPerMessage), connect: formatBytes(figures.connectPerClient) };
}

/** The response heads of a comparison, per technique and target, verbatim. */
export function comparisonHeads(comparison: TargetComparison): Array<{ technique: TechniqueId; target: string; head: string }> {
  const heads: Array<{ technique: TechniqueId; target: string; head: string }> = [];
  for (const { technique, cells } of comparison.rows) {
    for (const { target, result } of cells) {
      if (result?.state === 'completed' && typeof result.responseHead === 'string')
        heads.push({ technique, target: target.name, head: result.responseHead });
    }
  }
  return heads;
}

function completedCells(cells: readonly TargetCell[]): Array<{ target: TargetInfo; result: CompletedResult }> {
  return cells.flatMap(({ target, result }) => (result?.state === 'completed' ? [{ target, result }] : []));
}

/**
 * Where the differences come from, in sentences computed from the numbers: per technique, the
 * cheapest and the dearest target in bytes per message and why (response heads, envelope and
 * framing), the fastest and the slowest p50, and the CPU the servers spent for the same work.
 */
export function comparisonFindings(comparison: TargetComparison): string[] {
  const findings: string[] = [];
  for (const { technique, cells } of comparison.rows) {
    const done = completedCells(cells);
    if (done.length < 2) continue;
    const label = techniqueLabel(technique);
    const byBytes = [...done].sort((a, b) => a.result.perMessage.totalBytes - b.result.perMessage.totalBytes);
    const cheap = byBytes[0]!;
    const dear = byBytes[byBytes.length - 1]!;
    const parts = [
      `${label}: ${dear.target.name} costs ${formatBytes(dear.result.perMessage.totalBytes)} per message, ${cheap.target.name} ${formatBytes(cheap.result.perMessage.totalBytes)}`,
    ];
    const cheapHead = cheap.result.responseHead;
    const dearHead = dear.result.responseHead;
    if (typeof cheapHead === 'string' && typeof dearHead === 'string') {
      parts.push(`their response heads are ${formatBytes(headBytes(dearHead))} and ${formatBytes(headBytes(cheapHead))}`);
    }
    const envelope = dear.result.perMessage.overheadBytes - cheap.result.perMessage.overheadBytes;
    if (Math.abs(envelope) >= 1)
      parts.push(
        `${formatBytes(Math.abs(envelope))} of overhead per message more on ${envelope > 0 ? dear.target.name : cheap.target.name} (headers per response, the envelope around the message and its escaping, framing)`,
      );
    for (const { target, result } of done) {
      const figures = sessionFigures(result);
      if (figures === null || result.session === null || result.session === undefined) continue;
      parts.push(
        `on ${target.name} (${result.session.transport}) the framework adds ${formatBytes(figures.envelopePerMessage)} of envelope and ${formatBytes(figures.heartbeatsPerMessage)} of heartbeats per message (${result.session.heartbeats} pings in the window), and a client pays ${formatBytes(figures.connectPerClient)} to connect`,
      );
    }
    const byLatency = [...done].sort((a, b) => a.result.latencyMs.p50 - b.result.latencyMs.p50);
    parts.push(
      `p50 ${formatMs(byLatency[0]!.result.latencyMs.p50)} on ${byLatency[0]!.target.name} to ${formatMs(byLatency[byLatency.length - 1]!.result.latencyMs.p50)} on ${byLatency[byLatency.length - 1]!.target.name}`,
    );
    const withCpu = done.filter((d) => d.result.server !== null).sort((a, b) => a.result.server!.cpuPercent - b.result.server!.cpuPercent);
    if (withCpu.length >= 2) {
      const low = withCpu[0]!;
      const high = withCpu[withCpu.length - 1]!;
      const ratio =
        low.result.server!.cpuPercent > 0 ? ` (${formatNumber(high.result.server!.cpuPercent / low.result.server!.cpuPercent, 1)}×)` : '';
      parts.push(
        `server CPU ${formatPercent(high.result.server!.cpuPercent)} on ${high.target.name} against ${formatPercent(low.result.server!.cpuPercent)} on ${low.target.name}${ratio}`,
      );
    }
    findings.push(`${parts.join('; ')}.`);
  }
  return [...findings, ...redisHopFindings(comparison)];
}

/**
 * The name suffix of a framework's deployed form: `NAME-redis` is the target `NAME` run as
 * several server processes with Redis between them (django-channels-redis, socket.io-redis).
 */
export const REDIS_FORM_SUFFIX = '-redis';

/** One technique measured on a framework's Redis form and on its single-process form, in the same comparison. */
export interface RedisHop {
  technique: TechniqueId;
  single: { target: TargetInfo; result: CompletedResult };
  redis: { target: TargetInfo; result: CompletedResult };
}

/** Every technique a comparison measured both on `NAME-redis` and on `NAME`, both completed. */
export function redisHops(comparison: TargetComparison): RedisHop[] {
  const hops: RedisHop[] = [];
  for (const { technique, cells } of comparison.rows) {
    const done = completedCells(cells);
    for (const redis of done) {
      if (!redis.target.name.endsWith(REDIS_FORM_SUFFIX)) continue;
      const single = done.find((d) => d.target.name === redis.target.name.slice(0, -REDIS_FORM_SUFFIX.length));
      if (single !== undefined) hops.push({ technique, single, redis });
    }
  }
  return hops;
}

/** `+1.23 ms`, `−0.40 ms`: a change in latency. */
function signedMs(value: number): string {
  return `${value < 0 ? '−' : '+'}${formatMs(Math.abs(value))}`;
}

/**
 * What the Redis hop costs, per technique, in sentences: the Redis form's p50 and p99 against
 * the single-process form's (a percentile with too few samples is named, not printed), each
 * with its sample count, and the server CPU and RSS of both (the Redis form's pid tree holds
 * Redis, every server process and the proxy in front of them).
 */
export function redisHopFindings(comparison: TargetComparison): string[] {
  return redisHops(comparison).map(({ technique, single, redis }) => {
    const latency = (['p50', 'p99'] as const).map((key) => {
      const a = shownPercentile(redis.result, key);
      const b = shownPercentile(single.result, key);
      return a === null || b === null
        ? `${key} not compared (too few samples)`
        : `${key} ${formatMs(a)} against ${formatMs(b)} (${signedMs(a - b)})`;
    });
    const n = (r: CompletedResult): string => r.latencyMs.count.toLocaleString('en-US');
    const parts = [
      `The Redis hop, ${techniqueLabel(technique)}: ${redis.target.name} against ${single.target.name}`,
      `${latency.join(', ')} (n = ${n(redis.result)} and ${n(single.result)})`,
    ];
    const r = redis.result.server;
    const s = single.result.server;
    if (r !== null && s !== null) {
      const ratio = s.cpuPercent > 0 ? ` (${formatNumber(r.cpuPercent / s.cpuPercent, 1)}×)` : '';
      parts.push(`server CPU ${formatPercent(r.cpuPercent)} against ${formatPercent(s.cpuPercent)}${ratio}`);
      parts.push(`RSS ${formatByteSize(r.rssBytes)} against ${formatByteSize(s.rssBytes)}`);
    }
    return `${parts.join('; ')}.`;
  });
}

/** The teaching text of the comparison: what differs between servers that run the same technique. */
export const COMPARISON_LESSON =
  'The technique fixes the shape of the traffic; the server decides its size and its cost. ' +
  "A request technique pays a whole response head for every answer, so the server's headers (Server, Date, Last-Modified, Etag, Vary, chunked encoding) are paid once per message on long polling and once per poll on short polling. " +
  'A server that wraps the message in its own envelope (Channels\' {"message": "..."}) adds the envelope and escapes every quote of the message inside it. ' +
  "SSE framing grows with the event id the server writes (a seq, or Nchan's time:tag), WebSocket framing is 2 bytes a frame everywhere. " +
  "CPU and memory are the runtime's: C (nginx), JavaScript (pushbench's Node servers) and Python (daphne's asyncio) do the same work at different prices. " +
  'The payload column is the same on every target: the JSON pushbench published.';
