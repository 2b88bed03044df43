/**
 * The live demo's "where am I on the map" view (`GET /demo/map` of `pushbench serve`): for the
 * demo's current settings (the server's rate, payload, hold and wire; the page's poll interval,
 * the clients connected and the page's round trip) a small grid of rates × poll intervals
 * filled by the model (run/map.ts's modelFigures and pickWinners, the same as `pushbench map`),
 * the winner of every cell for one criterion, a marker at the current point and the winner of
 * every criterion there. Pure: the server injects it (servers/ cannot import the model) and
 * sends what it returns as JSON; bad query values get a 400 naming the value and what is allowed.
 */
import { MAP_CRITERIA, type MapCell, type MapCriterion } from '../core/results.ts';
import { TECHNIQUE_META, TECHNIQUES, techniqueCode, type TechniqueId } from '../core/techniques.ts';
import { DEFAULT_WIRE, type WireId } from '../core/wires.ts';
import { type Calibration, type MapConfig, logSpaced, modelFigures, pickWinners, runParams, shownFigure } from './map.ts';

/** The view's rates (msg/s): half decades 0.01 to 100, and the server's own. */
export const DEMO_MAP_RATES: readonly number[] = Object.freeze(logSpaced(0.01, 100, 9));
/** The view's poll intervals (ms): the page offers 250 ms, 1 s and 5 s; the map's 100 ms and 10 s around them, and the page's own. */
export const DEMO_MAP_INTERVALS_MS: readonly number[] = Object.freeze([100, 250, 1000, 5000, 10_000]);
/** Bounds of the query: an interval `pushbench map --intervals` takes, a client count it takes, a round trip of up to 10 s. */
export const DEMO_MAP_LIMITS = Object.freeze({ intervalMs: [10, 600_000], clients: [1, 20_000], rttMs: [0, 10_000] } as const);

/** What the server is (fixed while it runs). */
export interface DemoServerSettings {
  readonly techniques: readonly TechniqueId[];
  /** Broadcast msg/s; 0: the server publishes nothing on its own (the view then has no marker). */
  readonly rate: number;
  readonly payloadBytes: number;
  readonly holdMs: number;
  readonly wire: WireId;
}

/** What the page says about itself (the query of `GET /demo/map`). */
export interface DemoPageSettings {
  readonly intervalMs: number;
  readonly clients: number;
  readonly rttMs: number;
  readonly criterion: MapCriterion;
}

/** One cell of the heatmap: the winner of the criterion there. */
export interface DemoMapCell {
  rate: number;
  technique: TechniqueId | null;
  code: string;
  /** Runner-up's figure / winner's (1.4: the next best costs 40% more); null with one technique or a zero figure. */
  margin: number | null;
}

/** The winner of one criterion at the current point. */
export interface DemoMapHere {
  criterion: MapCriterion;
  technique: TechniqueId | null;
  label: string;
  code: string;
  /** The winner's figure (bytes, B/s, ms, µs or B), null when no technique has one (CPU and memory: not measured here). */
  value: number | null;
  runnerUp: TechniqueId | null;
  margin: number | null;
}

/** The whole view, as `GET /demo/map` sends it. */
export interface DemoMapView {
  settings: {
    rate: number;
    intervalMs: number;
    clients: number;
    payloadBytes: number;
    holdMs: number;
    wire: WireId;
    headers: 'browser';
    rttMs: number;
    criterion: MapCriterion;
  };
  rates: number[];
  intervalsMs: number[];
  techniques: Array<{ id: TechniqueId; code: string; label: string; color: string }>;
  /** A row per interval (ascending), a cell per rate (ascending). */
  rows: Array<{ intervalMs: number; cells: DemoMapCell[] }>;
  /** The current point, one of the grid's cells; null at rate 0. */
  marker: { rate: number; intervalMs: number } | null;
  here: DemoMapHere[];
  /** What the model assumes here, in words. */
  note: string;
}

const withValue = (values: readonly number[], value: number): number[] => [...new Set([...values, value])].sort((a, b) => a - b);

/**
 * The view for a server and a page. The calibration is the page's own round trip and nothing
 * else: the demo measures no fan-out queue, CPU or memory per message, so those criteria have no
 * winner here (say so rather than borrow another machine's figures), and the clients connected
 * change no per-client figure of the model (its queue term is a measurement `pushbench map`
 * takes; here there is none).
 */
export function demoMapView(server: DemoServerSettings, page: DemoPageSettings): DemoMapView {
  const techniques = TECHNIQUES.filter((t) => server.techniques.includes(t));
  const rates = server.rate > 0 ? withValue(DEMO_MAP_RATES, server.rate) : [...DEMO_MAP_RATES];
  const intervalsMs = withValue(DEMO_MAP_INTERVALS_MS, page.intervalMs);
  const calibration: Calibration = { rttMs: page.rttMs, queue: {}, cpu: {}, memoryBytesPerConnection: {} };
  const config: MapConfig = {
    rates,
    intervalsMs,
    clients: [page.clients],
    techniques,
    payloadBytes: server.payloadBytes,
    holdMs: server.holdMs,
    headers: 'browser',
    maxLatencyMs: null,
    maxBandwidthBytesPerSecond: null,
    maxMemoryBytes: null,
    quick: true,
    // The model's message size counts a typical seq: that of a few seconds of feed.
    windowMs: 2000,
    warmupMs: 500,
  };
  const cells: MapCell[] = [];
  for (const intervalMs of intervalsMs)
    for (const rate of rates) {
      const params = runParams(config, { rate, intervalMs, clients: page.clients }, 1);
      for (const technique of techniques)
        cells.push({
          rate,
          intervalMs,
          clients: page.clients,
          technique,
          model: modelFigures(technique, params, calibration),
          measured: false,
        });
    }
  const winners = pickWinners(cells, { maxLatencyMs: null, maxBandwidthBytesPerSecond: null });
  const winnerOf = (rate: number, intervalMs: number, criterion: MapCriterion) =>
    winners.find((w) => w.rate === rate && w.intervalMs === intervalMs && w.criterion === criterion);
  const rows = intervalsMs.map((intervalMs) => ({
    intervalMs,
    cells: rates.map((rate): DemoMapCell => {
      const w = winnerOf(rate, intervalMs, page.criterion);
      const technique = w?.technique ?? null;
      return { rate, technique, code: technique === null ? '—' : techniqueCode(technique), margin: w?.margin ?? null };
    }),
  }));
  const marker = server.rate > 0 ? { rate: server.rate, intervalMs: page.intervalMs } : null;
  const here: DemoMapHere[] =
    marker === null
      ? []
      : MAP_CRITERIA.map((criterion) => {
          const w = winnerOf(marker.rate, marker.intervalMs, criterion);
          const technique = w?.technique ?? null;
          const cell = cells.find((c) => c.rate === marker.rate && c.intervalMs === marker.intervalMs && c.technique === technique);
          return {
            criterion,
            technique,
            label: technique === null ? 'not measured here' : TECHNIQUE_META[technique].label,
            code: technique === null ? '—' : techniqueCode(technique),
            value: cell === undefined ? null : shownFigure(cell, criterion).value,
            runnerUp: w?.runnerUp ?? null,
            margin: w?.margin ?? null,
          };
        });
  const wireNote =
    server.wire === DEFAULT_WIRE
      ? ''
      : ` This server speaks ${server.wire}; the model has HTTP/1.1 cleartext's terms only, so the bytes are those of http, not of this page's wire.`;
  return {
    settings: {
      rate: server.rate,
      intervalMs: page.intervalMs,
      clients: page.clients,
      payloadBytes: server.payloadBytes,
      holdMs: server.holdMs,
      wire: server.wire,
      headers: 'browser',
      rttMs: page.rttMs,
      criterion: page.criterion,
    },
    rates,
    intervalsMs,
    techniques: techniques.map((id) => ({ id, code: techniqueCode(id), label: TECHNIQUE_META[id].label, color: TECHNIQUE_META[id].color })),
    rows,
    marker,
    here,
    note:
      `From the model (as pushbench map), broadcast, browser headers, ${server.payloadBytes} B payload, ${server.holdMs} ms long-poll hold, ` +
      `the page's round trip ${Number(page.rttMs.toFixed(2))} ms. Not measured here: the fan-out's queue, server CPU and memory per message (no winner for those); ` +
      `the clients connected change no per-client figure without them.${wireNote}` +
      (marker === null ? ' The server publishes nothing on its own (rate 0): no marker.' : ''),
  };
}

/** The answer to `GET /demo/map?interval=MS&clients=N&rtt=MS&criterion=C`: 200 and the view, or 400 naming the bad value. */
export function demoMapAnswer(server: DemoServerSettings, get: (name: string) => string | null): { status: number; body: unknown } {
  const number = (name: string, [min, max]: readonly [number, number], integer: boolean, fallback: number): number | string => {
    const raw = get(name);
    if (raw === null) return fallback;
    const n = /^[0-9]+(\.[0-9]+)?$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(n >= min && n <= max) || (integer && !Number.isInteger(n)))
      return `invalid ${name}: received ${JSON.stringify(raw.slice(0, 40))}; expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`;
    return n;
  };
  const intervalMs = number('interval', DEMO_MAP_LIMITS.intervalMs, true, 1000);
  const clients = number('clients', DEMO_MAP_LIMITS.clients, true, 1);
  const rttMs = number('rtt', DEMO_MAP_LIMITS.rttMs, false, 0);
  const criterionText = get('criterion') ?? 'bytes';
  const criterion = MAP_CRITERIA.find((c) => c === criterionText);
  const errors = [intervalMs, clients, rttMs].filter((v): v is string => typeof v === 'string');
  if (criterion === undefined)
    errors.push(`invalid criterion: received ${JSON.stringify(criterionText.slice(0, 40))}; allowed: ${MAP_CRITERIA.join(', ')}`);
  if (errors.length > 0) return { status: 400, body: { error: errors.join('; ') } };
  return {
    status: 200,
    body: demoMapView(server, {
      intervalMs: intervalMs as number,
      clients: clients as number,
      rttMs: rttMs as number,
      criterion: criterion!,
    }),
  };
}
