/**
 * The small decision map of `npm run bench`: after the suite, the model fills a grid of a few
 * rates × the suite's poll intervals × its client counts, and the suite's own broadcast
 * scenarios (already measured, none added) are placed on it as measured cells, as `pushbench map`
 * places its points. Pure: the entry point passes the finished session's results.
 */
import type { DecisionMap, ResultsFile, Scenario } from '../core/results.ts';
import { TECHNIQUES } from '../core/techniques.ts';
import { DEFAULT_WIRE } from '../core/wires.ts';
import { buildMap, type MapConfig, type MeasuredPoint } from './map.ts';

/** The rates the model fills besides the suite's own (msg/s): one per decade, 0.01 to 100. */
export const BENCH_MAP_RATES: readonly number[] = Object.freeze([0.01, 0.1, 1, 10, 100]);
/** The long-poll hold of the map's cells, as `pushbench map` has it (the suite's default too). */
const HOLD_MS = 30_000;

/** The rate, interval and clients a scenario stands for (a time-compressed one: F times slower). */
export function pointOf(scenario: Scenario): Pick<MeasuredPoint, 'rate' | 'intervalMs' | 'clients' | 'timeScale'> {
  const timeScale = scenario.timeScale ?? 1;
  return {
    rate: Number((scenario.params.rate / timeScale).toPrecision(6)),
    intervalMs: Number((scenario.params.intervalMs * timeScale).toPrecision(6)),
    clients: scenario.params.clients,
    timeScale,
  };
}

/**
 * Whether a scenario can be a cell of the map: broadcast, on pushbench's own servers, over
 * HTTP/1.1 cleartext (the model's terms are HTTP/1.1's), one browser per client, with at least
 * one technique completed.
 */
function mappable(scenario: Scenario): boolean {
  const p = scenario.params;
  return (
    p.workload === 'broadcast' &&
    p.target === null &&
    (scenario.target === undefined || scenario.target.kind === 'builtin') &&
    (p.wire ?? DEFAULT_WIRE) === DEFAULT_WIRE &&
    (p.tabs ?? 1) === 1 &&
    Object.values(scenario.results).some((r) => r?.state === 'completed')
  );
}

/**
 * The map's measured points: one per distinct (rate, interval, clients) among the mappable
 * scenarios, the first scenario of each (the suite's sweep-100 is header-overhead's measurement
 * again). A map has one payload and one header profile: those of most mappable scenarios (the
 * first such on a tie); a scenario with others is left out.
 */
export function benchMapPoints(results: ResultsFile): { points: MeasuredPoint[]; scenarios: Scenario[] } {
  const mappableScenarios = results.scenarios.filter(mappable);
  const kindOf = (s: Scenario): string => `${s.params.payloadBytes}/${s.params.headers}`;
  const counts = new Map<string, number>();
  for (const s of mappableScenarios) counts.set(kindOf(s), (counts.get(kindOf(s)) ?? 0) + 1);
  const kind = [...counts.entries()].reduce<[string, number] | undefined>(
    (best, e) => (best === undefined || e[1] > best[1] ? e : best),
    undefined,
  )?.[0];
  const points: MeasuredPoint[] = [];
  const scenarios: Scenario[] = [];
  for (const scenario of mappableScenarios) {
    if (kindOf(scenario) !== kind) continue;
    const p = pointOf(scenario);
    if (points.some((q) => q.rate === p.rate && q.intervalMs === p.intervalMs && q.clients === p.clients)) continue;
    points.push({ ...p, reason: 'sample', scenarioId: scenario.id });
    scenarios.push(scenario);
  }
  return { points, scenarios };
}

const ascending = (values: Iterable<number>): number[] => [...new Set(values)].sort((a, b) => a - b);

/**
 * The bench's map, or null when the suite measured no broadcast scenario the model describes
 * (a chat-only or foreign-target run: nothing to place, and no round trip to calibrate from).
 */
export function benchMap(results: ResultsFile): DecisionMap | null {
  const started = performance.now();
  const { points, scenarios } = benchMapPoints(results);
  const first = scenarios[0];
  if (first === undefined) return null;
  const measured = new Set(scenarios.flatMap((s) => Object.keys(s.results)));
  const config: MapConfig = {
    rates: ascending([...BENCH_MAP_RATES, ...points.map((p) => p.rate)]),
    intervalsMs: ascending(points.map((p) => p.intervalMs)),
    clients: ascending(points.map((p) => p.clients)),
    techniques: TECHNIQUES.filter((t) => measured.has(t)),
    payloadBytes: first.params.payloadBytes,
    holdMs: HOLD_MS,
    headers: first.params.headers,
    maxLatencyMs: null,
    maxBandwidthBytesPerSecond: null,
    maxMemoryBytes: null,
    quick: false,
    windowMs: first.params.durationMs,
    warmupMs: first.params.warmupMs,
  };
  // Only the map's scenarios calibrate it: a chat run's queue or an h2 run's round trip is not the map's.
  const own = { ...results, scenarios };
  const map = buildMap(config, points, own, 0);
  return { ...map, wallMs: Math.round(performance.now() - started) };
}
