/**
 * The IPC messages between the runner and its child processes: the server child
 * (servers/child.ts), the load-generator child (load/generator-main.ts) and the publisher
 * child (load/publisher-main.ts). Both ends
 * import these types from here, so a message changed on one side fails to compile on
 * the other.
 *
 * Every request the runner sends carries an `id`, and the child answers each one with a
 * reply of the same `id` (`stats`, `ack`, `connected`, `result`, `closed`). The runner
 * puts a timeout on every request, so a child that stops answering (frozen, SIGSTOPped,
 * stuck in a loop) fails its technique with a message instead of hanging the run.
 * `close` to a server is the exception: its answer is the process exiting, which the
 * runner also bounds (then kills).
 */
import type { WireId } from './wires.ts';
import type { HeaderProfile } from './header-profile.ts';
import type { ServerStats, TechniqueId } from './protocol.ts';
import type { ClientLoadFields } from './scenario-fields.ts';
import type { ClientBytes, CountedBytes, TlsTrust } from './socket-counter.ts';
import type { PublishSpec, Subscription } from './targets.ts';
import type { SessionResult } from './results.ts';
import type { WireParts } from './wire-parts.ts';

// ---------------------------------------------------------------------------------------
// Runner <-> server child
// ---------------------------------------------------------------------------------------

/** Requests from the runner to a server child. */
export type RunnerToServer =
  | { type: 'stats'; id: number }
  | { type: 'publish'; id: number; rate: number; startAt: number }
  | { type: 'stop-publish'; id: number }
  | { type: 'window'; id: number; startT: number; endT: number }
  | { type: 'close' }
  /** Sent with a listening socket as the IPC handle, to a child started with `sharedListen`: serve on it (one port, several processes). */
  | { type: 'listen-handle' };

/** What a server child sends: `ready` or `error` once at start-up, then one reply per request. */
export type ServerToRunner =
  | { type: 'ready'; url: string; techniques: TechniqueId[]; pid: number }
  | { type: 'error'; message: string; code?: string }
  | { type: 'stats'; id: number; stats: ServerStats; windowCount: Record<string, number> }
  | { type: 'ack'; id: number };

// ---------------------------------------------------------------------------------------
// Runner <-> load-generator child
// ---------------------------------------------------------------------------------------

/**
 * What one generator process simulates: the scenario's client load (core/scenario-fields.ts;
 * in chat, client i is in room floor(i / roomSize) and `rate` is what each client publishes),
 * and which clients of which technique against which origin.
 */
export interface GeneratorSpec extends Omit<ClientLoadFields, 'headers'> {
  /** The header profile itself, not its name: a `--headers FILE` profile exists only in the runner's process. */
  headers: HeaderProfile;
  technique: TechniqueId;
  /** The server's origin, with its wire's scheme (`https://` on a TLS wire). */
  origin: string;
  /** What carries the clients' HTTP (core/wires.ts); absent: `http`, HTTP/1.1 cleartext. */
  wire?: WireId;
  /** Which server certificates a TLS wire accepts; absent: any (pushbench's own server). */
  tlsTrust?: TlsTrust;
  /** Client ids [from, to) this process simulates. */
  fromClient: number;
  toClient: number;
  /** Broadcast: the seq clients start after. Chat rooms start at 0. */
  startSeq: number;
  /** Connections opened at once while connecting. */
  connectConcurrency: number;
  /** How this technique subscribes to the target (pushbench's own protocol, or a target file's). */
  subscription: Subscription;
  /** Monotonic µs at which this technique's run began: a stamp older than that is a replayed backlog, ignored. */
  notBeforeT: number;
  /**
   * The clients' schedule phases (poll and chat publish): drawn from `seed` over all `clients`
   * clients of the technique, so every process deals the same phases. Absent: every client at phase 0.
   */
  schedule?: { seed: number; clients: number };
  /** Tabs per simulated browser, one origin (`--tabs`): clients [k*tabs, (k+1)*tabs) are the tabs of browser k, which share its connections (load/wire-clients.ts BROWSERS). Absent: 1. */
  tabs?: number;
  /** `--ramp`: clients this process connects per second (its share of the run's rate); absent: as fast as `connectConcurrency` allows. */
  rampPerSecond?: number;
  /** The loopback source address this process's clients connect from (run/scale-plan.ts); absent: the kernel picks. */
  localAddress?: string;
  /**
   * A shard on another host: this process's clock minus the publisher's, µs (run/clock-offset.ts).
   * Every stamp `t` is moved onto this clock before it is used; absent: 0 (one host, one clock).
   */
  stampOffsetMicros?: number;
  /**
   * Chat in a shard: the server's own count of each room's messages is on another host, so the
   * clients count, per room, their publishes in the window the server accepted (an accepted HTTP
   * status, a WebSocket frame written without error), as against a target.
   */
  countAccepted?: boolean;
}

/** Delivery counters of one generator process. */
export interface DeliveryCounts {
  /** Distinct messages with `t` in the window that arrived. */
  delivered: number;
  duplicated: number;
  outOfOrder: number;
  /** Messages (and their JSON bytes) that arrived while the window's byte counters ran. */
  receivedInWindow: number;
  payloadInWindow: number;
  /** Units received (a poll body part, an event, a frame) in which no stamp was found, over the whole run. */
  unmatched: number;
  /** Stamps older than this run (a backlog the server replayed), ignored, over the whole run. */
  stale: number;
  /**
   * Sum over the `delivered` messages of how long each arrived after the first arrival of the
   * same message (room and seq) in this process, µs: the queue of one fan-out served client by
   * client (the server's writes one after another, then this process's reads).
   */
  arrivalSpreadMicros: number;
  /**
   * Per room key: the distinct seqs whose latency was recorded, so that the runner can count
   * how many published messages stand behind the histogram (the union over processes).
   */
  latencySeqs: Record<string, number[]>;
  /**
   * Broadcast: each seq counted in `outOfOrder`, how many times, and the highest seq its clients
   * had received before it; the runner sets them against the publisher's overlapping publishes
   * (PublisherResult.overlaps). At most LATE_SEQS_KEPT seqs; absent when none arrived late.
   */
  late?: Record<string, { count: number; after: number }>;
}

/** What one generator process measured in the window. */
export interface GeneratorWindowResult {
  counts: DeliveryCounts;
  /** Encoded HDR histogram of latencies (µs). */
  histogram: string;
  /** Chat: encoded HDR histogram (µs) of how late each upstream message of the window left against its due time. */
  publishLateness: string;
  /** Client bytes between the window's start and end snapshots. */
  bytes: ClientBytes;
  /** Actual time between the two snapshots (µs). */
  windowMicros: number;
  /** With `tabs`: requests and streams still waiting for a connection of their browser when the window was collected, and the connections per origin the wire allows (null: shared, HTTP/2). */
  browsers?: { waiting: number; connectionsPerOrigin: number | null };
  /** TLS records and HTTP/2 frames in the window (setup: over the whole run), on a wire with a tap (absent on HTTP/1.1 cleartext). */
  parts?: WireParts;
  requests: { total: number; empty: number; late: number };
  /** Upstream message bodies sent in the window (chat), and their bytes. */
  sent: number;
  sentPayload: number;
  /**
   * Chat against a target (no pushbench server counts what it took): per room, the upstream
   * messages due in the window that the target accepted (a publish request answered with an
   * accepted status; a frame written whole to an open socket). Absent for pushbench's own servers.
   */
  accepted?: Record<string, number>;
  errors: { count: number; first: string[] };
  /** The head of the first response that carried messages (or the WebSocket upgrade's), as received; null when none came. */
  responseHead: string | null;
  /** How each edge snapshot waited for the last message before it to reach every client (absent: an older generator). */
  edges?: EdgeWait[];
  /** This generator process's event-loop utilisation between the window's edges (absent: the window's end was not reached). */
  eventLoopUtilization?: number;
  /** What a framework session protocol added (load/sessions.ts); null or absent without one. */
  session?: SessionResult | null;
}

/** One window edge of one generator process: how long its snapshot waited, and how many clients still lacked the last message before the edge when it was taken. */
export interface EdgeWait {
  edge: 'start' | 'end';
  waitedMicros: number;
  /** 0: the snapshot was taken at a quiet moment; more: the wait ran out before the next message was due. */
  clientsBehind: number;
  /**
   * True: taken when the process first handled a message of the window, its edge timer (or the wait's)
   * not yet run: the process's event loop was late, every socket's reads coming before its timers.
   */
  byMessage?: boolean;
}

/** How connecting a generator's clients went. */
export interface ConnectOutcome {
  connected: number;
  failed: number;
  firstError: string | null;
  errorCode: string | null;
}

/** Requests from the runner to a load-generator child. */
export type RunnerToGenerator =
  | { type: 'start'; id: number; spec: GeneratorSpec }
  | { type: 'window'; id: number; startT: number; endT: number; beginAt: number; publishUntil: number | null }
  | { type: 'collect'; id: number }
  /** `parts`: with the tapped connections' parts too (the settled reading; the edge snapshots need the bytes only). */
  | { type: 'bytes'; id: number; parts?: boolean }
  | { type: 'close'; id: number };

/** One reply per request, plus `fatal` when the generator fails on its own. */
export type GeneratorToRunner =
  | ({ type: 'connected'; id: number } & ConnectOutcome)
  | { type: 'ack'; id: number }
  | { type: 'result'; id: number; result: GeneratorWindowResult }
  | { type: 'bytes'; id: number; bytes: CountedBytes }
  /** Sent at once when a client is first refused (an error status, a rejected handshake), so that the runner fails the technique within seconds. */
  | { type: 'refused'; message: string }
  | { type: 'closed'; id: number; totals: ClientBytes }
  | { type: 'fatal'; message: string };

// ---------------------------------------------------------------------------------------
// Runner <-> publisher child (pushbench publishing to a server that does not publish by itself)
// ---------------------------------------------------------------------------------------

/** What the publisher posts, and where. */
export interface PublisherSpec {
  /** `http://host:port` (or `https://`) of the target. */
  origin: string;
  publish: PublishSpec;
  /** Size of each message's `data` string. */
  payloadBytes: number;
  /** Which certificates an https origin may present; absent: any. */
  tlsTrust?: TlsTrust;
}

/** The open-loop schedule: message i is due at `firstAt + i / rate`; publishing stops at `until`. Times are monotonic µs. */
export interface PublishSchedule {
  rate: number;
  firstAt: number;
  until: number;
  /** The measured window: publishes scheduled in [startT, endT) are counted. */
  startT: number;
  endT: number;
}

/** What the publisher did in the window. */
export interface PublisherResult {
  /** Publishes scheduled in the window, sent. */
  sent: number;
  /** Of those, answered with an accepted status. */
  accepted: number;
  /** Of those, refused (another status or an error). */
  refused: number;
  /** Encoded HDR histogram of the round trips (µs) of the publishes in the window. */
  roundTrip: string;
  /** Encoded HDR histogram of each publish's delay behind its due time (µs), in the window. */
  lateness: string;
  /** CPU the precise wait spun over the window, % of one core (harness, not the server's). */
  busyWaitCpuPercent: number;
  /** Local ports of every connection the publisher opened: its sockets are left out of the kernel's count. */
  localEndpoints: string[];
  bytes: ClientBytes;
  /**
   * Publishes answered only after a later one had been sent (on another connection): by seq, the
   * highest seq sent before its answer came. The target may have taken those two in either order.
   */
  overlaps?: Record<string, number>;
}

/** Requests from the runner to the publisher child. */
export type RunnerToPublisher =
  | { type: 'start'; id: number; spec: PublisherSpec }
  | { type: 'schedule'; id: number; schedule: PublishSchedule }
  | { type: 'ports'; id: number }
  | { type: 'collect'; id: number }
  | { type: 'close'; id: number };

/** One reply per request, plus `refused` at the first refused publish and `fatal` when the publisher fails on its own. */
export type PublisherToRunner =
  | { type: 'ready'; id: number }
  | { type: 'ack'; id: number }
  | { type: 'ports'; id: number; localEndpoints: string[] }
  | { type: 'result'; id: number; result: PublisherResult }
  | { type: 'closed'; id: number }
  /** Sent at once on the first refused publish, so that the runner fails the technique within seconds. */
  | { type: 'refused'; message: string }
  | { type: 'fatal'; message: string };
