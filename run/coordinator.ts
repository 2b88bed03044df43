/**
 * The coordinator of a sharded run (`pushbench publish`): the one place that publishes, the
 * clock every shard measures its offset to, and the rendezvous. It listens on a small HTTP
 * endpoint:
 *
 *   GET  /clock     {"t1":µs,"t2":µs} from its monotonic clock (the publisher child's clock: one host)
 *   POST /ready     a shard says it is connected: {shard, count, params}; the answer (held until
 *                   the plan exists) is the plan: run id and the window on the publisher clock
 *   GET  /accepted  held until the publishing is over: what the target accepted, the count
 *                   every shard's `expected` is built from
 *   GET  /          its state, for a human or a readiness probe
 *
 * The window starts at `--start-at` (a wall-clock time on the coordinator's host), or, without
 * one, `startDelayMs` after the last of the N shards reported ready. Publishing is pushbench's
 * open-loop publisher child (load/publisher.ts), stamping the scheduled time on its clock, with
 * pushbench's POST /publish or a target file's publish request (the same code a `--target-file`
 * run publishes with).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { nowMicros } from '../core/protocol.ts';
import { firstPublishAt } from '../core/publish-grid.ts';
import { BUILTIN_PUBLISH, type PublishSpec } from '../core/targets.ts';
import type { PublisherResult } from '../core/ipc.ts';
import { PublisherProcess } from './publisher-process.ts';
import { CLOCK_PATH } from './clock-offset.ts';

/** The parameters every shard must share with the coordinator: a shard that differs is refused at /ready. */
export interface SharedParams {
  technique: string;
  clients: number;
  rate: number;
  payloadBytes: number;
  durationMs: number;
  warmupMs: number;
  /** `chat`: the clients publish, each room within one shard; the coordinator only sets the window. */
  workload: 'broadcast' | 'chat';
  roomSize: number;
  /** The target's name: `url` for a pushbench server, else its target file's name (a shard of another target is refused). */
  target: string;
}

/** What the coordinator tells each ready shard. */
export interface ShardPlan {
  runId: string;
  shards: number;
  /** Publisher-clock µs: clients begin their schedules at beginAt; the window is [startT, endT). */
  beginAt: number;
  startT: number;
  endT: number;
  /** Where the coordinator publishes (for the shard result). */
  target: string;
}

/** The publisher's count of the window, as /accepted answers it. */
export interface AcceptedCount {
  runId: string;
  sent: number;
  accepted: number;
  refused: number;
  /** PublisherWindow.overlaps: which late arrivals the publisher's own overlapping publishes explain. Absent when none overlapped. */
  overlaps?: Record<string, number>;
}

export interface CoordinatorOptions {
  /** Origin of the server the messages are posted to: a pushbench server (`pushbench serve --rate 0`) or a target file's. */
  target: string;
  /** How a message is posted: pushbench's POST /publish, or a target file's publish request; absent: pushbench's. */
  publish?: PublishSpec;
  params: SharedParams;
  shards: number;
  /** Wall-clock ms (epoch) at which the clients begin; null: startDelayMs after the last shard is ready. */
  startAtMs: number | null;
  startDelayMs: number;
  /** How long the plan waits for every shard; after it the coordinator gives up (the run is not measured). */
  readyTimeoutMs: number;
  host: string;
  port: number;
  runId?: string;
  /** How long after the count is known it keeps answering for shards that have not fetched it. */
  lingerMs: number;
  /** Tests: the clock /clock reads (default: the monotonic clock the publisher child shares). */
  clockMicros?: () => number;
}

/** After the window: time for the last publishes to be answered before the count is taken. */
const COUNT_MARGIN_MICROS = 500_000;

/** Serves /clock from `clock`: the exchange run/clock-offset.ts makes. Exported for the estimator's tests. */
export function clockAnswer(clock: () => number): string {
  const t = clock();
  return JSON.stringify({ t1: t, t2: t });
}

/** The first difference between a shard's parameters and the coordinator's, as a sentence; null when they agree. */
export function paramsMismatch(mine: SharedParams, theirs: Partial<SharedParams>): string | null {
  for (const key of Object.keys(mine) as Array<keyof SharedParams>) {
    // Rooms matter only in chat; a broadcast shard's resolved room size is a default nobody chose.
    if (key === 'roomSize' && mine.workload !== 'chat') continue;
    if (theirs[key] !== mine[key])
      return `${key}: the coordinator has ${JSON.stringify(mine[key])}, the shard ${JSON.stringify(theirs[key] ?? null)}`;
  }
  return null;
}

export class Coordinator {
  readonly runId: string;
  private readonly server: http.Server;
  private readonly ready = new Set<number>();
  private readonly fetched = new Set<number>();
  private plan: ShardPlan | null = null;
  private count: AcceptedCount | null = null;
  private failure: string | null = null;
  private readonly planWaiters: Array<() => void> = [];
  private readonly countWaiters: Array<() => void> = [];
  private publisher: PublisherProcess | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly clock: () => number;
  /** Settles when the coordinator is done: the count is known and fetched by every ready shard (or lingered), or it failed. */
  readonly finished: Promise<{ count: AcceptedCount | null; failure: string | null; ready: number[]; fetched: number[] }>;
  private finish!: () => void;

  private constructor(private readonly options: CoordinatorOptions) {
    this.runId = options.runId ?? randomUUID();
    this.clock = options.clockMicros ?? nowMicros;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.finished = new Promise((resolve) => {
      this.finish = () =>
        resolve({
          count: this.count,
          failure: this.failure,
          ready: [...this.ready].sort((a, b) => a - b),
          fetched: [...this.fetched].sort((a, b) => a - b),
        });
    });
  }

  /** Starts the publisher child (connected to the target) and the endpoint. */
  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    const coordinator = new Coordinator(options);
    const publisher = PublisherProcess.spawn();
    coordinator.publisher = publisher;
    try {
      await publisher.start({
        origin: options.target,
        publish: options.publish ?? BUILTIN_PUBLISH,
        payloadBytes: options.params.payloadBytes,
      });
      await new Promise<void>((resolve, reject) => {
        coordinator.server.once('error', reject);
        coordinator.server.listen(options.port, options.host, () => resolve());
      });
    } catch (error) {
      await publisher.close().catch(() => publisher.kill());
      throw error;
    }
    void publisher.unexpectedExit.then((error) => coordinator.fail(error.message));
    void publisher.refused.then((error) => coordinator.fail(error.message));
    if (options.startAtMs !== null) coordinator.makePlan(nowMicros() + (options.startAtMs - Date.now()) * 1000);
    coordinator.after(options.readyTimeoutMs * 1000, () => {
      if (coordinator.plan === null)
        coordinator.fail(
          `only ${coordinator.ready.size} of ${options.shards} shards reported ready within ${options.readyTimeoutMs} ms (ready: ${[...coordinator.ready].join(', ') || 'none'})`,
        );
    });
    return coordinator;
  }

  get origin(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Stops the endpoint and the publisher. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.publisher?.close().catch(() => this.publisher?.kill());
    this.fail('closed');
    // Closed while lingering (the count known, a shard never fetched it): fail() leaves a known count alone, so settle here.
    this.finish();
  }

  private after(micros: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, micros / 1000),
    );
    this.timers.add(timer);
  }

  private fail(message: string): void {
    if (this.count !== null || this.failure !== null) return;
    this.failure = message;
    for (const wake of this.planWaiters.splice(0)) wake();
    for (const wake of this.countWaiters.splice(0)) wake();
    this.finish();
  }

  /** Fixes the window (publisher clock), schedules the publisher and the count. */
  private makePlan(beginAt: number): void {
    const { params } = this.options;
    const startT = beginAt + params.warmupMs * 1000;
    const endT = startT + params.durationMs * 1000;
    this.plan = {
      runId: this.runId,
      shards: this.options.shards,
      beginAt: Math.round(beginAt),
      startT: Math.round(startT),
      endT: Math.round(endT),
      target: this.options.target,
    };
    if (params.workload === 'chat') {
      // The clients publish (upstream, to their own rooms): nothing to publish here, and a count of zero.
      for (const wake of this.planWaiters.splice(0)) wake();
      this.after(endT + COUNT_MARGIN_MICROS - nowMicros(), () => {
        if (this.failure !== null) return;
        this.count = { runId: this.runId, sent: 0, accepted: 0, refused: 0 };
        for (const wake of this.countWaiters.splice(0)) wake();
        this.after(this.options.lingerMs * 1000, () => this.finish());
        this.maybeFinish();
      });
      return;
    }
    const firstAt = firstPublishAt(beginAt, startT, params.rate);
    const publisher = this.publisher!;
    publisher.schedule({ rate: params.rate, firstAt, until: endT, startT, endT }).catch((error: Error) => this.fail(error.message));
    for (const wake of this.planWaiters.splice(0)) wake();
    this.after(endT + COUNT_MARGIN_MICROS - nowMicros(), () => {
      publisher.collect().then(
        (result: PublisherResult) => {
          if (this.failure !== null) return;
          this.count = {
            runId: this.runId,
            sent: result.sent,
            accepted: result.accepted,
            refused: result.refused,
            ...(result.overlaps === undefined ? {} : { overlaps: result.overlaps }),
          };
          for (const wake of this.countWaiters.splice(0)) wake();
          this.after(this.options.lingerMs * 1000, () => this.finish());
          this.maybeFinish();
        },
        (error: Error) => this.fail(error.message),
      );
    });
  }

  private maybeFinish(): void {
    if (this.count !== null && this.ready.size > 0 && [...this.ready].every((i) => this.fetched.has(i))) this.finish();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://coordinator');
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method === 'GET' && url.pathname === CLOCK_PATH) {
      const text = clockAnswer(this.clock);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      json(200, {
        runId: this.runId,
        shards: this.options.shards,
        ready: [...this.ready],
        plan: this.plan,
        count: this.count,
        failure: this.failure,
        params: this.options.params,
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/ready') {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
        if (raw.length > 65_536) req.destroy();
      });
      req.on('end', () => this.onReady(raw, json));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/accepted') {
      const shard = Number(url.searchParams.get('shard'));
      const answer = (): void => {
        if (this.count === null) return json(503, { error: `the publisher has no count: ${this.failure ?? 'not finished'}` });
        if (Number.isInteger(shard)) this.fetched.add(shard);
        json(200, this.count);
        this.maybeFinish();
      };
      if (this.count !== null || this.failure !== null) return answer();
      this.countWaiters.push(answer);
      return;
    }
    json(404, {
      error: `no ${req.method} ${url.pathname} here; the coordinator answers GET ${CLOCK_PATH}, POST /ready, GET /accepted, GET /`,
    });
  }

  private onReady(raw: string, json: (status: number, body: unknown) => void): void {
    let body: { shard?: unknown; count?: unknown; params?: Partial<SharedParams> };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return json(400, { error: 'POST /ready needs a JSON body {shard, count, params}' });
    }
    const { shards } = this.options;
    if (body.count !== shards)
      return json(409, { error: `this run has ${shards} shards; the shard says ${JSON.stringify(body.count ?? null)}` });
    if (typeof body.shard !== 'number' || !Number.isInteger(body.shard) || body.shard < 0 || body.shard >= shards) {
      return json(409, { error: `shard index ${JSON.stringify(body.shard ?? null)} is outside 0..${shards - 1}` });
    }
    const mismatch = paramsMismatch(this.options.params, body.params ?? {});
    if (mismatch !== null) return json(409, { error: `the shard's parameters differ from the coordinator's: ${mismatch}` });
    if (this.ready.has(body.shard) && this.plan === null)
      return json(409, { error: `shard ${body.shard} already reported ready: two pods with one index?` });
    this.ready.add(body.shard);
    const answer = (): void => (this.plan === null ? json(503, { error: this.failure ?? 'no plan' }) : json(200, this.plan));
    if (this.plan === null && this.ready.size === shards) this.makePlan(nowMicros() + this.options.startDelayMs * 1000);
    if (this.plan !== null || this.failure !== null) return answer();
    this.planWaiters.push(answer);
  }
}
