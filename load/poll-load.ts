/**
 * The capacity probe's load: keep-alive connections that GET one path, with the lean client
 * (load/keepalive-get.ts: the bytes undici writes, the header block encoded once), either
 * closed loop (each connection sends its next request as soon as its response ends: as much
 * load as the connections can make) or open loop (a fixed rate, each connection on its own
 * fixed schedule: the load does not depend on how fast the server answers). One PollLoad
 * runs in one load process; the probe spreads several over processes and samples each one's
 * counters and event-loop use, so it can tell a saturated server from a saturated load tool.
 */
import { performance } from 'node:perf_hooks';
import { createLatencyHistogram, encodeHistogram, recordLatency } from '../core/histogram.ts';
import { nowMicros } from '../core/protocol.ts';
import { SocketCounter } from '../core/socket-counter.ts';
import type { WireId } from '../core/wires.ts';
import type { HeaderList } from './headers.ts';
import { leanGets, type GetChannel } from './wire-clients.ts';

export interface PollLoadSpec {
  /** `http://host:port` (`https://` on a TLS wire) */
  origin: string;
  /**
   * What carries the polls (core/wires.ts); absent: HTTP/1.1 cleartext. HTTP/1.1 wires use the lean
   * client, HTTP/2 ones one session per connection (load/h2-tab.ts), each poll a stream on it.
   */
  wire?: WireId;
  /** The request target, e.g. `/poll?since=12`. */
  path: string;
  headers: HeaderList;
  connections: number;
  /** Null: closed loop. A number: requests per second this process sends, spread evenly over its connections. */
  ratePerSecond: number | null;
}

/** Cumulative counters of one load process, sampled at round edges. */
export interface PollLoadSample {
  /** Monotonic µs of the sample. */
  at: number;
  /** Responses received (any status). */
  responses: number;
  /** Responses whose status was not 200. */
  non200: number;
  errors: number;
  firstError: string | null;
  /** Open loop: requests that went out later than scheduled because the previous one had not come back. */
  late: number;
  cpuMicros: number;
  eluActiveMs: number;
  eluIdleMs: number;
  /** HDR histogram (µs) of every response time so far, encoded. */
  latency: string;
}

export class PollLoad {
  private readonly clients: GetChannel[] = [];
  private readonly counter = new SocketCounter();
  private readonly latency = createLatencyHistogram();
  private responses = 0;
  private non200 = 0;
  private errors = 0;
  private late = 0;
  private firstError: string | null = null;
  private running = false;
  private readonly loops: Array<Promise<void>> = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly spec: PollLoadSpec) {
    for (let i = 0; i < spec.connections; i++) this.clients.push(leanGets(spec.wire ?? 'http', spec.origin, this.counter, spec.headers));
  }

  /** Opens every connection. */
  async connect(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.connect()));
  }

  /** Starts sending: closed loop, or each connection on its own grid from `startAt` (monotonic µs). */
  start(startAt: number = nowMicros()): void {
    this.running = true;
    const { ratePerSecond } = this.spec;
    if (ratePerSecond === null) {
      for (const client of this.clients) this.loops.push(this.closedLoop(client));
      return;
    }
    // Connection i sends at startAt + (i + k * n) / rate: the process's requests are evenly spaced.
    const n = this.clients.length;
    const periodMicros = (n * 1e6) / ratePerSecond;
    this.clients.forEach((client, i) => {
      this.loops.push(this.openLoop(client, startAt + (i * 1e6) / ratePerSecond, periodMicros));
    });
  }

  /** Stops sending, waits (bounded) for the requests in flight, closes every connection. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.race([Promise.allSettled(this.loops), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    for (const client of this.clients) client.destroy();
  }

  sample(): PollLoadSample {
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    return {
      at: nowMicros(),
      responses: this.responses,
      non200: this.non200,
      errors: this.errors,
      firstError: this.firstError,
      late: this.late,
      cpuMicros: cpu.user + cpu.system,
      eluActiveMs: elu.active,
      eluIdleMs: elu.idle,
      latency: encodeHistogram(this.latency),
    };
  }

  private async once(client: GetChannel): Promise<void> {
    const sentAt = nowMicros();
    try {
      const response = await client.get(this.spec.path);
      this.responses++;
      if (response.status !== 200) this.non200++;
      recordLatency(this.latency, nowMicros() - sentAt);
    } catch (error) {
      this.errors++;
      this.firstError ??= (error as Error).message;
      // A refused or reset connection must not spin: back off a little before the next try.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async closedLoop(client: GetChannel): Promise<void> {
    while (this.running) await this.once(client);
  }

  private async openLoop(client: GetChannel, firstAt: number, periodMicros: number): Promise<void> {
    let due = firstAt;
    while (this.running) {
      const wait = (due - nowMicros()) / 1000;
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            resolve();
          }, wait);
          this.timers.add(timer);
        });
        if (!this.running) return;
      } else if (wait < -periodMicros / 1000) {
        this.late++;
      }
      await this.once(client);
      due += periodMicros;
      // Fell more than a period behind: skip to the grid point now, counting what was missed as late.
      const now = nowMicros();
      if (due < now - periodMicros) {
        const missed = Math.floor((now - due) / periodMicros);
        this.late += missed;
        due += missed * periodMicros;
      }
    }
  }
}
