/**
 * The decision map (`pushbench map`): a grid over message rate, poll interval and clients for
 * each technique, every cell filled by the analytic model (run/model.ts) and a stated set of grid
 * points measured by the ordinary runner, time-compressed where the figure does not depend on
 * the time scale. This module plans the measured points, turns the measured results and the
 * model into cells, picks the winner per criterion and limit, and computes the crossovers
 * (run/map-crossovers.ts) and the classic claims (run/map-claims.ts). Pure except for nothing:
 * the runner is called by the entry point with the specs planned here.
 */
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import { DEFAULT_WIRE } from '../core/wires.ts';
import {
  figureOf,
  MAP_CRITERIA,
  type CompletedResult,
  type DecisionMap,
  type HeaderProfileName,
  type MapCell,
  type MapCriterion,
  type MapFigures,
  type MapWinner,
  type ResultsFile,
  type Scenario,
  type ScenarioParams,
} from '../core/results.ts';
import { modelFor } from './model.ts';
import { networkRttMs } from './rtt-probe.ts';
import { messageBytesFor } from './scenarios.ts';
import type { ScenarioSpec } from './runner.ts';
import { mapCrossovers } from './map-crossovers.ts';
import { mapClaims } from './map-claims.ts';

/** More cells than this are refused: the model is cheap, but the renderings and results.json are not. */
export const MAX_MAP_CELLS = 20_000;
/** The shortest poll interval a measured run may use (time compression divides the interval). */
export const MIN_RUN_INTERVAL_MS = 20;
/** The shortest hold timeout a measured run may use. */
export const MIN_RUN_HOLD_MS = 100;
/** A measured point needs at least this many messages in its window. */
export const MIN_WINDOW_MESSAGES = 5;
/**
 * Memory per connection is taken only from points with at least this many clients: the server's
 * RSS grows in steps of megabytes, so 4 MB over 10 clients would read as 400 KB per connection.
 */
export const MEMORY_MIN_CLIENTS = 500;
/** A host header of a 5-digit port, as the measured runs' ephemeral ports are: bytes depend on its length. */
export const MAP_WIRE = { host: '127.0.0.1:40000' } as const;

/** The resolved settings of one map. */
export interface MapConfig {
  readonly rates: readonly number[];
  readonly intervalsMs: readonly number[];
  readonly clients: readonly number[];
  readonly techniques: readonly TechniqueId[];
  readonly payloadBytes: number;
  readonly holdMs: number;
  readonly headers: HeaderProfileName;
  readonly maxLatencyMs: number | null;
  readonly maxBandwidthBytesPerSecond: number | null;
  readonly maxMemoryBytes: number | null;
  readonly quick: boolean;
  /** Measured window and warm-up of each measured point. */
  readonly windowMs: number;
  readonly warmupMs: number;
}

/** `n` values from `from` to `to`, evenly spaced on a log scale, rounded to 3 significant digits. */
export function logSpaced(from: number, to: number, n: number): number[] {
  if (n === 1) return [from];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number((from * (to / from) ** (i / (n - 1))).toPrecision(3)));
  return out;
}

/** Cells of a grid: every rate × interval × clients × technique. */
export function cellCount(config: Pick<MapConfig, 'rates' | 'intervalsMs' | 'clients' | 'techniques'>): number {
  return config.rates.length * config.intervalsMs.length * config.clients.length * config.techniques.length;
}

// ---------------------------------------------------------------------------------------
// Measured points: which, and how fast they run.
// ---------------------------------------------------------------------------------------

/** One grid point to measure (every technique), and how it runs. */
export interface MeasuredPoint {
  rate: number;
  intervalMs: number;
  clients: number;
  /** Why this point: a corner of the measurable region, next to a crossover, or a sample. */
  reason: 'corner' | 'crossover' | 'sample';
  /** F: the run goes F times faster (F × the rate, 1/F of the interval and the hold). */
  timeScale: number;
  /** The scenario that measured it, when not the map's own (`pointId`): the default suite's points keep their ids. */
  scenarioId?: string;
}

/** Polls each client must make in the window for short polling's figures to rest on something. */
export const MIN_WINDOW_POLLS = 3;
/** The fastest a measured point's feed may run (msg/s): compression multiplies the rate. */
export const MAX_RUN_RATE = 200;

/**
 * How much faster a point must run, and whether it can. The window (and its warm-up, which is at
 * least a poll interval) must hold ten messages (five at the least) and three polls per client;
 * compression divides the poll interval, which must stay >= MIN_RUN_INTERVAL_MS (a 100 ms poll
 * cannot stand for a message every 100 s), and the hold timeout (>= MIN_RUN_HOLD_MS), and
 * multiplies the rate, which must stay <= MAX_RUN_RATE.
 */
export function compression(rate: number, intervalMs: number, holdMs: number, windowMs: number): { timeScale: number; feasible: boolean } {
  const gapMs = 1000 / rate;
  const forMessages = (gapMs * MIN_WINDOW_MESSAGES) / windowMs;
  const forPolls = (intervalMs * MIN_WINDOW_POLLS) / windowMs;
  const wanted = Math.max(1, 2 * forMessages, forPolls);
  const allowed = Math.min(intervalMs / MIN_RUN_INTERVAL_MS, holdMs / MIN_RUN_HOLD_MS, MAX_RUN_RATE / rate);
  const needed = Math.max(1, forMessages, forPolls);
  return { timeScale: Math.max(1, Math.min(wanted, allowed)), feasible: needed <= allowed };
}

/**
 * The points to measure, in a stated rule: at the fewest clients, the lowest and highest
 * measurable rate at the shortest and the longest interval (the corners); the rate nearest where
 * long polling and short polling cost the same bytes (one message per poll) at the middle
 * interval; one point at the most clients; and (not `quick`) one seeded sample. Quick keeps
 * two corners and the crossover point.
 */
export function planMeasuredPoints(config: MapConfig): MeasuredPoint[] {
  const points: MeasuredPoint[] = [];
  const seen = new Set<string>();
  const add = (
    rate: number | undefined,
    intervalMs: number | undefined,
    clients: number | undefined,
    reason: MeasuredPoint['reason'],
  ): void => {
    if (rate === undefined || intervalMs === undefined || clients === undefined) return;
    const key = `${rate}/${intervalMs}/${clients}`;
    const c = compression(rate, intervalMs, config.holdMs, config.windowMs);
    if (seen.has(key) || !c.feasible) return;
    seen.add(key);
    points.push({ rate, intervalMs, clients, reason, timeScale: c.timeScale });
  };
  const measurable = (intervalMs: number): number[] =>
    config.rates.filter((r) => compression(r, intervalMs, config.holdMs, config.windowMs).feasible);
  const intervals = config.intervalsMs;
  const fewest = config.clients[0];
  const most = config.clients[config.clients.length - 1];
  const shortest = intervals[0]!;
  const longest = intervals[intervals.length - 1]!;
  const middle = intervals[Math.floor((intervals.length - 1) / 2)]!;
  const nearest = (rates: number[], target: number): number | undefined =>
    rates.reduce<number | undefined>(
      (best, r) => (best === undefined || Math.abs(Math.log(r / target)) < Math.abs(Math.log(best / target)) ? r : best),
      undefined,
    );

  const atShortest = measurable(shortest);
  const atLongest = measurable(longest);
  add(atShortest[atShortest.length - 1], shortest, fewest, 'corner');
  add(nearest(measurable(middle), 1000 / middle), middle, fewest, 'crossover');
  add(atLongest[0], longest, fewest, 'corner');
  if (config.quick) return points;
  add(atShortest[0], shortest, fewest, 'corner');
  add(atLongest[atLongest.length - 1], longest, fewest, 'corner');
  add(nearest(measurable(middle), 1), middle, most, 'corner');
  // A sample: a deterministic pick among the measurable points left, so that a map is reproducible.
  const rest = config.clients
    .flatMap((clients) => intervals.flatMap((intervalMs) => measurable(intervalMs).map((rate) => ({ rate, intervalMs, clients }))))
    .filter((p) => !seen.has(`${p.rate}/${p.intervalMs}/${p.clients}`) && p.clients !== most);
  const pick = rest[Math.floor(rest.length / 2)];
  add(pick?.rate, pick?.intervalMs, pick?.clients, 'sample');
  return points;
}

/** The scenario id of a measured point. */
export function pointId(p: Pick<MeasuredPoint, 'rate' | 'intervalMs' | 'clients'>): string {
  return `map-r${p.rate}-i${p.intervalMs}-c${p.clients}`;
}

/** Scenario parameters of a grid point as it runs, F times faster. */
export function runParams(config: MapConfig, p: Pick<MeasuredPoint, 'rate' | 'intervalMs' | 'clients'>, timeScale: number): ScenarioParams {
  const base: Omit<ScenarioParams, 'messageBytes'> = {
    workload: 'broadcast',
    clients: p.clients,
    rate: p.rate * timeScale,
    payloadBytes: config.payloadBytes,
    intervalMs: p.intervalMs / timeScale,
    holdMs: config.holdMs / timeScale,
    durationMs: config.windowMs,
    warmupMs: config.warmupMs,
    headers: config.headers,
    // Broadcast has no rooms; the value `pushbench run` carries, so that a point runs with its parameters.
    roomSize: 10,
    target: null,
    // The model has HTTP/1.1 cleartext's terms only (run/technique-run.ts shows none on another wire): the map is drawn on it.
    wire: DEFAULT_WIRE,
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}

/** The runner's scenarios for the measured points (no floor: the map compares techniques). */
export function mapScenarios(config: MapConfig, points: readonly MeasuredPoint[]): ScenarioSpec[] {
  return points.map((p) => ({
    id: pointId(p),
    // A group of its own: the points differ in more than the client count, so no scaling chart may join them.
    group: pointId(p),
    title: `Map point: ${p.rate} msg/s, ${p.intervalMs} ms polls, ${p.clients} clients (${p.reason})`,
    description: `A measured point of the decision map (${p.reason}), beside the model's value for it`,
    params: runParams(config, p, p.timeScale),
    techniques: config.techniques,
    ...(p.timeScale > 1 ? { timeScale: p.timeScale } : {}),
    floor: false,
  }));
}

// ---------------------------------------------------------------------------------------
// Calibration: what the model cannot predict, taken from the measured points.
// ---------------------------------------------------------------------------------------

/** Per technique, what the measured points give the model. */
export interface Calibration {
  /** The network round trip, ms (the median over the measured runs of each one's fastest probe). */
  rttMs: number;
  /**
   * Mean queue of a fan-out (push techniques): the fan-out plus the arrival spread, the median of
   * the measured points at each client count measured (ascending `clients`, `ms` beside them).
   */
  queue: Partial<Record<TechniqueId, { clients: number[]; ms: number[] }>>;
  /** Server CPU per delivered message = perRequest × requests per message + perMessage, µs. */
  cpu: Partial<Record<TechniqueId, { perRequestMicros: number; perMessageMicros: number }>>;
  memoryBytesPerConnection: Partial<Record<TechniqueId, number>>;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Server CPU per delivered message of a run, µs; null without a server figure or deliveries. */
export function cpuMicrosPerMessage(result: CompletedResult): number | null {
  if (result.server === null || result.messages.delivered === 0) return null;
  return ((result.server.cpuPercent / 100) * result.windowMs * 1000) / result.messages.delivered;
}

/**
 * Least squares y = a·x + b with a, b >= 0 (a negative slope or intercept is noise on a cost
 * that cannot be negative; it is clamped and the other refitted). All x equal: a = 0, b = mean.
 */
export function fitCost(points: ReadonlyArray<{ x: number; y: number }>): { a: number; b: number } {
  const n = points.length;
  if (n === 0) return { a: 0, b: 0 };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx === 0) return { a: 0, b: Math.max(0, my) };
  const a = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  const b = my - a * mx;
  if (a < 0) return { a: 0, b: Math.max(0, my) };
  if (b < 0) {
    const sxy = points.reduce((s, p) => s + p.x * p.y, 0);
    const sx2 = points.reduce((s, p) => s + p.x * p.x, 0);
    return { a: Math.max(0, sxy / sx2), b: 0 };
  }
  return { a, b };
}

/** Requests per delivered message of a run (0 for a stream). */
function requestsPerMessage(result: CompletedResult): number {
  return result.requests === null || result.messages.delivered === 0 ? 0 : result.requests.total / result.messages.delivered;
}

/** The calibration from a session's measured map points; `fallbackRttMs` when none probed the network. */
export function calibrate(results: ResultsFile, techniques: readonly TechniqueId[], fallbackRttMs: number): Calibration {
  const rtts: number[] = [];
  const calibration: Calibration = { rttMs: fallbackRttMs, queue: {}, cpu: {}, memoryBytesPerConnection: {} };
  for (const technique of techniques) {
    const queues: Array<{ x: number; y: number }> = [];
    const cpuPoints: Array<{ x: number; y: number }> = [];
    const memory: number[] = [];
    for (const scenario of results.scenarios) {
      const result = scenario.results[technique];
      if (result?.state !== 'completed') continue;
      if (result.network) rtts.push(networkRttMs({ samplesMs: result.network.rttSamplesMs ?? [], rttMs: result.network.rttMs }));
      if (TECHNIQUE_META[technique].pickup === 'immediate')
        queues.push({ x: scenario.params.clients, y: (result.publisher?.fanOutMs?.mean ?? 0) + (result.arrivalSpreadMs ?? 0) });
      const cpu = cpuMicrosPerMessage(result);
      if (cpu !== null) cpuPoints.push({ x: requestsPerMessage(result), y: cpu });
      if (result.server?.bytesPerConnection != null && scenario.params.clients >= MEMORY_MIN_CLIENTS)
        memory.push(result.server.bytesPerConnection);
    }
    if (queues.length > 0) {
      const counts = [...new Set(queues.map((q) => q.x))].sort((a, b) => a - b);
      calibration.queue[technique] = { clients: counts, ms: counts.map((n) => median(queues.filter((q) => q.x === n).map((q) => q.y))!) };
    }
    if (cpuPoints.length > 0) {
      const fit = fitCost(cpuPoints);
      calibration.cpu[technique] = { perRequestMicros: fit.a, perMessageMicros: fit.b };
    }
    const mem = median(memory);
    if (mem !== null) calibration.memoryBytesPerConnection[technique] = mem;
  }
  calibration.rttMs = median(rtts) ?? fallbackRttMs;
  return calibration;
}

// ---------------------------------------------------------------------------------------
// The model of one cell.
// ---------------------------------------------------------------------------------------

/**
 * The queue of a fan-out at `clients`, from the measured client counts: between two of them a
 * straight line; below the fewest, the fewest's (a handful of sockets still costs a loop turn);
 * above the most, in proportion to the clients (one more socket to write and to read per client).
 */
export function queueAt(queue: { clients: readonly number[]; ms: readonly number[] }, clients: number): number {
  const n = queue.clients.length;
  if (n === 0) return 0;
  if (clients <= queue.clients[0]!) return queue.ms[0]!;
  const last = n - 1;
  if (clients >= queue.clients[last]!) return (queue.ms[last]! * clients) / queue.clients[last]!;
  let i = 0;
  while (clients > queue.clients[i + 1]!) i++;
  const [c0, c1, q0, q1] = [queue.clients[i]!, queue.clients[i + 1]!, queue.ms[i]!, queue.ms[i + 1]!];
  return q0 + ((q1 - q0) * (clients - c0)) / (c1 - c0);
}

/** Requests per delivered message the model predicts (polls per message for polling, answers per message for long polling). */
export function modelRequestsPerMessage(technique: TechniqueId, rate: number, intervalMs: number, holdMs: number, rttMs: number): number {
  if (TECHNIQUE_META[technique].delivery !== 'request') return 0;
  if (TECHNIQUE_META[technique].pickup === 'interval') return 1000 / Math.max(intervalMs, rttMs) / rate;
  // Long polling: one answer per message (k per answer when they come within an RTT), plus a re-request per expired hold.
  const k = Math.max(1, (rate * rttMs) / 1000);
  return 1 / k + Math.floor(1000 / rate / holdMs);
}

/**
 * What the model says for one technique at one point. Bytes and the network and polling terms
 * are run/model.ts's; the queue of a fan-out, CPU and memory come from the calibration.
 * p50: a poll's wait is uniform over the interval, so the median is the mean; p99 is 0.99 of
 * the interval plus the trip. A push's queue serves clients one after another: a client waits a
 * uniform share of the whole queue, so the mean queue is half of it and p99 about twice the mean.
 */
export function modelFigures(technique: TechniqueId, params: ScenarioParams, calibration: Calibration): MapFigures {
  const model = modelFor(technique, params, MAP_WIRE, {
    rttMs: calibration.rttMs,
    publisherLatenessMs: 0,
    messagesPerAnswer: null,
    fanOutMs: 0,
    arrivalSpreadMs: 0,
  });
  const interval = TECHNIQUE_META[technique].pickup === 'interval';
  const queue = calibration.queue[technique];
  const queueMs = interval || queue === undefined ? 0 : queueAt(queue, params.clients);
  const tripMs = calibration.rttMs / 2;
  const pollMs = Math.max(params.intervalMs, calibration.rttMs);
  const cpu = calibration.cpu[technique];
  return {
    bytesPerMessage: model.perMessage.totalBytes,
    bandwidthBytesPerSecond: model.perMessage.totalBytes * params.rate,
    p50Ms: model.latencyMs.mean + queueMs,
    p99Ms: interval ? 0.99 * pollMs + tripMs : model.latencyMs.max + 2 * 0.99 * queueMs,
    cpuMicrosPerMessage:
      cpu === undefined
        ? null
        : cpu.perRequestMicros * modelRequestsPerMessage(technique, params.rate, params.intervalMs, params.holdMs, calibration.rttMs) +
          cpu.perMessageMicros,
    memoryBytesPerConnection: calibration.memoryBytesPerConnection[technique] ?? null,
  };
}

/** Bytes must match the model to 1% (they are protocol arithmetic); latency to 10%. */
export const TOLERANCE: Readonly<Record<'bytes' | 'p50' | 'p99', number>> = { bytes: 0.01, p50: 0.1, p99: 0.1 };

/** p99 needs this many samples to be compared (core/evidence.ts prints none below it either). */
const P99_MIN_SAMPLES = 100;

function relativeGap(measured: number, model: number): number {
  return model === 0 ? (measured === 0 ? 0 : Infinity) : Math.abs(measured - model) / model;
}

/**
 * The figure a cell shows for a criterion: the measurement where there is one and it does not
 * depend on the time scale (bytes, bandwidth rescaled, CPU and memory per unit, latency only when
 * the run was not compressed), else the model's.
 */
export function shownFigure(cell: MapCell, criterion: MapCriterion): { value: number | null; measured: boolean } {
  const m = cell.measurement;
  const timeBound = criterion === 'p50' || criterion === 'p99';
  if (m !== undefined && !(timeBound && m.timeScale > 1)) {
    const value = figureOf(m.figures, criterion);
    if (value !== null) return { value, measured: true };
  }
  return { value: figureOf(cell.model, criterion), measured: false };
}

/**
 * A measured point's figures, at the cell's scale, and where they disagree with the model at the
 * run's own parameters (the scenario's, as it ran: the map's own points ran with runParams').
 */
function measurementOf(
  point: MeasuredPoint,
  scenario: Scenario,
  result: CompletedResult,
  calibration: Calibration,
  technique: TechniqueId,
): NonNullable<MapCell['measurement']> {
  const scenarioId = scenario.id;
  const asRun = modelFigures(technique, scenario.params, calibration);
  const figures: MapFigures = {
    bytesPerMessage: result.perMessage.totalBytes,
    bandwidthBytesPerSecond: result.perClientBytesPerSecond / point.timeScale,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    cpuMicrosPerMessage: cpuMicrosPerMessage(result),
    // Below MEMORY_MIN_CLIENTS the RSS growth is heap steps, not connections (see there).
    memoryBytesPerConnection: point.clients >= MEMORY_MIN_CLIENTS ? (result.server?.bytesPerConnection ?? null) : null,
  };
  const disagree: MapCriterion[] = [];
  if (relativeGap(figures.bytesPerMessage, asRun.bytesPerMessage) > TOLERANCE.bytes) disagree.push('bytes');
  if (result.latencyMs.count > 0 && relativeGap(figures.p50Ms, asRun.p50Ms) > TOLERANCE.p50) disagree.push('p50');
  if (result.latencyMs.count >= P99_MIN_SAMPLES && relativeGap(figures.p99Ms, asRun.p99Ms) > TOLERANCE.p99) disagree.push('p99');
  return {
    scenarioId,
    timeScale: point.timeScale,
    figures,
    modelAsRun: { bytesPerMessage: asRun.bytesPerMessage, p50Ms: asRun.p50Ms, p99Ms: asRun.p99Ms },
    samples: result.latencyMs.count,
    messages: result.latencyMs.messages ?? 0,
    disagree,
  };
}

/** The winner of every point for every criterion, among the techniques within the limits. */
export function pickWinners(
  cells: readonly MapCell[],
  limits: Pick<MapConfig, 'maxLatencyMs' | 'maxBandwidthBytesPerSecond'>,
): MapWinner[] {
  const byPoint = new Map<string, MapCell[]>();
  for (const cell of cells) {
    const key = `${cell.rate}/${cell.intervalMs}/${cell.clients}`;
    const list = byPoint.get(key) ?? [];
    list.push(cell);
    byPoint.set(key, list);
  }
  const winners: MapWinner[] = [];
  for (const list of byPoint.values()) {
    const first = list[0]!;
    const allowed = list.filter((cell) => {
      const p99 = shownFigure(cell, 'p99').value;
      const bandwidth = shownFigure(cell, 'bandwidth').value;
      return (
        (limits.maxLatencyMs === null || (p99 !== null && p99 <= limits.maxLatencyMs)) &&
        (limits.maxBandwidthBytesPerSecond === null || (bandwidth !== null && bandwidth <= limits.maxBandwidthBytesPerSecond))
      );
    });
    for (const criterion of MAP_CRITERIA) {
      const ranked = allowed
        .map((cell) => ({ cell, ...shownFigure(cell, criterion) }))
        .filter((r): r is { cell: MapCell; value: number; measured: boolean } => r.value !== null)
        .sort((a, b) => a.value - b.value || TECHNIQUES.indexOf(a.cell.technique) - TECHNIQUES.indexOf(b.cell.technique));
      const best = ranked[0];
      const next = ranked[1];
      winners.push({
        rate: first.rate,
        intervalMs: first.intervalMs,
        clients: first.clients,
        criterion,
        technique: best?.cell.technique ?? null,
        runnerUp: next?.cell.technique ?? null,
        margin: best === undefined || next === undefined ? null : best.value === 0 ? null : next.value / best.value,
        measured: best?.measured ?? false,
      });
    }
  }
  return winners;
}

/** The whole map from the config, the measured points and the session's results (their scenarios are the points, by id). */
export function buildMap(config: MapConfig, points: readonly MeasuredPoint[], results: ResultsFile, wallMs: number): DecisionMap {
  const calibration = calibrate(results, config.techniques, 0);
  const scenarios = new Map(results.scenarios.map((s) => [s.id, s]));
  const cells: MapCell[] = [];
  for (const clients of config.clients) {
    for (const intervalMs of config.intervalsMs) {
      for (const rate of config.rates) {
        const point = points.find((p) => p.rate === rate && p.intervalMs === intervalMs && p.clients === clients);
        const scenario = point === undefined ? undefined : scenarios.get(point.scenarioId ?? pointId(point));
        const params = runParams(config, { rate, intervalMs, clients }, 1);
        for (const technique of config.techniques) {
          const result = scenario?.results[technique];
          const measured = point !== undefined && scenario !== undefined && result?.state === 'completed';
          cells.push({
            rate,
            intervalMs,
            clients,
            technique,
            model: modelFigures(technique, params, calibration),
            measured,
            ...(measured ? { measurement: measurementOf(point, scenario, result, calibration, technique) } : {}),
          });
        }
      }
    }
  }
  const limits = {
    maxLatencyMs: config.maxLatencyMs,
    maxBandwidthBytesPerSecond: config.maxBandwidthBytesPerSecond,
    maxMemoryBytes: config.maxMemoryBytes,
  };
  const crossovers = mapCrossovers(config, calibration, cells);
  return {
    axes: {
      rates: [...config.rates],
      intervalsMs: [...config.intervalsMs],
      clients: [...config.clients],
      techniques: [...config.techniques],
    },
    params: { payloadBytes: config.payloadBytes, holdMs: config.holdMs, headers: config.headers, rttMs: calibration.rttMs },
    limits,
    calibration: describeCalibration(calibration, config.techniques),
    cells,
    winners: pickWinners(cells, limits),
    crossovers,
    claims: mapClaims(config, cells, crossovers, calibration),
    measuredCells: points.filter((p) => scenarios.has(p.scenarioId ?? pointId(p))).length,
    wallMs,
  };
}

function describeCalibration(c: Calibration, techniques: readonly TechniqueId[]): string {
  const parts = techniques.map((t) => {
    const q = c.queue[t];
    const cpu = c.cpu[t];
    const mem = c.memoryBytesPerConnection[t];
    return (
      `${t}: ` +
      [
        q === undefined ? null : `queue ${q.clients.map((n, i) => `${q.ms[i]!.toFixed(2)} ms at ${n} clients`).join(', ')}`,
        cpu === undefined
          ? 'CPU not measured'
          : `CPU ${cpu.perRequestMicros.toFixed(1)} µs per request + ${cpu.perMessageMicros.toFixed(1)} µs per message`,
        mem === undefined ? 'memory per connection not measured' : `${Math.round(mem)} B per connection`,
      ]
        .filter((p) => p !== null)
        .join(', ')
    );
  });
  return (
    `RTT ${c.rttMs.toFixed(3)} ms (the median over the measured points of each one's fastest probe). Taken from the measured points, because the model cannot predict them: ` +
    `the fan-out's queue (the median at each client count measured, a line between them, the fewest's below, in proportion to the clients above), CPU (a least-squares fit of a per-request and a per-message cost; at low rates it carries the server's idle work too), ` +
    `memory per connection (median of the points with at least ${MEMORY_MIN_CLIENTS} clients). ${parts.join('; ')}.`
  );
}
