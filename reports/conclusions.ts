/**
 * Plain-language conclusions computed from the numbers: which technique is cheapest per message
 * and by what factor, which has the lowest tail latency, what was lost or failed, where a sweep's
 * bandwidth ranking changes. Every sentence is derived from the results it is given; nothing
 * here is a finding written in advance. Texts are plain (unescaped); renderers escape them.
 */
import {
  GENERATOR_ELU_WARN,
  type CompletedResult,
  type MachineLimit,
  type MachineUse,
  type ResultsFile,
  type Scenario,
} from '../core/results.ts';
import type { TechniqueId } from '../core/protocol.ts';
import {
  formatBoundedMs,
  formatBytes,
  formatFactor,
  formatInteger,
  formatMs,
  formatPercent,
  formatBitsPerSecond,
  formatChangePercent,
} from './format.ts';
import {
  completedEntries,
  emptyRequestPercent,
  failedEntries,
  multiScenarioGroups,
  type CompletedEntry,
  type ScenarioGroup,
} from './select.ts';
import { techniqueLabel, techniquePossessive } from './techniques.ts';
import { metricSpread, percentileReason } from './evidence.ts';
import { intervalsOverlap } from '../core/spread.ts';

export type FindingKind =
  | 'failure'
  | 'bytes'
  | 'latency'
  | 'loss'
  | 'client-errors'
  | 'empty-polls'
  | 'saturation'
  | 'machine'
  | 'stop'
  | 'agreement'
  | 'model-gap'
  | 'ranking'
  | 'crossing'
  | 'spread'
  | 'cpu'
  | 'none';

export interface Finding {
  kind: FindingKind;
  text: string;
  /** The technique the finding favours (cheapest, fastest), when there is one. */
  best?: TechniqueId;
  /** The technique it is compared with (most expensive, slowest). */
  worst?: TechniqueId;
  /** worst / best, when the finding is a comparison. */
  factor?: number;
  /** Why a comparison names no winner: the intervals over runs overlap, or too few samples to compare. */
  undecided?: 'overlap' | 'samples';
}

export interface Conclusions {
  /** Scenario id, or group name for a group. */
  id: string;
  title: string;
  findings: Finding[];
}

/** Above this share of polls sent late, the clients could not keep their interval. */
const LATE_POLL_SHARE = 0.05;
/** Above this event-loop utilisation the server had no idle time left. */
const SATURATED_ELU = 0.9;
/** Fewer late publishes than this are timer noise, not a publisher falling behind. */
const MIN_LATE_TICKS = 10;

/** Below this ratio two figures are "about the same": differences of a few percent are noise or rounding. */
export const SAME_FACTOR = 1.05;
/** A measured-versus-model gap above this share is reported. */
const MODEL_GAP_PERCENT = 10;

/** Conclusions for every scenario of a results file, then for every multi-scenario group. */
export function buildConclusions(results: ResultsFile): { scenarios: Conclusions[]; groups: Conclusions[] } {
  return {
    scenarios: results.scenarios.map(scenarioConclusions),
    groups: multiScenarioGroups(results).map(groupConclusions),
  };
}

/** The findings of one scenario, most important first. */
export function scenarioConclusions(scenario: Scenario): Conclusions {
  const completed = completedEntries(scenario);
  const findings: Finding[] = [];
  for (const { technique, result } of failedEntries(scenario)) {
    findings.push({
      kind: 'failure',
      worst: technique,
      text: `${techniqueLabel(technique)} ${result.state === 'failed' ? 'failed' : 'was interrupted'}: ${result.error}. It has no figures in this scenario.`,
    });
  }
  if (completed.length === 0) {
    findings.push({ kind: 'none', text: 'No technique completed, so there is nothing to compare.' });
    return { id: scenario.id, title: scenario.title, findings };
  }
  findings.push(bytesFinding(completed));
  findings.push(latencyFinding(completed, scenario.clockBoundMs));
  findings.push(...lossFindings(completed));
  findings.push(...clientErrorFindings(completed));
  findings.push(...emptyPollFindings(completed));
  findings.push(...saturationFindings(completed));
  findings.push(...machineFindings(completed, scenario.params.clients));
  findings.push(...agreementFindings(completed));
  findings.push(...modelGapFindings(completed));
  return { id: scenario.id, title: scenario.title, findings };
}

/**
 * A technique that ran out of capacity says so: polls that went out late (the response to the
 * previous one came back after the next was due), a server event loop with no idle time left,
 * a publisher that could not keep its schedule.
 */
export function saturationFindings(completed: CompletedEntry[]): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const label = techniqueLabel(technique);
    const parts: string[] = [];
    const requests = result.requests;
    if (requests !== null && requests.total > 0 && requests.late / requests.total > LATE_POLL_SHARE) {
      parts.push(`${formatInteger(requests.late)} of ${formatInteger(requests.total)} requests went out later than scheduled`);
    }
    const elu = result.server?.eventLoopUtilization ?? null;
    if (elu !== null && elu > SATURATED_ELU) {
      parts.push(`the server's event loop was busy ${formatPercent(elu * 100)} of the window`);
    }
    const generatorElu = result.generatorEventLoop?.busiest ?? null;
    if (generatorElu !== null && generatorElu > GENERATOR_ELU_WARN) {
      parts.push(
        `the busiest load generator's event loop was busy ${formatPercent(generatorElu * 100)} of the window (over ${formatPercent(GENERATOR_ELU_WARN * 100)}: the figures are partly the generator's, not the server's; add --generators)`,
      );
    }
    const lateTicks = result.server?.lateTicks ?? null;
    if (lateTicks !== null && lateTicks >= MIN_LATE_TICKS && lateTicks / Math.max(1, result.messages.published) > LATE_POLL_SHARE) {
      parts.push(`${formatInteger(lateTicks)} messages were published more than 2 ms late`);
    }
    if (parts.length === 0) continue;
    findings.push({
      kind: 'saturation',
      worst: technique,
      text: `${label} is saturated here: ${parts.join('; ')}. Its latency (p50 ${formatMs(result.latencyMs.p50)}${result.model === null ? '' : `, model ${formatMs(result.model.latencyMs.mean)} mean`}) shows the queueing, not the technique's best case.`,
    });
  }
  return findings;
}

/** From this many clients a run states the machine's limits even when it hit none: a large run says what held. */
export const MACHINE_WORDS_FROM_CLIENTS = 10_000;

const GIB = 1024 ** 3;

/** Each of the machine's resources as the run used it, in words. */
function machineParts(use: MachineUse): Record<MachineLimit, string> {
  const available = `${(use.memoryMinAvailableBytes / GIB).toFixed(1)} GiB of ${(use.memoryTotalBytes / GIB).toFixed(1)} GiB`;
  return {
    cpu: `CPU (${use.cores} cores ${formatPercent(use.cpuBusy * 100, 0)} busy over the window, every process of the machine)`,
    memory: `memory (${available} still available at the least)`,
    files: `files (at most ${formatInteger(use.filesBusiest)} open in one process${use.fileLimit === null ? '' : `, of ${formatInteger(use.fileLimit)}`})`,
    ports: `ports (${formatInteger(use.portsBusiest)} connections from one source address, of ${formatInteger(use.portRange)})`,
  };
}

/** The limit the machine's resources set, in words; empty when none was hit. */
export function machineLimitWords(use: MachineUse): string {
  const parts = machineParts(use);
  return use.hit.map((limit) => parts[limit]).join(' and ');
}

/**
 * Which of the machine's own limits (CPU, memory, files, ports) a run hit, in words: always when it
 * hit one, and for a large run (MACHINE_WORDS_FROM_CLIENTS) also when it hit none, with how close each came.
 */
export function machineFindings(completed: CompletedEntry[], clients: number): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const use = result.machine;
    if (use === undefined || (use.hit.length === 0 && clients < MACHINE_WORDS_FROM_CLIENTS)) continue;
    const parts = machineParts(use);
    const others = (Object.keys(parts) as MachineLimit[]).filter((limit) => !use.hit.includes(limit)).map((limit) => parts[limit]);
    const label = techniqueLabel(technique);
    findings.push({
      kind: 'machine',
      // A limit hit marks the technique's figures as the machine's; none hit, they are the technique's own.
      ...(use.hit.length === 0 ? { best: technique } : { worst: technique }),
      text:
        use.hit.length === 0
          ? `${label} hit no limit of the machine: ${others.join(', ')}.`
          : `${label} hit the machine's limit: ${machineLimitWords(use)}.${others.length === 0 ? '' : ` Not ${listWords(others, 'or')}.`}`,
    });
  }
  return findings;
}

function listWords(items: readonly string[], last: 'and' | 'or'): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}

/** Past this median latency a technique has stopped being usable for push, whatever it delivered: the bound of stopFindings. */
export const STOP_LATENCY_MS = 1000;

/** Why a technique stopped at one client count, or null when it held there. */
function stopReason(result: Scenario['results'][TechniqueId]): string | null {
  if (result === undefined) return null;
  if (result.state !== 'completed') return `it ${result.state === 'failed' ? 'failed' : 'was interrupted'} (${result.error})`;
  const { lost, expected } = result.messages;
  if (lost > 0) return `it lost ${formatInteger(lost)} of ${formatInteger(expected)} messages`;
  if (result.clientErrors.count > 0)
    return `its clients met ${formatInteger(result.clientErrors.count)} error${result.clientErrors.count === 1 ? '' : 's'} (first: ${result.clientErrors.first[0] ?? 'unknown'})`;
  if (result.latencyMs.p50 > STOP_LATENCY_MS)
    return `its median latency was ${formatMs(result.latencyMs.p50)} (n ${formatInteger(result.latencyMs.count)}), past the ${formatMs(STOP_LATENCY_MS)} bound`;
  return null;
}

/**
 * Along a sweep of client counts, where each technique stops: the first count at which it failed
 * (a refused connection, a timed-out handshake), lost a message, met a client error, or had a
 * median latency past STOP_LATENCY_MS; with the machine's limit it hit there, in words. A
 * technique that held at every count says so, with its largest.
 */
export function stopFindings(group: ScenarioGroup): Finding[] {
  const techniques = [...new Set(group.scenarios.flatMap((s) => Object.keys(s.results) as TechniqueId[]))];
  const findings: Finding[] = [];
  for (const technique of techniques) {
    const label = techniqueLabel(technique);
    const ran = group.scenarios.filter((s) => s.results[technique] !== undefined);
    const stop = ran.find((s) => stopReason(s.results[technique]) !== null);
    if (stop === undefined) {
      const last = ran.at(-1);
      if (last === undefined) continue;
      findings.push({
        kind: 'stop',
        best: technique,
        text: `${label} did not stop up to ${formatInteger(last.params.clients)} clients: nothing lost, no client error, median latency within ${formatMs(STOP_LATENCY_MS)} at every count.`,
      });
      continue;
    }
    const result = stop.results[technique];
    const held = ran.filter((s) => s.params.clients < stop.params.clients).at(-1);
    const use = result?.state === 'completed' ? result.machine : undefined;
    const limit = use === undefined || use.hit.length === 0 ? '' : ` There it hit the machine's ${machineLimitWords(use)}.`;
    findings.push({
      kind: 'stop',
      worst: technique,
      text: `${label} stops at ${formatInteger(stop.params.clients)} clients: ${stopReason(result)}${held === undefined ? '' : `; it held at ${formatInteger(held.params.clients)}`}.${limit}`,
    });
  }
  return findings;
}

/** The entries with the smallest and the largest value of `pick`, first one winning ties. */
function extremes(entries: CompletedEntry[], pick: (r: CompletedResult) => number): { min: CompletedEntry; max: CompletedEntry } {
  const [first] = entries;
  if (first === undefined) throw new Error('extremes() needs at least one entry');
  let min = first;
  let max = first;
  for (const entry of entries) {
    if (pick(entry.result) < pick(min.result)) min = entry;
    if (pick(entry.result) > pick(max.result)) max = entry;
  }
  return { min, max };
}

function bytesFinding(completed: CompletedEntry[]): Finding {
  const pick = (r: CompletedResult) => r.perMessage.totalBytes;
  const { min, max } = extremes(completed, pick);
  const minLabel = techniqueLabel(min.technique);
  const minBytes = formatBytes(pick(min.result));
  if (completed.length === 1) {
    return { kind: 'bytes', best: min.technique, text: `Only ${minLabel} completed: ${minBytes} per delivered message, up and down.` };
  }
  const factor = ratio(pick(max.result), pick(min.result));
  if (factor < SAME_FACTOR) {
    return {
      kind: 'bytes',
      best: min.technique,
      worst: max.technique,
      factor,
      text: `Every technique costs about the same per delivered message (${minBytes} to ${formatBytes(pick(max.result))}).`,
    };
  }
  return {
    kind: 'bytes',
    best: min.technique,
    worst: max.technique,
    factor,
    text: `${minLabel} is the cheapest per delivered message: ${minBytes} up and down, ${formatFactor(factor)} less than ${techniqueLabel(max.technique)} (${formatBytes(pick(max.result))}).`,
  };
}

/**
 * The p99 each technique is compared by: the median over runs with `--runs N` (its interval
 * decides whether a difference is stated), else the single run's p99. Techniques whose p99 has
 * too few samples are left out of the comparison and named.
 */
function latencyFinding(all: CompletedEntry[], clockBoundMs: number | undefined): Finding {
  // Merged from shards: no figure finer than the clocks' bound.
  const formatMs = (ms: number): string => formatBoundedMs(ms, clockBoundMs);
  const thin = all.filter((e) => e.result.runs === undefined && percentileReason(e.result, 'p99') !== null);
  const completed = all.filter((e) => !thin.includes(e));
  const thinNote =
    thin.length === 0
      ? ''
      : ` (${thin.map((e) => techniqueLabel(e.technique)).join(', ')} left out: ${percentileReason(thin[0]!.result, 'p99')})`;
  if (completed.length === 0) {
    return {
      kind: 'latency',
      undecided: 'samples',
      text: `No p99 latency is compared: ${percentileReason(thin[0]!.result, 'p99') ?? 'no samples'}.`,
    };
  }
  const pick = (r: CompletedResult) => metricSpread(r, 'p99')?.median ?? r.latencyMs.p99;
  const { min, max } = extremes(completed, pick);
  const minLabel = techniqueLabel(min.technique);
  const minMs = formatMs(pick(min.result));
  if (completed.length === 1) {
    return { kind: 'latency', best: min.technique, text: `${techniquePossessive(min.technique)} p99 latency is ${minMs}.${thinNote}` };
  }
  const minSpread = metricSpread(min.result, 'p99');
  const maxSpread = metricSpread(max.result, 'p99');
  if (minSpread !== null && maxSpread !== null && intervalsOverlap(minSpread, maxSpread)) {
    return {
      kind: 'latency',
      undecided: 'overlap',
      text: `p99 latency is not distinguishable here: the intervals over ${minSpread.n} runs overlap (${minLabel} ${formatMs(minSpread.low)}–${formatMs(minSpread.high)}, ${techniqueLabel(max.technique)} ${formatMs(maxSpread.low)}–${formatMs(maxSpread.high)}).${thinNote}`,
    };
  }
  const factor = ratio(pick(max.result), pick(min.result));
  if (!Number.isFinite(factor)) {
    return {
      kind: 'latency',
      best: min.technique,
      worst: max.technique,
      text: `${minLabel} has the lowest p99 latency (${minMs}); ${techniqueLabel(max.technique)} has the highest (${formatMs(pick(max.result))}).${thinNote}`,
    };
  }
  if (factor < SAME_FACTOR) {
    return {
      kind: 'latency',
      best: min.technique,
      worst: max.technique,
      factor,
      text: `Every technique has about the same p99 latency (${minMs} to ${formatMs(pick(max.result))}).${thinNote}`,
    };
  }
  const median = minSpread !== null && maxSpread !== null ? ` (medians of ${minSpread.n} runs; the intervals do not overlap)` : '';
  return {
    kind: 'latency',
    best: min.technique,
    worst: max.technique,
    factor,
    text: `${minLabel} has the lowest p99 latency: ${minMs}, ${formatFactor(factor)} lower than ${techniqueLabel(max.technique)} (${formatMs(pick(max.result))})${median}.${thinNote}`,
  };
}

/**
 * Which technique costs the server least CPU, by the same rules as latency: the median over runs
 * with `--runs N`, no winner where the intervals overlap, "about the same" within 5%. Null when
 * fewer than two techniques have server figures (a foreign server without a pid to watch).
 */
export function serverCpuFinding(completed: CompletedEntry[]): Finding | null {
  const withCpu = completed.filter((e) => e.result.server !== null);
  if (withCpu.length < 2) return null;
  const pick = (r: CompletedResult) => metricSpread(r, 'cpu')?.median ?? r.server?.cpuPercent ?? 0;
  const { min, max } = extremes(withCpu, pick);
  const minLabel = techniqueLabel(min.technique);
  const maxLabel = techniqueLabel(max.technique);
  const minSpread = metricSpread(min.result, 'cpu');
  const maxSpread = metricSpread(max.result, 'cpu');
  if (minSpread !== null && maxSpread !== null && intervalsOverlap(minSpread, maxSpread)) {
    return {
      kind: 'cpu',
      undecided: 'overlap',
      text: `Server CPU is not distinguishable here: the intervals over ${minSpread.n} runs overlap (${minLabel} ${formatPercent(minSpread.low)}–${formatPercent(minSpread.high)}, ${maxLabel} ${formatPercent(maxSpread.low)}–${formatPercent(maxSpread.high)}).`,
    };
  }
  const factor = ratio(pick(max.result), pick(min.result));
  if (factor < SAME_FACTOR) {
    return {
      kind: 'cpu',
      best: min.technique,
      worst: max.technique,
      factor,
      text: `Every technique costs the server about the same CPU (${formatPercent(pick(min.result))} to ${formatPercent(pick(max.result))} of a core).`,
    };
  }
  const median = minSpread !== null && maxSpread !== null ? ` (medians of ${minSpread.n} runs; the intervals do not overlap)` : '';
  return {
    kind: 'cpu',
    best: min.technique,
    worst: max.technique,
    factor,
    text: `${minLabel} costs the server the least CPU: ${formatPercent(pick(min.result))} of a core, ${formatFactor(factor)} less than ${maxLabel} (${formatPercent(pick(max.result))})${median}.`,
  };
}

function lossFindings(completed: CompletedEntry[]): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const { lost, expected, duplicated, outOfOrder } = result.messages;
    if (lost > 0) {
      const share = expected === 0 ? 0 : (lost / expected) * 100;
      findings.push({
        kind: 'loss',
        worst: technique,
        text: `${techniqueLabel(technique)} lost ${formatInteger(lost)} of ${formatInteger(expected)} expected messages (${formatPercent(share, 3)}).`,
      });
    }
    if (duplicated > 0 || outOfOrder > 0) {
      findings.push({
        kind: 'loss',
        worst: technique,
        text: `${techniqueLabel(technique)} delivered ${formatInteger(duplicated)} duplicate and ${formatInteger(outOfOrder)} out-of-order messages.`,
      });
    }
    const reordered = result.messages.reordered ?? 0;
    if (reordered > 0) {
      findings.push({
        kind: 'loss',
        worst: technique,
        text: `${techniqueLabel(technique)} delivered ${formatInteger(reordered)} messages after a later one whose publish pushbench had sent before the server answered theirs (overlapping publishes on separate connections): the server delivered them in the order it took them, so they are not counted out of order.`,
      });
    }
  }
  if (findings.length === 0) findings.push({ kind: 'loss', text: 'No completed technique lost, duplicated or reordered a message.' });
  return findings;
}

function clientErrorFindings(completed: CompletedEntry[]): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const { count, first } = result.clientErrors;
    if (count === 0) continue;
    const examples = first.length > 0 ? `; first: ${first.slice(0, 3).join('; ')}` : '';
    findings.push({
      kind: 'client-errors',
      worst: technique,
      text: `${techniquePossessive(technique)} clients met ${formatInteger(count)} error${count === 1 ? '' : 's'}${examples}.`,
    });
  }
  return findings;
}

function emptyPollFindings(completed: CompletedEntry[]): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const share = emptyRequestPercent(result);
    if (share === null || result.requests === null) continue;
    const { total, empty } = result.requests;
    const owner = techniquePossessive(technique);
    findings.push({
      kind: 'empty-polls',
      worst: technique,
      text:
        empty === 0
          ? `None of ${owner} ${formatInteger(total)} requests came back empty.`
          : `${formatPercent(share)} of ${owner} requests (${formatInteger(empty)} of ${formatInteger(total)}) came back empty: each of those cost a full request and response with no news.`,
    });
  }
  return findings;
}

/** A finding per technique whose server and client byte counts differ (with the reason when the run recorded one), or whose window edges were not quiet. */
export function agreementFindings(completed: CompletedEntry[]): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const a = result.agreement;
    if (a === null || a.agree) continue;
    findings.push({
      kind: 'agreement',
      worst: technique,
      text: `Server and client byte counts disagree for ${techniqueLabel(technique)} (server ${formatInteger(a.serverUp)} B up / ${formatInteger(a.serverDown)} B down, clients ${formatInteger(a.clientUp)} / ${formatInteger(a.clientDown)})${a.reason === undefined || a.reason === null ? '' : `: ${a.reason}`}; treat its byte figures as suspect.`,
    });
  }
  for (const { technique, result } of completed) {
    const edges = result.windowEdges;
    if (edges === undefined || edges === null || edges.clientsBehind === 0) continue;
    findings.push({ kind: 'agreement', worst: technique, text: `${techniqueLabel(technique)}: ${edges.note}.` });
  }
  return findings;
}

function modelGapFindings(completed: CompletedEntry[]): Finding[] {
  const findings: Finding[] = [];
  for (const { technique, result } of completed) {
    const measured = result.perMessage.totalBytes;
    // A foreign server has no model: nothing to compare.
    if (result.model === null) continue;
    const model = result.model.perMessage.totalBytes;
    if (model <= 0) continue;
    const gap = ((measured - model) / model) * 100;
    if (Math.abs(gap) <= MODEL_GAP_PERCENT) continue;
    findings.push({
      kind: 'model-gap',
      worst: technique,
      text: `${techniqueLabel(technique)} measured ${formatBytes(measured)} per message against a model of ${formatBytes(model)} (${formatChangePercent(gap)}): either the model misses a cost or the measurement has a bug.`,
    });
  }
  return findings;
}

/** Sweep findings: the bandwidth ranking across client counts, where it changes, and the spread at the largest count. */
export function groupConclusions(group: ScenarioGroup): Conclusions {
  const findings: Finding[] = [];
  for (const scenario of group.scenarios) {
    for (const { technique, result } of failedEntries(scenario)) {
      findings.push({
        kind: 'failure',
        worst: technique,
        text: `${techniqueLabel(technique)} ${result.state === 'failed' ? 'failed' : 'was interrupted'} at ${formatInteger(scenario.params.clients)} clients: ${result.error}.`,
      });
    }
  }
  const counts = group.scenarios.map((s) => s.params.clients);
  const series = bandwidthSeries(group);
  findings.push(...crossingFindings(series, counts));
  const spread = spreadFinding(group);
  if (spread !== null) findings.push(spread);
  const cpu = cpuFinding(group);
  if (cpu !== null) findings.push(cpu);
  findings.push(...stopFindings(group));
  return { id: group.group, title: group.group, findings };
}

/** Bits/s per technique at each scenario of the group (null where it did not complete). */
function bandwidthSeries(group: ScenarioGroup): Map<TechniqueId, Array<number | null>> {
  const series = new Map<TechniqueId, Array<number | null>>();
  group.scenarios.forEach((scenario, i) => {
    for (const { technique, result } of completedEntries(scenario)) {
      const values = series.get(technique) ?? group.scenarios.map(() => null);
      values[i] = result.bitsPerSecond;
      series.set(technique, values);
    }
  });
  return series;
}

function crossingFindings(series: Map<TechniqueId, Array<number | null>>, counts: number[]): Finding[] {
  const techniques = [...series.keys()];
  const findings: Finding[] = [];
  for (let i = 0; i < techniques.length; i++) {
    for (let j = i + 1; j < techniques.length; j++) {
      const a = techniques[i];
      const b = techniques[j];
      if (a === undefined || b === undefined) continue;
      findings.push(...pairCrossings(a, b, series.get(a) ?? [], series.get(b) ?? [], counts));
    }
  }
  if (findings.length > 0) return findings;
  if (techniques.length < 2) return [];
  const measured = counts.map(formatInteger).join(', ');
  const order = rankingAtFullestCount(series, counts);
  return [
    { kind: 'ranking', text: `No two techniques swap places in bandwidth across ${measured} clients${order === '' ? '' : `; ${order}`}.` },
  ];
}

/** Where the sign of (a − b) changes between two neighbouring client counts at which both have a figure. */
function pairCrossings(a: TechniqueId, b: TechniqueId, av: Array<number | null>, bv: Array<number | null>, counts: number[]): Finding[] {
  const findings: Finding[] = [];
  let previous: { sign: number; count: number } | null = null;
  for (let k = 0; k < counts.length; k++) {
    const x = av[k];
    const y = bv[k];
    const count = counts[k];
    if (x === null || x === undefined || y === null || y === undefined || count === undefined) continue;
    const sign = Math.sign(x - y);
    if (sign === 0) continue;
    if (previous !== null && previous.sign !== sign) {
      // sign > 0 now: a became the more expensive one.
      const [cheapBelow, cheapAbove] = sign > 0 ? [a, b] : [b, a];
      findings.push({
        kind: 'crossing',
        text: `${techniquePossessive(a)} bandwidth crosses ${techniquePossessive(b)} between ${formatInteger(previous.count)} and ${formatInteger(count)} clients: below, ${techniqueLabel(cheapBelow)} uses less; above, ${techniqueLabel(cheapAbove)} does.`,
      });
    }
    previous = { sign, count };
  }
  return findings;
}

/**
 * The bandwidth order at the client count where the most techniques have a figure (the largest
 * such count): comparing one technique's figure at 100 clients with another's at 1,000 would be
 * meaningless.
 */
function rankingAtFullestCount(series: Map<TechniqueId, Array<number | null>>, counts: number[]): string {
  let index = -1;
  let bestSize = 2; // a ranking needs two techniques
  for (let k = 0; k < counts.length; k++) {
    let size = 0;
    for (const values of series.values()) if (values[k] !== null && values[k] !== undefined) size++;
    if (size >= bestSize) {
      index = k;
      bestSize = size;
    }
  }
  if (index < 0) return '';
  const ranked: Array<{ technique: TechniqueId; value: number }> = [];
  for (const [technique, values] of series) {
    const value = values[index];
    if (value !== null && value !== undefined) ranked.push({ technique, value });
  }
  const order = ranked
    .sort((x, y) => x.value - y.value)
    .map((r) => techniqueLabel(r.technique))
    .join(' < ');
  return `at ${formatInteger(counts[index] ?? 0)} clients, from least to most: ${order}`;
}

function largestCompleted(group: ScenarioGroup): { scenario: Scenario; completed: CompletedEntry[] } | null {
  for (const scenario of [...group.scenarios].reverse()) {
    const completed = completedEntries(scenario);
    if (completed.length >= 2) return { scenario, completed };
  }
  return null;
}

function spreadFinding(group: ScenarioGroup): Finding | null {
  const largest = largestCompleted(group);
  if (largest === null) return null;
  const pick = (r: CompletedResult) => r.bitsPerSecond;
  const { min, max } = extremes(largest.completed, pick);
  const factor = ratio(pick(max.result), pick(min.result));
  return {
    kind: 'spread',
    best: min.technique,
    worst: max.technique,
    factor,
    text: `At ${formatInteger(largest.scenario.params.clients)} clients, ${techniqueLabel(max.technique)} needs ${formatBitsPerSecond(pick(max.result))}, ${formatFactor(factor)} the ${formatBitsPerSecond(pick(min.result))} of ${techniqueLabel(min.technique)}.`,
  };
}

function cpuFinding(group: ScenarioGroup): Finding | null {
  const largest = largestCompleted(group);
  if (largest === null) return null;
  const withCpu = largest.completed.filter((e) => e.result.server !== null);
  if (withCpu.length < 2) return null;
  const pick = (r: CompletedResult) => r.server?.cpuPercent ?? 0;
  const { min, max } = extremes(withCpu, pick);
  return {
    kind: 'cpu',
    best: min.technique,
    worst: max.technique,
    factor: ratio(pick(max.result), pick(min.result)),
    text: `At ${formatInteger(largest.scenario.params.clients)} clients the server spends ${formatPercent(pick(min.result))} of a core on ${techniqueLabel(min.technique)} and ${formatPercent(pick(max.result))} on ${techniqueLabel(max.technique)}.`,
  };
}

/** a / b, Infinity when b is 0 and a is not, 1 when both are 0. */
function ratio(a: number, b: number): number {
  if (b === 0) return a === 0 ? 1 : Infinity;
  return a / b;
}
