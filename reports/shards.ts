/**
 * The per-shard table of a merged run: each shard on its own (delivered, lost, p50/p99, clock
 * offset and bound, the busiest generator's CPU), so that a sick shard is visible, and the shards
 * left out named with the reason. Latencies are printed no finer than the worst clock bound: a
 * digit below what the clocks can tell apart would be noise presented as a measurement.
 */
import type { ResultsFile, ShardRow } from '../core/results.ts';
import { escapeMarkdown } from '../core/html.ts';
import { boundCeiling } from './format.ts';

/** `ms` rounded to the resolution `boundMs` allows (one significant digit of the bound), or `< bound` when it is within it. */
export function boundedMs(ms: number | null, boundMs: number): string {
  if (ms === null) return '-';
  if (boundMs > 0 && ms < boundMs) return `< ${boundCeiling(boundMs)}`;
  const step = boundMs > 0 ? 10 ** Math.floor(Math.log10(boundMs)) : 0.001;
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  return (Math.round(ms / step) * step).toFixed(digits);
}

function cells(row: ShardRow, boundMs: number): string[] {
  const num = (n: number | null, digits = 3): string => (n === null ? '-' : n.toFixed(digits));
  return [
    String(row.index),
    row.status,
    String(row.clients),
    row.delivered === null ? '-' : `${row.delivered}/${row.expected}`,
    row.lost === null ? '-' : String(row.lost),
    boundedMs(row.p50Ms, boundMs),
    boundedMs(row.p99Ms, boundMs),
    row.offsetMs === null ? '-' : `${num(row.offsetMs)} ± ${num(row.boundMs)}`,
    num(row.driftMsPerS, 4),
    row.generatorCpuPercent === null ? '-' : `${row.generatorCpuPercent.toFixed(0)}%`,
    row.generatorEventLoopUtilization === undefined || row.generatorEventLoopUtilization === null
      ? '-'
      : `${(row.generatorEventLoopUtilization * 100).toFixed(0)}%`,
    row.host ?? '-',
  ];
}

/** The columns of the per-shard table, in every format. */
export const SHARD_TABLE_HEAD: readonly string[] = [
  'shard',
  'status',
  'clients',
  'delivered',
  'lost',
  'p50 ms',
  'p99 ms',
  'offset ms ± bound',
  'drift ms/s',
  'gen CPU',
  'gen loop',
  'host',
];

/** The per-shard table's cells, latencies no finer than the worst bound; none when the file is not a merge. */
export function shardTableCells(results: ResultsFile): string[][] {
  const shards = results.shards;
  if (shards === undefined) return [];
  // Chat latencies are read on one clock (self-echo): the bound does not apply to them.
  const bound = results.scenarios[0]?.params.workload === 'chat' ? 0 : shards.worstBoundMs;
  return shards.rows.map((row) => cells(row, bound));
}

/** What the bound means and which shards were left out, one sentence each. */
export function shardBoundSentence(results: ResultsFile): string[] {
  const shards = results.shards;
  if (shards === undefined) return [];
  const chat = results.scenarios[0]?.params.workload === 'chat';
  return [
    chat
      ? "Chat: each room lies within one shard, so every latency is read on one host's clock (self-echo) and needs no correction; the offsets ± bounds only aligned the shards' windows."
      : `Latencies are corrected by each shard's clock offset to the publisher and known to within ±${shards.worstBoundMs.toFixed(3)} ms (the worst bound of the shards merged); no latency is printed finer than that.`,
    ...shards.rows
      .filter((r) => r.status !== 'merged')
      .map((r) => `Shard ${r.index} not merged: ${r.reason}; its ${r.clients || 'share of the'} clients are unmeasured, not lost.`),
  ];
}

/** The per-shard table as Markdown (summary.md), with the same sentences. */
export function renderShardMarkdown(results: ResultsFile): string {
  const shards = results.shards;
  if (shards === undefined) return '';
  const md = (text: string): string => escapeMarkdown(text);
  const rows = shardTableCells(results).map((r) => `| ${r.map(md).join(' | ')} |`);
  return [
    `Run ${md(shards.runId)}: ${shards.rows.filter((r) => r.status === 'merged').length} of ${shards.count} shards merged, covering ${shards.clientsCovered} of ${shards.clientsTotal} clients.`,
    '',
    `| ${SHARD_TABLE_HEAD.join(' | ')} |`,
    `| ${SHARD_TABLE_HEAD.map((_, i) => (i <= 1 || i === SHARD_TABLE_HEAD.length - 1 ? ':---' : '---:')).join(' | ')} |`,
    ...rows,
    '',
    ...shardBoundSentence(results).map((line) => `- ${md(line)}`),
  ].join('\n');
}

/** The shards section of a merged results file as a text table; empty when the file is not a merge. */
export function renderShardTable(results: ResultsFile): string {
  const shards = results.shards;
  if (shards === undefined) return '';
  const header = [...SHARD_TABLE_HEAD];
  const rows = shardTableCells(results);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [
    `run ${shards.runId}: ${shards.rows.filter((r) => r.status === 'merged').length} of ${shards.count} shards merged, covering ${shards.clientsCovered} of ${shards.clientsTotal} clients`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...(results.scenarios[0]?.params.workload === 'chat'
      ? [
          "chat: each room lies within one shard, so every latency is read on one host's clock (self-echo) and needs no correction; the offsets only aligned the shards' windows",
        ]
      : [
          `latencies are corrected by each shard's clock offset to the publisher and known to within ±${shards.worstBoundMs.toFixed(3)} ms (the worst bound); they are printed no finer than that`,
        ]),
    ...shards.rows
      .filter((r) => r.status !== 'merged')
      .map((r) => `shard ${r.index} not merged: ${r.reason}; its ${r.clients || 'share of the'} clients are unmeasured, not lost`),
  ];
  return `${out.join('\n')}\n`;
}
