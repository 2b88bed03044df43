/**
 * The classic header-overhead table: bandwidth for 1,000 / 10,000 / 100,000 clients, scaled
 * linearly from the measured bytes per client per second, beside the figures websocket.org
 * (Kaazing) published in 2010. Scaling is an extrapolation, and every renderer labels it so.
 */
import type { ResultsFile, Scenario } from '../core/results.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { referenceScenario, techniqueEntries } from './select.ts';

/** Client counts of the classic table. */
export const EXTRAPOLATION_CLIENTS = [1_000, 10_000, 100_000] as const;

/** Bandwidth in Mbit/s (10^6 bits per second) of `clients` clients that each move `perClientBytesPerSecond`. */
export function extrapolateMbps(perClientBytesPerSecond: number, clients: number): number {
  return (perClientBytesPerSecond * 8 * clients) / 1e6;
}

export interface ExtrapolationRow {
  technique: TechniqueId;
  /** Null when the technique failed in the reference scenario. */
  perClientBytesPerSecond: number | null;
  /** Mbit/s at each of EXTRAPOLATION_CLIENTS; empty when failed. */
  mbps: number[];
  error: string | null;
}

export interface PublishedRow {
  label: string;
  /** Bytes of overhead per message the publication assumed. */
  bytesPerMessage: number;
  /** Mbit/s as published, at each of EXTRAPOLATION_CLIENTS. */
  mbps: readonly number[];
}

export interface ExtrapolationTable {
  scenarioId: string;
  scenarioTitle: string;
  clientsMeasured: number;
  rate: number;
  intervalMs: number;
  headers: Scenario['params']['headers'];
  clients: readonly number[];
  rows: ExtrapolationRow[];
  published: readonly PublishedRow[];
}

/**
 * The figures of "HTML5 Web Sockets: A Quantum Leap in Scalability for the Web" (Lubbers and
 * Greco, Kaazing, websocket.org, 2010): one message per second per client. Their "Mbps" divide
 * bits by 1,048,576, so they read about 5% lower than the 10^6-bit figures measured here.
 */
export const PUBLISHED_2010: readonly PublishedRow[] = [
  { label: 'Polling every second, 871 bytes of HTTP headers per request and response', bytesPerMessage: 871, mbps: [6.6, 66, 665] },
  { label: 'WebSocket frames, 2 bytes of framing per message', bytesPerMessage: 2, mbps: [0.015, 0.153, 1.526] },
];

/** The extrapolation table for a results file, or null when it has no broadcast scenario to scale. */
export function buildExtrapolation(results: ResultsFile): ExtrapolationTable | null {
  const scenario = referenceScenario(results);
  if (scenario === undefined) return null;
  const rows = techniqueEntries(scenario).map(({ technique, result }): ExtrapolationRow => {
    if (result.state !== 'completed') return { technique, perClientBytesPerSecond: null, mbps: [], error: result.error };
    const perClient = result.perClientBytesPerSecond;
    return { technique, perClientBytesPerSecond: perClient, mbps: EXTRAPOLATION_CLIENTS.map((n) => extrapolateMbps(perClient, n)), error: null };
  });
  return {
    scenarioId: scenario.id,
    scenarioTitle: scenario.title,
    clientsMeasured: scenario.params.clients,
    rate: scenario.params.rate,
    intervalMs: scenario.params.intervalMs,
    headers: scenario.params.headers,
    clients: EXTRAPOLATION_CLIENTS,
    rows,
    published: PUBLISHED_2010,
  };
}
