/**
 * How long a session will take, told before it starts (issue 8: a 5,000-entry sweep used to
 * start a 67-hour run without a word). An estimate from the schedule (warm-ups, windows, poll
 * pick-up, the runner's margins) plus typical process and connection overheads seen on a 2-core
 * machine; it is printed as an estimate, never as a measurement.
 */
import { pickupMs as techniquePickupMs } from '../core/techniques.ts';
import { MICRO_CASES } from './micro.ts';
import { SOCKETS_PER_GENERATOR } from './prepare-run.ts';
import { runsOf, type ScenarioSpec } from './runner.ts';
import { capacityWires } from './session.ts';
import { DRAIN_MARGIN_MICROS, START_MARGIN_MICROS } from './technique-run.ts';

/** Starting the first server and generator processes (later ones start while the previous run drains). */
const FIRST_START_MS = 1500;
/**
 * Per technique run: process hand-over, collecting from both sides, closing (the next run's
 * processes start while this one drains). Fitted on a 2-core machine: `npm run bench -- --quick`
 * took 20.8 s and a 4-technique, 4-client, 1 s run 11.3 s; this estimates 20.6 s and 11.3 s.
 */
const PER_RUN_OVERHEAD_MS = 200;
/** Connecting one client, per generator process (64 connections at a time, measured 0.7 s for 1,000 on 2 busy cores). */
const CONNECT_MS_PER_CLIENT = 0.7;
/**
 * The capacity probe on one wire (run/session.ts's options): starting the server and a load
 * process (about 1.5 s), 1 s of warm-up (one more per load process added: one on http on 2 cores),
 * 3 rounds of 1 s, then 0.1 + 0.5 + 1 s at the fixed rate, and stopping.
 */
const CAPACITY_MS = 8000;
/** The same under `--quick` (QUICK_CAPACITY): 0.3 s of warm-up, 2 rounds of 0.3 s, 0.1 + 0.15 + 0.3 s at the fixed rate. */
const QUICK_CAPACITY_MS = 3000;
/** Rendering the reports (PNG charts dominate). */
const REPORTS_MS = 1000;
/** tinybench time and warm-up per micro-benchmark task in a session (run/session.ts uses 300 ms). */
const MICRO_MS_PER_CASE = 300 + 250;

/** The estimate and what it covers. */
export interface RunEstimate {
  /** Technique runs (a scenario sharing another's measurement adds none). */
  readonly techniqueRuns: number;
  readonly scenarios: number;
  readonly estimatedMs: number;
}

/** Estimated wall time of a session of `specs` (with the capacity probe on each wire and micro-benchmarks when asked). */
export function estimateSession(
  specs: readonly ScenarioSpec[],
  options: { generators: number | null; runs?: number; capacity: boolean; micro: boolean; quick?: boolean },
): RunEstimate {
  let ms = FIRST_START_MS + REPORTS_MS;
  let techniqueRuns = 0;
  for (const spec of specs) {
    if (spec.sameAs !== undefined) continue;
    const params = spec.params;
    // Each technique N times (--runs), and the machine's floor of a broadcast scenario, which runs like one.
    const repeats = Math.max(1, options.runs ?? 1);
    for (const { technique } of runsOf(spec).flatMap((run) => Array<typeof run>(run.floor ? 1 : repeats).fill(run))) {
      techniqueRuns++;
      const pickupMs = techniquePickupMs(technique, params);
      const generators = Math.min(params.clients, options.generators ?? Math.max(1, Math.ceil(params.clients / SOCKETS_PER_GENERATOR)));
      ms +=
        PER_RUN_OVERHEAD_MS +
        (params.clients / generators) * CONNECT_MS_PER_CLIENT +
        (START_MARGIN_MICROS + DRAIN_MARGIN_MICROS) / 1000 +
        Math.max(params.warmupMs, pickupMs) +
        params.durationMs +
        pickupMs;
    }
  }
  // One probe per wire the run measures.
  if (options.capacity) ms += capacityWires(specs).length * (options.quick === true ? QUICK_CAPACITY_MS : CAPACITY_MS);
  if (options.micro) ms += MICRO_CASES.length * MICRO_MS_PER_CASE;
  return { techniqueRuns, scenarios: specs.length, estimatedMs: Math.round(ms) };
}

/** `45 s`, `12 min`, `3 h 20 min`: rounded as an estimate deserves. */
export function formatEstimate(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** The line printed on stderr before a session starts. */
export function estimateLine(estimate: RunEstimate): string {
  const runs = `${estimate.techniqueRuns} technique run${estimate.techniqueRuns === 1 ? '' : 's'}`;
  const scenarios = `${estimate.scenarios} scenario${estimate.scenarios === 1 ? '' : 's'}`;
  return `${runs} in ${scenarios}, estimated time about ${formatEstimate(estimate.estimatedMs)} (from the windows, warm-ups and typical start-up; an estimate, not a measurement)`;
}
