/**
 * The answer first: per scenario, which technique wins on bytes, on p99 latency and on server
 * CPU, and by what factor, taken from the findings of reports/conclusions.ts (so the sample rule
 * and "a conclusion only where intervals separate" hold here too). The terminal prints it as one
 * line, the HTML report as its opening section. Pure: results in, data and plain text out.
 */
import type { CompletedResult, Scenario } from '../core/results.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { SAME_FACTOR, scenarioConclusions, serverCpuFinding, type Finding } from './conclusions.ts';
import { formatFactor } from './format.ts';
import { completedEntries, type CompletedEntry } from './select.ts';
import { metricSpread, shownPercentile } from './evidence.ts';
import { techniqueLabel } from './techniques.ts';

/** The three questions a verdict answers. */
export type VerdictCriterion = 'bytes' | 'latency' | 'cpu';

export const CRITERION_LABELS: Readonly<Record<VerdictCriterion, string>> = Object.freeze({ bytes: 'bytes', latency: 'p99', cpu: 'CPU' });

export interface VerdictPart {
  criterion: VerdictCriterion;
  /** The winner, or null where the evidence names none (overlap, too few samples, about equal, suspect bytes). */
  winner: TechniqueId | null;
  /** The technique it is compared with, when there is a winner and a factor. */
  against: TechniqueId | null;
  /** against / winner; null when there is no winner or the ratio is infinite. */
  factor: number | null;
  /** Techniques within 5% of the winner's figure, which share its place. */
  tied?: TechniqueId[];
  /** The finding's full sentence (plain, unescaped). */
  sentence: string;
  /** "websocket 6.1x below longpoll" or "no winner (intervals overlap)", for one terminal line. */
  short: string;
}

export interface ScenarioVerdict {
  scenarioId: string;
  title: string;
  /** Empty when fewer than two techniques completed (then `note` says so). */
  parts: VerdictPart[];
  note: string | null;
}

/** The verdict of one scenario from its findings. */
export function scenarioVerdict(scenario: Scenario): ScenarioVerdict {
  const completed = completedEntries(scenario);
  const base = { scenarioId: scenario.id, title: scenario.title };
  if (completed.length === 0) return { ...base, parts: [], note: 'no technique completed' };
  if (completed.length === 1) return { ...base, parts: [], note: `only ${completed[0]!.technique} completed: nothing to compare` };
  const findings = scenarioConclusions(scenario).findings;
  const parts: VerdictPart[] = [];
  const bytes = findings.find((f) => f.kind === 'bytes');
  if (bytes !== undefined) parts.push(bytesPart(bytes, scenario));
  const latency = findings.find((f) => f.kind === 'latency');
  if (latency !== undefined) parts.push(part('latency', latency));
  const cpu = serverCpuFinding(completed);
  if (cpu !== null) parts.push(part('cpu', cpu));
  return { ...base, parts: parts.map((p) => withTies(p, completed)), note: null };
}

/** The figure each criterion compares, as conclusions.ts picks it (median over runs where there are runs). */
const PICK: Readonly<Record<VerdictCriterion, (r: CompletedResult) => number | null>> = {
  bytes: (r) => r.perMessage.totalBytes,
  latency: (r) => metricSpread(r, 'p99')?.median ?? shownPercentile(r, 'p99'),
  cpu: (r) => (r.server === null ? null : (metricSpread(r, 'cpu')?.median ?? r.server.cpuPercent)),
};

/** A winner shares the place with every technique within 5% of its figure: "sse=websocket", never one of them alone. */
function withTies(p: VerdictPart, completed: CompletedEntry[]): VerdictPart {
  if (p.winner === null) return p;
  const best = completed.find((e) => e.technique === p.winner);
  const value = best === undefined ? null : PICK[p.criterion](best.result);
  if (value === null) return p;
  const tied = completed.filter((e) => {
    const v = PICK[p.criterion](e.result);
    return e.technique !== p.winner && v !== null && v <= value * SAME_FACTOR;
  });
  if (tied.length === 0) return p;
  const names = [p.winner, ...tied.map((e) => e.technique)].join('=');
  const others = tied.map((e) => techniqueLabel(e.technique)).join(' and ');
  return {
    ...p,
    short: p.short.replace(p.winner, names),
    tied: tied.map((e) => e.technique),
    sentence: `${p.sentence} ${others} ${tied.length === 1 ? 'is' : 'are'} within 5% of it.`,
  };
}

/** Bytes are exact, but a technique whose server and client counts disagree cannot win on them. */
function bytesPart(finding: Finding, scenario: Scenario): VerdictPart {
  const suspect = [finding.best, finding.worst]
    .filter((t): t is TechniqueId => t !== undefined)
    .filter((t) => {
      const r = scenario.results[t];
      return r?.state === 'completed' && r.agreement !== null && !r.agreement.agree;
    });
  if (suspect.length > 0) {
    return {
      criterion: 'bytes',
      winner: null,
      against: null,
      factor: null,
      sentence: finding.text,
      short: `suspect (${suspect.join(', ')}: byte counts disagree)`,
    };
  }
  return part('bytes', finding);
}

function part(criterion: VerdictCriterion, finding: Finding): VerdictPart {
  const sentence = finding.text;
  const none = (short: string): VerdictPart => ({ criterion, winner: null, against: null, factor: null, sentence, short });
  if (finding.undecided === 'overlap') return none('no winner (intervals overlap)');
  if (finding.undecided === 'samples' || finding.best === undefined) return none('too few samples to compare');
  if (finding.factor !== undefined && finding.factor < SAME_FACTOR) return none('about equal (within 5%)');
  const winner = finding.best;
  const against = finding.worst ?? null;
  if (finding.factor === undefined || !Number.isFinite(finding.factor) || against === null) {
    return { criterion, winner, against, factor: null, sentence, short: `${winner} lowest` };
  }
  return { criterion, winner, against, factor: finding.factor, sentence, short: `${winner} ${timesText(finding.factor)} below ${against}` };
}

/**
 * The verdict as one line of at most `maxWidth` characters: the full form when it fits, else
 * without the "than X" comparisons, else cut with an ellipsis.
 */
export function verdictLine(verdict: ScenarioVerdict, maxWidth = 120): string {
  if (verdict.note !== null) return fit(`verdict: ${verdict.note}`, maxWidth);
  const full = `verdict: ${verdict.parts.map((p) => `${CRITERION_LABELS[p.criterion]} ${p.short}`).join('; ')}`;
  if (full.length <= maxWidth) return full;
  const short = `verdict: ${verdict.parts.map((p) => `${CRITERION_LABELS[p.criterion]} ${p.winner === null ? p.short.replace(/ \(.*\)$/, '') : p.factor === null ? p.winner : `${p.short.split(' ')[0]} (${timesText(p.factor)})`}`).join('; ')}`;
  return fit(short, maxWidth);
}

/** "6.1x": an ASCII x, so that a terminal line's characters and bytes agree. */
function timesText(factor: number): string {
  return formatFactor(factor).replace('×', 'x');
}

/** `text` cut to `width` characters, the last one an ellipsis when cut. */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
