/**
 * The round-trip probe the latency model's network term comes from: before each window, a few
 * tiny requests (`GET /ping`, no headers beyond host and connection) on one keep-alive client
 * connection to where the clients connect (through the delaying proxy when one is in use); the
 * median of their times is the RTT. Its bytes are counted like any client's, so that the
 * server's and the clients' whole-run totals still agree.
 */
import { nowMicros, PATHS } from '../core/protocol.ts';
import { SocketCounter, type CountedBytes } from '../core/socket-counter.ts';
import { median } from '../core/spread.ts';
import { CLIENT_WIRES } from '../load/wire-clients.ts';
import { DEFAULT_WIRE, type WireId } from '../core/wires.ts';
import { RunStepError } from '../core/errors.ts';

/** Requests timed: their median stands against a few late ones (a loaded machine's scheduler can hold a process for tens of ms). */
export const RTT_PROBE_REQUESTS = 9;
/** The path asked for: an empty 200 that keeps the connection open (a foreign server may answer 404: as good a round trip). */
export const RTT_PROBE_PATH = PATHS.ping;
/** Requests sent first and not timed: the first answers of a cold server and client take longer than the network. */
export const RTT_PROBE_WARMUP = 3;
/** How long the probe's clean close may take before its socket is destroyed. */
const PROBE_CLOSE_MS = 1000;

export interface RttProbe {
  /** Each request's time, sent to answer received, ms, in order. */
  samplesMs: number[];
  /** Their median, ms. */
  rttMs: number;
  /** What the probe's socket carried, both ways, with its parts on a tapped wire. */
  bytes: CountedBytes;
}

/**
 * Times `requests` GETs of /ping on one connection to `origin` (the connection is opened first,
 * so no sample includes the connect); null when the server does not answer them all within
 * `timeoutMs` (a foreign server that holds every request): the run goes on without an RTT.
 */
export async function probeRtt(
  origin: string,
  timeoutMs: number,
  wire: WireId = DEFAULT_WIRE,
  requests = RTT_PROBE_REQUESTS,
): Promise<RttProbe | null> {
  const counter = new SocketCounter();
  // On the clients' wire, so that the probe's bytes are counted (and agree) as theirs are.
  const client = CLIENT_WIRES[wire](origin, counter).gets([], [], 'snapshot');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunStepError(`the round-trip probe (GET ${RTT_PROBE_PATH} on ${origin}) had no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  timeout.catch(() => {});
  let samplesMs: number[] | null = null;
  try {
    await Promise.race([client.connect(), timeout]);
    const samples: number[] = [];
    for (let i = 0; i < RTT_PROBE_WARMUP + requests; i++) {
      const sentAt = nowMicros();
      await Promise.race([client.get(RTT_PROBE_PATH), timeout]);
      if (i >= RTT_PROBE_WARMUP) samples.push((nowMicros() - sentAt) / 1000);
    }
    samplesMs = samples;
  } catch {
    samplesMs = null;
  } finally {
    clearTimeout(timer);
  }
  // A clean close, awaited: TLS's close_notify and HTTP/2's GOAWAY go both ways and are counted on both ends.
  await client.close(PROBE_CLOSE_MS);
  const parts = counter.partTotals();
  const bytes = { ...counter.totals(), ...(parts.setup.connections > 0 ? { parts } : {}) };
  return samplesMs === null ? null : { samplesMs, rttMs: median(samplesMs), bytes };
}

/**
 * The network's own round trip from a probe, ms: its fastest request. The wire and an injected
 * delay take the same time on every request; what a slower one adds is a process of this
 * machine waiting for a CPU at that moment (on a loaded 2-core VM a median of 15.4 ms where the
 * fastest was 10.9 through a 5 ms proxy), and the window's own waits are measured apart (the
 * publisher's lateness, the fan-out, the arrival spread, the proxy's lateness).
 */
export function networkRttMs(probe: Pick<RttProbe, 'samplesMs' | 'rttMs'>): number {
  return probe.samplesMs.length === 0 ? probe.rttMs : Math.min(...probe.samplesMs);
}
