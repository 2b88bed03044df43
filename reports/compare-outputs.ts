/**
 * What `pushbench compare` can write: the Markdown verdict, or the current run's figures in
 * the JSON formats CI benchmark trackers read. A registry, so adding a tracker is one entry.
 *
 * - github-action-benchmark, tool `customSmallerIsBetter`: `[{ name, unit, value }]`.
 * - Bencher Metric Format (BMF): `{ "<benchmark>": { "<measure slug>": { "value": n } } }`.
 */
import type { CompletedResult, ResultsFile } from '../core/results.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { renderCompareMarkdown, type Comparison, type RunLabel } from './compare.ts';
import { completedEntries, deliveredPercent } from './select.ts';

/** A figure a tracker can chart; smaller is better for every one of them. */
interface TrackedMetric {
  /** Suffix of the github-action-benchmark name. */
  name: string;
  /** Bencher measure slug. */
  slug: string;
  unit: string;
  value: (r: CompletedResult) => number | null;
}

const TRACKED: readonly TrackedMetric[] = [
  { name: 'bytes per message', slug: 'bytes-per-message', unit: 'bytes', value: (r) => r.perMessage.totalBytes },
  { name: 'overhead bytes per message', slug: 'overhead-bytes-per-message', unit: 'bytes', value: (r) => r.perMessage.overheadBytes },
  { name: 'p50 latency', slug: 'latency-p50-ms', unit: 'ms', value: (r) => r.latencyMs.p50 },
  { name: 'p99 latency', slug: 'latency-p99-ms', unit: 'ms', value: (r) => r.latencyMs.p99 },
  { name: 'server CPU', slug: 'server-cpu-percent', unit: '%', value: (r) => r.server?.cpuPercent ?? null },
  { name: 'bandwidth', slug: 'bits-per-second', unit: 'bit/s', value: (r) => r.bitsPerSecond },
  { name: 'lost messages', slug: 'lost-messages', unit: 'messages', value: (r) => r.messages.lost },
  // Delivered ratio inverted, so that smaller is better like every other tracked figure.
  { name: 'undelivered', slug: 'undelivered-percent', unit: '%', value: (r) => 100 - deliveredPercent(r) },
];

export interface GithubBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
}

function* trackedValues(
  results: ResultsFile,
): Generator<{ scenarioId: string; technique: TechniqueId; metric: TrackedMetric; value: number }> {
  for (const scenario of results.scenarios) {
    for (const { technique, result } of completedEntries(scenario)) {
      for (const metric of TRACKED) {
        const value = metric.value(result);
        if (value !== null && Number.isFinite(value)) yield { scenarioId: scenario.id, technique, metric, value };
      }
    }
  }
}

/** github-action-benchmark `customSmallerIsBetter` entries, e.g. `header-overhead/websocket bytes per message`. */
export function toGithubActionBenchmark(results: ResultsFile): GithubBenchmarkEntry[] {
  return [...trackedValues(results)].map(({ scenarioId, technique, metric, value }) => ({
    name: `${scenarioId}/${technique} ${metric.name}`,
    unit: metric.unit,
    value,
  }));
}

export type BencherMetricFormat = Record<string, Record<string, { value: number }>>;

/** Bencher Metric Format: one benchmark per scenario and technique, one measure per metric. */
export function toBencher(results: ResultsFile): BencherMetricFormat {
  const out: BencherMetricFormat = {};
  for (const { scenarioId, technique, metric, value } of trackedValues(results)) {
    const benchmark = `${scenarioId}/${technique}`;
    out[benchmark] ??= {};
    out[benchmark][metric.slug] = { value };
  }
  return out;
}

export interface CompareOutputInput {
  comparison: Comparison;
  base: readonly RunLabel[];
  current: RunLabel;
}

export interface CompareOutput {
  description: string;
  /** True when the output is JSON for a machine (the Markdown verdict then goes to stderr). */
  machine: boolean;
  render: (input: CompareOutputInput) => string;
}

export const COMPARE_OUTPUTS = {
  markdown: {
    description: 'the verdict table (default)',
    machine: false,
    render: ({ comparison, base, current }) => renderCompareMarkdown(comparison, base, current),
  },
  'github-action-benchmark': {
    description: "JSON for github-action-benchmark's customSmallerIsBetter tool",
    machine: true,
    render: ({ current }) => `${JSON.stringify(toGithubActionBenchmark(current.results), null, 2)}\n`,
  },
  bencher: {
    description: 'Bencher Metric Format (BMF) JSON',
    machine: true,
    render: ({ current }) => `${JSON.stringify(toBencher(current.results), null, 2)}\n`,
  },
} as const satisfies Record<string, CompareOutput>;

export type CompareOutputName = keyof typeof COMPARE_OUTPUTS;
