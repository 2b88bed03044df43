/**
 * Turns what the server and the generator processes reported about one measured
 * window into a technique result. Pure: every statistic is computed here, once, from
 * merged counters and merged histograms (never from averaged percentiles).
 */
import type { ServerStats, TechniqueId } from '../core/protocol.ts';
import type { GeneratorWindowResult } from '../core/ipc.ts';
import { mergeSessionResults } from '../load/sessions.ts';
import { decodeHistogram, mergeEncoded, summarize } from '../core/histogram.ts';
import {
  MEMORY_RESOLUTION_BYTES,
  type CompletedResult,
  type ServerProcessCost,
  type TechniqueResult,
  type KernelBytes,
  type ModelEstimate,
  type PublisherResult,
  type ScenarioParams,
  type ServerCost,
  type WirePartsResult,
} from '../core/results.ts';
import type { PublisherResult as PublisherWindow } from '../core/ipc.ts';
import type { KernelDelta } from './kernel-bytes.ts';
import type { MemberSample } from './server-process.ts';
import type { TreeSample } from './proc-tree.ts';
import type { ClientBytes, CountedBytes } from '../core/socket-counter.ts';
import { EDGE_WAIT_GAPS } from '../core/publish-grid.ts';
import { addParts, copyParts, emptyParts, type WireParts } from '../core/wire-parts.ts';

export interface ServerWindow {
  idle: ServerStats;
  start: ServerStats;
  end: ServerStats;
  /** After every client closed: whole-run totals. */
  final: ServerStats;
  /** Messages published with `t` in the window, per room key. */
  windowCount: Record<string, number>;
}

/** A foreign server's cost: /proc samples of its pid tree when idle, at the window's start and at its end. */
export interface ForeignServerWindow {
  idle: TreeSample;
  start: TreeSample;
  end: TreeSample;
  /** Its sockets on its port at the end of the window, from the kernel (or null when unknown). */
  connections: number | null;
}

/** The kernel's counters of the server's sockets and the clients' own, between the same two quiet moments. */
export interface KernelWindow {
  kernel: KernelDelta;
  client: ClientBytes;
  /** The window edges at which no quiet moment was found in time (bytes were moving whenever both sides were read). */
  notQuiet?: ReadonlyArray<'start' | 'end'>;
}

/** Both ends' byte counters read together once nothing more was being sent (run/runner.ts settleBytes). */
export interface SettledBytes {
  /** With their parts where both ends tap (core/wire-parts.ts): compared part by part. */
  server: CountedBytes;
  client: CountedBytes;
  /** True when the counts met: nothing was in flight when they were read. */
  settled: boolean;
  /** How long the runner waited for them to meet (ms). */
  waitedMs: number;
  /** Bytes one side had counted and the other not yet at the first reading, right after the drain. */
  inFlightAtDrainBytes: number;
}

export interface WindowInputs {
  technique: TechniqueId;
  params: ScenarioParams;
  requestBased: boolean;
  generators: readonly GeneratorWindowResult[];
  /** Whole-run client byte totals per generator (null when a generator could not report). */
  clientTotals: ReadonlyArray<ClientBytes | null>;
  /** Both ends' counters at the quiet moment before any client closed; null when it could not be taken (the old whole-run comparison is used). */
  settled?: SettledBytes | null;
  /** pushbench's own server child, sampled over IPC; null for any other server. */
  server: ServerWindow | null;
  /** A server pushbench started from a target file, sampled from /proc; null otherwise. */
  foreign: ForeignServerWindow | null;
  /**
   * Messages accepted for publishing with `t` in the window, per room key: the built-in server's
   * own count, or what pushbench's publisher had accepted. Never inferred from what arrived.
   */
  published: Record<string, number>;
  /** pushbench's publisher process, when it published (a server that does not publish by itself). */
  publisher: PublisherWindow | null;
  /**
   * Which publishes were answered only after a later one was sent (PublisherWindow.overlaps), from
   * pushbench's publisher process or, in a sharded run, the coordinator's, passed on by each shard;
   * absent when nobody overlapped or pushbench did not publish (deliveryOrder).
   */
  overlaps?: Record<string, number>;
  kernel: KernelWindow | null;
  /** Null for a foreign server: the model describes pushbench's own. */
  model: ModelEstimate | null;
}

/** Clients of `room` when `clients` are dealt into rooms of `roomSize` in order. */
export function roomMembers(room: number, clients: number, roomSize: number): number {
  return Math.max(0, Math.min(roomSize, clients - room * roomSize));
}

/**
 * Messages the clients should have received: each room's accepted publishes in the window
 * times the clients of that room. Counted by the publishing side, never from what arrived,
 * so a run that delivers nothing cannot look complete.
 */
export function expectedMessages(
  params: ScenarioParams,
  publishedPerRoom: Record<string, number>,
): { published: number; expected: number } {
  let published = 0;
  let expected = 0;
  for (const [key, count] of Object.entries(publishedPerRoom)) {
    published += count;
    const members = key === 'broadcast' ? params.clients : roomMembers(Number(key), params.clients, params.roomSize);
    expected += count * members;
  }
  return { published, expected };
}

/**
 * A completed measurement that delivered nothing is a failure, and so is one with nothing
 * published to deliver: both say why instead of reading as "0 lost".
 */
export function judgeDelivery(result: CompletedResult): TechniqueResult {
  const { published, expected, delivered } = result.messages;
  const errors =
    result.clientErrors.count > 0 ? ` (${result.clientErrors.count} client errors, first: ${result.clientErrors.first[0] ?? ''})` : '';
  if (published === 0)
    return {
      state: 'failed',
      error: `no message was accepted for publishing in the measured window, so nothing could be delivered${errors}`,
    };
  // Units without pushbench's stamp point at a server that wraps or rewrites the message past recognition.
  const unmatched =
    (result.messages.unmatched ?? 0) > 0 ? `; ${result.messages.unmatched} unit(s) arrived without pushbench's stamp ("seq":N,"t":T)` : '';
  if (delivered === 0)
    return { state: 'failed', error: `nothing delivered: 0 of ${expected} expected messages arrived${unmatched}${errors}` };
  return result;
}

/**
 * Out of order, and what of it the publisher's own overlapping publishes explain. A seq S that
 * reached a client after a higher one H is out of order unless the publisher had sent H before
 * the target answered S (PublisherResult.overlaps): two publishes under way at once, on separate
 * connections, may reach the target (or two of its workers) in either order, and it then delivers
 * them in the order it took them. Those are `reordered`, not out of order: the target kept its own
 * order, which was not pushbench's sending order. Issue 19: at 100,000 clients on Nchan with 8
 * workers, publishes took 1.2-7.5 s to answer at 1 msg/s, two of them overlapped and reached two
 * workers in the other order, and every client counted one message out of order.
 */
export function deliveryOrder(
  generators: readonly GeneratorWindowResult[],
  overlaps: Record<string, number> | undefined,
): { outOfOrder: number; reordered?: number } {
  const outOfOrder = sum(generators, (g) => g.counts.outOfOrder);
  if (overlaps === undefined) return { outOfOrder };
  let reordered = 0;
  for (const g of generators) {
    for (const [seq, { count, after }] of Object.entries(g.counts.late ?? {})) {
      const sentBeforeAnswer = overlaps[seq];
      if (sentBeforeAnswer !== undefined && sentBeforeAnswer >= after) reordered += count;
    }
  }
  return { outOfOrder: outOfOrder - reordered, reordered };
}

/** Distinct (room, seq) pairs with a latency sample in any generator process. */
export function distinctLatencyMessages(generators: readonly GeneratorWindowResult[]): number {
  const union = new Map<string, Set<number>>();
  for (const g of generators) {
    for (const [key, seqs] of Object.entries(g.counts.latencySeqs ?? {})) {
      let set = union.get(key);
      if (set === undefined) union.set(key, (set = new Set()));
      for (const seq of seqs) set.add(seq);
    }
  }
  let total = 0;
  for (const set of union.values()) total += set.size;
  return total;
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += pick(item);
  return total;
}

/** Microseconds the broadcast publisher busy-waited between two samples (harness CPU, not the technique's). */
function busyWaitMicros(server: ServerWindow): number {
  return server.end.publisher.busyWaitMicros - server.start.publisher.busyWaitMicros;
}

/** Server cost over the window, from two cumulative samples and the idle sample; the publisher's busy-wait is left out. */
export function serverCost(server: ServerWindow, clients: number): ServerCost {
  const { idle, start, end } = server;
  const wallMicros = end.at - start.at;
  const cpuMicros = end.process.cpuMicros - start.process.cpuMicros - busyWaitMicros(server);
  const active = end.process.eluActiveMs - start.process.eluActiveMs;
  const idleMs = end.process.eluIdleMs - start.process.eluIdleMs;
  const grown = end.process.rssBytes - idle.process.rssBytes;
  return {
    cpuPercent: wallMicros > 0 ? (Math.max(0, cpuMicros) / wallMicros) * 100 : 0,
    rssBytes: end.process.rssBytes,
    rssIdleBytes: idle.process.rssBytes,
    eventLoopUtilization: active + idleMs > 0 ? active / (active + idleMs) : 0,
    bytesPerConnection: clients > 0 && grown >= MEMORY_RESOLUTION_BYTES ? grown / clients : null,
    connections: end.connections.open,
    lateTicks: end.lateTicks - start.lateTicks,
    source: 'process',
  };
}

/** The generators' event loops over the window, when every process measured it. */
function generatorEventLoop(generators: readonly GeneratorWindowResult[]): Pick<CompletedResult, 'generatorEventLoop'> {
  const processes = generators.map((g) => g.eventLoopUtilization);
  if (processes.length === 0 || processes.some((e) => e === undefined)) return {};
  const measured = processes as number[];
  return { generatorEventLoop: { busiest: Math.max(...measured), processes: measured } };
}

/** Each server process of a group over the window (its own clients, its own RSS growth), in pid order of the group. */
export function memberCosts(
  idle: readonly MemberSample[],
  start: readonly MemberSample[],
  end: readonly MemberSample[],
): ServerProcessCost[] {
  return end.flatMap((e) => {
    const s = start.find((m) => m.pid === e.pid);
    const i = idle.find((m) => m.pid === e.pid);
    if (s === undefined || i === undefined) return [];
    const cost = serverCost({ idle: i.stats, start: s.stats, end: e.stats, final: e.stats, windowCount: {} }, 0);
    const grown = e.stats.process.rssBytes - i.stats.process.rssBytes;
    // A dead process's connections are gone; its memory per connection is from its last sample's count.
    const held = e.exited === null ? e.stats.connections.open : s.stats.connections.open;
    return [
      {
        pid: e.pid,
        cpuPercent: cost.cpuPercent,
        rssBytes: cost.rssBytes,
        rssIdleBytes: cost.rssIdleBytes,
        eventLoopUtilization: cost.eventLoopUtilization ?? 0,
        connections: e.stats.connections.open,
        bytesPerConnection: held > 0 && grown >= MEMORY_RESOLUTION_BYTES ? grown / held : null,
        messagesWritten: Object.values(e.stats.techniques).reduce((n, c) => n + c.messagesWritten, 0),
        exited: e.exited,
      },
    ];
  });
}

/**
 * A foreign server's cost from /proc samples of its pid tree: CPU over the window, RSS, memory
 * per connection by the same 4 MB rule. Its event loop (if it has one) cannot be seen: null.
 */
export function foreignServerCost(server: ForeignServerWindow, clients: number): ServerCost {
  const { idle, start, end } = server;
  const wallMicros = end.at - start.at;
  const grown = end.rssBytes - idle.rssBytes;
  return {
    cpuPercent: wallMicros > 0 ? ((end.cpuMicros - start.cpuMicros) / wallMicros) * 100 : 0,
    rssBytes: end.rssBytes,
    rssIdleBytes: idle.rssBytes,
    eventLoopUtilization: null,
    bytesPerConnection: clients > 0 && grown >= MEMORY_RESOLUTION_BYTES ? grown / clients : null,
    connections: server.connections ?? clients,
    lateTicks: null,
    source: 'proc',
  };
}

/**
 * The kernel cross-check: equal to the byte when every socket was counted whole and both edges
 * were quiet; null with the reason when sockets closed inside the window (their counters went
 * with them) or bytes were still moving at an edge (the two sides were not read at one state).
 */
export function kernelCheck(window: KernelWindow): KernelBytes {
  const { kernel, client } = window;
  const notQuiet = window.notQuiet ?? [];
  const unconfirmed = kernel.closed > 0 ? 'sockets-closed' : notQuiet.length > 0 ? 'not-quiet' : null;
  const note =
    unconfirmed === 'sockets-closed'
      ? `${kernel.closed} server sockets closed between the two readings and took their counters with them: the kernel's figure misses their bytes, so it cannot confirm the clients' count`
      : unconfirmed === 'not-quiet'
        ? `bytes were still moving at the ${notQuiet.map((e) => (e === 'start' ? 'first reading (before the warm-up)' : 'second (after the drain)')).join(' and ')} whenever the kernel's and the clients' counters were read, so the two counts were not taken at one state and cannot be compared to the byte`
        : `${kernel.sockets} server sockets on the server's port, read with the clients' counters at the same quiet moments, before the warm-up and after the drain (the window lies between; the publisher's connections left out)`;
  return {
    serverUp: kernel.up,
    serverDown: kernel.down,
    clientUp: client.up,
    clientDown: client.down,
    sockets: kernel.sockets,
    agree: unconfirmed === null ? kernel.up === client.up && kernel.down === client.down : null,
    ...(unconfirmed === null ? {} : { unconfirmed }),
    note,
  };
}

/**
 * The publisher's lateness and what its precision cost: the server's broadcast publisher,
 * or in chat the clients' own schedules (merged over generator processes, no busy-wait).
 */
export function publisherResult(
  params: ScenarioParams,
  server: ServerWindow | null,
  generators: readonly GeneratorWindowResult[],
): PublisherResult | null {
  if (params.workload === 'chat') {
    return {
      side: 'clients',
      latenessMs: summarize(mergeEncoded(generators.map((g) => g.publishLateness))),
      busyWaitCpuPercent: 0,
      loopBlockedPercent: 0,
    };
  }
  if (server === null) return null;
  const wallMicros = server.end.at - server.start.at;
  return {
    side: 'server',
    // Read after the drain: every message due in the window has left by then.
    latenessMs: summarize(decodeHistogram(server.final.publisher.latenessHistogram)),
    fanOutMs: summarize(decodeHistogram(server.final.publisher.fanOutHistogram)),
    busyWaitCpuPercent: wallMicros > 0 ? (busyWaitMicros(server) / wallMicros) * 100 : 0,
    loopBlockedPercent:
      wallMicros > 0 ? ((server.end.publisher.blockedMicros - server.start.publisher.blockedMicros) / wallMicros) * 100 : 0,
  };
}

export function buildCompletedResult(inputs: WindowInputs): CompletedResult {
  const { params, generators, server } = inputs;
  const { published, expected } = expectedMessages(params, inputs.published);
  const delivered = sum(generators, (g) => g.counts.delivered);
  const up = sum(generators, (g) => g.bytes.up);
  const down = sum(generators, (g) => g.bytes.down);
  const payloadDown = sum(generators, (g) => g.counts.payloadInWindow);
  const payloadUp = sum(generators, (g) => g.sentPayload);
  const received = sum(generators, (g) => g.counts.receivedInWindow);
  const per = (bytes: number): number => (received > 0 ? bytes / received : 0);
  // Each process divides by its own snapshot interval; rates add up across processes.
  const bytesPerSecond = sum(generators, (g) => (g.windowMicros > 0 ? ((g.bytes.up + g.bytes.down) * 1e6) / g.windowMicros : 0));
  const setupUp = server === null ? 0 : server.end.bytes.setupUp - server.start.bytes.setupUp;
  const setupDown = server === null ? 0 : server.end.bytes.setupDown - server.start.bytes.setupDown;

  const agreement = byteAgreement(server, inputs.clientTotals, inputs.settled ?? null);

  return {
    state: 'completed',
    messages: {
      published,
      expected,
      delivered,
      lost: Math.max(0, expected - delivered),
      duplicated: sum(generators, (g) => g.counts.duplicated),
      ...deliveryOrder(generators, inputs.overlaps),
      unmatched: sum(generators, (g) => g.counts.unmatched),
      stale: sum(generators, (g) => g.counts.stale),
    },
    bytes: { up, down, payload: payloadUp + payloadDown, setup: setupUp + setupDown, setupUp, setupDown },
    perMessage: {
      totalBytes: per(up + down),
      overheadBytes: per(up + down - payloadUp - payloadDown),
      upBytes: per(up),
      downBytes: per(down),
      upOverheadBytes: per(up - payloadUp),
      downOverheadBytes: per(down - payloadDown),
    },
    perClientBytesPerSecond: params.clients > 0 ? bytesPerSecond / params.clients : 0,
    bitsPerSecond: bytesPerSecond * 8,
    latencyMs: { ...summarize(mergeEncoded(generators.map((g) => g.histogram))), messages: distinctLatencyMessages(generators) },
    arrivalSpreadMs: delivered > 0 ? sum(generators, (g) => g.counts.arrivalSpreadMicros) / delivered / 1000 : 0,
    publisher: inputs.publisher !== null ? processPublisherResult(inputs.publisher) : publisherResult(params, server, generators),
    requests: inputs.requestBased
      ? {
          total: sum(generators, (g) => g.requests.total),
          empty: sum(generators, (g) => g.requests.empty),
          late: sum(generators, (g) => g.requests.late),
        }
      : null,
    ...generatorEventLoop(generators),
    server:
      server !== null
        ? serverCost(server, params.clients)
        : inputs.foreign !== null
          ? foreignServerCost(inputs.foreign, params.clients)
          : null,
    model: inputs.model,
    agreement,
    windowMs: params.durationMs,
    clientErrors: {
      count: sum(generators, (g) => g.errors.count),
      first: [...new Set(generators.flatMap((g) => g.errors.first))].slice(0, 5),
    },
    kernel: inputs.kernel === null ? null : kernelCheck(inputs.kernel),
    windowEdges: windowEdges(params, generators),
    responseHead: generators.find((g) => g.responseHead !== null)?.responseHead ?? null,
    ...(generators.some((g) => g.session !== undefined && g.session !== null)
      ? { session: mergeSessionResults(generators.map((g) => g.session)) }
      : {}),
    ...wirePartsOf(generators, received, up + down, payloadUp + payloadDown, inputs.settled ?? null),
    ...browsersOf(params, generators),
  };
}

/** With `--tabs`: the browser rule the driver applied, and how many streams it left waiting. */
export function browsersOf(params: ScenarioParams, generators: readonly GeneratorWindowResult[]): Pick<CompletedResult, 'browsers'> {
  const tabs = params.tabs ?? 1;
  if (tabs <= 1) return {};
  const waiting = sum(generators, (g) => g.browsers?.waiting ?? 0);
  const perOrigin = generators.find((g) => g.browsers !== undefined)?.browsers?.connectionsPerOrigin ?? null;
  const browsers = Math.ceil(params.clients / tabs);
  const note =
    perOrigin === null
      ? `${browsers} browser(s) of ${tabs} tabs on one origin: each browser's tabs are streams of one HTTP/2 connection, so none waits`
      : `${browsers} browser(s) of ${tabs} tabs on one origin: the driver applied the browser's ${perOrigin} connections per origin on HTTP/1.1 (Chromium and Firefox); ${waiting} EventSource stream(s) waited for a connection through the window and got nothing`;
  return { browsers: { tabs, connectionsPerOrigin: perOrigin, waiting, note } };
}

/**
 * The window's bytes per delivered message split by what they are, from the clients' taps
 * (core/wire-parts.ts), setup per connection, and both ends' parts as read at the settled
 * moment (`settled`, when the server counted them too): empty where no connection is tapped
 * (HTTP/1.1 cleartext but for a WebSocket's handshake).
 */
export function wirePartsOf(
  generators: readonly GeneratorWindowResult[],
  received: number,
  totalBytes: number,
  payloadBytes: number,
  settled: SettledBytes | null = null,
): { wireParts?: WirePartsResult } {
  const tapped = generators.flatMap((g) => (g.parts === undefined ? [] : [g.parts]));
  if (tapped.length === 0) return {};
  const parts = tapped.reduce((into, p) => addParts(into, p), emptyParts());
  const per = (bytes: number): number => (received > 0 ? bytes / received : 0);
  const both = (key: keyof WireParts['up']): number => parts.up[key] + parts.down[key];
  const tls = both('tlsOverheadBytes');
  const h2Framing = both('h2FrameHeaderBytes') + both('h2ControlBytes');
  const headerBlocks = both('h2HeaderBlockBytes');
  const connections = parts.setup.connections;
  const perConnection = (bytes: number): number => (connections > 0 ? bytes / connections : 0);
  return {
    wireParts: {
      perMessage: {
        payloadBytes: per(payloadBytes),
        tlsBytes: per(tls),
        h2FramingBytes: per(h2Framing),
        headerBlockBytes: per(headerBlocks),
        httpBytes: per(totalBytes - payloadBytes - tls - h2Framing - headerBlocks),
      },
      window: {
        tlsRecordsUp: parts.up.tlsRecords,
        tlsRecordsDown: parts.down.tlsRecords,
        h2FramesUp: parts.up.h2Frames,
        h2FramesDown: parts.down.h2Frames,
        h2HeaderBlockBytesUp: parts.up.h2HeaderBlockBytes,
        h2HeaderBlockBytesDown: parts.down.h2HeaderBlockBytes,
        h2ControlBytes: both('h2ControlBytes'),
        h2DataBytes: both('h2DataBytes'),
      },
      setupPerConnection: {
        connections,
        tlsBytes: perConnection(parts.setup.tlsUp + parts.setup.tlsDown),
        tlsTicketBytes: perConnection(parts.setup.tlsTicketsDown),
        h2Bytes: perConnection(parts.setup.h2Up + parts.setup.h2Down),
        upgradeBytes: perConnection(parts.setup.upgradeUp + parts.setup.upgradeDown),
      },
      ...endsOf(settled),
    },
  };
}

/** Both ends' parts at the settled moment, and which differ; nothing when either end did not count them or the moment was not quiet. */
export function endsOf(settled: SettledBytes | null): Pick<WirePartsResult, 'ends'> {
  const client = settled?.client.parts;
  const server = settled?.server.parts;
  if (settled === null || !settled.settled || client === undefined || server === undefined) return {};
  const differing: string[] = [];
  for (const group of ['up', 'down', 'setup'] as const) {
    const c = client[group] as unknown as Record<string, number>;
    const s = server[group] as unknown as Record<string, number>;
    for (const key of Object.keys(c)) if (c[key] !== (s[key] ?? 0)) differing.push(`${group}.${key}`);
  }
  return { ends: { agree: differing.length === 0, differing, client: copyParts(client), server: copyParts(server) } };
}

/**
 * How the window's edge snapshots met a quiet moment, from every generator process's two edges:
 * the longest wait, and the clients still lacking the last message before an edge when a wait
 * ran out (their bytes then straddle the edge: the window may hold part of a message).
 */
export function windowEdges(params: ScenarioParams, generators: readonly GeneratorWindowResult[]): CompletedResult['windowEdges'] {
  if (params.workload === 'chat' || generators.some((g) => g.edges === undefined)) return null;
  const edges = generators.flatMap((g) => g.edges ?? []);
  const waitedMs = Math.max(0, ...edges.map((e) => e.waitedMicros / 1000));
  const behind = edges.filter((e) => e.clientsBehind > 0);
  const clientsBehind = behind.reduce((n, e) => n + e.clientsBehind, 0);
  const perEdge = (['start', 'end'] as const)
    .map((edge) => ({ edge, clients: behind.filter((e) => e.edge === edge).reduce((n, e) => n + e.clientsBehind, 0) }))
    .filter((e) => e.clients > 0)
    .map((e) => `at the ${e.edge} edge ${bytesText(e.clients)} client(s)`);
  const note =
    clientsBehind === 0
      ? `every edge snapshot was read when each client had the last message published before the edge and none after it (each at most ${bytesText(Math.round(waitedMs))} ms after its edge, timer lateness included)`
      : `${perEdge.join(', ')} still lacked the last message before the edge when the wait for it ran out (a fan-out slower than ${EDGE_WAIT_GAPS} of the gap between messages): that message counts in the window beside its bytes, so bytes per message stay whole, but the window holds it (or misses it at the end) and a message split across two reads at that instant would be split by the edge`;
  const byMessage = edges.filter((e) => e.byMessage === true).length;
  const late =
    byMessage === 0
      ? ''
      : `; ${byMessage} start edge(s) of ${generators.length} generator process(es) were read when the process first handled a message of the window, before its edge timer ran (its event loop was late): that process's window begins after the unit that carried it`;
  return { waitedMs, clientsBehind, note: note + late };
}

/** `1,234` */
function bytesText(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * "Bytes agree": the server's counts against the clients', read at the quiet moment before any
 * client closed (everything the server wrote had been read), with the reason when they differ.
 * The close handshake that follows is outside the comparison: when the whole-run totals after
 * it differ (a client that gave up waiting for the server's close frame), the note says by how
 * much. Without a quiet reading (an older runner), the whole-run totals are compared.
 */
export function byteAgreement(
  server: ServerWindow | null,
  clientTotals: ReadonlyArray<ClientBytes | null>,
  settled: SettledBytes | null,
): CompletedResult['agreement'] {
  if (server === null) return null;
  const closed = clientTotals.every((t) => t !== null)
    ? { up: sum(clientTotals, (t) => t!.up), down: sum(clientTotals, (t) => t!.down) }
    : null;
  if (settled === null) {
    if (closed === null) return null;
    const { up: serverUp, down: serverDown } = server.final.bytes;
    return {
      serverUp,
      serverDown,
      clientUp: closed.up,
      clientDown: closed.down,
      agree: serverUp === closed.up && serverDown === closed.down,
    };
  }
  const { server: s, client: c } = settled;
  const agree = s.up === c.up && s.down === c.down;
  const waited = `${bytesText(Math.round(settled.waitedMs))} ms`;
  let reason: string | null = null;
  if (!agree) {
    const down = s.down - c.down;
    const up = c.up - s.up;
    const parts = [
      down !== 0
        ? `${bytesText(Math.abs(down))} B ${down > 0 ? 'the server wrote had not reached the clients' : 'more read by the clients than the server wrote'}`
        : null,
      up !== 0
        ? `${bytesText(Math.abs(up))} B ${up > 0 ? 'the clients wrote had not reached the server' : 'more read by the server than the clients wrote'}`
        : null,
    ].filter((p): p is string => p !== null);
    reason = settled.settled
      ? null
      : `${parts.join('; ')} ${waited} after publishing and requests stopped: still in flight (a fan-out slower than the wait) or lost; the counts were never read at a quiet moment`;
  }
  let note: string | null =
    `read when nothing was in flight, before the clients closed${settled.inFlightAtDrainBytes > 0 ? ` (${bytesText(settled.inFlightAtDrainBytes)} B were still in flight after the drain; waited ${waited} for them)` : ''}`;
  if (closed !== null) {
    const { up: finalUp, down: finalDown } = server.final.bytes;
    const unread = finalDown - closed.down + (closed.up - finalUp);
    if (unread !== 0)
      note += `; the close handshake is not compared: after it the server had ${bytesText(finalDown)} B down and ${bytesText(finalUp)} B up, the clients ${bytesText(closed.down)} and ${bytesText(closed.up)} (close frames of clients that stopped waiting for them)`;
  }
  return { serverUp: s.up, serverDown: s.down, clientUp: c.up, clientDown: c.down, agree, reason, note };
}

/** What results.json says about pushbench's publisher process: its lateness, what it sent and had accepted in the window, and the publish round trip. */
export function processPublisherResult(window: PublisherWindow): PublisherResult {
  return {
    side: 'process',
    latenessMs: summarize(decodeHistogram(window.lateness)),
    busyWaitCpuPercent: window.busyWaitCpuPercent,
    sent: window.sent,
    accepted: window.accepted,
    refused: window.refused,
    roundTripMs: summarize(decodeHistogram(window.roundTrip)),
  };
}
