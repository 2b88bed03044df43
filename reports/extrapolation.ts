/**
 * The classic header-overhead table: bandwidth for 1,000 / 10,000 / 100,000 clients, scaled
 * linearly from the measured bytes per client per second, beside the figures websocket.org
 * (Kaazing) published in 2010. Scaling is an extrapolation, and every renderer labels it so.
 */
import type { BuiltinProfileName } from '../core/header-profile.ts';
import type { CompletedResult, ResultsFile, Scenario } from '../core/results.ts';
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
  /** The rate and interval the measured scenario stands for (divided and multiplied by its time scale). */
  rate: number;
  intervalMs: number;
  /** The scenario ran this many times faster; the per-second bytes were divided by it (1: unscaled). */
  timeScale: number;
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
  const timeScale = scenario.timeScale ?? 1;
  const rows = techniqueEntries(scenario).map(({ technique, result }): ExtrapolationRow => {
    if (result.state !== 'completed') return { technique, perClientBytesPerSecond: null, mbps: [], error: result.error };
    // A time-compressed scenario ran F times the rate it stands for: its per-second bytes are F times the slower situation's.
    const perClient = result.perClientBytesPerSecond / timeScale;
    return {
      technique,
      perClientBytesPerSecond: perClient,
      mbps: EXTRAPOLATION_CLIENTS.map((n) => extrapolateMbps(perClient, n)),
      error: null,
    };
  });
  return {
    scenarioId: scenario.id,
    scenarioTitle: scenario.title,
    clientsMeasured: scenario.params.clients,
    rate: scenario.params.rate / timeScale,
    intervalMs: scenario.params.intervalMs * timeScale,
    timeScale,
    headers: scenario.params.headers,
    clients: EXTRAPOLATION_CLIENTS,
    rows,
    published: PUBLISHED_2010,
  };
}

/** The header profile that carries the 2010 example's request and response lines. */
export const KAAZING_PROFILE: BuiltinProfileName = 'kaazing-2010';

/** The 2010 example's header characters: 692 request + 179 response, 909 with line ends. */
export const PUBLISHED_2010_HEADER_CHARS = { request: 692, response: 179, total: 871, withLineEnds: 909 } as const;

/** One poll measured with the 2010 example's own header lines, beside the published figure. */
export interface KaazingComparison {
  /** The request-per-message technique measured (the first of the results: short polling when it ran). */
  technique: TechniqueId;
  scenarioId: string;
  scenarioTitle: string;
  /** Bytes up + down per poll request in the window, measured. */
  bytesPerPoll: number;
  /** The request and response heads the model counts for one poll (request line and host included). */
  requestHeadBytes: number;
  responseHeadBytes: number;
  polls: number;
  published: typeof PUBLISHED_2010_HEADER_CHARS;
}

/**
 * The first scenario run with the kaazing-2010 profile in which a request-per-message
 * technique completed, as a comparison row; null when there is none. Measured per poll, not per message, because the
 * 2010 figure is the header bytes of one poll.
 */
export function buildKaazingComparison(results: ResultsFile): KaazingComparison | null {
  for (const scenario of results.scenarios) {
    if (scenario.params.headers !== KAAZING_PROFILE) continue;
    // A request per message: the 2010 figure is one such request and its response.
    // The head sizes come from the model, which only pushbench's own servers have.
    const polling = techniqueEntries(scenario).find(
      (e) => e.result.state === 'completed' && e.result.model !== null && e.result.requests !== null && e.result.requests.total > 0,
    );
    if (polling === undefined) continue;
    const r = polling.result as CompletedResult;
    const polls = r.requests!.total;
    return {
      technique: polling.technique,
      scenarioId: scenario.id,
      scenarioTitle: scenario.title,
      bytesPerPoll: (r.bytes.up + r.bytes.down) / polls,
      requestHeadBytes: r.model!.requestHeadBytes,
      responseHeadBytes: r.model!.responseHeadBytes,
      polls,
      published: PUBLISHED_2010_HEADER_CHARS,
    };
  }
  return null;
}
