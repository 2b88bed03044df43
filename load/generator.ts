/**
 * A load generator: a slice of the simulated clients of one technique, in one process.
 * It connects them, publishes upstream on schedule (chat), records deliveries into
 * one histogram, snapshots its sockets' bytes at the window's edges, and reports.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { encodeMessage, filler, nowMicros } from '../core/protocol.ts';
import { awaitStragglers, DeliveryRecorder, ClientTracker, type Window } from './delivery.ts';

/**
 * After the runner's drain, the generator waits while messages of the window still arrive: until
 * none came for 250 ms, 5 s at the most. Quiet at once on an unloaded machine (the drain already
 * covers a poll interval and a 200 ms margin).
 */
const STRAGGLER_QUIET_MICROS = 250_000;
const STRAGGLER_CAP_MICROS = 5_000_000;
import { DRIVERS, type ClientDriver, type DriverContext } from './drivers/index.ts';
import { handshakeTimeoutFor } from './drivers/websocket.ts';
import type { ConnectOutcome, EdgeWait, GeneratorSpec, GeneratorWindowResult } from '../core/ipc.ts';
import { EDGE_WAIT_GAPS, firstPublishAt, lastDueBefore } from '../core/publish-grid.ts';
import { createLatencyHistogram, encodeHistogram, recordLatency } from '../core/histogram.ts';
import { SocketCounter, type ClientBytes, type CountedBytes } from '../core/socket-counter.ts';
import { publishSeed, schedulePhases } from './schedule.ts';
import { messageJsonBytes, scanStamps } from './match.ts';
import { BROWSERS, CLIENT_WIRES, type Browser, type ClientTab } from './wire-clients.ts';
import { DEFAULT_WIRE } from '../core/wires.ts';
import { TargetRefusedError } from '../core/errors.ts';
import { SessionTally, sessionTab, sessionTransport } from './sessions.ts';
import { subscriptionPath } from './drivers/types.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { addParts, diffParts, emptyParts, type WireParts } from '../core/wire-parts.ts';

/** What an edge snapshot reads. */
interface EdgeCounts {
  at: number;
  bytes: ClientBytes;
  parts: WireParts;
}

const MAX_ERRORS_KEPT = 5;

type SessionContextTab = (counter: SocketCounter) => DriverContext['tab'];

interface SimulatedClient {
  id: number;
  room: number | undefined;
  driver: ClientDriver;
  tracker: ClientTracker;
  /** Its connection is attributed to the window by exchange (polling): the edge snapshots need not wait for it. */
  byExchange: boolean;
  publishTimer?: NodeJS.Timeout;
  /** Chat against a target: upstream messages this client stamped so far. */
  sentCount: number;
  /** Its stream waits for a connection of its browser (`--tabs`): it gets no message, so no edge waits for it. */
  waiting?: boolean;
}

/**
 * Chat against a target: the client stamps its own messages (no server assigns seqs), so a seq
 * must say who sent it and be increasing per sender. The k-th message (k from 0) of the client
 * at index i of its room (rooms of `roomSize`) gets seq k * roomSize + i + 1: unique in its room,
 * increasing per sender, and about as many digits as the server's seqs in pushbench's own chat.
 */
export function chatSeq(k: number, indexInRoom: number, roomSize: number): number {
  return k * roomSize + indexInRoom + 1;
}

/** The sender's index in its room of a seq made by chatSeq. */
export function chatSender(seq: number, roomSize: number): number {
  return (seq - 1) % roomSize;
}

/** An edge snapshot waiting for the last message due before the edge to reach every client of this process. */
interface PendingEdge {
  edge: EdgeWait['edge'];
  /** A client has that message once it received one due at or after this (half a gap before it). */
  thresholdT: number;
  behind: number;
  /** `byMessage`: taken by the first message of the window before the wait ended (see `receive`). */
  take: (byMessage?: boolean) => void;
}

export class Generator {
  readonly counter: SocketCounter;
  readonly recorder = new DeliveryRecorder();
  private readonly clients: SimulatedClient[] = [];
  private readonly requests = { total: 0, empty: 0, late: 0 };
  private readonly errors = { count: 0, first: [] as string[] };
  private sent = 0;
  private sentPayload = 0;
  /** Chat against a target: per room, upstream messages due in the window that the target accepted. */
  private readonly accepted: Record<string, number> = {};
  /** Chat against a target: clients stamp their own messages (see chatSeq); on pushbench's servers, the server stamps them. */
  private readonly selfStamped: boolean;
  /** Chat: how late (µs) each upstream message due inside the window was sent. */
  private readonly publishLateness = createLatencyHistogram();
  private window: Window | undefined;
  /** This process's event loop over the window: near 1, the clients wait on the generator and the figures are its own. */
  private eluAtStart: EventLoopUtilization | undefined;
  private eluInWindow: number | undefined;
  private snapshots: { start?: EdgeCounts; end?: EdgeCounts } = {};
  /** The edge snapshot waiting for the last message before its edge, if any. */
  private pendingEdge: PendingEdge | undefined;
  /** Each edge's handler, run by its timer, or earlier by the first message of the window (the start: see `receive`). */
  private readonly edgeFire: Partial<Record<EdgeWait['edge'], (byMessage: boolean) => void>> = {};
  /** The start edge was handed to process.nextTick by a message of the window that came before its timer. */
  private startQueued = false;
  private readonly edgeWaits: EdgeWait[] = [];
  /** Bytes of the exchanges due inside the window, on the sockets attributed by exchange (which the snapshots leave out). */
  private readonly exchangeBytes: ClientBytes = { up: 0, down: 0 };
  /** Their TLS records and HTTP/2 frames, on tapped connections. */
  private readonly exchangeParts: WireParts = emptyParts();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** With `tabs`: the simulated browsers, by number. */
  private readonly browsers = new Map<number, Browser>();
  private publishing = false;
  /** Poll and chat-publish phases of every client of the technique, by client id (see schedulePhases). */
  private readonly pollPhases: Float64Array;
  private readonly publishPhases: Float64Array;

  /** The first refusal a client met; the runner is told at once and fails the technique. */
  private refused: string | null = null;
  /** The head of the first response that carried messages, verbatim, for the report. */
  private responseHead: string | null = null;
  /** What a framework session protocol added (envelope, heartbeats, the connect flow); null without one. */
  private readonly sessionTally: SessionTally | null;
  /** The unit `receive` is scanning, for `onStamp`: set before each scan (receive is never re-entered from a stamp). */
  private readonly scan: {
    client: SimulatedClient | undefined;
    trackerOf: (seq: number) => ClientTracker;
    inByteWindow: boolean;
    now: number;
    lastSeq: number;
    /** The latest due time among the unit's stamps (this process's clock). */
    maxT: number;
    payload: number;
  } = { client: undefined, trackerOf: () => new ClientTracker('', 0), inByteWindow: false, now: 0, lastSeq: 0, maxT: 0, payload: 0 };

  /** One stamp found in the unit being received: a message (or a stale backlog one). */
  private readonly onStamp = (seq: number, stampT: number): void => {
    const scan = this.scan;
    const { tracker, room } = scan.client!;
    // The publisher's stamp on this process's clock (a shard on another host; 0 on one host).
    const t = stampT + (this.spec.stampOffsetMicros ?? 0);
    if (t < this.spec.notBeforeT) {
      this.recorder.counts.stale++;
      return;
    }
    if (seq > scan.lastSeq) scan.lastSeq = seq;
    if (t > scan.maxT) scan.maxT = t;
    if (t > tracker.lastT) tracker.lastT = t;
    const bytes = messageJsonBytes(seq, stampT, room, this.spec.payloadBytes);
    scan.payload += bytes;
    this.recorder.receive(scan.trackerOf(seq), seq, t, bytes, scan.now, scan.inByteWindow);
  };

  /** `onRefused` hears the first refusal a client met (an error status, a rejected handshake), as it happens. */
  constructor(
    readonly spec: GeneratorSpec,
    private readonly onRefused?: (message: string) => void,
  ) {
    this.counter = new SocketCounter(spec.localAddress);
    const session = spec.subscription.session;
    this.sessionTally =
      session === null || session === undefined
        ? null
        : new SessionTally(
            session,
            sessionTransport(session, TECHNIQUE_META[spec.technique].transport === 'ws' ? 'ws' : 'http'),
            () => this.recorder.counting,
          );
    this.selfStamped = spec.workload === 'chat' && spec.subscription.upstream !== null && spec.subscription.upstream.kind !== 'builtin';
    // Without a schedule every client starts its period at once (phase 0): a driver test's one client polls at begin.
    const schedule = spec.schedule;
    this.pollPhases = schedule === undefined ? new Float64Array(spec.toClient) : schedulePhases(schedule.seed, schedule.clients);
    this.publishPhases =
      schedule === undefined ? new Float64Array(spec.toClient) : schedulePhases(publishSeed(schedule.seed), schedule.clients);
  }

  /**
   * One received unit: every stamp in it is a message (a stamp older than this run is a backlog
   * the server replayed, counted and ignored); a unit without any is counted as unmatched. The
   * payload of a message is the JSON pushbench published for it; the rest is overhead.
   */
  private receive(
    client: SimulatedClient,
    trackerOf: (seq: number) => ClientTracker,
    unit: Buffer,
    inByteWindow: boolean,
    start = 0,
    end = unit.length,
  ): { count: number; lastSeq: number } {
    const { tracker } = client;
    const lastTBefore = tracker.lastT;
    // One unit's state, read by onStamp (bound once: no closure per message on this hot path).
    const scan = this.scan;
    scan.client = client;
    scan.trackerOf = trackerOf;
    scan.inByteWindow = inByteWindow;
    scan.now = nowMicros();
    scan.lastSeq = 0;
    scan.maxT = 0;
    scan.payload = 0;
    const count = scanStamps(unit, this.onStamp, start, end);
    // A message of the window before the start edge's timer ran: this process's event loop was late (a
    // saturated generator: libuv's poll phase handles every ready socket before the timers run, so a
    // whole window of messages could be read before either edge timer, and both edges would then be
    // read at one instant: 0 bytes and 0 messages between them). The start edge is taken right after
    // this callback, before the next socket's: this unit, read before it, stays out with its bytes.
    const window = this.window;
    if (!this.startQueued && window !== undefined && scan.maxT >= window.startT && this.snapshots.start === undefined) {
      this.startQueued = true;
      process.nextTick(this.startByMessage);
    }
    const { lastSeq, payload } = scan;
    const unitBytes = end - start;
    // A framework's event packet around the message (Socket.IO's 42["msg",...]) is its envelope.
    if (this.sessionTally !== null && inByteWindow && count > 0) this.sessionTally.addEnvelope(unitBytes - payload, count);
    if (count === 0) this.recorder.counts.unmatched++;
    // The last client of this process to get the message before a waiting edge: the snapshot is taken now, after its bytes and its count.
    const pending = this.pendingEdge;
    if (
      pending !== undefined &&
      !client.byExchange &&
      lastTBefore < pending.thresholdT &&
      tracker.lastT >= pending.thresholdT &&
      --pending.behind === 0
    )
      pending.take();
    return { count, lastSeq };
  }

  /** Takes the start edge now (see `receive`), unless its timer or a wait already took it. */
  private readonly startByMessage = (): void => {
    if (this.snapshots.start !== undefined) return;
    if (this.pendingEdge?.edge === 'start') this.pendingEdge.take(true);
    else this.edgeFire.start?.(true);
  };

  /** A client's tab: the wire's, or a framework session protocol's speaking over it (load/sessions.ts). */
  private tabFor(id: number, room: number | undefined): DriverContext['tab'] {
    const spec = this.spec;
    const session = spec.subscription.session;
    if (session === null || session === undefined || this.sessionTally === null) return this.tabOf(id);
    const makeTab: SessionContextTab = (counter) => CLIENT_WIRES[spec.wire ?? DEFAULT_WIRE](spec.origin, counter, spec.tlsTrust);
    // The default flow starts on the polling transport at the WebSocket's path with transport=polling.
    const pollPath = subscriptionPath(spec.subscription, room, spec.startSeq).replace('transport=websocket', 'transport=polling');
    return sessionTab(session, {
      makeTab,
      counter: this.counter,
      pollPath,
      getHeaders: spec.headers.longPoll,
      postHeaders: spec.headers.publish,
      tally: this.sessionTally,
    });
  }

  /** Tells the runner, once, that the target refuses these clients: the technique then fails at once. */
  private reportRefusal(message: string): void {
    if (this.refused !== null) return;
    this.refused = message;
    this.onRefused?.(message);
  }

  /** The whole-run byte totals of this process's client sockets so far; with `withParts`, their parts where connections are tapped. */
  bytes(withParts = false): CountedBytes {
    if (!withParts) return this.counter.totals();
    const parts = this.counter.partTotals();
    return { ...this.counter.totals(), ...(parts.setup.connections > 0 ? { parts } : {}) };
  }

  /** Creates and connects every client, a bounded number at a time. */
  async connect(): Promise<ConnectOutcome> {
    const spec = this.spec;
    const entry = DRIVERS[spec.technique];
    const headers = spec.headers;
    for (let id = spec.fromClient; id < spec.toClient; id++) {
      const room = spec.workload === 'chat' ? Math.floor(id / spec.roomSize) : undefined;
      const roomKey = room === undefined ? 'broadcast' : String(room);
      const tracker = new ClientTracker(roomKey, room === undefined ? spec.startSeq : 0);
      // Self-stamped chat: seq continuity is per sender (each sender's messages are in order on its own connection).
      const senders = new Map<number, ClientTracker>();
      const trackerOf = !this.selfStamped
        ? (): ClientTracker => tracker
        : (seq: number): ClientTracker => {
            const sender = chatSender(seq, spec.roomSize);
            let own = senders.get(sender);
            if (own === undefined) senders.set(sender, (own = new ClientTracker(roomKey, sender + 1 - spec.roomSize, spec.roomSize)));
            return own;
          };
      // The due time of the exchange under way, for a driver attributed by exchange; null: the edge snapshots decide.
      let exchangeDue: number | null = null;
      let client!: SimulatedClient;
      const inByteWindow = (): boolean => (exchangeDue === null ? this.recorder.counting : this.exchangeInWindow(exchangeDue));
      const ctx: DriverContext = {
        handshakeTimeoutMs: handshakeTimeoutFor(spec.schedule?.clients ?? spec.toClient - spec.fromClient),
        origin: spec.origin,
        clientId: id,
        room,
        startSeq: tracker.last,
        intervalMs: spec.intervalMs,
        phase: this.pollPhases[id] ?? 0,
        holdMs: spec.holdMs,
        headers,
        counter: this.counter,
        tab: this.tabFor(id, room),
        subscription: spec.subscription,
        receive: (unit, start, end) => this.receive(client, trackerOf, unit, inByteWindow(), start, end),
        countRequest: (empty, late) => {
          if (!inByteWindow()) return;
          this.requests.total++;
          if (empty) this.requests.empty++;
          if (late) this.requests.late++;
        },
        fail: (error) => {
          this.recordError(error);
          // A connection refused mid-run is the target saying no as plainly as an error status; so is a session the server ends (load/sessions.ts).
          if ((error as Error & { code?: string }).code === 'ECONNREFUSED' || error instanceof TargetRefusedError)
            this.reportRefusal(describeError(error));
        },
        refuse: (error) => {
          this.recordError(error);
          this.reportRefusal(error.message);
        },
        beginExchange: (dueAt) => {
          exchangeDue = dueAt;
          client.byExchange = true;
        },
        endExchange: (bytes, parts) => {
          if (exchangeDue === null || !this.exchangeInWindow(exchangeDue)) return;
          this.exchangeBytes.up += bytes.up;
          this.exchangeBytes.down += bytes.down;
          if (parts !== undefined) addParts(this.exchangeParts, parts);
        },
        sampleHead: (head) => {
          this.responseHead ??= head;
        },
        waiting: (yes) => {
          client.waiting = yes;
        },
      };
      client = { id, room, tracker, byExchange: false, driver: entry.create(ctx), sentCount: 0 };
      this.clients.push(client);
    }

    let next = 0;
    let connected = 0;
    let failed = 0;
    let firstError: Error | null = null;
    // --ramp: this process's share of the clients per second; client k starts no earlier than k / rate s after the first.
    const rampStart = nowMicros();
    const ramp = spec.rampPerSecond;
    const worker = async (): Promise<void> => {
      while (next < this.clients.length) {
        const index = next++;
        const client = this.clients[index]!;
        if (ramp !== undefined) {
          const dueMs = (rampStart + (index * 1e6) / ramp - nowMicros()) / 1000;
          if (dueMs > 1) await new Promise((resolve) => setTimeout(resolve, dueMs));
        }
        try {
          await client.driver.connect();
          connected++;
        } catch (error) {
          failed++;
          firstError ??= error as Error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, spec.connectConcurrency) }, worker));
    const error = firstError as (Error & { code?: string }) | null;
    return { connected, failed, firstError: error === null ? null : describeError(error), errorCode: error?.code ?? null };
  }

  /** Sets the measured window; snapshots bytes at its edges; starts the clients' schedules (and chat publishing) at `beginAt`. */
  setWindow(window: Window, beginAt: number, publishUntil: number | null): void {
    this.window = window;
    this.recorder.setWindow(window);
    // Broadcast: the publisher's grid (the runner's, computed from the same numbers), for the edges to wait on.
    const firstAt =
      this.spec.workload === 'broadcast' && this.spec.rate > 0 ? firstPublishAt(beginAt, window.startT, this.spec.rate) : null;
    this.scheduleEdge('start', window.startT, firstAt, () => {
      this.snapshots.start = this.edgeCounts();
      this.eluAtStart = performance.eventLoopUtilization();
      this.recorder.counting = true;
    });
    this.scheduleEdge('end', window.endT, firstAt, () => {
      this.snapshots.end = this.edgeCounts();
      if (this.eluAtStart !== undefined)
        this.eluInWindow = performance.eventLoopUtilization(performance.eventLoopUtilization(), this.eluAtStart).utilization;
      this.recorder.counting = false;
    });
    for (const client of this.clients) client.driver.begin(beginAt);
    if (publishUntil !== null && this.spec.workload === 'chat') this.startPublishing(beginAt, publishUntil);
  }

  /** Stops publishing and requests, waits for what is in flight, and reports the window. */
  async collect(): Promise<GeneratorWindowResult> {
    // Messages of the window still on their way (a loaded machine's tail) are waited for, briefly.
    await awaitStragglers(
      () => this.recorder.lastDeliveredAt,
      nowMicros,
      (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      STRAGGLER_QUIET_MICROS,
      STRAGGLER_CAP_MICROS,
    );
    // An edge still waiting for stragglers is taken now, with how many there were.
    this.pendingEdge?.take();
    this.stopPublishing();
    await Promise.all(this.clients.map((c) => c.driver.stop()));
    const now = nowMicros();
    const start = this.snapshots.start ?? { ...this.edgeCounts(), at: now };
    const end = this.snapshots.end ?? { ...this.edgeCounts(), at: now };
    // Per-message parts as the bytes: between the edges, plus the exchanges due in the window; setup over the whole run.
    const parts = addParts(diffParts(end.parts, start.parts), this.exchangeParts);
    parts.setup = this.counter.partTotals().setup;
    return {
      counts: this.recorder.counts,
      histogram: encodeHistogram(this.recorder.histogram),
      publishLateness: encodeHistogram(this.publishLateness),
      // Sockets attributed by snapshot: what flowed between the edges; by exchange: the exchanges due in the window, whole.
      bytes: {
        up: end.bytes.up - start.bytes.up + this.exchangeBytes.up,
        down: end.bytes.down - start.bytes.down + this.exchangeBytes.down,
      },
      windowMicros: end.at - start.at,
      ...(parts.setup.connections > 0 ? { parts } : {}),
      ...((this.spec.tabs ?? 1) > 1 ? { browsers: this.browserWaits() } : {}),
      requests: { ...this.requests },
      sent: this.sent,
      sentPayload: this.sentPayload,
      ...(this.selfStamped || this.spec.countAccepted === true ? { accepted: { ...this.accepted } } : {}),
      errors: { count: this.errors.count, first: [...this.errors.first] },
      responseHead: this.responseHead,
      edges: [...this.edgeWaits],
      ...(this.sessionTally === null ? {} : { session: this.sessionTally.result() }),
      ...(this.eluInWindow === undefined ? {} : { eventLoopUtilization: this.eluInWindow }),
    };
  }

  /** A client's tab: of its own browser, or with `tabs`, of the browser it shares with its neighbours. */
  private tabOf(id: number): ClientTab {
    const wire = this.spec.wire ?? DEFAULT_WIRE;
    const tabs = this.spec.tabs ?? 1;
    if (tabs <= 1) return CLIENT_WIRES[wire](this.spec.origin, this.counter, this.spec.tlsTrust);
    const key = Math.floor(id / tabs);
    let browser = this.browsers.get(key);
    if (browser === undefined) this.browsers.set(key, (browser = BROWSERS[wire](this.spec.origin, this.counter, this.spec.tlsTrust)));
    return browser.tab();
  }

  /** The counters an edge snapshot reads: bytes and parts of the connections attributed by snapshot. */
  private edgeCounts(): EdgeCounts {
    return { at: nowMicros(), bytes: this.counter.snapshotTotals(), parts: this.counter.snapshotPartTotals() };
  }

  private browserWaits(): { waiting: number; connectionsPerOrigin: number | null } {
    const list = [...this.browsers.values()];
    return { waiting: list.reduce((n, b) => n + b.waiting(), 0), connectionsPerOrigin: list[0]?.connectionsPerOrigin ?? null };
  }

  /** Closes every client and returns the whole-run byte totals. */
  async close(): Promise<ClientBytes> {
    this.stopPublishing();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.clients.map((c) => c.driver.close()));
    return this.counter.totals();
  }

  /**
   * Takes an edge snapshot at a quiet moment: at `edgeT`, or, while some client of this process
   * still lacks the last message published before the edge (a fan-out slower than half the gap
   * between messages), as soon as the last of them has it. The wait stops EDGE_WAIT_GAPS of a
   * gap after the edge, before the next message is due, and records how many clients were
   * still behind then. Chat has no quiet moment (clients publish on their own phases), nor do
   * clients attributed by exchange need one: their snapshots are taken at the edge. A start edge
   * whose timer has not run when the process first handles a message of the window is taken then
   * (`receive`): a timer is no bound on a saturated loop (issue 19: 20 processes at 100,000
   * Nchan clients read the whole window before either timer ran, and measured 0 bytes).
   */
  private scheduleEdge(edge: EdgeWait['edge'], edgeT: number, firstAt: number | null, snapshot: () => void): void {
    let fired = false;
    // `byMessage`: run by the first message of the window, its timer not yet run (see `receive`): taken at once.
    const fire = (byMessage: boolean): void => {
      if (fired) return;
      fired = true;
      // A start edge still waiting when the end edge comes (a window shorter than the wait) is taken first.
      this.pendingEdge?.take();
      const lastDue = firstAt === null ? null : lastDueBefore(firstAt, this.spec.rate, edgeT);
      const gapMicros = 1e6 / this.spec.rate;
      const thresholdT = lastDue === null ? 0 : lastDue - gapMicros / 2;
      const behind =
        lastDue === null
          ? 0
          : this.clients.reduce((n, c) => n + (!c.byExchange && c.waiting !== true && c.tracker.lastT < thresholdT ? 1 : 0), 0);
      let taken = false;
      const take = (takenByMessage = false): void => {
        if (taken) return;
        taken = true;
        if (this.pendingEdge === pending) this.pendingEdge = undefined;
        snapshot();
        this.edgeWaits.push({
          edge,
          waitedMicros: Math.max(0, nowMicros() - edgeT),
          clientsBehind: pending.behind,
          ...(takenByMessage ? { byMessage: true } : {}),
        });
      };
      const pending: PendingEdge = { edge, thresholdT, behind, take };
      if (behind === 0 || byMessage) return take(byMessage);
      this.pendingEdge = pending;
      this.at(edgeT + EDGE_WAIT_GAPS * gapMicros, () => take());
    };
    this.edgeFire[edge] = fire;
    this.at(edgeT, () => fire(false));
  }

  /** Whether an exchange due at `dueAt` belongs to the measured window: [startT, endT), like the messages' `t`. */
  private exchangeInWindow(dueAt: number): boolean {
    const window = this.window;
    return window !== undefined && dueAt >= window.startT && dueAt < window.endT;
  }

  /** Runs `fn` at `when` (monotonic µs) on a timer; protected so that a test can run the timers late, as a saturated loop does. */
  protected at(when: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, (when - nowMicros()) / 1000),
    );
    this.timers.add(timer);
  }

  /**
   * Chat: every client publishes `rate` messages per second on its own fixed grid, at its own
   * publish phase (seeded like the poll phases but independent of them: a client publishing on
   * its poll phase would set polling's latency by that coincidence), each stamped with its
   * scheduled send time.
   */
  private startPublishing(publishAt: number, publishUntil: number): void {
    this.publishing = true;
    const periodMicros = 1e6 / this.spec.rate;
    for (const client of this.clients) {
      const phase = (this.publishPhases[client.id] ?? 0) * periodMicros;
      let k = 0;
      const tick = (): void => {
        if (!this.publishing) return;
        const now = nowMicros();
        let due = publishAt + phase + k * periodMicros;
        while (due <= now && due < publishUntil) {
          this.publishOne(client, Math.round(due), now);
          k++;
          due = publishAt + phase + k * periodMicros;
        }
        if (due >= publishUntil) return;
        client.publishTimer = setTimeout(tick, (due - now) / 1000);
      };
      client.publishTimer = setTimeout(tick, Math.max(0, (publishAt + phase - nowMicros()) / 1000));
    }
  }

  private publishOne(client: SimulatedClient, t: number, now: number): void {
    const inWindow = this.window !== undefined && t >= this.window.startT && t < this.window.endT;
    const room = client.room ?? 0;
    const data = filler(this.spec.payloadBytes, client.id + t);
    let body: string;
    let onAccepted: (() => void) | undefined;
    if (this.selfStamped) {
      // The message JSON pushbench's own chat server would send, stamped here: the target relays it in its envelope.
      const seq = chatSeq(client.sentCount++, client.id % this.spec.roomSize, this.spec.roomSize);
      body = encodeMessage({ seq, t, room, data });
      const key = String(room);
      if (inWindow) onAccepted = () => (this.accepted[key] = (this.accepted[key] ?? 0) + 1);
    } else {
      body = `{"room":${room},"t":${t},"data":"${data}"}`;
      const key = String(room);
      if (inWindow && this.spec.countAccepted === true) onAccepted = () => (this.accepted[key] = (this.accepted[key] ?? 0) + 1);
    }
    client.driver.publish(body, onAccepted);
    // Each client's own timer, without the server publisher's busy-wait: a precise wait per
    // client message would cost the load generator about 2 ms of CPU per message.
    if (inWindow) recordLatency(this.publishLateness, now - t);
    if (this.recorder.counting) {
      this.sent++;
      this.sentPayload += body.length;
    }
  }

  private stopPublishing(): void {
    this.publishing = false;
    for (const client of this.clients) if (client.publishTimer !== undefined) clearTimeout(client.publishTimer);
  }

  private recordError(error: Error): void {
    this.errors.count++;
    const text = describeError(error);
    if (this.errors.first.length < MAX_ERRORS_KEPT && !this.errors.first.includes(text)) this.errors.first.push(text);
  }
}

function describeError(error: Error & { code?: string }): string {
  return error.code !== undefined && !error.message.includes(error.code) ? `${error.message} (${error.code})` : error.message;
}
