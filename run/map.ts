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
import { DEFAULT_WIRE, techniquesOn, WIRE_META, wireRefusals, type WireId } from '../core/wires.ts';
import {
  figureOf,
  MAP_CRITERIA,
  MAP_RANKINGS,
  type CompletedResult,
  type DecisionMap,
  type HeaderProfileName,
  type MapCell,
  type MapCriterion,
  type MapFigures,
  type MapRanking,
  type MapWinner,
  type ResultsFile,
  type Scenario,
  type ScenarioParams,
} from '../core/results.ts';
import { modelFor, publishHopMs, typicalSeq, type WireContext } from './model.ts';
import { BUILTIN_TARGET, targetOffersOn, type ResolvedTarget } from './targets.ts';
import { networkRttMs } from './rtt-probe.ts';
import { messageBytesFor } from './scenarios.ts';
import { RUN_TECHNIQUES } from './techniques/index.ts';
import { requestBlockBytes } from './hpack-sizes.ts';
import { h2Headers } from '../load/h2-tab.ts';
import { headerProfile } from '../load/headers.ts';
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
  /** The wires of the map (`--wire`); absent: http alone, as before wires. */
  readonly wires?: readonly WireId[];
  /** `--weights`: the weight of each criterion for the `weighted` ranking; absent or null: no weighted ranking. */
  readonly weights?: MapWeights | null;
  /** `--target-file`: the server the measured points run against; absent: the built-in target (pushbench's own servers). */
  readonly target?: ResolvedTarget;
}

/** The target of a map: the built-in one unless a target file was given. */
export function mapTarget(config: Pick<MapConfig, 'target'>): ResolvedTarget {
  return config.target ?? BUILTIN_TARGET;
}

/** The techniques of the map on `wire`: those the wire carries and the target serves there. */
export function mapTechniquesOn(config: Pick<MapConfig, 'techniques' | 'target'>, wire: WireId): TechniqueId[] {
  const target = mapTarget(config);
  return techniquesOn(wire, config.techniques).filter((id) => target.techniques.includes(id) && targetOffersOn(target, wire, id));
}

/** Every technique and wire pair of the map left out, with the reason: the wire's refusal or the target's. */
export function mapRefusals(config: Pick<MapConfig, 'techniques' | 'target' | 'wires'>): string[] {
  const target = mapTarget(config);
  const out = wireRefusals(config.techniques, mapWires(config));
  const missing = config.techniques.filter((id) => !target.techniques.includes(id));
  if (missing.length > 0)
    out.push(`target ${target.name} does not offer ${missing.join(', ')} (it offers ${target.techniques.join(', ')})`);
  for (const wire of mapWires(config)) {
    const notServed = techniquesOn(wire, config.techniques).filter(
      (id) => target.techniques.includes(id) && !targetOffersOn(target, wire, id),
    );
    if (notServed.length > 0) out.push(`target ${target.name} does not serve ${notServed.join(', ')} on wire ${wire}`);
  }
  return out;
}

/** The weight of each criterion (absent: 0). */
export type MapWeights = Readonly<Partial<Record<MapCriterion, number>>>;

/** The wires of a map, http when none was given. */
export function mapWires(config: Pick<MapConfig, 'wires'>): readonly WireId[] {
  return config.wires ?? [DEFAULT_WIRE];
}

/** `n` values from `from` to `to`, evenly spaced on a log scale, rounded to 3 significant digits. */
export function logSpaced(from: number, to: number, n: number): number[] {
  if (n === 1) return [from];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number((from * (to / from) ** (i / (n - 1))).toPrecision(3)));
  return out;
}

/** Technique and wire pairs of a map: each wire's techniques it carries (a refused pair is left out, see wireRefusals). */
export function techniqueWirePairs(config: Pick<MapConfig, 'techniques' | 'wires' | 'target'>): number {
  return mapWires(config).reduce((n, wire) => n + mapTechniquesOn(config, wire).length, 0);
}

/** Cells of a grid: every rate × interval × clients × technique and wire pair. */
export function cellCount(config: Pick<MapConfig, 'rates' | 'intervalsMs' | 'clients' | 'techniques' | 'wires' | 'target'>): number {
  return config.rates.length * config.intervalsMs.length * config.clients.length * techniqueWirePairs(config);
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

/** The scenario id of a measured point on a wire and target (`@<target>` off the built-in, `-<wire>` off http, as run names its scenarios). */
export function pointId(
  p: Pick<MeasuredPoint, 'rate' | 'intervalMs' | 'clients'>,
  wire: WireId = DEFAULT_WIRE,
  target: ResolvedTarget = BUILTIN_TARGET,
): string {
  return `map-r${p.rate}-i${p.intervalMs}-c${p.clients}${target.kind === 'builtin' ? '' : `@${target.name}`}${wire === DEFAULT_WIRE ? '' : `-${wire}`}`;
}

/** Scenario parameters of a grid point as it runs, F times faster, on `wire`. */
export function runParams(
  config: MapConfig,
  p: Pick<MeasuredPoint, 'rate' | 'intervalMs' | 'clients'>,
  timeScale: number,
  wire: WireId = DEFAULT_WIRE,
): ScenarioParams {
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
    // As run names a target file's server: its origin when pushbench does not start it, else null.
    target:
      config.target === undefined || config.target.kind === 'builtin' || config.target.server.kind === 'command'
        ? null
        : config.target.origin,
    wire,
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}

/** The runner's scenarios for the measured points, each on every wire of the map with the techniques it carries (no floor: the map compares techniques). */
export function mapScenarios(config: MapConfig, points: readonly MeasuredPoint[]): ScenarioSpec[] {
  const target = mapTarget(config);
  return mapWires(config).flatMap((wire) => {
    const techniques = mapTechniquesOn(config, wire);
    if (techniques.length === 0) return [];
    return points.map((p) => ({
      id: pointId(p, wire, target),
      // A group of its own: the points differ in more than the client count, so no scaling chart may join them.
      group: pointId(p, wire, target),
      ...(target.kind === 'builtin' ? {} : { target }),
      title: `Map point: ${p.rate} msg/s, ${p.intervalMs} ms polls, ${p.clients} clients${target.kind === 'builtin' ? '' : `, on ${target.name}`}${wire === DEFAULT_WIRE ? '' : ` over ${WIRE_META[wire].label}`} (${p.reason})`,
      description: `A measured point of the decision map (${p.reason}), beside the model's value for it`,
      params: runParams(config, p, p.timeScale, wire),
      techniques,
      ...(p.timeScale > 1 ? { timeScale: p.timeScale } : {}),
      floor: false,
    }));
  });
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
  /**
   * On an HTTP/2 wire, per technique that answers requests: a JSON answer's HPACK block = base
   * (an answer with messages; emptyBase for an empty `[]`, whose `content-length: 2` the table
   * indexes after the first) + perDateChange × the share of answers whose `date` differs from the
   * connection's previous answer. perDateChange is the encoder's (a literal date against an indexed
   * one); base and emptyBase a least-squares line in the share of empty answers through the blocks
   * the clients counted at the measured points, less the date term at their share.
   */
  h2Response?: Partial<Record<TechniqueId, { perDateChangeBytes: number; baseBytes: number; emptyBaseBytes?: number; points: number }>>;
  /**
   * A target file's server: the built-in formulas for bytes do not hold there (its own heads,
   * envelopes and cursors), so bytes per message are a least-squares line in requests per message
   * through its measured cells (perRequest × requests per message + perMessage), and latency
   * carries the publish hop measured from pushbench's POST round trip.
   */
  target?: {
    name: string;
    bytes: Partial<Record<TechniqueId, { perRequestBytes: number; perMessageBytes: number; points: number }>>;
    /** Techniques whose target answers one message per poll and is asked again at once (`repoll`): one more request per message. */
    repoll: TechniqueId[];
    publishHopMs: number;
  };
}

/**
 * The share of a connection's answers whose `date` header (whole seconds) differs from the one
 * before, which HPACK must then send as a literal: the gap between answers over a second, at most 1.
 * Short polling answers every max(interval, RTT); long polling every message gap (at least an RTT),
 * or at the hold when that is shorter. 0 for a stream (no answer per message).
 */
export function dateChangeShare(
  technique: TechniqueId,
  params: Pick<ScenarioParams, 'rate' | 'intervalMs' | 'holdMs'>,
  rttMs: number,
): number {
  if (TECHNIQUE_META[technique].delivery !== 'request') return 0;
  const gapMs =
    TECHNIQUE_META[technique].pickup === 'interval'
      ? Math.max(params.intervalMs, rttMs)
      : Math.min(params.holdMs, Math.max(1000 / params.rate, rttMs));
  return Math.min(1, gapMs / 1000);
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

/** Least squares y = slope·x + intercept, unconstrained; all x equal: slope 0, the mean. */
export function leastSquares(points: ReadonlyArray<{ x: number; y: number }>): { slope: number; intercept: number } {
  const n = points.length;
  if (n === 0) return { slope: 0, intercept: 0 };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (sxx < 1e-12) return { slope: 0, intercept: my };
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * The share of a request technique's answers that carry no message, as the model has it: short
 * polling's polls beyond one per message (1 − r/p), long polling's expired holds among its answers.
 */
export function emptyAnswerShare(
  technique: TechniqueId,
  params: Pick<ScenarioParams, 'rate' | 'intervalMs' | 'holdMs'>,
  rttMs: number,
): number {
  if (TECHNIQUE_META[technique].delivery !== 'request') return 0;
  if (TECHNIQUE_META[technique].pickup === 'interval') return Math.max(0, 1 - params.rate / (1000 / Math.max(params.intervalMs, rttMs)));
  const k = Math.max(1, (params.rate * rttMs) / 1000);
  const expired = Math.floor(1000 / params.rate / params.holdMs);
  return expired / (1 / k + expired);
}

/** Requests per delivered message of a run (0 for a stream). */
function requestsPerMessage(result: CompletedResult): number {
  return result.requests === null || result.messages.delivered === 0 ? 0 : result.requests.total / result.messages.delivered;
}

/** The calibration from a session's measured map points on `wire`; `fallbackRttMs` when none probed the network. */
export function calibrate(
  results: ResultsFile,
  techniques: readonly TechniqueId[],
  fallbackRttMs: number,
  wire: WireId = DEFAULT_WIRE,
  h2DateChangeBytes = 0,
  target: ResolvedTarget = BUILTIN_TARGET,
): Calibration {
  const rtts: number[] = [];
  const calibration: Calibration = { rttMs: fallbackRttMs, queue: {}, cpu: {}, memoryBytesPerConnection: {}, h2Response: {} };
  const onWire = results.scenarios.filter((s) => (s.params.wire ?? DEFAULT_WIRE) === wire);
  const blocks: Array<{ technique: TechniqueId; params: ScenarioParams; bytes: number; empty: number }> = [];
  for (const technique of techniques) {
    const queues: Array<{ x: number; y: number }> = [];
    const cpuPoints: Array<{ x: number; y: number }> = [];
    const memory: number[] = [];
    for (const scenario of onWire) {
      const result = scenario.results[technique];
      if (result?.state !== 'completed') continue;
      if (result.network) rtts.push(networkRttMs({ samplesMs: result.network.rttSamplesMs ?? [], rttMs: result.network.rttMs }));
      if (TECHNIQUE_META[technique].pickup === 'immediate')
        queues.push({ x: scenario.params.clients, y: (result.publisher?.fanOutMs?.mean ?? 0) + (result.arrivalSpreadMs ?? 0) });
      const cpu = cpuMicrosPerMessage(result);
      if (cpu !== null) cpuPoints.push({ x: requestsPerMessage(result), y: cpu });
      if (result.server?.bytesPerConnection != null && scenario.params.clients >= MEMORY_MIN_CLIENTS)
        memory.push(result.server.bytesPerConnection);
      const answers = result.requests?.total ?? 0;
      if (WIRE_META[wire].httpVersion === '2' && answers > 0 && result.wireParts !== undefined && result.wireParts !== null)
        blocks.push({
          technique,
          params: scenario.params,
          bytes: result.wireParts.window.h2HeaderBlockBytesDown / answers,
          empty: (result.requests?.empty ?? 0) / answers,
        });
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
  if (target.kind !== 'builtin') {
    const hops: number[] = [];
    const bytes: NonNullable<Calibration['target']>['bytes'] = {};
    const repoll = techniques.filter((id) => target.subscriptions[id]?.repoll === true);
    for (const technique of techniques) {
      const points: Array<{ x: number; y: number }> = [];
      for (const scenario of onWire) {
        const result = scenario.results[technique];
        if (result?.state !== 'completed') continue;
        // x is the model's requests per message at the run's parameters, the x a cell is then read at: the line absorbs where the model's count is off.
        const p = scenario.params;
        const x =
          modelRequestsPerMessage(technique, p.rate, p.intervalMs, p.holdMs, calibration.rttMs) + (repoll.includes(technique) ? 1 : 0);
        points.push({ x, y: result.perMessage.totalBytes });
        if (result.publisher?.roundTripMs !== undefined)
          hops.push(publishHopMs(result.publisher.roundTripMs.mean, result.network?.rttMs ?? 0, 0));
      }
      if (points.length === 0) continue;
      const fit = fitCost(points);
      bytes[technique] = { perRequestBytes: fit.a, perMessageBytes: fit.b, points: points.length };
    }
    calibration.target = {
      name: target.name,
      bytes,
      repoll,
      publishHopMs: median(hops) ?? 0,
    };
  }
  for (const technique of techniques) {
    const own = blocks.filter((b) => b.technique === technique);
    if (own.length === 0) continue;
    const line = leastSquares(
      own.map((b) => ({ x: b.empty, y: b.bytes - h2DateChangeBytes * dateChangeShare(technique, b.params, calibration.rttMs) })),
    );
    (calibration.h2Response ??= {})[technique] = {
      perDateChangeBytes: h2DateChangeBytes,
      baseBytes: Math.max(0, line.intercept),
      emptyBaseBytes: Math.max(0, line.intercept + line.slope),
      points: own.length,
    };
  }
  return calibration;
}

/** HPACK request blocks from the encoder (run/hpack-sizes.ts), by blockKey: the first request's and the steady state's. */
export type H2RequestBlocks = ReadonlyMap<string, { readonly first: number; readonly steady: number }>;

/** The key of a request block: the wire, the technique and the `since` its path carries (its digits change the literal `:path`). */
export function blockKey(wire: WireId, technique: TechniqueId, seq: number): string {
  return `${wire}|${technique}|${seq}`;
}

/** What buildMap takes besides the config, the points and the results (all optional: a model-only http map needs none). */
export interface MapBuildOptions {
  /** On an HTTP/2 wire: the request's HPACK blocks (mapRequestBlocks); without them an HTTP/2 request counts no header block. */
  readonly h2RequestBlocks?: H2RequestBlocks;
  /** On an HTTP/2 wire: what a changed `date` adds to an answer's HPACK block (h2DateChangeBytes); absent: 0. */
  readonly h2DateChangeBytes?: number;
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
export function modelFigures(
  technique: TechniqueId,
  params: ScenarioParams,
  calibration: Calibration,
  h2RequestBlocks?: H2RequestBlocks,
): MapFigures {
  const model = modelFor(technique, params, mapWireContext(technique, params, calibration, h2RequestBlocks), {
    rttMs: calibration.rttMs,
    publisherLatenessMs: 0,
    messagesPerAnswer: null,
    fanOutMs: 0,
    arrivalSpreadMs: 0,
    ...(calibration.target === undefined ? {} : { publishHopMs: calibration.target.publishHopMs }),
  });
  const interval = TECHNIQUE_META[technique].pickup === 'interval';
  const queue = calibration.queue[technique];
  const queueMs = interval || queue === undefined ? 0 : queueAt(queue, params.clients);
  const tripMs = calibration.rttMs / 2;
  const pollMs = Math.max(params.intervalMs, calibration.rttMs);
  const cpu = calibration.cpu[technique];
  const requests = mapRequestsPerMessage(technique, params, calibration);
  const fitted = calibration.target?.bytes[technique];
  const bytes = fitted === undefined ? model.perMessage.totalBytes : fitted.perRequestBytes * requests + fitted.perMessageBytes;
  return {
    bytesPerMessage: bytes,
    bandwidthBytesPerSecond: bytes * params.rate,
    p50Ms: model.latencyMs.mean + queueMs,
    p99Ms: interval ? 0.99 * pollMs + tripMs : model.latencyMs.max + 2 * 0.99 * queueMs,
    cpuMicrosPerMessage: cpu === undefined ? null : cpu.perRequestMicros * requests + cpu.perMessageMicros,
    memoryBytesPerConnection: calibration.memoryBytesPerConnection[technique] ?? null,
  };
}

/** Requests per delivered message at a cell: the model's, and one more per message for a target that is asked again at once after each answer (`repoll`). */
export function mapRequestsPerMessage(technique: TechniqueId, params: ScenarioParams, calibration: Calibration): number {
  const base = modelRequestsPerMessage(technique, params.rate, params.intervalMs, params.holdMs, calibration.rttMs);
  return calibration.target?.repoll.includes(technique) === true ? base + 1 : base;
}

/**
 * The wire the model sees for a cell: the map's host, the cell's wire and, on HTTP/2 for a
 * technique that repeats a request, the HPACK blocks: the request's from the encoder, the
 * answer's from the calibrated line at the cell's share of `date` changes.
 */
export function mapWireContext(
  technique: TechniqueId,
  params: ScenarioParams,
  calibration: Calibration,
  h2RequestBlocks?: H2RequestBlocks,
): WireContext {
  const wire = params.wire ?? DEFAULT_WIRE;
  if (WIRE_META[wire].httpVersion !== '2' || RUN_TECHNIQUES[technique].repeatedRequest === undefined) return { ...MAP_WIRE, wire };
  const request = h2RequestBlocks?.get(blockKey(wire, technique, typicalSeq(params)));
  const fit = calibration.h2Response?.[technique];
  const share = dateChangeShare(technique, params, calibration.rttMs);
  const empty = emptyAnswerShare(technique, params, calibration.rttMs);
  const base = fit === undefined ? 0 : fit.baseBytes * (1 - empty) + (fit.emptyBaseBytes ?? fit.baseBytes) * empty;
  return {
    ...MAP_WIRE,
    wire,
    h2: {
      firstRequestBlockBytes: request?.first ?? 0,
      requestBlockBytes: request?.steady ?? 0,
      responseBlockBytes: fit === undefined ? 0 : base + fit.perDateChangeBytes * share,
      responseBlockSource:
        fit === undefined
          ? 'not measured: no answer counted on this wire'
          : `${base.toFixed(1)} B (${(empty * 100).toFixed(0)}% empty answers; fitted to the blocks counted at ${fit.points} measured cells) + ${fit.perDateChangeBytes.toFixed(1)} B × ${share.toFixed(3)}, the share of answers with a new \`date\``,
    },
  };
}

/**
 * Whether a criterion's measured figure depends on the time scale of the run: latency always; on
 * HTTP/2 the bytes of a request technique too, since an answer's `date` changes once a second and
 * HPACK sends it again as a literal (a compressed run answers more often in each second).
 */
export function timeBound(criterion: MapCriterion, technique: TechniqueId, wire: WireId = DEFAULT_WIRE): boolean {
  if (criterion === 'p50' || criterion === 'p99') return true;
  return (
    (criterion === 'bytes' || criterion === 'bandwidth') &&
    WIRE_META[wire].httpVersion === '2' &&
    TECHNIQUE_META[technique].delivery === 'request'
  );
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
  if (m !== undefined && !(timeBound(criterion, cell.technique, cell.wire) && m.timeScale > 1)) {
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
  h2RequestBlocks?: H2RequestBlocks,
): NonNullable<MapCell['measurement']> {
  const asRun = modelFigures(technique, scenario.params, calibration, h2RequestBlocks);
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
    scenarioId: scenario.id,
    timeScale: point.timeScale,
    figures,
    modelAsRun: { bytesPerMessage: asRun.bytesPerMessage, p50Ms: asRun.p50Ms, p99Ms: asRun.p99Ms },
    samples: result.latencyMs.count,
    messages: result.latencyMs.messages ?? 0,
    disagree,
  };
}

/**
 * The weighted score of each cell among `cells` (one point, one wire or all wires): each weighted
 * criterion's figure over the best (lowest) figure of that criterion among the cells, combined as
 * the weighted mean, so 1 is best at every weighted criterion and 1.5 costs half as much again on
 * average. A criterion no cell has a figure for, or whose best figure is 0, is left out of the
 * point; a cell missing a figure of a criterion left in has no score (null).
 */
export function weightedScores(cells: readonly MapCell[], weights: MapWeights): Array<number | null> {
  const used = MAP_CRITERIA.filter((c) => (weights[c] ?? 0) > 0)
    .map((criterion) => {
      const values = cells.map((cell) => shownFigure(cell, criterion).value);
      const present = values.filter((v): v is number => v !== null);
      return { criterion, values, best: present.length === 0 ? 0 : Math.min(...present), weight: weights[criterion]! };
    })
    .filter((c) => c.best > 0);
  if (used.length === 0) return cells.map(() => null);
  const total = used.reduce((sum, c) => sum + c.weight, 0);
  return cells.map((_, i) => {
    let sum = 0;
    for (const c of used) {
      const value = c.values[i];
      if (value === null || value === undefined) return null;
      sum += (c.weight * value) / c.best;
    }
    return sum / total;
  });
}

/** A cell's figure for a ranking: the shown figure of a criterion, or its weighted score. */
function rankedFigure(cell: MapCell, ranking: MapRanking, score: number | null): { value: number | null; measured: boolean } {
  if (ranking === 'weighted') return { value: score, measured: cell.measured };
  return shownFigure(cell, ranking);
}

/** The ranking of one group of cells (one point, on one wire or across them): winner, runner-up and margin. */
function rankGroup(
  list: readonly MapCell[],
  limits: Pick<MapConfig, 'maxLatencyMs' | 'maxBandwidthBytesPerSecond'>,
  weights: MapWeights | null,
  wire: WireId | 'any',
): MapWinner[] {
  const first = list[0]!;
  const within = list.map((cell) => {
    const p99 = shownFigure(cell, 'p99').value;
    const bandwidth = shownFigure(cell, 'bandwidth').value;
    return (
      (limits.maxLatencyMs === null || (p99 !== null && p99 <= limits.maxLatencyMs)) &&
      (limits.maxBandwidthBytesPerSecond === null || (bandwidth !== null && bandwidth <= limits.maxBandwidthBytesPerSecond))
    );
  });
  // Scores are normalised among every cell of the group (the best of each criterion there), limits or not.
  const scores = weights === null ? list.map(() => null) : weightedScores(list, weights);
  const rankings: readonly MapRanking[] = weights === null ? MAP_CRITERIA : MAP_RANKINGS;
  const order = (cell: MapCell): number => TECHNIQUES.indexOf(cell.technique) * 10 + (cell.wire === undefined ? 0 : WIRES_ORDER[cell.wire]);
  return rankings.map((ranking) => {
    const ranked = list
      .map((cell, i) => ({ cell, allowed: within[i]!, ...rankedFigure(cell, ranking, scores[i] ?? null) }))
      .filter((r): r is { cell: MapCell; allowed: boolean; value: number; measured: boolean } => r.allowed && r.value !== null)
      .sort((a, b) => a.value - b.value || order(a.cell) - order(b.cell));
    const best = ranked[0];
    const next = ranked[1];
    return {
      rate: first.rate,
      intervalMs: first.intervalMs,
      clients: first.clients,
      criterion: ranking,
      wire,
      technique: best?.cell.technique ?? null,
      runnerUp: next?.cell.technique ?? null,
      ...(wire === 'any'
        ? {
            winnerWire: best?.cell.wire ?? (best === undefined ? null : DEFAULT_WIRE),
            runnerUpWire: next?.cell.wire ?? (next === undefined ? null : DEFAULT_WIRE),
          }
        : {}),
      margin: best === undefined || next === undefined ? null : best.value === 0 ? null : next.value / best.value,
      measured: best?.measured ?? false,
    };
  });
}

const WIRES_ORDER: Readonly<Record<WireId, number>> = { http: 0, https: 1, h2: 2, h2c: 3 };

/**
 * The winner of every point for every criterion (and `weighted` with weights), among the
 * techniques within the limits: on each wire, and across the wires (a technique and wire pair)
 * when the cells are on more than one.
 */
export function pickWinners(
  cells: readonly MapCell[],
  limits: Pick<MapConfig, 'maxLatencyMs' | 'maxBandwidthBytesPerSecond'>,
  weights: MapWeights | null = null,
): MapWinner[] {
  const byPoint = new Map<string, MapCell[]>();
  const byPointAndWire = new Map<string, MapCell[]>();
  for (const cell of cells) {
    const key = `${cell.rate}/${cell.intervalMs}/${cell.clients}`;
    byPoint.set(key, [...(byPoint.get(key) ?? []), cell]);
    const wireKey = `${cell.wire ?? DEFAULT_WIRE}/${key}`;
    byPointAndWire.set(wireKey, [...(byPointAndWire.get(wireKey) ?? []), cell]);
  }
  const winners: MapWinner[] = [];
  for (const list of byPointAndWire.values()) winners.push(...rankGroup(list, limits, weights, list[0]!.wire ?? DEFAULT_WIRE));
  const wires = new Set(cells.map((c) => c.wire ?? DEFAULT_WIRE));
  if (wires.size > 1) for (const list of byPoint.values()) winners.push(...rankGroup(list, limits, weights, 'any'));
  return winners;
}

/** Each wire's HTTP/2 request blocks the map's cells and measured points need, from Node's own encoder (run/hpack-sizes.ts). */
export async function mapRequestBlocks(config: MapConfig, points: readonly MeasuredPoint[]): Promise<H2RequestBlocks> {
  const blocks = new Map<string, { first: number; steady: number }>();
  const profile = headerProfile(config.headers);
  for (const wire of mapWires(config)) {
    if (WIRE_META[wire].httpVersion !== '2') continue;
    for (const technique of techniquesOn(wire, config.techniques)) {
      const repeated = RUN_TECHNIQUES[technique].repeatedRequest;
      if (repeated === undefined) continue;
      const params = [
        ...config.rates.flatMap((rate) =>
          config.intervalsMs.map((intervalMs) => runParams(config, { rate, intervalMs, clients: 1 }, 1, wire)),
        ),
        ...points.map((p) => runParams(config, p, p.timeScale, wire)),
      ];
      for (const p of params) {
        const seq = typicalSeq(p);
        const key = blockKey(wire, technique, seq);
        if (blocks.has(key)) continue;
        const request = repeated(p, profile, seq);
        const headers = { ':path': request.path, ...h2Headers(request.headers) };
        const [first = 0, , steady = 0] = await requestBlockBytes(`${WIRE_META[wire].scheme}://${MAP_WIRE.host}`, [
          headers,
          headers,
          headers,
        ]);
        blocks.set(key, { first, steady });
      }
    }
  }
  return blocks;
}

/**
 * What a changed `date` adds to an HTTP/2 answer's HPACK block: the encoder's block for a new
 * date (a literal with indexing, the name from the static table) less its block for the date it
 * has just sent (an index). Measured through Node's own encoder, as the request blocks are.
 */
export async function h2DateChangeBytes(): Promise<number> {
  const date = (ms: number): string => new Date(ms).toUTCString();
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  const [, same = 0, changed = 0] = await requestBlockBytes(`https://${MAP_WIRE.host}`, [
    { ':path': '/', date: date(now) },
    { ':path': '/', date: date(now) },
    { ':path': '/', date: date(now + 1000) },
  ]);
  return changed - same;
}

/**
 * The whole map from the config, the measured points and the session's results (their scenarios
 * are the points, by id); `options` brings what the model needs from outside (HTTP/2 request blocks).
 */
export function buildMap(
  config: MapConfig,
  points: readonly MeasuredPoint[],
  results: ResultsFile,
  wallMs: number,
  options: MapBuildOptions = {},
): DecisionMap {
  const wires = mapWires(config);
  const target = mapTarget(config);
  const calibrations = new Map(
    wires.map((wire) => [wire, calibrate(results, mapTechniquesOn(config, wire), 0, wire, options.h2DateChangeBytes ?? 0, target)]),
  );
  const scenarios = new Map(results.scenarios.map((s) => [s.id, s]));
  const cells: MapCell[] = [];
  for (const wire of wires) {
    const calibration = calibrations.get(wire)!;
    const techniques = mapTechniquesOn(config, wire);
    for (const clients of config.clients) {
      for (const intervalMs of config.intervalsMs) {
        for (const rate of config.rates) {
          const point = points.find((p) => p.rate === rate && p.intervalMs === intervalMs && p.clients === clients);
          const scenario = point === undefined ? undefined : scenarios.get(point.scenarioId ?? pointId(point, wire, target));
          const params = runParams(config, { rate, intervalMs, clients }, 1, wire);
          for (const technique of techniques) {
            const result = scenario?.results[technique];
            const measured = point !== undefined && scenario !== undefined && result?.state === 'completed';
            cells.push({
              rate,
              intervalMs,
              clients,
              technique,
              wire,
              model: modelFigures(technique, params, calibration, options.h2RequestBlocks),
              measured,
              ...(measured ? { measurement: measurementOf(point, scenario, result, calibration, technique, options.h2RequestBlocks) } : {}),
            });
          }
        }
      }
    }
  }
  const weights = config.weights ?? null;
  if (weights !== null) {
    const groups = new Map<string, MapCell[]>();
    for (const cell of cells) {
      const key = `${cell.wire}/${cell.rate}/${cell.intervalMs}/${cell.clients}`;
      groups.set(key, [...(groups.get(key) ?? []), cell]);
    }
    for (const list of groups.values()) {
      const scores = weightedScores(list, weights);
      list.forEach((cell, i) => {
        cell.weighted = scores[i] ?? null;
      });
    }
  }
  const limits = {
    maxLatencyMs: config.maxLatencyMs,
    maxBandwidthBytesPerSecond: config.maxBandwidthBytesPerSecond,
    maxMemoryBytes: config.maxMemoryBytes,
  };
  const first = wires[0]!;
  const firstCalibration = calibrations.get(first)!;
  const firstCells = cells.filter((c) => c.wire === first);
  const crossovers = wires.flatMap((wire) =>
    mapCrossovers(
      { ...config, techniques: mapTechniquesOn(config, wire), wires: [wire] },
      calibrations.get(wire)!,
      cells.filter((c) => c.wire === wire),
      options.h2RequestBlocks,
    ).map((c) => (wires.length === 1 && wire === DEFAULT_WIRE ? c : { ...c, id: `${c.id}@@${wire}`, wire })),
  );
  const refused = mapRefusals(config);
  return {
    axes: {
      rates: [...config.rates],
      intervalsMs: [...config.intervalsMs],
      clients: [...config.clients],
      techniques: [...config.techniques],
      wires: [...wires],
      ...(refused.length === 0 ? {} : { refused }),
    },
    ...(weights === null ? {} : { weights: { ...weights } }),
    params: {
      payloadBytes: config.payloadBytes,
      holdMs: config.holdMs,
      headers: config.headers,
      rttMs: firstCalibration.rttMs,
      ...(target.kind === 'builtin' ? {} : { target: target.name }),
    },
    limits,
    calibration: wires
      .map(
        (wire) =>
          `${wires.length > 1 ? `On ${WIRE_META[wire].label}: ` : ''}${describeCalibration(calibrations.get(wire)!, mapTechniquesOn(config, wire))}`,
      )
      .join(' '),
    cells,
    winners: pickWinners(cells, limits, weights),
    crossovers,
    claims: withClaimScope(
      mapClaims(
        { ...config, techniques: mapTechniquesOn(config, first) },
        firstCells,
        crossovers.filter((c) => (c.wire ?? DEFAULT_WIRE) === first),
        firstCalibration,
      ),
      first,
      target,
    ),
    measuredCells: points.filter((p) => wires.some((wire) => scenarios.has(p.scenarioId ?? pointId(p, wire, target)))).length,
    wallMs,
  };
}

/**
 * The WebSocket handshake claim is computed from the built-in model on HTTP/1.1 cleartext (the
 * upgrade and the upstream POST have no TLS or HTTP/2 terms yet, and a target's own bytes are not
 * the built-in formula's): on another wire or at a target its evidence says so.
 */
function withClaimScope(claims: DecisionMap['claims'], wire: WireId, target: ResolvedTarget): DecisionMap['claims'] {
  const scope = [
    wire === DEFAULT_WIRE
      ? null
      : `on HTTP/1.1 cleartext, not ${WIRE_META[wire].label} (the model has no TLS or HTTP/2 terms for the upgrade and an upstream POST yet)`,
    target.kind === 'builtin' ? null : `for pushbench's own servers, not target ${target.name}`,
  ].filter((part) => part !== null);
  if (scope.length === 0) return claims;
  return claims.map((c) =>
    c.id === 'websocket-handshake' ? { ...c, evidence: `The built-in model's bytes, ${scope.join(' and ')}: ${c.evidence}` } : c,
  );
}

function describeCalibration(c: Calibration, techniques: readonly TechniqueId[]): string {
  const fitted = c.target;
  const targetText =
    fitted === undefined
      ? ''
      : ` Target ${fitted.name}: bytes per message are a model fitted from measured cells, not the built-in formula (its heads, envelopes and cursors are its own): ${techniques
          .map((t) => {
            const f = fitted.bytes[t];
            return f === undefined
              ? `${t} not measured`
              : `${t} ${f.perRequestBytes.toFixed(1)} B per request × requests per message${fitted.repoll.includes(t) ? ' (one more per message: it answers one message and is asked again)' : ''} + ${f.perMessageBytes.toFixed(1)} B (${f.points} cells)`;
          })
          .join(
            ', ',
          )}; latency adds the publish hop, ${fitted.publishHopMs.toFixed(3)} ms (the median of pushbench's POST round trips less the answer's way back).`;
  const responses = c.h2Response ?? {};
  const answered = techniques.filter((t) => responses[t] !== undefined);
  const h2 =
    answered.length === 0
      ? ''
      : ` An answer's HPACK block: ${answered
          .map(
            (t) =>
              `${t} ${responses[t]!.baseBytes.toFixed(1)} B with messages, ${(responses[t]!.emptyBaseBytes ?? responses[t]!.baseBytes).toFixed(1)} B empty (a line in the share of empty answers through the blocks counted at ${responses[t]!.points} measured cells, less the date term)`,
          )
          .join(
            ', ',
          )}, + ${responses[answered[0]!]!.perDateChangeBytes} B (the encoder's literal \`date\` against an indexed one) × the share of answers whose \`date\` changed since the connection's last (the gap between answers over 1 s, at most 1). Entries the new dates evict from the table in long runs are not modelled.`;
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
    `memory per connection (median of the points with at least ${MEMORY_MIN_CLIENTS} clients). ${parts.join('; ')}.${h2}${targetText}`
  );
}
