/**
 * Chart configurations, as pure data: results in, chart.js configs out. The same configs are
 * embedded in report.html (instantiated in the browser) and rendered to PNG on a server-side
 * canvas, so both show the same numbers. Configs hold no functions: they must survive JSON.
 */
import type { ChartConfiguration } from 'chart.js';
import type { CompletedResult, ResultsFile, Scenario } from '../core/results.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { slug } from '../core/html.ts';
import { formatInteger } from './format.ts';
import { CURVE_PERCENTILES, percentileCurve, percentileLabel } from './histogram.ts';
import {
  emptyRequestPercent,
  multiScenarioGroups,
  payloadBytesPerMessage,
  techniqueEntries,
  type ScenarioGroup,
  type TechniqueEntry,
} from './select.ts';
import { PART_COLORS, PERCENTILE_COLORS, TECHNIQUE_DISPLAY, techniqueLabel } from './techniques.ts';
import { latencyEvidence, metricSpread, runsOf, shownPercentile } from './evidence.ts';
import { percentileVerdict } from '../core/evidence.ts';
import { BYTE_PART_COLOR, BYTE_PART_LABEL, BYTE_PARTS, wireComparisons, type WireComparison } from './wires.ts';
import { WIRE_META } from '../core/wires.ts';

/** A bar is a value or, for an interval, a floating [low, high] pair (chart.js floating bars). */
export type BarChartConfig = ChartConfiguration<'bar', Array<number | [number, number] | null>, string>;
export type LineChartConfig = ChartConfiguration<'line', Array<number | null>, string>;
/** Every chart pushbench draws. */
export type PushbenchChartConfig = BarChartConfig | LineChartConfig;

export type ChartKind =
  | 'bytes'
  | 'latency'
  | 'latency-distribution'
  | 'empty-polls'
  | 'up-down'
  | 'bandwidth'
  | 'cpu'
  | 'memory'
  | 'wire-bytes';

export interface ChartSpec {
  /** Unique within a report and safe as a file name (`charts/<id>.png`) and an HTML id. */
  id: string;
  kind: ChartKind;
  title: string;
  /** The scenario charted, or null for a chart across the scenarios of a group. */
  scenarioId: string | null;
  group: string;
  config: PushbenchChartConfig;
  /** What the chart rests on (n, messages, runs and the interval drawn), for its caption. */
  caption: string;
}

/**
 * Tick label for a logarithmic axis: only 1, 2 and 5 times a power of ten get a label, so the
 * crowded ticks near the top of a decade stay unlabelled. Configs are JSON and cannot carry this
 * function; the PNG renderer attaches it, and report.html's boot script has a copy of it.
 */
export function logTickLabel(value: number): string {
  if (!(value > 0)) return '';
  const mantissa = value / 10 ** Math.floor(Math.log10(value) + 1e-9);
  if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)) return '';
  return value.toLocaleString('en-US', { maximumFractionDigits: value >= 1 ? 0 : 4 });
}

/** Every chart of a results file: per scenario, then per multi-scenario group. */
export function buildCharts(results: ResultsFile): ChartSpec[] {
  const ids = new UniqueIds();
  const specs: ChartSpec[] = [];
  for (const scenario of results.scenarios) specs.push(...scenarioCharts(scenario, ids));
  for (const group of multiScenarioGroups(results)) specs.push(...groupCharts(group, ids));
  for (const comparison of wireComparisons(results)) specs.push(wireBytesChart(comparison, ids));
  return specs;
}

/** The group of the chart of a scenario measured on several wires (reports/wires.ts). */
export function wireChartGroup(comparison: WireComparison): string {
  return `wires-${comparison.baseId}`;
}

/** Bytes per message of every technique on every wire, stacked by part: what TLS and HTTP/2 add and what HPACK takes away. */
function wireBytesChart(comparison: WireComparison, ids: UniqueIds): ChartSpec {
  const labels = comparison.rows.map((row) => `${techniqueLabel(row.technique)} · ${WIRE_META[row.wire].label}`);
  const title = `${comparison.title}: bytes per message on each wire, by part`;
  return {
    id: ids.take(`${comparison.baseId}-wires-bytes`),
    kind: 'wire-bytes',
    title,
    scenarioId: null,
    group: wireChartGroup(comparison),
    caption: `Counted on the clients' sockets (and by pushbench's server on its own, compared in results.json): TLS records and HTTP/2 frames by their headers, HTTP framing the rest; setup per connection is not in the bars. Each bar rests on the messages delivered in its window (${comparison.rows
      .map((r) => r.delivered)
      .reduce((a, b) => Math.min(a, b), Infinity)
      .toLocaleString('en-US')} or more).`,
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: BYTE_PARTS.map((part) => ({
          label: BYTE_PART_LABEL[part],
          data: comparison.rows.map((row) => Math.max(0, row.parts[part])),
          backgroundColor: BYTE_PART_COLOR[part],
        })),
      },
      options: {
        animation: false,
        indexAxis: 'y',
        plugins: titlePlugin(title),
        scales: {
          x: { stacked: true, beginAtZero: true, title: { display: true, text: 'bytes per delivered message (up + down)' } },
          // Every bar is a technique on a wire: each keeps its label.
          y: { stacked: true, ticks: { autoSkip: false } },
        },
      },
    },
  };
}

/** Hands out file-safe ids, suffixing `-2`, `-3` when two names slug to the same id. */
class UniqueIds {
  private readonly used = new Set<string>();

  take(base: string): string {
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}-${n}`;
    this.used.add(id);
    return id;
  }
}

function scenarioCharts(scenario: Scenario, ids: UniqueIds): ChartSpec[] {
  const entries = techniqueEntries(scenario);
  if (entries.length === 0) return [];
  const base = slug(scenario.id);
  const make = (kind: ChartKind, title: string, config: PushbenchChartConfig, caption = ''): ChartSpec => ({
    id: ids.take(`${base}-${kind}`),
    kind,
    title,
    scenarioId: scenario.id,
    group: scenario.group,
    config,
    caption,
  });
  const specs: ChartSpec[] = [];

  const bytesTitle = `${scenario.title}: bytes per delivered message`;
  specs.push(make('bytes', bytesTitle, bytesChart(bytesTitle, entries)));

  // Merged from shards: a chart cannot print "< bound", so its caption says how far the clocks let the figures be read.
  const clockNote =
    scenario.clockBoundMs === undefined
      ? ''
      : ` Merged from shards: latencies are known to within ±${scenario.clockBoundMs.toFixed(3)} ms (the worst clock bound); read no finer.`;
  const latencyTitle = `${scenario.title}: latency percentiles`;
  specs.push(make('latency', latencyTitle, latencyChart(latencyTitle, entries), `${latencyCaption(entries, true)}${clockNote}`));

  const distributionTitle = `${scenario.title}: latency distribution`;
  specs.push(
    make(
      'latency-distribution',
      distributionTitle,
      distributionChart(distributionTitle, entries),
      `${latencyCaption(entries, false)}${clockNote}`,
    ),
  );

  const httpEntries = entries.filter(({ technique, result }) =>
    result.state === 'completed' ? result.requests !== null : TECHNIQUE_DISPLAY[technique].requestPerResponse,
  );
  if (httpEntries.length > 0 && emptyPollsSentence(scenario) === null) {
    const emptyTitle = `${scenario.title}: share of empty responses`;
    specs.push(make('empty-polls', emptyTitle, emptyPollsChart(emptyTitle, httpEntries)));
  }

  if (scenario.params.workload === 'chat') {
    const upDownTitle = `${scenario.title}: bytes up and down per delivered message`;
    specs.push(make('up-down', upDownTitle, upDownChart(upDownTitle, entries)));
  }
  return specs;
}

/**
 * The sentence that replaces the empty-responses chart when it would show nothing (every
 * request-based technique at 0%), or null when the chart has something to show.
 */
export function emptyPollsSentence(scenario: Scenario): string | null {
  const shares = techniqueEntries(scenario).flatMap(({ technique, result }) => {
    if (result.state !== 'completed' || result.requests === null) return [];
    return [{ technique, share: emptyRequestPercent(result) }];
  });
  if (shares.length === 0 || shares.some((s) => s.share !== 0)) return null;
  return `No request came back empty: ${shares.map((s) => techniqueLabel(s.technique)).join(' and ')} found a message in every response (0%), so there is no empty-responses chart.`;
}

/** Caption of a latency chart: n and messages per technique, what is left out, and the interval drawn. */
function latencyCaption(entries: TechniqueEntry[], bars: boolean): string {
  const parts: string[] = [];
  for (const { technique, result } of entries) {
    if (result.state !== 'completed') continue;
    const missing = bars
      ? LATENCY_PERCENTILES.filter(
          ({ key }) => key !== 'max' && !percentileVerdict(key, result.latencyMs[key], result.latencyMs.count).shown,
        ).map((p) => p.label)
      : [];
    parts.push(
      `${techniqueLabel(technique)}: ${latencyEvidence(result)}${missing.length > 0 ? ` (${missing.join(', ')} not drawn: too few samples)` : ''}`,
    );
  }
  const runs = entries.map((e) => (e.result.state === 'completed' ? runsOf(e.result) : null)).find((r) => r !== null);
  const interval =
    bars && runs !== undefined && runs !== null
      ? ` Bars are the first run; the pale bars beside them are the 95% interval of p50 and p99 over ${runs.length} runs.`
      : '';
  return `${parts.join('; ')}.${interval}`;
}

/** Axis label of a technique; a failed one says so, so a missing bar is never a silent gap. */
function categoryLabel(entry: TechniqueEntry): string {
  const label = techniqueLabel(entry.technique);
  return entry.result.state === 'completed' ? label : `${label} (${entry.result.state})`;
}

/** One value per technique, null for a technique without a completed result. */
function perTechnique(entries: TechniqueEntry[], pick: (r: CompletedResult) => number | null): Array<number | null> {
  return entries.map(({ result }) => (result.state === 'completed' ? pick(result) : null));
}

/** Longest title line, in characters: at 16 px, about 80 characters fill a 900-pixel PNG with room on both sides. */
export const TITLE_LINE_CHARS = 80;

/**
 * A title as lines of at most `max` characters, broken after its last colon when both halves fit,
 * else at spaces (a word longer than a line stays whole): chart.js centres one line and clips what passes the canvas's edges, so a long scenario
 * title lost its start and end in the PNG.
 */
export function wrapTitle(text: string, max = TITLE_LINE_CHARS): string | string[] {
  if (text.length <= max) return text;
  // A scenario title and what the chart shows read best as two lines, broken after the last colon.
  const colon = text.lastIndexOf(': ');
  if (colon > 0 && colon + 1 <= max && text.length - colon - 2 <= max) return [text.slice(0, colon + 1), text.slice(colon + 2)];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function titlePlugin(text: string) {
  return { title: { display: true, text: wrapTitle(text), font: { size: 16 } }, legend: { position: 'bottom' as const } };
}

/**
 * Payload and overhead per delivered message, stacked. A compressed technique can cost less
 * than its payload (its overhead is negative): its bar is then the bytes on the wire, drawn as
 * payload, with what compression saved stacked above in a pale segment of its own, so every
 * bar's coloured height is what was measured and the pale tops show the saving.
 */
function bytesChart(title: string, entries: TechniqueEntry[]): BarChartConfig {
  const compressed = entries.some(({ result }) => result.state === 'completed' && result.perMessage.overheadBytes < 0);
  const datasets: BarChartConfig['data']['datasets'] = [
    {
      label: 'Payload (message JSON)',
      data: perTechnique(entries, (r) => Math.min(payloadBytesPerMessage(r), r.perMessage.totalBytes)),
      backgroundColor: PART_COLORS.payload,
    },
    {
      label: 'Overhead (headers, framing, setup)',
      data: perTechnique(entries, (r) => Math.max(0, r.perMessage.overheadBytes)),
      backgroundColor: PART_COLORS.overhead,
    },
  ];
  if (compressed) {
    datasets.push({
      label: 'Saved by compression (not on the wire)',
      data: perTechnique(entries, (r) => Math.max(0, -r.perMessage.overheadBytes)),
      backgroundColor: PART_COLORS.saved,
      borderColor: PART_COLORS.payload,
      borderWidth: 1,
    });
  }
  return {
    type: 'bar',
    data: { labels: entries.map(categoryLabel), datasets },
    options: {
      animation: false,
      plugins: titlePlugin(title),
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: 'bytes per delivered message (up + down)' } },
      },
    },
  };
}

const LATENCY_PERCENTILES = [
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p99', label: 'p99' },
  { key: 'max', label: 'max' },
] as const;

/**
 * p50, p90, p99 and max per technique; a percentile with too few samples is not drawn (null).
 * With several runs, p50 and p99 each get a pale floating bar from the interval's low to high.
 */
function latencyChart(title: string, entries: TechniqueEntry[]): BarChartConfig {
  const datasets: BarChartConfig['data']['datasets'] = LATENCY_PERCENTILES.map(({ key, label }, i) => ({
    label,
    data: perTechnique(entries, (r) => (key === 'max' ? r.latencyMs.max : shownPercentile(r, key))),
    backgroundColor: PERCENTILE_COLORS[i] ?? '#08306b',
  }));
  const withRuns = entries.some(({ result }) => result.state === 'completed' && runsOf(result) !== null);
  if (withRuns) {
    for (const metric of ['p50', 'p99'] as const) {
      datasets.push({
        label: `${metric}, 95% interval over runs`,
        data: entries.map(({ result }) => {
          const spread = result.state === 'completed' ? metricSpread(result, metric) : null;
          return spread === null ? null : ([spread.low, spread.high] as [number, number]);
        }),
        backgroundColor: metric === 'p50' ? 'rgba(120, 120, 120, 0.35)' : 'rgba(40, 40, 40, 0.35)',
      });
    }
  }
  return {
    type: 'bar',
    data: { labels: entries.map(categoryLabel), datasets },
    options: {
      animation: false,
      plugins: titlePlugin(title),
      // Polling latency is hundreds of ms, push latency a fraction of one: only a log axis shows both.
      scales: { y: { type: 'logarithmic', title: { display: true, text: 'latency, ms (log scale)' } } },
    },
  };
}

function distributionChart(title: string, entries: TechniqueEntry[]): LineChartConfig {
  const datasets = entries.map((entry) => {
    const display = TECHNIQUE_DISPLAY[entry.technique];
    const style = { borderColor: display.color, backgroundColor: display.color, pointRadius: 2, tension: 0 };
    if (entry.result.state !== 'completed') return { label: categoryLabel(entry), data: [] as Array<number | null>, ...style };
    const curve = percentileCurve(entry.result.latencyMs.histogram);
    if (curve === null) return { label: `${display.label} (no latency histogram)`, data: [] as Array<number | null>, ...style };
    return { label: display.label, data: curve.valuesMs as Array<number | null>, ...style };
  });
  return {
    type: 'line',
    data: { labels: CURVE_PERCENTILES.map(percentileLabel), datasets },
    options: {
      animation: false,
      plugins: titlePlugin(title),
      scales: {
        x: { title: { display: true, text: 'percentile (spacing stretches the tail)' } },
        y: { type: 'logarithmic', title: { display: true, text: 'latency, ms (log scale)' } },
      },
    },
  };
}

function emptyPollsChart(title: string, entries: TechniqueEntry[]): BarChartConfig {
  return {
    type: 'bar',
    data: {
      labels: entries.map(categoryLabel),
      datasets: [
        {
          label: 'Responses without a message',
          data: perTechnique(entries, emptyRequestPercent),
          backgroundColor: entries.map(({ technique }) => TECHNIQUE_DISPLAY[technique].color),
        },
      ],
    },
    options: {
      animation: false,
      plugins: titlePlugin(title),
      scales: { y: { min: 0, max: 100, title: { display: true, text: '% of requests answered empty' } } },
    },
  };
}

/** Up and down, each split into payload and overhead; a compressed direction (negative overhead) is drawn as its wire bytes. */
function upDownChart(title: string, entries: TechniqueEntry[]): BarChartConfig {
  const payload = (bytes: number, overhead: number): number => Math.min(bytes - overhead, bytes);
  return {
    type: 'bar',
    data: {
      labels: entries.map(categoryLabel),
      datasets: [
        {
          label: 'Up: payload',
          stack: 'up',
          data: perTechnique(entries, (r) => payload(r.perMessage.upBytes, r.perMessage.upOverheadBytes)),
          backgroundColor: PART_COLORS.upPayload,
        },
        {
          label: 'Up: overhead',
          stack: 'up',
          data: perTechnique(entries, (r) => Math.max(0, r.perMessage.upOverheadBytes)),
          backgroundColor: PART_COLORS.upOverhead,
        },
        {
          label: 'Down: payload',
          stack: 'down',
          data: perTechnique(entries, (r) => payload(r.perMessage.downBytes, r.perMessage.downOverheadBytes)),
          backgroundColor: PART_COLORS.downPayload,
        },
        {
          label: 'Down: overhead',
          stack: 'down',
          data: perTechnique(entries, (r) => Math.max(0, r.perMessage.downOverheadBytes)),
          backgroundColor: PART_COLORS.downOverhead,
        },
      ],
    },
    options: {
      animation: false,
      plugins: titlePlugin(title),
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: 'bytes per delivered message' } },
      },
    },
  };
}

interface GroupMetric {
  kind: ChartKind;
  title: string;
  axis: string;
  logarithmic: boolean;
  pick: (r: CompletedResult) => number | null;
  /** A noisy metric whose 95% interval over runs is drawn as a band when there are several runs. */
  spread?: (r: CompletedResult) => { low: number; high: number } | null;
}

const GROUP_METRICS: readonly GroupMetric[] = [
  // Bytes are exact: bandwidth needs no interval.
  {
    kind: 'bandwidth',
    title: 'bandwidth against clients',
    axis: 'Mbit/s, up + down (log scale)',
    logarithmic: true,
    pick: (r) => r.bitsPerSecond / 1e6,
  },
  {
    kind: 'cpu',
    title: 'server CPU against clients',
    axis: 'server CPU, % of one core',
    logarithmic: false,
    pick: (r) => r.server?.cpuPercent ?? null,
    spread: (r) => metricSpread(r, 'cpu'),
  },
  {
    kind: 'memory',
    title: 'server memory per connection against clients',
    axis: 'bytes of RSS per connection',
    logarithmic: false,
    pick: (r) => r.server?.bytesPerConnection ?? null,
  },
];

function groupCharts(group: ScenarioGroup, ids: UniqueIds): ChartSpec[] {
  const techniques = techniquesOfGroup(group);
  // Client counts as categories: sweeps are usually geometric (10, 100, 1,000), where even
  // spacing is a log axis with clean labels; the labels keep any other spacing honest.
  const labels = group.scenarios.map((s) => formatInteger(s.params.clients));
  return GROUP_METRICS.map((metric) => {
    const title = `${group.group}: ${metric.title}`;
    const config: LineChartConfig = {
      type: 'line',
      data: {
        labels,
        datasets: techniques.flatMap((technique) => [groupDataset(group, technique, metric), ...groupBand(group, technique, metric)]),
      },
      options: {
        animation: false,
        plugins: titlePlugin(title),
        scales: {
          x: { title: { display: true, text: 'clients' } },
          y: metric.logarithmic
            ? { type: 'logarithmic', title: { display: true, text: metric.axis } }
            : { beginAtZero: true, title: { display: true, text: metric.axis } },
        },
      },
    };
    const runs = Math.max(
      0,
      ...group.scenarios.flatMap((sc) =>
        techniqueEntries(sc).map(({ result }) => (result.state === 'completed' ? (runsOf(result)?.length ?? 0) : 0)),
      ),
    );
    const caption =
      metric.spread !== undefined && runs > 1
        ? `Lines are the first run; the pale band around each is the 95% interval over ${runs} runs.`
        : '';
    return {
      id: ids.take(`${slug(group.group)}-${metric.kind}`),
      kind: metric.kind,
      title,
      scenarioId: null,
      group: group.group,
      config,
      caption,
    };
  });
}

function techniquesOfGroup(group: ScenarioGroup): TechniqueId[] {
  const seen = new Set<TechniqueId>();
  for (const scenario of group.scenarios) for (const { technique } of techniqueEntries(scenario)) seen.add(technique);
  return [...seen];
}

/**
 * A technique's 95% interval over runs as a pale band (a low line, and a high line filled down
 * to it), or nothing when the metric is exact or a point has only one run.
 */
function groupBand(group: GroupSelection, technique: TechniqueId, metric: GroupMetric) {
  if (metric.spread === undefined) return [];
  const spreads = group.scenarios.map((scenario) => {
    const result = scenario.results[technique];
    return result?.state === 'completed' ? metric.spread!(result) : null;
  });
  if (spreads.every((sp) => sp === null)) return [];
  const display = TECHNIQUE_DISPLAY[technique];
  const edge = { borderColor: 'transparent', backgroundColor: `${display.color}33`, pointRadius: 0, tension: 0 };
  return [
    { label: `${display.label}, 95% interval (low edge)`, data: spreads.map((sp) => sp?.low ?? null), ...edge, fill: false as const },
    { label: `${display.label}, 95% interval`, data: spreads.map((sp) => sp?.high ?? null), ...edge, fill: '-1' as const },
  ];
}

type GroupSelection = Pick<ScenarioGroup, 'scenarios'>;

/** One line per technique, one value per client count; where it failed, a gap that the legend names. */
function groupDataset(group: ScenarioGroup, technique: TechniqueId, metric: GroupMetric) {
  const data: Array<number | null> = [];
  const failedAt: number[] = [];
  for (const scenario of group.scenarios) {
    const result = scenario.results[technique];
    if (result?.state === 'completed') data.push(metric.pick(result));
    else {
      if (result !== undefined) failedAt.push(scenario.params.clients);
      data.push(null);
    }
  }
  const display = TECHNIQUE_DISPLAY[technique];
  const suffix = failedAt.length > 0 ? ` (failed at ${failedAt.map(formatInteger).join(', ')} clients)` : '';
  return {
    label: `${display.label}${suffix}`,
    data,
    borderColor: display.color,
    backgroundColor: display.color,
    pointRadius: 3,
    tension: 0,
  };
}
