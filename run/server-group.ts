/**
 * Several built-in server processes on one port (`--server-processes N`). The runner opens the
 * listening socket and hands it to every child over IPC; each child accepts on it and the kernel
 * deals every new connection to one of them. Node 20 has no SO_REUSEPORT (`listen({ reusePort })`
 * is Node >= 22.12), and node:cluster's round-robin would pass every accepted socket through the
 * primary; a shared handle costs nothing per connection (docs/scale.md has the measurement).
 *
 * One feed, no coordination: every process runs the same deterministic publisher, started with
 * the same rate and the same first due time, so every process publishes the same seq at the same
 * due time with the same bytes. No message crosses a process boundary on the hot path, and a
 * process that dies takes only its own clients with it: the group keeps the others' figures and
 * reports that process's exit as its loss.
 */
import net from 'node:net';
import { mergeEncoded, encodeHistogram } from '../core/histogram.ts';
import { LISTEN_BACKLOG, nowMicros, type ServerStats, type TechniqueCounters, type TechniqueId } from '../core/protocol.ts';
import { sampleTree } from './proc-tree.ts';
import { ServerCrashedError } from '../core/errors.ts';
import { addParts, emptyParts } from '../core/wire-parts.ts';
import { ServerProcess, type FeedServerHandle, type MemberSample, type ServerProcessOptions, type StatsReply } from './server-process.ts';

/** Server processes on one port, seen by the runner as one server whose figures are the sum of its members'. */
export class ServerGroup implements FeedServerHandle {
  private readonly last: Array<StatsReply | undefined>;
  private readonly exits: Array<string | null>;
  /** Settles when every member has died without being asked to close. */
  readonly unexpectedExit: Promise<Error>;

  private constructor(readonly members: readonly ServerProcess[]) {
    this.last = members.map(() => undefined);
    this.exits = members.map(() => null);
    members.forEach((member, i) => void member.unexpectedExit.then((error) => (this.exits[i] = error.message)));
    this.unexpectedExit = Promise.all(members.map((m) => m.unexpectedExit)).then(
      (errors) => new ServerCrashedError(`every server process died: ${errors.map((e) => e.message).join('; ')}`),
    );
  }

  /** Opens the listening socket on `options.host:port`, starts `count` server processes on it, and closes the runner's copy. */
  static async spawn(
    options: ServerProcessOptions,
    count: number,
    timeouts: { readyMs?: number; requestMs?: number } = {},
  ): Promise<ServerGroup> {
    const listener = net.createServer();
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG }, () => resolve());
    });
    try {
      const started = await Promise.allSettled(Array.from({ length: count }, () => ServerProcess.spawn(options, timeouts, listener)));
      const members = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) {
        await Promise.all(members.map((m) => m.close()));
        throw failed.reason;
      }
      return new ServerGroup(members);
    } finally {
      // Every child holds the socket now; the runner must not accept connections itself.
      listener.close();
    }
  }

  get url(): string {
    return this.members[0]!.url;
  }

  get pid(): number {
    return this.members[0]!.pid;
  }

  /** Set only when every member is gone: one dead process is that process's loss, not the run's. */
  get crashed(): Error | undefined {
    return this.members.every((m) => m.crashed !== undefined)
      ? new ServerCrashedError(`every server process died: ${this.members.map((m) => m.crashed!.message).join('; ')}`)
      : undefined;
  }

  /** The members' samples summed (a dead member: its last sample, with no open connection), and each member's own. */
  async stats(): Promise<StatsReply> {
    const replies = await Promise.all(this.members.map((m) => m.stats().catch(() => undefined)));
    replies.forEach((reply, i) => {
      if (reply !== undefined) this.last[i] = reply;
    });
    const members: MemberSample[] = [];
    this.members.forEach((member, i) => {
      const reply = this.last[i];
      const exited = replies[i] === undefined ? (this.exits[i] ?? member.crashed?.message ?? 'did not answer') : null;
      if (reply === undefined) return;
      // Alive but too busy to answer in time (a saturated loop at 100,000 clients): its CPU and RSS from /proc,
      // so that the group's sums and memory per connection still hold it; the rest from its last answer.
      const busy = exited !== null && this.exits[i] === null ? sampleTree(member.pid, nowMicros) : null;
      if (busy !== null) {
        const process = { ...reply.stats.process, cpuMicros: busy.cpuMicros, rssBytes: busy.rssBytes };
        members.push({ pid: member.pid, stats: { ...reply.stats, process }, exited: `${exited}; alive: its CPU and RSS read from /proc` });
      } else members.push({ pid: member.pid, stats: exited === null ? reply.stats : closedSample(reply.stats), exited });
    });
    if (members.length === 0) throw this.crashed ?? new ServerCrashedError('no server process of the group answered');
    const live = members.filter((m, i) => m.exited === null && this.last[i] !== undefined);
    // Every process publishes the same schedule: the window's count is any live one's (the most, should they differ).
    const windowCount: Record<string, number> = {};
    for (let i = 0; i < this.members.length; i++) {
      if (replies[i] === undefined) continue;
      for (const [room, n] of Object.entries(this.last[i]!.windowCount)) windowCount[room] = Math.max(windowCount[room] ?? 0, n);
    }
    return {
      stats: sumStats(
        members.map((m) => m.stats),
        live.length > 0 ? live.map((m) => m.stats) : members.map((m) => m.stats),
      ),
      windowCount,
      members,
    };
  }

  async startPublishing(rate: number, startAt: number): Promise<void> {
    await this.each((m) => m.startPublishing(rate, startAt));
  }

  async stopPublishing(): Promise<void> {
    await this.each((m) => m.stopPublishing());
  }

  async setWindow(startT: number, endT: number): Promise<void> {
    await this.each((m) => m.setWindow(startT, endT));
  }

  async close(graceMs?: number): Promise<void> {
    await Promise.all(this.members.map((m) => m.close(graceMs)));
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    for (const m of this.members) m.kill(signal);
  }

  /** Asks every live member; a dead one is skipped (its loss is reported), unless all are dead. */
  private async each(ask: (member: ServerProcess) => Promise<void>): Promise<void> {
    const live = this.members.filter((m) => m.crashed === undefined);
    if (live.length === 0) throw this.crashed ?? new ServerCrashedError('every server process died');
    const settled = await Promise.allSettled(live.map(ask));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    // A member that died meanwhile is its own loss; a live one that refused is the run's problem.
    const alive = rejected.filter((_, i) => live[i]?.crashed === undefined);
    if (alive.length > 0) throw alive[0]!.reason;
  }
}

/** A dead process's last sample: its connections are gone with it. */
function closedSample(stats: ServerStats): ServerStats {
  const techniques: Partial<Record<TechniqueId, TechniqueCounters>> = {};
  for (const [id, counters] of Object.entries(stats.techniques)) techniques[id as TechniqueId] = { ...counters, open: 0 };
  return { ...stats, techniques, connections: { ...stats.connections, open: 0 } };
}

/**
 * The group's figures: bytes, requests, connections, CPU, RSS and event-loop time summed over
 * every member; `published` and the publisher's figures from the live ones (each publishes the
 * whole feed); lateness and fan-out histograms merged, never averaged.
 */
export function sumStats(all: readonly ServerStats[], publishing: readonly ServerStats[]): ServerStats {
  const add = (pick: (s: ServerStats) => number, list: readonly ServerStats[] = all): number => list.reduce((n, s) => n + pick(s), 0);
  const bytesByRoute: ServerStats['bytesByRoute'] = {};
  const techniques: ServerStats['techniques'] = {};
  for (const s of all) {
    for (const [route, b] of Object.entries(s.bytesByRoute)) {
      const sum = (bytesByRoute[route] ??= { up: 0, down: 0 });
      sum.up += b.up;
      sum.down += b.down;
    }
    for (const [id, c] of Object.entries(s.techniques) as Array<[TechniqueId, TechniqueCounters]>) {
      const sum = (techniques[id] ??= { requests: 0, emptyResponses: 0, messagesWritten: 0, open: 0 });
      sum.requests += c.requests;
      sum.emptyResponses += c.emptyResponses;
      sum.messagesWritten += c.messagesWritten;
      sum.open += c.open;
    }
  }
  const rejected = { ...all[0]!.rejected };
  for (const s of all.slice(1)) for (const key of Object.keys(rejected) as Array<keyof typeof rejected>) rejected[key] += s.rejected[key];
  return {
    at: Math.max(...all.map((s) => s.at)),
    bytes: {
      up: add((s) => s.bytes.up),
      down: add((s) => s.bytes.down),
      setupUp: add((s) => s.bytes.setupUp),
      setupDown: add((s) => s.bytes.setupDown),
      ...(all.some((s) => s.bytes.parts !== undefined)
        ? { parts: all.reduce((into, s) => (s.bytes.parts === undefined ? into : addParts(into, s.bytes.parts)), emptyParts()) }
        : {}),
    },
    bytesByRoute,
    techniques,
    connections: { open: add((s) => s.connections.open), total: add((s) => s.connections.total) },
    published: Math.max(...publishing.map((s) => s.published)),
    lateTicks: add((s) => s.lateTicks),
    maxTickLateMs: Math.max(...all.map((s) => s.maxTickLateMs)),
    publisher: {
      busyWaitMicros: add((s) => s.publisher.busyWaitMicros),
      blockedMicros: add((s) => s.publisher.blockedMicros),
      latenessHistogram: encodeHistogram(mergeEncoded(all.map((s) => s.publisher.latenessHistogram))),
      fanOutHistogram: encodeHistogram(mergeEncoded(all.map((s) => s.publisher.fanOutHistogram))),
    },
    rejected,
    process: {
      cpuMicros: add((s) => s.process.cpuMicros),
      rssBytes: add((s) => s.process.rssBytes),
      eluIdleMs: add((s) => s.process.eluIdleMs),
      eluActiveMs: add((s) => s.process.eluActiveMs),
    },
  };
}
