/**
 * A load generator: a slice of the simulated clients of one technique, in one process.
 * It connects them, publishes upstream on schedule (chat), records deliveries into
 * one histogram, snapshots its sockets' bytes at the window's edges, and reports.
 */
import { encodeMessage, filler, nowMicros } from '../core/protocol.ts';
import { DeliveryRecorder, ClientTracker, type Window } from './delivery.ts';
import { DRIVERS, type ClientDriver, type DriverContext } from './drivers/index.ts';
import type { ConnectOutcome, GeneratorSpec, GeneratorWindowResult } from '../core/ipc.ts';
import { createLatencyHistogram, encodeHistogram, recordLatency } from '../core/histogram.ts';
import { SocketCounter, type ClientBytes } from '../core/socket-counter.ts';
import { publishSeed, schedulePhases } from './drivers/polling.ts';
import { messageJsonBytes, scanStamps } from './match.ts';

const MAX_ERRORS_KEPT = 5;

interface SimulatedClient {
  id: number;
  room: number | undefined;
  driver: ClientDriver;
  publishTimer?: NodeJS.Timeout;
  /** Chat against a target: upstream messages this client stamped so far. */
  sentCount: number;
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

export class Generator {
  readonly counter = new SocketCounter();
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
  private snapshots: { start?: { at: number; bytes: ClientBytes }; end?: { at: number; bytes: ClientBytes } } = {};
  private readonly timers = new Set<NodeJS.Timeout>();
  private publishing = false;
  /** Poll and chat-publish phases of every client of the technique, by client id (see schedulePhases). */
  private readonly pollPhases: Float64Array;
  private readonly publishPhases: Float64Array;

  /** The first refusal a client met; the runner is told at once and fails the technique. */
  private refused: string | null = null;
  /** The head of the first response that carried messages, verbatim, for the report. */
  private responseHead: string | null = null;

  /** `onRefused` hears the first refusal a client met (an error status, a rejected handshake), as it happens. */
  constructor(
    readonly spec: GeneratorSpec,
    private readonly onRefused?: (message: string) => void,
  ) {
    this.selfStamped = spec.workload === 'chat' && spec.subscription.upstream !== null && spec.subscription.upstream.kind !== 'builtin';
    // Without a schedule every client starts its period at once (phase 0): a driver test's one client polls at begin.
    const schedule = spec.schedule;
    this.pollPhases = schedule === undefined ? new Float64Array(spec.toClient) : schedulePhases(schedule.seed, schedule.clients);
    this.publishPhases = schedule === undefined ? new Float64Array(spec.toClient) : schedulePhases(publishSeed(schedule.seed), schedule.clients);
  }

  /**
   * One received unit: every stamp in it is a message (a stamp older than this run is a backlog
   * the server replayed, counted and ignored); a unit without any is counted as unmatched. The
   * payload of a message is the JSON pushbench published for it; the rest is overhead.
   */
  private receive(trackerOf: (seq: number) => ClientTracker, room: number | undefined, unit: Buffer): { count: number; lastSeq: number } {
    const now = nowMicros();
    let lastSeq = 0;
    const count = scanStamps(unit, (seq, t) => {
      if (t < this.spec.notBeforeT) {
        this.recorder.counts.stale++;
        return;
      }
      if (seq > lastSeq) lastSeq = seq;
      this.recorder.receive(trackerOf(seq), seq, t, messageJsonBytes(seq, t, room, this.spec.payloadBytes), now);
    });
    if (count === 0) this.recorder.counts.unmatched++;
    return { count, lastSeq };
  }

  /** Tells the runner, once, that the target refuses these clients: the technique then fails at once. */
  private reportRefusal(message: string): void {
    if (this.refused !== null) return;
    this.refused = message;
    this.onRefused?.(message);
  }

  /** The whole-run byte totals of this process's client sockets so far. */
  bytes(): ClientBytes {
    return this.counter.totals();
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
      const ctx: DriverContext = {
        origin: spec.origin,
        clientId: id,
        room,
        startSeq: tracker.last,
        intervalMs: spec.intervalMs,
        phase: this.pollPhases[id] ?? 0,
        holdMs: spec.holdMs,
        headers,
        counter: this.counter,
        subscription: spec.subscription,
        receive: (unit) => this.receive(trackerOf, room, unit),
        countRequest: (empty, late) => {
          if (!this.recorder.counting) return;
          this.requests.total++;
          if (empty) this.requests.empty++;
          if (late) this.requests.late++;
        },
        fail: (error) => {
          this.recordError(error);
          // A connection refused mid-run is the target saying no as plainly as an error status.
          if ((error as Error & { code?: string }).code === 'ECONNREFUSED') this.reportRefusal(describeError(error));
        },
        refuse: (error) => {
          this.recordError(error);
          this.reportRefusal(error.message);
        },
        sampleHead: (head) => {
          this.responseHead ??= head;
        },
      };
      this.clients.push({ id, room, driver: entry.create(ctx), sentCount: 0 });
    }

    let next = 0;
    let connected = 0;
    let failed = 0;
    let firstError: Error | null = null;
    const worker = async (): Promise<void> => {
      while (next < this.clients.length) {
        const client = this.clients[next++]!;
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
    this.at(window.startT, () => {
      this.snapshots.start = { at: nowMicros(), bytes: this.counter.totals() };
      this.recorder.counting = true;
    });
    this.at(window.endT, () => {
      this.snapshots.end = { at: nowMicros(), bytes: this.counter.totals() };
      this.recorder.counting = false;
    });
    for (const client of this.clients) client.driver.begin(beginAt);
    if (publishUntil !== null && this.spec.workload === 'chat') this.startPublishing(beginAt, publishUntil);
  }

  /** Stops publishing and requests, waits for what is in flight, and reports the window. */
  async collect(): Promise<GeneratorWindowResult> {
    this.stopPublishing();
    await Promise.all(this.clients.map((c) => c.driver.stop()));
    const now = nowMicros();
    const start = this.snapshots.start ?? { at: now, bytes: this.counter.totals() };
    const end = this.snapshots.end ?? { at: now, bytes: this.counter.totals() };
    return {
      counts: this.recorder.counts,
      histogram: encodeHistogram(this.recorder.histogram),
      publishLateness: encodeHistogram(this.publishLateness),
      bytes: { up: end.bytes.up - start.bytes.up, down: end.bytes.down - start.bytes.down },
      windowMicros: end.at - start.at,
      requests: { ...this.requests },
      sent: this.sent,
      sentPayload: this.sentPayload,
      ...(this.selfStamped ? { accepted: { ...this.accepted } } : {}),
      errors: { count: this.errors.count, first: [...this.errors.first] },
      responseHead: this.responseHead,
    };
  }

  /** Closes every client and returns the whole-run byte totals. */
  async close(): Promise<ClientBytes> {
    this.stopPublishing();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.clients.map((c) => c.driver.close()));
    return this.counter.totals();
  }

  private at(when: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, Math.max(0, (when - nowMicros()) / 1000));
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
