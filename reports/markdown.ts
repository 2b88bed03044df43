/**
 * summary.md: the key figures as Markdown tables, for CI job summaries and pull requests.
 * Pure: results and chart specs in, a string out. Every cell from the results is escaped
 * (`|` cannot split a cell, HTML is not rendered, line breaks cannot end a row).
 */
import { renderMapMarkdown } from './map.ts';
import { capacityProbes, capacityWireLabel, renderCapacity } from './terminal.ts';
import { timeScaleNote } from './time-scale.ts';
import type { ResultsFile, Scenario } from '../core/results.ts';
import { emptyPollsSentence, wireChartGroup, type ChartSpec } from './charts.ts';
import { buildConclusions, type Conclusions } from './conclusions.ts';
import { escapeHtml, escapeMarkdown as md } from '../core/html.ts';
import { buildExtrapolation, buildKaazingComparison, type ExtrapolationTable, type KaazingComparison } from './extrapolation.ts';
import { formatBitsPerSecond, formatBytes, formatInteger, formatMbps, formatMs, formatNumber, formatPercent } from './format.ts';
import { renderShardMarkdown } from './shards.ts';
import {
  completedEntries,
  emptyRequestPercent,
  headerProfileText,
  multiScenarioGroups,
  techniqueEntries,
  type ScenarioGroup,
} from './select.ts';
import { FLOOR_LABEL, latencyParts, latenessP99Text } from './latency-parts.ts';
import type { CompletedResult, TechniqueResult } from '../core/results.ts';
import { fairnessExceptions, techniqueLabel } from './techniques.ts';
import {
  COMPARISON_HEAD,
  COMPARISON_LESSON,
  comparisonFindings,
  comparisonHeads,
  comparisonLines,
  targetComparisons,
  type ComparisonLine,
  type TargetComparison,
} from './targets.ts';
import { evidenceNotes, latencyEvidence, noisyCell } from './evidence.ts';
import { WIRE_TABLE_HEAD, wireComparisons, wireLesson, wireTableLine, type WireComparison } from './wires.ts';
import { WIRE_META } from '../core/wires.ts';

export interface MarkdownOptions {
  charts: readonly ChartSpec[];
}

/**
 * A Markdown table; cells must already be escaped. By default the first column is left-aligned
 * and the others (numbers) right-aligned; `leftColumns` left-aligns that many leading columns.
 */
export function markdownTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>, leftColumns = 1): string {
  const align = head.map((_, i) => (i < leftColumns ? ':---' : '---:'));
  return [head, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The whole summary. */
export function renderMarkdown(results: ResultsFile, options: MarkdownOptions): string {
  const conclusions = buildConclusions(results);
  const extrapolation = buildExtrapolation(results);
  const groups = multiScenarioGroups(results);
  const env = results.environment;
  const parts: string[] = [
    '# pushbench summary',
    '',
    `Run started ${md(results.createdAt)}, state **${md(results.state)}**. Node ${md(env.node)} on ${md(env.os)} (${md(env.platform)} ${md(env.arch)}), ${md(env.cpuModel)}, ${md(formatInteger(env.cores))} cores, commit ${env.gitCommit === null ? 'unknown' : md(env.gitCommit)}. pushbench ${md(results.tool.version)}.`,
    '',
    'Reproduce:',
    '',
    // An HTML <pre> block rather than a code fence: its content is entity-escaped like any other
    // text (no fence length to outguess), and GitHub shows it verbatim.
    `<pre><code>${escapeHtml(results.command)}</code></pre>`,
    '',
  ];
  for (const { technique, breaks } of fairnessExceptions(results))
    parts.push(`Fairness: **${md(techniqueLabel(technique))}** cannot keep one rule: ${md(breaks)}.`, '');
  results.scenarios.forEach((s, i) => {
    parts.push(scenarioBlock(s, options.charts, conclusions.scenarios[i], results), '');
  });
  groups.forEach((g, i) => {
    parts.push(groupBlock(g, options.charts, conclusions.groups[i]), '');
  });
  for (const comparison of targetComparisons(results)) parts.push(comparisonBlock(comparison), '');
  for (const comparison of wireComparisons(results)) parts.push(wireBlock(comparison, options.charts), '');
  if (extrapolation !== null) parts.push(extrapolationBlock(extrapolation), '');
  const kaazing = buildKaazingComparison(results);
  if (kaazing !== null) parts.push(kaazingBlock(kaazing), '');
  // The probe's lines as the terminal prints them, escaped like the command above.
  if (results.map !== undefined) parts.push(renderMapMarkdown(results.map), '');
  for (const c of capacityProbes(results))
    parts.push(`## Polling capacity on ${md(capacityWireLabel(c))}`, '', `<pre><code>${escapeHtml(renderCapacity(c))}</code></pre>`, '');
  if (results.suiteWallMs !== undefined) parts.push(`Session wall time: ${md(formatNumber(results.suiteWallMs / 1000, 1))} s.`, '');
  return `${parts.join('\n').trimEnd()}\n`;
}

function scenarioBlock(s: Scenario, charts: readonly ChartSpec[], conclusions: Conclusions | undefined, results: ResultsFile): string {
  const p = s.params;
  const rate =
    p.workload === 'chat'
      ? `${formatNumber(p.rate, 3)} msg/s per client, rooms of ${formatInteger(p.roomSize)}`
      : `${formatNumber(p.rate, 3)} msg/s`;
  // A run where pushbench published (a server that does not publish by itself) shows its publish round trip beside the latency.
  const published = techniqueEntries(s).some(({ result }) => result.state === 'completed' && result.publisher?.side === 'process');
  const head = [
    'Technique',
    'Bytes/msg',
    'Overhead/msg',
    'p50',
    'p99',
    'Latency n',
    'Publisher late p99',
    'Lost',
    'Server CPU',
    'Empty polls',
    ...(published ? ['Publish round trip p50'] : []),
  ];
  const row = (label: string, result: TechniqueResult): string[] => {
    if (result.state !== 'completed') return [label, `**${md(result.state)}: ${md(result.error)}**`, ...head.slice(2).map(() => '')];
    const empty = emptyRequestPercent(result);
    return [
      label,
      md(formatBytes(result.perMessage.totalBytes)),
      md(formatBytes(result.perMessage.overheadBytes)),
      md(noisyCell(result, 'p50', s.clockBoundMs)),
      md(noisyCell(result, 'p99', s.clockBoundMs)),
      md(latencyEvidence(result)),
      md(latenessCell(result)),
      md(formatInteger(result.messages.lost)),
      result.server === null ? '—' : md(noisyCell(result, 'cpu')),
      empty === null ? '—' : md(formatPercent(empty)),
      ...(published ? [result.publisher?.roundTripMs === undefined ? '—' : md(formatMs(result.publisher.roundTripMs.p50))] : []),
    ];
  };
  const rows = techniqueEntries(s).map(({ technique, result }) => row(md(techniqueLabel(technique)), result));
  // The machine's floor, measured the same way: what any technique pays on this host.
  if (s.floor !== undefined) rows.push(row(`*${md(FLOOR_LABEL)}*`, s.floor));
  return [
    `## ${md(s.title)}`,
    '',
    md(s.description),
    '',
    ...(timeScaleNote(s) === null ? [] : [md(timeScaleNote(s)!), '']),
    `${md(p.workload)}, ${md(formatInteger(p.clients))} clients, ${md(rate)}, ${md(formatBytes(p.messageBytes))} per message, poll interval ${md(formatInteger(p.intervalMs))} ms, ${md(formatInteger(p.durationMs))} ms window. Headers: ${md(headerProfileText(results, p.headers))}.`,
    '',
    markdownTable(head, rows),
    '',
    // Merged from shards: each shard's clock bound beside the latencies it qualifies.
    ...(results.shards === undefined ? [] : [renderShardMarkdown(results), '']),
    latencySplit(s),
    ...completedEntries(s).flatMap(({ technique, result }) =>
      result.browsers === undefined ? [] : [`${md(`${techniqueLabel(technique)}: ${result.browsers.note}.`)}\n`],
    ),
    ...evidenceNotes(completedEntries(s).map(({ technique, result }) => ({ label: techniqueLabel(technique), result }))).map(
      (n) => `${md(n)}\n`,
    ),
    findings(conclusions),
    chartLinks(charts.filter((c) => c.scenarioId === s.id)),
    emptyPollsSentence(s) ?? '',
  ].join('\n');
}

/** The publisher's p99 lateness and the messages behind it, or a dash when not recorded. */
function latenessCell(result: CompletedResult): string {
  const p = result.publisher;
  if (p === undefined || p === null || p.latenessMs.count === 0) return '—';
  return `${latenessP99Text(p, formatMs)} (n ${formatInteger(p.latenessMs.count)})`;
}

/** Mean latency split into publisher lateness and transit (means add up; percentiles do not). */
function latencySplit(s: Scenario): string {
  const parts = latencyParts(s).filter((r) => r.transitMeanMs !== null && r.publisher !== null);
  if (parts.length === 0) return '';
  const items = parts.map(
    (r) => `${r.label} ${formatMs(r.latencyMeanMs)} = ${formatMs(r.publisher!.latenessMs.mean)} + ${formatMs(r.transitMeanMs!)}`,
  );
  const server = parts.find((r) => r.publisher!.side === 'server')?.publisher ?? undefined;
  const blocked =
    server?.loopBlockedPercent === undefined
      ? ''
      : ` and blocked the server's event loop ${formatPercent(server.loopBlockedPercent, 2)} of the window`;
  const cost =
    server === undefined
      ? ''
      : ` The publisher's precise wait cost ${formatPercent(server.busyWaitCpuPercent, 2)} of a core, left out of server CPU,${blocked}.`;
  const floor = parts.some((r) => r.floor)
    ? ` ${FLOOR_LABEL}: the textbook ws broadcast on this machine, same publisher, clients and window.`
    : '';
  return `${md(`Mean latency = publisher lateness + transit: ${items.join('; ')}.${cost}${floor}`)}\n`;
}

function groupBlock(group: ScenarioGroup, charts: readonly ChartSpec[], conclusions: Conclusions | undefined): string {
  const techniques = [...new Set(group.scenarios.flatMap((s) => techniqueEntries(s).map((e) => e.technique)))];
  const rows = group.scenarios.map((s) => [
    md(formatInteger(s.params.clients)),
    ...techniques.map((t) => {
      const r = s.results[t];
      if (r === undefined) return '—';
      if (r.state !== 'completed') return `**${md(r.state)}**`;
      const cpu = r.server === null ? '' : `, CPU ${formatPercent(r.server.cpuPercent)}`;
      return md(`${formatBitsPerSecond(r.bitsPerSecond)}${cpu}`);
    }),
  ]);
  return [
    `## Scaling: ${md(group.group)}`,
    '',
    'Bandwidth (all clients, up + down) and server CPU by client count:',
    '',
    markdownTable(['Clients', ...techniques.map((t) => md(techniqueLabel(t)))], rows),
    '',
    findings(conclusions),
    chartLinks(charts.filter((c) => c.scenarioId === null && c.group === group.group)),
  ].join('\n');
}

/** The same scenario on several targets: one row per technique and target, the findings, the response heads verbatim. */
function comparisonBlock(comparison: TargetComparison): string {
  const keys = Object.keys(COMPARISON_HEAD) as Array<keyof ComparisonLine>;
  const rows = comparisonLines(comparison).map((line) => keys.map((k) => md(line[k])));
  const heads = comparisonHeads(comparison).map(
    ({ technique, target, head }) =>
      `<details><summary>${escapeHtml(techniqueLabel(technique))} on ${escapeHtml(target)}: response head</summary><pre>${escapeHtml(head)}</pre></details>`,
  );
  return [
    `## Stacks side by side: ${md(comparison.title)}`,
    '',
    `The same workload on ${comparison.targets.map((t) => `**${md(t.name)}** (${md(t.description)})`).join(', ')}.`,
    '',
    markdownTable(
      keys.map((k) => md(COMPARISON_HEAD[k])),
      rows,
      2,
    ),
    '',
    ...comparisonFindings(comparison).map((f) => `- ${md(f)}`),
    '',
    md(COMPARISON_LESSON),
    '',
    ...heads,
  ].join('\n');
}

/** A scenario on several wires: the parts of each message side by side, and the lesson in numbers. */
function wireBlock(comparison: WireComparison, charts: readonly ChartSpec[]): string {
  return [
    `## Wires side by side: ${md(comparison.title)}`,
    '',
    md(
      `Bytes per delivered message split by what they are (TLS records and HTTP/2 frames counted on the clients' sockets, and by pushbench's server on its own; HTTP framing is the rest), latency, server CPU per message, memory per connection and setup per connection by part, on ${comparison.wires.map((w) => WIRE_META[w].label).join(', ')}.`,
    ),
    '',
    markdownTable(
      [...WIRE_TABLE_HEAD],
      comparison.rows.map((row) => wireTableLine(row).map(md)),
      2,
    ),
    '',
    ...wireLesson(comparison).map((line) => `- ${md(line)}`),
    '',
    chartLinks(charts.filter((c) => c.group === wireChartGroup(comparison))),
  ].join('\n');
}

function findings(conclusions: Conclusions | undefined): string {
  if (conclusions === undefined || conclusions.findings.length === 0) return '';
  return `${conclusions.findings.map((f) => `- ${md(f.text)}`).join('\n')}\n`;
}

function chartLinks(charts: readonly ChartSpec[]): string {
  if (charts.length === 0) return '';
  // The alt text is escaped; the path is built from the chart id, which is already file-safe.
  return `${charts.map((c) => `![${md(c.title)}](charts/${c.id}.png)${c.caption === '' ? '' : `\n\n*${md(c.caption)}*\n`}`).join('\n')}\n`;
}

function extrapolationBlock(x: ExtrapolationTable): string {
  const head = ['Technique', 'Measured per client', ...x.clients.map((n) => `${formatInteger(n)} clients`)];
  const measured = x.rows.map((row) => {
    const label = md(techniqueLabel(row.technique));
    if (row.perClientBytesPerSecond === null) return [label, `**failed: ${md(row.error ?? '')}**`, ...x.clients.map(() => '')];
    return [label, md(`${formatNumber(row.perClientBytesPerSecond, 1)} B/s`), ...row.mbps.map((m) => md(formatMbps(m)))];
  });
  const published = x.published.map((row) => [
    `*2010: ${md(row.label)}*`,
    md(`${formatInteger(row.bytesPerMessage)} B/s`),
    ...row.mbps.map((m) => md(String(m))),
  ]);
  return [
    '## Header overhead at 1,000 to 100,000 clients',
    '',
    `Mbit/s, up + down. Rows without a date are **extrapolated from the measured per-client figure** of “${md(x.scenarioTitle)}” (${md(formatInteger(x.clientsMeasured))} clients, ${md(formatNumber(x.rate, 3))} msg/s, ${md(x.headers)} headers${x.timeScale === 1 ? '' : `; run ${md(formatInteger(x.timeScale))} times faster and its bytes per second divided by ${md(formatInteger(x.timeScale))}`}) by linear scaling; they were not measured at these client counts. Rows marked 2010 are the figures websocket.org (Kaazing) published in 2010 (headers only, one message per second, Mbps of 1,048,576 bits).`,
    '',
    markdownTable(head, [...measured, ...published]),
  ].join('\n');
}

function kaazingBlock(k: KaazingComparison): string {
  return [
    '## The 2010 example, measured',
    '',
    md(
      `With the kaazing-2010 profile (the 2010 example's request header lines from the clients, its response lines from pushbench's server), ${techniqueLabel(k.technique)} in “${k.scenarioTitle}” measured ${formatBytes(k.bytesPerPoll)} per request, up and down, over ${formatInteger(k.polls)} requests.`,
    ),
    '',
    markdownTable(
      ['One poll', 'Request', 'Response', 'Together'],
      [
        [
          'Measured here: heads, with line ends',
          md(formatBytes(k.requestHeadBytes)),
          md(formatBytes(k.responseHeadBytes)),
          md(formatBytes(k.requestHeadBytes + k.responseHeadBytes)),
        ],
        ['Measured here: whole exchange, body included', '', '', md(formatBytes(k.bytesPerPoll))],
        [
          '*2010, as published: header characters without line ends*',
          md(formatInteger(k.published.request)),
          md(formatInteger(k.published.response)),
          md(formatInteger(k.published.total)),
        ],
        ['*2010 lines with their line ends*', '', '', md(formatInteger(k.published.withLineEnds))],
      ],
    ),
  ].join('\n');
}
