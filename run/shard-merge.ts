/**
 * `pushbench merge`: shards of one run into one results.json. The merge is exact because the
 * shards kept their generator processes' raw windows: counters and bytes are summed and the HDR
 * histograms added by the same builder that combines one run's generator processes
 * (run/result-builder.ts), never by averaging percentiles. `expected` is the publisher's accepted
 * count times the clients of the merged shards; a shard that is missing, failed, late or whose
 * clock bound is past the limit is left out and named, its clients unmeasured rather than lost.
 */
import { ConfigError } from '../core/errors.ts';
import { shardShare, type ShardResult } from '../core/shard.ts';
import { summarize, mergeEncoded } from '../core/histogram.ts';
import { SCHEMA_VERSION, type ResultsFile, type ShardRow, type ShardsSummary, type TargetInfo } from '../core/results.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { headerProfile } from '../load/headers.ts';
import { buildCompletedResult, expectedMessages, judgeDelivery } from './result-builder.ts';
import { TOOL_VERSION } from './session.ts';

export interface MergeOptions {
  /** A merged shard's clock bound may be at most this (ms); a shard past it is left out and named. */
  maxClockBoundMs: number;
  /** The command line, for results.json. */
  command: string;
}

/** What a shard measured: its target info, or (a shard written before target files) a pushbench server at its URL. */
export function shardTarget(shard: ShardResult): TargetInfo {
  return (
    shard.targetInfo ?? {
      name: 'url',
      kind: 'url',
      file: null,
      description: `a pushbench server at ${shard.target}`,
      server: 'running',
    }
  );
}

function describeTarget(target: TargetInfo): string {
  return target.file === null ? `target ${target.name}` : `target ${target.name} (${target.file})`;
}

/** The parameters two shards of one run must share; a difference is named. */
function paramsKey(shard: ShardResult): string {
  return JSON.stringify({ technique: shard.technique, count: shard.shard.count, params: shard.params });
}

/**
 * Refuses shards that cannot be one run (exit 2): none, different run ids, different parameters
 * or shard counts, the same index twice with different hosts' results. `labels` name the files.
 */
export function checkOneRun(shards: readonly ShardResult[], labels: readonly string[]): void {
  if (shards.length === 0) throw new ConfigError('pushbench merge needs at least one shard result file');
  const first = shards[0]!;
  for (const [i, shard] of shards.entries()) {
    const label = labels[i] ?? `shard file ${i + 1}`;
    if (shardTarget(shard).name !== shardTarget(first).name) {
      throw new ConfigError(
        `${label} measured ${describeTarget(shardTarget(shard))}, ${labels[0]} ${describeTarget(shardTarget(first))}: shards of different targets cannot be merged; allowed: shards of one target, one run`,
      );
    }
    if (shard.state === 'completed' && first.state === 'completed' && shard.runId !== first.runId) {
      throw new ConfigError(
        `${label} is of run ${shard.runId}, ${labels[0]} of run ${first.runId}: shards of different runs cannot be merged; merge each run's files on their own`,
      );
    }
    if (paramsKey(shard) !== paramsKey(first)) {
      throw new ConfigError(
        `${label} was measured with other parameters than ${labels[0]} (${describeDifference(first, shard)}): shards of different runs cannot be merged`,
      );
    }
  }
}

function describeDifference(a: ShardResult, b: ShardResult): string {
  if (a.technique !== b.technique) return `technique ${a.technique} vs ${b.technique}`;
  if (a.shard.count !== b.shard.count) return `${a.shard.count} shards vs ${b.shard.count}`;
  for (const key of Object.keys(a.params) as Array<keyof ShardResult['params']>) {
    if (a.params[key] !== b.params[key]) return `${key} ${JSON.stringify(a.params[key])} vs ${JSON.stringify(b.params[key])}`;
  }
  return 'parameters differ';
}

/** Why a shard is left out of the merged figures, or null when it is merged. */
function exclusion(shard: ShardResult, maxBoundMicros: number): { status: ShardRow['status']; reason: string } | null {
  if (shard.state === 'failed') return { status: 'failed', reason: `failed: ${shard.error ?? 'no reason given'}` };
  if (shard.window.lateMicros > 0)
    return { status: 'late', reason: `late: its clients began ${(shard.window.lateMicros / 1000).toFixed(1)} ms after the others` };
  const bound = shard.clock?.boundMicros ?? Infinity;
  if (bound > maxBoundMicros)
    return {
      status: 'clock',
      reason: `clock bound ±${(bound / 1000).toFixed(3)} ms is past the limit ±${(maxBoundMicros / 1000).toFixed(3)} ms`,
    };
  return null;
}

/** The merged results file, with a `shards` section naming what the figures cover. */
export function mergeShards(shards: readonly ShardResult[], labels: readonly string[], options: MergeOptions): ResultsFile {
  checkOneRun(shards, labels);
  const first = shards[0]!;
  const count = first.shard.count;
  const maxBoundMicros = options.maxClockBoundMs * 1000;
  const byIndex = new Map<number, ShardResult>();
  const rows: ShardRow[] = [];
  const merged: ShardResult[] = [];
  const labelOf = new Map<number, string>();
  for (const [i, shard] of shards.entries()) {
    const label = labels[i] ?? `shard file ${i + 1}`;
    if (byIndex.has(shard.shard.index)) {
      throw new ConfigError(
        `shard ${shard.shard.index} of ${count} is given twice (${labelOf.get(shard.shard.index)} and ${label}): two pods with one index, or one file given twice`,
      );
    }
    byIndex.set(shard.shard.index, shard);
    labelOf.set(shard.shard.index, label);
  }
  const publishedBy = new Set(shards.filter((s) => s.published !== null).map((s) => s.published!.accepted));
  if (publishedBy.size > 1)
    throw new ConfigError(
      `the shards report different accepted counts (${[...publishedBy].join(', ')}): they did not ask one coordinator of one run`,
    );

  for (let index = 0; index < count; index++) {
    const shard = byIndex.get(index);
    if (shard === undefined) {
      const share = shardShare(first.params.clients, index, count, first.params.workload === 'chat' ? first.params.roomSize : null);
      rows.push(emptyRow(index, 'missing', 'no result given (the pod died, or its log was not collected)', null, share.to - share.from));
      continue;
    }
    const clients = shard.clients.to - shard.clients.from;
    const out = exclusion(shard, maxBoundMicros);
    if (out !== null) {
      rows.push({ ...emptyRow(index, out.status, out.reason, shard.host, clients), ...clockColumns(shard) });
      continue;
    }
    merged.push(shard);
    rows.push(shardRow(shard));
  }
  if (merged.length === 0) throw new ConfigError(`no shard can be merged: ${rows.map((r) => `shard ${r.index}: ${r.reason}`).join('; ')}`);

  const runId = merged[0]!.runId;
  const clientsCovered = merged.reduce((n, s) => n + s.clients.to - s.clients.from, 0);
  const accepted = merged[0]!.published!.accepted;
  const params = first.params;
  const chat = params.workload === 'chat';
  const built = buildCompletedResult({
    technique: first.technique,
    // The figures cover the merged shards' clients: expected = accepted x those clients.
    params: { ...params, clients: clientsCovered },
    requestBased: TECHNIQUE_META[first.technique].delivery === 'request',
    generators: merged.flatMap((s) => s.generators),
    clientTotals: merged.flatMap((s) => s.clientTotals),
    settled: null,
    server: null,
    foreign: null,
    // Chat: what each room's own clients had accepted (rooms lie within one shard); broadcast: the coordinator's count.
    published: chat ? coveredRooms(merged, params.roomSize) : { broadcast: accepted },
    publisher: null,
    // Broadcast: the coordinator's overlapping publishes, the same in every shard (one publisher).
    overlaps: chat ? undefined : merged[0]!.published!.overlaps,
    kernel: null,
    model: null,
  });
  const result = judgeDelivery({ ...built, network: null });
  const worstBoundMs = Math.max(...merged.map((s) => (s.clock?.boundMicros ?? 0) / 1000));
  const latencyNote = chat
    ? "each room lies within one shard, so every latency is a sender and its room on one host: read on one clock (self-echo), it needs no correction and no clock bound applies; the offsets only aligned the shards' windows"
    : `latencies are corrected by each shard's clock offset to the publisher, to within ±${worstBoundMs.toFixed(3)} ms`;
  const summary: ShardsSummary = {
    runId,
    count,
    clientsTotal: params.clients,
    clientsCovered,
    worstBoundMs,
    maxBoundMs: options.maxClockBoundMs,
    rows,
  };
  const target = shardTarget(first);
  const profile = headerProfile(params.headers);
  const coverage =
    clientsCovered === params.clients
      ? `all ${count} shards`
      : `${merged.length} of ${count} shards, ${clientsCovered} of ${params.clients} clients`;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'pushbench', version: TOOL_VERSION },
    createdAt: merged.map((s) => s.startedAt).sort()[0]!,
    state: result.state === 'completed' ? 'completed' : 'failed',
    command: options.command,
    environment: first.environment,
    headerProfiles: { [params.headers]: profile.poll.map(([k, v]) => [k, v] as [string, string]) },
    scenarios: [
      {
        // Named by the target as a --target-file run's scenarios are, so that compare matches by target.
        id: `shards-${params.clients}${target.kind === 'file' ? `@${target.name}` : ''}`,
        group: 'shards',
        title:
          (chat
            ? `Chat in ${count} shards: ${params.clients} clients in rooms of ${params.roomSize}, ${params.rate} msg/s each, ${params.payloadBytes} B payload`
            : `Broadcast in ${count} shards: ${params.clients} clients, ${params.rate} msg/s, ${params.payloadBytes} B payload`) +
          (target.kind === 'file' ? `, on ${target.name}` : ''),
        description: `One run measured from ${count} generator shards and merged (${coverage}); ${latencyNote}`,
        params,
        target: {
          ...target,
          description: `${target.description}, at ${first.target}, published to by one coordinator`,
        },
        results: { [first.technique]: result },
        // Only cross-host latencies are bounded by the clocks; chat's are read on one.
        ...(chat ? {} : { clockBoundMs: worstBoundMs }),
      },
    ],
    shards: summary,
  };
}

/**
 * The merged shards' accepted publishes per room, the rooms numbered again in order. A room's
 * members are counted from its number and the client count (run/result-builder.ts roomMembers);
 * with a shard missing, the figures cover fewer clients, so the rooms after the gap move up to
 * keep their member counts: whole rooms, and the one short room, the run's last, stays last.
 */
export function coveredRooms(merged: readonly ShardResult[], roomSize: number): Record<string, number> {
  const perRoom = new Map<number, number>();
  for (const shard of merged)
    for (const g of shard.generators)
      for (const [room, n] of Object.entries(g.accepted ?? {})) perRoom.set(Number(room), (perRoom.get(Number(room)) ?? 0) + n);
  const rooms = [...new Set(merged.flatMap((s) => roomRange(s.clients, roomSize)))].sort((a, b) => a - b);
  return Object.fromEntries(rooms.map((room, i) => [String(i), perRoom.get(room) ?? 0]));
}

/** The busiest generator's event-loop use over the window, or null when no generator recorded one. */
function busiestLoop(shard: ShardResult): number | null {
  const known = shard.generators.map((g) => g.eventLoopUtilization).filter((u): u is number => u !== undefined);
  return known.length === 0 ? null : Math.max(...known);
}

function coveredRoomsByNumber(shard: ShardResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of shard.generators) for (const [room, n] of Object.entries(g.accepted ?? {})) out[room] = (out[room] ?? 0) + n;
  return out;
}

function roomRange(clients: { from: number; to: number }, roomSize: number): number[] {
  const first = Math.floor(clients.from / roomSize);
  const last = Math.ceil(clients.to / roomSize);
  return Array.from({ length: last - first }, (_, i) => first + i);
}

function emptyRow(index: number, status: ShardRow['status'], reason: string, host: string | null, clients: number): ShardRow {
  return {
    index,
    status,
    reason,
    host,
    clients,
    delivered: null,
    expected: null,
    lost: null,
    p50Ms: null,
    p99Ms: null,
    offsetMs: null,
    boundMs: null,
    driftMsPerS: null,
    generatorCpuPercent: null,
  };
}

function clockColumns(shard: ShardResult): Pick<ShardRow, 'offsetMs' | 'boundMs' | 'driftMsPerS'> {
  const clock = shard.clock;
  return clock === null
    ? { offsetMs: null, boundMs: null, driftMsPerS: null }
    : { offsetMs: clock.appliedOffsetMicros / 1000, boundMs: clock.boundMicros / 1000, driftMsPerS: clock.driftMicrosPerSecond / 1000 };
}

/** One merged shard on its own: so a sick shard shows beside the others. */
export function shardRow(shard: ShardResult): ShardRow {
  const clients = shard.clients.to - shard.clients.from;
  const delivered = shard.generators.reduce((n, g) => n + g.counts.delivered, 0);
  // Chat: its rooms' own accepted publishes times their members (rooms numbered over the whole run).
  const expected =
    shard.params.workload === 'chat'
      ? expectedMessages(shard.params, coveredRoomsByNumber(shard)).expected
      : (shard.published?.accepted ?? 0) * clients;
  const latency = summarize(mergeEncoded(shard.generators.map((g) => g.histogram)));
  return {
    index: shard.shard.index,
    status: 'merged',
    reason: null,
    host: shard.host,
    clients,
    delivered,
    expected,
    lost: Math.max(0, expected - delivered),
    p50Ms: latency.count > 0 ? latency.p50 : null,
    p99Ms: latency.count > 0 ? latency.p99 : null,
    ...clockColumns(shard),
    generatorCpuPercent: shard.busiestGeneratorCpuPercent,
    generatorEventLoopUtilization: busiestLoop(shard),
  };
}
