/**
 * Baseline versus current: per-metric verdicts with tolerances that respect how noisy each
 * metric is (bytes are deterministic, latency and CPU are not), and a Markdown verdict table.
 * Pure: results in, a comparison out. Bad input (nothing to compare) throws CompareInputError.
 */
import { targetOf } from './targets.ts';
import type { CompletedResult, ResultsFile, RunSummary, Scenario, ScenarioParams, TechniqueResult } from '../core/results.ts';
import { spreadOf } from '../core/spread.ts';
import { TECHNIQUES, type TechniqueId } from '../core/protocol.ts';
import { escapeMarkdown as md } from '../core/html.ts';
import { PushbenchError } from '../core/errors.ts';
import { formatBitsPerSecond, formatBytes, formatChangePercent, formatInteger, formatMs, formatNumber, formatPercent } from './format.ts';
import { markdownTable } from './markdown.ts';
import { deliveredPercent } from './select.ts';
import { techniqueLabel } from './techniques.ts';

/** Input that cannot be compared; `code` is stable, the message names the file or value. */
export class CompareInputError extends PushbenchError<'PUSHBENCH_COMPARE_SCENARIOS' | 'PUSHBENCH_COMPARE_THRESHOLD'> {}

export const COMPARE_METRICS = [
  'perMessage.totalBytes',
  'perMessage.overheadBytes',
  'messages.lost',
  'deliveredRatio',
  'latencyMs.p50',
  'latencyMs.p99',
  'server.cpuPercent',
  'bitsPerSecond',
] as const;
export type CompareMetricId = (typeof COMPARE_METRICS)[number];

export interface MetricRule {
  id: CompareMetricId;
  label: string;
  /** `exact` metrics are deterministic (bytes, counts); `noisy` ones vary between runs. */
  kind: 'exact' | 'noisy';
  better: 'smaller' | 'larger';
  /** Default tolerance in percent (percentage points for deliveredRatio, % of expected messages for lost). */
  percent: number;
  /** Absolute tolerance in the metric's unit; a change must exceed it as well as the percentage. */
  absolute: number;
  extract: (r: CompletedResult) => number | null;
  format: (value: number) => string;
  /** The allowed worsening, in the metric's unit, from the reference value. */
  allowance: (reference: number, percent: number, absolute: number, current: CompletedResult) => number;
  describeTolerance: (percent: number, absolute: number) => string;
  /** Noisy metrics: the figure in one run summary (`--runs N`), so that both sides' spreads can be compared. */
  runValue?: (run: RunSummary) => number | null;
}

const relativeAllowance = (reference: number, percent: number, absolute: number) =>
  Math.max((Math.abs(reference) * percent) / 100, absolute);

/** A metric that regresses when it grows by more than `percent` and by more than `absolute` (in `unit`). */
function relativeRule(
  id: CompareMetricId,
  label: string,
  kind: MetricRule['kind'],
  percent: number,
  absolute: number,
  unit: string,
  extract: MetricRule['extract'],
  format: MetricRule['format'],
): MetricRule {
  return {
    id,
    label,
    kind,
    better: 'smaller',
    percent,
    absolute,
    extract,
    format,
    allowance: relativeAllowance,
    describeTolerance: (p, a) => `+${formatNumber(p, 2)}% and +${formatNumber(a, 2)} ${unit}`,
  };
}

/** The metrics compared, with their default tolerances. */
export const METRIC_RULES: Readonly<Record<CompareMetricId, MetricRule>> = {
  'perMessage.totalBytes': relativeRule(
    'perMessage.totalBytes',
    'bytes per message',
    'exact',
    1,
    1,
    'B',
    (r) => r.perMessage.totalBytes,
    formatBytes,
  ),
  'perMessage.overheadBytes': relativeRule(
    'perMessage.overheadBytes',
    'overhead bytes per message',
    'exact',
    1,
    1,
    'B',
    (r) => r.perMessage.overheadBytes,
    formatBytes,
  ),
  'messages.lost': {
    id: 'messages.lost',
    label: 'lost messages',
    kind: 'exact',
    better: 'smaller',
    percent: 0,
    absolute: 0,
    extract: (r) => r.messages.lost,
    format: formatInteger,
    allowance: (_reference, percent, _absolute, current) => (current.messages.expected * percent) / 100,
    describeTolerance: (p) => (p === 0 ? 'no increase' : `+${formatNumber(p, 3)}% of expected`),
  },
  deliveredRatio: {
    id: 'deliveredRatio',
    label: 'delivered / expected',
    kind: 'exact',
    better: 'larger',
    percent: 0.1,
    absolute: 0,
    extract: deliveredPercent,
    format: (v) => formatPercent(v, 3),
    allowance: (_reference, percent) => percent,
    describeTolerance: (p) => `−${formatNumber(p, 3)} points`,
  },
  'latencyMs.p50': {
    ...relativeRule('latencyMs.p50', 'p50 latency', 'noisy', 50, 2, 'ms', (r) => r.latencyMs.p50, formatMs),
    runValue: (run) => run.latencyMs.p50,
  },
  'latencyMs.p99': {
    ...relativeRule('latencyMs.p99', 'p99 latency', 'noisy', 50, 2, 'ms', (r) => r.latencyMs.p99, formatMs),
    runValue: (run) => run.latencyMs.p99,
  },
  'server.cpuPercent': {
    ...relativeRule(
      'server.cpuPercent',
      'server CPU',
      'noisy',
      50,
      5,
      'points',
      (r) => r.server?.cpuPercent ?? null,
      (v) => formatPercent(v),
    ),
    runValue: (run) => run.cpuPercent,
  },
  bitsPerSecond: {
    id: 'bitsPerSecond',
    label: 'bandwidth',
    kind: 'noisy',
    better: 'smaller',
    percent: 10,
    absolute: 0,
    extract: (r) => r.bitsPerSecond,
    format: formatBitsPerSecond,
    allowance: relativeAllowance,
    describeTolerance: (p) => `+${formatNumber(p, 2)}%`,
  },
};

export interface CompareOptions {
  /** Tolerance overrides in percent (see MetricRule.percent), per metric. */
  thresholds?: Partial<Record<CompareMetricId, number>>;
}

export type Verdict = 'pass' | 'improved' | 'regression' | 'info';

export interface CompareRow {
  scenarioId: string;
  technique: TechniqueId;
  /** A metric id, or `state` for a row about a technique that failed, recovered or disappeared. */
  metric: CompareMetricId | 'state';
  label: string;
  /** The value compared against: the worst of the base runs. */
  base: number | null;
  /** Best and worst base values when several base runs were given. */
  baseRange: [number, number] | null;
  baseRuns: number;
  current: number | null;
  changePercent: number | null;
  tolerance: string;
  verdict: Verdict;
  /** Text for cells where a number does not apply (states, errors). */
  baseText: string;
  currentText: string;
}

export interface Comparison {
  rows: CompareRow[];
  regressions: CompareRow[];
  verdict: 'pass' | 'regression';
  /** Things worth knowing that are not regressions (changed parameters, new scenarios). */
  warnings: string[];
}

/** Parse `metric=percent` (the value of one `--threshold` flag). Throws CompareInputError. */
export function parseThreshold(text: string): { metric: CompareMetricId; percent: number } {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const value = eq < 0 ? '' : text.slice(eq + 1).replace(/%$/, '');
  if (!(COMPARE_METRICS as readonly string[]).includes(name)) {
    throw new CompareInputError(
      'PUSHBENCH_COMPARE_THRESHOLD',
      `--threshold ${JSON.stringify(text)}: unknown metric ${JSON.stringify(name)}; expected one of ${COMPARE_METRICS.join(', ')}`,
    );
  }
  const percent = Number(value);
  if (value.trim() === '' || !Number.isFinite(percent) || percent < 0) {
    throw new CompareInputError(
      'PUSHBENCH_COMPARE_THRESHOLD',
      `--threshold ${JSON.stringify(text)}: expected metric=percent with a number ≥ 0, e.g. latencyMs.p99=30`,
    );
  }
  return { metric: name as CompareMetricId, percent };
}

/**
 * Compare one or more base runs with a current run. With several base runs, each metric is
 * compared with the worst base value, so the spread between runs is tolerated as noise.
 */
export function compareResults(base: ResultsFile | readonly ResultsFile[], current: ResultsFile, options: CompareOptions = {}): Comparison {
  const bases = Array.isArray(base) ? (base as readonly ResultsFile[]) : [base as ResultsFile];
  if (bases.length === 0) throw new CompareInputError('PUSHBENCH_COMPARE_SCENARIOS', 'no base run given');
  checkScenarios(bases, current);
  const warnings: string[] = [];
  const rows: CompareRow[] = [];
  const currentById = new Map(current.scenarios.map((s) => [s.id, s]));
  for (const scenarioId of baseScenarioIds(bases)) {
    const currentScenario = currentById.get(scenarioId);
    if (currentScenario === undefined) continue; // checkScenarios() made this impossible
    const baseScenarios = bases.flatMap((b) => b.scenarios.filter((s) => s.id === scenarioId));
    const changed = changedParams(baseScenarios[0]?.params, currentScenario.params);
    // Scenario ids name their target (`broadcast@nchan`); one id on two servers is not like for like.
    const baseTarget = baseScenarios[0] === undefined ? null : targetOf(baseScenarios[0]).name;
    const currentTarget = targetOf(currentScenario).name;
    if (baseTarget !== null && baseTarget !== currentTarget)
      warnings.push(
        `scenario ${scenarioId}: measured on target ${baseTarget} in base and on ${currentTarget} in current; the comparison is not like for like`,
      );
    if (changed.length > 0)
      warnings.push(
        `scenario ${scenarioId}: parameters differ between base and current (${changed.join(', ')}); the comparison may not be like for like`,
      );
    for (const technique of TECHNIQUES) rows.push(...techniqueRows(scenarioId, technique, baseScenarios, currentScenario, options));
  }
  const baseIds = new Set(baseScenarioIds(bases));
  for (const s of current.scenarios) if (!baseIds.has(s.id)) warnings.push(`scenario ${s.id} is new in current and has no baseline`);
  const regressions = rows.filter((r) => r.verdict === 'regression');
  return { rows, regressions, verdict: regressions.length > 0 ? 'regression' : 'pass', warnings };
}

function baseScenarioIds(bases: readonly ResultsFile[]): string[] {
  const ids: string[] = [];
  for (const b of bases) for (const s of b.scenarios) if (!ids.includes(s.id)) ids.push(s.id);
  return ids;
}

function checkScenarios(bases: readonly ResultsFile[], current: ResultsFile): void {
  const currentIds = new Set(current.scenarios.map((s) => s.id));
  const baseIds = baseScenarioIds(bases);
  const common = baseIds.filter((id) => currentIds.has(id));
  if (common.length === 0) {
    throw new CompareInputError(
      'PUSHBENCH_COMPARE_SCENARIOS',
      `BASE and CURRENT have no scenario in common (BASE: ${baseIds.join(', ') || 'none'}; CURRENT: ${[...currentIds].join(', ') || 'none'})`,
    );
  }
  const missing = baseIds.filter((id) => !currentIds.has(id));
  if (missing.length > 0) {
    throw new CompareInputError(
      'PUSHBENCH_COMPARE_SCENARIOS',
      `scenario${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of BASE ${missing.length > 1 ? 'are' : 'is'} missing in CURRENT; run the same scenarios as the baseline (CURRENT has: ${[...currentIds].join(', ')})`,
    );
  }
}

const COMPARED_PARAMS = [
  'workload',
  'clients',
  'rate',
  'payloadBytes',
  'intervalMs',
  'holdMs',
  'durationMs',
  'headers',
  'roomSize',
] as const;

function changedParams(base: ScenarioParams | undefined, current: ScenarioParams): string[] {
  if (base === undefined) return [];
  return COMPARED_PARAMS.filter((k) => base[k] !== current[k]).map((k) => `${k} ${String(base[k])} → ${String(current[k])}`);
}

function stateRow(
  scenarioId: string,
  technique: TechniqueId,
  verdict: Verdict,
  baseText: string,
  currentText: string,
  baseRuns: number,
): CompareRow {
  return {
    scenarioId,
    technique,
    metric: 'state',
    label: 'state',
    base: null,
    baseRange: null,
    baseRuns,
    current: null,
    changePercent: null,
    tolerance: '',
    verdict,
    baseText,
    currentText,
  };
}

function techniqueRows(
  scenarioId: string,
  technique: TechniqueId,
  baseScenarios: Scenario[],
  current: Scenario,
  options: CompareOptions,
): CompareRow[] {
  const baseResults = baseScenarios.map((s) => s.results[technique]).filter((r): r is TechniqueResult => r !== undefined);
  const baseCompleted = baseResults.filter((r): r is CompletedResult => r.state === 'completed');
  const cur = current.results[technique];
  const runs = baseResults.length;
  if (baseResults.length === 0) {
    return cur === undefined ? [] : [stateRow(scenarioId, technique, 'info', 'not in base', cur.state, 0)];
  }
  if (cur === undefined)
    return [stateRow(scenarioId, technique, 'regression', baseCompleted.length > 0 ? 'completed' : 'failed', 'missing in current', runs)];
  if (cur.state !== 'completed') {
    if (baseCompleted.length > 0) return [stateRow(scenarioId, technique, 'regression', 'completed', `${cur.state}: ${cur.error}`, runs)];
    return [stateRow(scenarioId, technique, 'info', 'failed', `${cur.state}: ${cur.error}`, runs)];
  }
  if (baseCompleted.length === 0) return [stateRow(scenarioId, technique, 'improved', 'failed', 'completed', runs)];
  return COMPARE_METRICS.map((id) => metricRow(scenarioId, technique, METRIC_RULES[id], baseCompleted, cur, options)).filter(
    (r): r is CompareRow => r !== null,
  );
}

/** Every run's value of a noisy metric, or null unless there are at least two and none is missing. */
function runValues(rule: MetricRule, results: readonly CompletedResult[]): number[] | null {
  if (rule.runValue === undefined) return null;
  const values: Array<number | null> = results.flatMap((r) =>
    r.runs !== undefined && r.runs.length > 1 ? r.runs.map(rule.runValue!) : [rule.extract(r)],
  );
  if (values.length < 2 || values.some((v) => v === null) || !results.some((r) => (r.runs?.length ?? 0) > 1)) return null;
  return values as number[];
}

/**
 * A noisy metric where both sides have several runs: a regression only when the current
 * interval lies wholly on the worse side of the base interval and its median is worse by more
 * than the tolerance; overlapping intervals pass (the difference is within the spread).
 */
function spreadRow(
  scenarioId: string,
  technique: TechniqueId,
  rule: MetricRule,
  baseValues: number[],
  currentValues: number[],
  percent: number,
  cur: CompletedResult,
): CompareRow {
  const base = spreadOf(baseValues);
  const current = spreadOf(currentValues);
  const allowance = rule.allowance(base.median, percent, rule.absolute, cur);
  const worsening = rule.better === 'smaller' ? current.median - base.median : base.median - current.median;
  const apartWorse = rule.better === 'smaller' ? current.low > base.high : current.high < base.low;
  const apartBetter = rule.better === 'smaller' ? current.high < base.low : current.low > base.high;
  let verdict: Verdict = 'pass';
  if (apartWorse && worsening > allowance) verdict = 'regression';
  else if (apartBetter && -worsening > allowance) verdict = 'improved';
  const text = (s: typeof base) => `${rule.format(s.median)} [${rule.format(s.low)} – ${rule.format(s.high)}] (${s.n} runs)`;
  return {
    scenarioId,
    technique,
    metric: rule.id,
    label: rule.label,
    base: base.median,
    baseRange: [base.low, base.high],
    baseRuns: base.n,
    current: current.median,
    changePercent: base.median === 0 ? (current.median === 0 ? 0 : null) : ((current.median - base.median) / Math.abs(base.median)) * 100,
    tolerance: `${rule.describeTolerance(percent, rule.absolute)}, intervals apart`,
    verdict,
    baseText: text(base),
    currentText: text(current),
  };
}

function metricRow(
  scenarioId: string,
  technique: TechniqueId,
  rule: MetricRule,
  bases: CompletedResult[],
  cur: CompletedResult,
  options: CompareOptions,
): CompareRow | null {
  const baseRunValues = runValues(rule, bases);
  const currentRunValues = runValues(rule, [cur]);
  if (baseRunValues !== null && currentRunValues !== null) {
    return spreadRow(scenarioId, technique, rule, baseRunValues, currentRunValues, options.thresholds?.[rule.id] ?? rule.percent, cur);
  }
  const baseValues = bases.map(rule.extract).filter((v): v is number => v !== null);
  const current = rule.extract(cur);
  if (baseValues.length === 0 || current === null) return null;
  const worst = rule.better === 'smaller' ? Math.max(...baseValues) : Math.min(...baseValues);
  const percent = options.thresholds?.[rule.id] ?? rule.percent;
  const allowance = rule.allowance(worst, percent, rule.absolute, cur);
  // Positive `worsening` means current is worse than the worst base value.
  const worsening = rule.better === 'smaller' ? current - worst : worst - current;
  let verdict: Verdict = 'pass';
  if (worsening > allowance) verdict = 'regression';
  else if (-worsening > allowance) verdict = 'improved';
  const range: [number, number] | null = baseValues.length > 1 ? [Math.min(...baseValues), Math.max(...baseValues)] : null;
  return {
    scenarioId,
    technique,
    metric: rule.id,
    label: rule.label,
    base: worst,
    baseRange: range,
    baseRuns: baseValues.length,
    current,
    changePercent: worst === 0 ? (current === 0 ? 0 : null) : ((current - worst) / Math.abs(worst)) * 100,
    tolerance: rule.describeTolerance(percent, rule.absolute),
    verdict,
    baseText: range === null ? rule.format(worst) : `${rule.format(range[0])} – ${rule.format(range[1])} (${baseValues.length} runs)`,
    currentText: rule.format(current),
  };
}

const VERDICT_MARK: Readonly<Record<Verdict, string>> = {
  pass: '✅',
  improved: '✅ better',
  regression: '❌',
  info: 'ℹ️',
};

export interface RunLabel {
  /** File path or name, shown escaped. */
  file: string;
  results: ResultsFile;
}

/** The comparison as Markdown: a verdict line, the regressions, then every row in a collapsible table. */
export function renderCompareMarkdown(comparison: Comparison, base: readonly RunLabel[], current: RunLabel): string {
  const lines: string[] = [];
  const count = comparison.regressions.length;
  lines.push(
    count === 0 ? '## pushbench compare: ✅ no regression' : `## pushbench compare: ❌ ${count} regression${count > 1 ? 's' : ''}`,
    '',
  );
  const describe = (r: RunLabel) =>
    `${md(r.file)} (${md(r.results.createdAt)}, commit ${md(r.results.environment.gitCommit?.slice(0, 12) ?? 'unknown')})`;
  lines.push(`Base: ${base.map(describe).join(', ')}  `, `Current: ${describe(current)}`, '');
  if (base.length > 1) lines.push(`With ${base.length} base runs, each metric is compared with the worst base value.`, '');
  for (const w of comparison.warnings) lines.push(`> ⚠️ ${md(w)}`, '');
  const head = ['Scenario / technique', 'Metric', 'Base', 'Current', 'Change', 'Allowed', 'Verdict'];
  const toCells = (r: CompareRow) => [
    `${md(r.scenarioId)} / ${md(techniqueLabel(r.technique))}`,
    md(r.label),
    md(r.baseText),
    md(r.currentText),
    r.changePercent === null ? '—' : md(formatChangePercent(r.changePercent)),
    md(r.tolerance),
    VERDICT_MARK[r.verdict],
  ];
  if (count > 0) lines.push('### Regressions', '', markdownTable(head, comparison.regressions.map(toCells), 2), '');
  lines.push(
    `<details${count > 0 ? '' : ' open'}><summary>All ${comparison.rows.length} comparisons</summary>`,
    '',
    markdownTable(head, comparison.rows.map(toCells), 2),
    '',
    '</details>',
  );
  return `${lines.join('\n')}\n`;
}
