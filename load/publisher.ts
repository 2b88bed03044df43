/**
 * pushbench's publisher for a server that does not publish by itself: it posts messages on the
 * same open-loop schedule, with the same precise wait, that the built-in server uses (message i due at `firstAt + i / rate`, never
 * waiting for an earlier answer), each stamped with its sequence number and its *scheduled*
 * time, so that a late publisher shows up as latency. It records what the server accepted (the
 * expected count is built from that, never from what arrived) and each publish's round trip.
 */
import net from 'node:net';
import { Pool, buildConnector } from 'undici';
import { createLatencyHistogram, encodeHistogram, recordLatency } from '../core/histogram.ts';
import { encodeMessage, filler, nowMicros } from '../core/protocol.ts';
import { SocketCounter, trustOptions } from '../core/socket-counter.ts';
import { fillTemplate } from '../core/targets.ts';
import { refusal } from './drivers/types.ts';
import type { PublishSchedule, PublisherResult, PublisherSpec } from '../core/ipc.ts';

/**
 * Precision, as the built-in server's publisher keeps it (servers/publisher.ts): the timer is
 * armed this long before the due time, the thread then sleeps on a futex until SPIN_MARGIN
 * before it and spins on the monotonic clock for the rest, so a publish leaves within a few
 * microseconds of its due time unless the process was not running.
 */
const PRECISE_LEAD_MICROS = 2000;
const SPIN_MARGIN_MICROS = 400;
/** A timer that fires earlier than this before the due time is armed again instead of waiting that long. */
const MAX_WAIT_MICROS = 4000;
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Connections the publisher may hold: one is enough while a round trip is shorter than the period; more keep the schedule when it is not. */
const MAX_CONNECTIONS = 8;
/** A publish that has not been answered in this time is refused. */
const PUBLISH_TIMEOUT_MS = 10_000;
/** How long collect() waits for the publishes still in flight. */
const DRAIN_MS = 5000;
/** Overlapping publishes remembered (PublisherResult.overlaps); past it, a late arrival they would explain stays out of order. */
const MAX_OVERLAPS_KEPT = 100_000;

/**
 * Why a publish was not counted, after "the target ": an error status is a refusal, but a 2xx
 * or 3xx the target does not list as accepted is an answer of another protocol, not a refusal.
 */
export function notAccepted(request: string, status: number, answer: Buffer, accepted: readonly number[]): string {
  const verb = status >= 400 ? 'refused a publish' : 'did not accept a publish';
  return `${verb}: ${refusal(request, status, answer).message} (accepted: ${accepted.join(', ')})`;
}

export class TargetPublisher {
  private readonly counter = new SocketCounter();
  /** The publisher's connections as ss names their peer (`127.0.0.1:50000`, `[::1]:50000`). */
  private readonly endpoints = new Set<string>();
  private readonly pool: Pool;
  private readonly roundTrip = createLatencyHistogram();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private index = 0;
  private schedule: PublishSchedule | undefined;
  private refused: string | null = null;
  private readonly counts = { sent: 0, accepted: 0, refused: 0, spunMicros: 0 };
  /** See PublisherResult.overlaps: seq to the highest seq sent before its answer came, for the publishes that overlapped a later one. */
  private readonly overlaps: Record<string, number> = {};
  private overlapCount = 0;
  private readonly lateness = createLatencyHistogram();
  private readonly headers: string[];

  /** `onRefused` hears the first refused publish (a status the target does not call accepted, or a connection error) as it happens. */
  constructor(
    private readonly spec: PublisherSpec,
    private readonly onRefused: (message: string) => void,
  ) {
    // Over TLS the publisher verifies the target as its clients do (HTTP/1.1: undici's Pool speaks no HTTP/2 by default).
    const connect = buildConnector({ noDelay: true, ...trustOptions(spec.tlsTrust ?? { kind: 'any' }) } as buildConnector.BuildOptions);
    this.pool = new Pool(spec.origin, {
      connections: MAX_CONNECTIONS,
      pipelining: 1,
      keepAliveTimeout: 600_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: PUBLISH_TIMEOUT_MS,
      bodyTimeout: PUBLISH_TIMEOUT_MS,
      connect: (options, callback) =>
        connect(options, (error, socket) => {
          if (socket !== null) {
            this.counter.track(socket as net.Socket);
            this.remember(socket as net.Socket);
          }
          (callback as (e: Error | null, s: unknown) => void)(error, socket);
        }),
    });
    this.pool.on('connectionError', () => {});
    this.headers = (spec.publish.headers ?? []).flat();
  }

  /** Opens the first connection before the window (a HEAD-free warm-up: the connect alone), so the first publish does not pay for it. */
  async connect(): Promise<void> {
    const { hostname, port } = new URL(this.spec.origin);
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port || 80), hostname.replace(/^\[|\]$/g, ''));
      socket.once('connect', () => {
        // Its server side is left out of the kernel's count like every other publisher socket.
        this.remember(socket);
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => reject(new Error(`cannot connect to ${this.spec.origin}: ${error.message}`, { cause: error })));
    });
  }

  /** Starts the schedule. */
  start(schedule: PublishSchedule): void {
    this.schedule = schedule;
    this.index = 0;
    this.arm();
  }

  private dueAt(index: number): number {
    return Math.round(this.schedule!.firstAt + (index * 1e6) / this.schedule!.rate);
  }

  private arm(): void {
    const due = this.dueAt(this.index);
    if (due >= this.schedule!.until) return;
    this.timer = setTimeout(this.tick, Math.max(0, (due - PRECISE_LEAD_MICROS - nowMicros()) / 1000));
  }

  /** Sleeps, then spins, until `due`; returns the microseconds spun (CPU the harness burns). */
  private waitUntil(due: number): number {
    const sleepFor = due - SPIN_MARGIN_MICROS - nowMicros();
    if (sleepFor > 0) Atomics.wait(SLEEPER, 0, 0, sleepFor / 1000);
    const spinStart = nowMicros();
    while (nowMicros() < due) {
      // spin: a futex wakes up to ~0.2 ms late
    }
    return nowMicros() - spinStart;
  }

  private readonly tick = (): void => {
    const next = this.dueAt(this.index);
    if (next - nowMicros() > MAX_WAIT_MICROS) return this.arm();
    const spun = this.waitUntil(next);
    if (next >= this.schedule!.startT && next < this.schedule!.endT) this.counts.spunMicros += spun;
    const now = nowMicros();
    // Everything already due goes out now, each with its own scheduled time.
    while (this.dueAt(this.index) <= now && this.dueAt(this.index) < this.schedule!.until) {
      const due = this.dueAt(this.index);
      this.index++;
      this.publishOne(this.index, due, now);
    }
    this.arm();
  };

  private publishOne(seq: number, due: number, now: number): void {
    const { startT, endT } = this.schedule!;
    const counted = due >= startT && due < endT;
    if (counted) {
      this.counts.sent++;
      recordLatency(this.lateness, now - due);
    }
    const data = filler(this.spec.payloadBytes, seq);
    const message = encodeMessage({ seq, t: due, data });
    const { publish } = this.spec;
    const path = fillTemplate(publish.path, { room: 'broadcast' });
    const body = fillTemplate(publish.body, { message, data, room: 'broadcast' });
    const sentAt = nowMicros();
    // Up to MAX_CONNECTIONS publishes are under way at once, each on its own connection (a round trip
    // longer than the period): a later one may then reach the target, or one of its workers, first.
    const answered = (): void => {
      if (this.index > seq && this.overlapCount < MAX_OVERLAPS_KEPT) {
        this.overlaps[String(seq)] = this.index;
        this.overlapCount++;
      }
    };
    const done = this.pool.request({ method: publish.method, path, headers: this.headers, body }).then(
      async (response) => {
        answered();
        const answer = Buffer.from(await response.body.arrayBuffer());
        const ok = publish.accepted.includes(response.statusCode);
        if (counted) {
          recordLatency(this.roundTrip, nowMicros() - sentAt);
          if (ok) this.counts.accepted++;
          else this.counts.refused++;
        }
        if (!ok) this.refuse(notAccepted(`${publish.method} ${path}`, response.statusCode, answer, publish.accepted));
      },
      (error: Error) => {
        answered();
        if (counted) this.counts.refused++;
        this.refuse(`refused a publish: ${publish.method} ${path} failed: ${error.message}`);
      },
    );
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private refuse(message: string): void {
    if (this.refused !== null) return;
    this.refused = message;
    this.onRefused(message);
  }

  /**
   * The local address and port of the publisher's open connections, as ss writes a peer. Not the
   * port alone: a client on another source address (127.0.0.2, ...) may have the same port.
   */
  localEndpoints(): string[] {
    return [...this.endpoints];
  }

  /**
   * Remembers an open connection's endpoint until it closes: a port the publisher let go can be
   * taken by a client at once (Linux reuses a TIME-WAIT port on loopback, tcp_tw_reuse = 2), and
   * that client's socket was left out of the kernel's count (9,999 of 10,000 at 10,000 clients on
   * Nchan: the warm-up connection's port).
   */
  private remember(socket: net.Socket): void {
    const { localAddress, localPort } = socket;
    if (localAddress === undefined || localPort === undefined) return;
    const endpoint = peerEndpoint(localAddress, localPort);
    this.endpoints.add(endpoint);
    socket.once('close', () => this.endpoints.delete(endpoint));
  }

  /** Stops the schedule, waits (bounded) for the publishes in flight, and reports the window. */
  async collect(): Promise<PublisherResult> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    return {
      sent: this.counts.sent,
      accepted: this.counts.accepted,
      refused: this.counts.refused,
      roundTrip: encodeHistogram(this.roundTrip),
      lateness: encodeHistogram(this.lateness),
      busyWaitCpuPercent:
        (this.counts.spunMicros / (this.schedule === undefined ? 1 : this.schedule.endT - this.schedule.startT)) * 100 || 0,
      localEndpoints: this.localEndpoints(),
      bytes: this.counter.totals(),
      ...(this.overlapCount > 0 ? { overlaps: { ...this.overlaps } } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.pool.destroy().catch(() => {});
  }
}

/** An address and port as `ss` writes a peer: `127.0.0.1:50000`, `[::1]:50000` (an IPv4-mapped address as IPv4). */
export function peerEndpoint(address: string, port: number): string {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}
