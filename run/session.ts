/**
 * A session: the scenarios of one `pushbench run` or `npm run bench`, run one technique
 * at a time, plus the optional capacity probe, gathered into one ResultsFile.
 */
import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './package-layout.ts';
import { measureCapacity } from './capacity.ts';
import { runMicroBenchmarks } from './micro.ts';
import { collectEnvironment } from './environment.ts';
import { headerProfile, type HeaderList } from '../load/headers.ts';
import { runScenarios, type ScenarioSpec } from './runner.ts';
import type { ProgressListener } from './progress.ts';
import { SCHEMA_VERSION, type CapacityResult, type HeaderProfileName, type ResultsFile } from '../core/results.ts';
import type { WireId } from '../core/wires.ts';

export const TOOL_VERSION = (JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string }).version;

export interface SessionOptions {
  command: string;
  signal: AbortSignal;
  generators: number | null;
  /** Measurements of each technique per scenario (`--runs N`). */
  runs?: number;
  /** One-way delay (ms) injected between the clients and the server (`--delay-ms`); 0 or absent: none. */
  delayMs?: number;
  /** Built-in server processes on one port (`--server-processes`); absent: 1. */
  serverProcesses?: number;
  /** `--ramp`: clients connected per second; absent: as fast as possible. */
  rampPerSecond?: number;
  capacity: boolean;
  /** `--quick`: the capacity probe's warm-up, rounds and fixed-rate window short too (QUICK_CAPACITY). */
  quick?: boolean;
  /** Also run the tinybench micro-benchmarks of per-message server work. */
  micro: boolean;
  /** Structured progress events; the caller renders them (cli/progress.ts). */
  progress: ProgressListener;
}

/** The capacity probe's timings under `--quick`: 300 ms of warm-up (per load process count tried), 2 rounds of 300 ms, 300 ms at a fixed rate. */
export const QUICK_CAPACITY = Object.freeze({ warmupMs: 300, rounds: 2, durationMs: 300, fixedRate: 500, fixedRateMs: 300 });

/** The wires a session's capacity probe measures: each wire its scenarios measured, in order (absent: http). */
export function capacityWires(specs: readonly ScenarioSpec[]): WireId[] {
  return [...new Set(specs.map((s) => s.params.wire ?? 'http'))];
}

/** Runs every scenario (sharing measurements where a scenario says `sameAs`) and returns the results. */
export async function runSession(specs: readonly ScenarioSpec[], options: SessionOptions): Promise<ResultsFile> {
  const createdAt = new Date().toISOString();
  const startedMs = performance.now();
  const runsPerTechnique = Math.max(1, options.runs ?? 1);
  const scenarios = await runScenarios(specs, {
    signal: options.signal,
    generators: options.generators,
    runs: runsPerTechnique,
    progress: options.progress,
    ...(options.delayMs ? { delayMs: options.delayMs } : {}),
    ...(options.serverProcesses !== undefined && options.serverProcesses > 1 ? { serverProcesses: options.serverProcesses } : {}),
    ...(options.rampPerSecond === undefined ? {} : { rampPerSecond: options.rampPerSecond }),
  });
  const total = specs.filter((s) => s.sameAs === undefined).reduce((n, s) => n + s.techniques.length, 0) * runsPerTechnique;
  const after = (phase: 'capacity' | 'micro', detail: string): void =>
    options.progress({ scenario: null, technique: null, phase, done: total, total, detail });

  // The capacity probe on each wire the run measured, in order, with the run's header profile.
  const probes: CapacityResult[] = [];
  if (options.capacity) {
    const profile = specs[0]?.params.headers ?? 'browser';
    for (const wire of capacityWires(specs)) {
      if (options.signal.aborted) break;
      after('capacity', `${wire}: load processes poll /poll flat out, then at a fixed rate`);
      try {
        // measureCapacity reports lines of its own (it also runs alone); they become capacity events.
        probes.push(
          await measureCapacity({
            wire,
            headers: headerProfile(profile).poll,
            headerProfile: profile,
            ...(options.quick === true ? QUICK_CAPACITY : { fixedRateMs: 1000 }),
            progress: (line) => after('capacity', `${wire}: ${line.replace(/^capacity: /, '')}`),
          }),
        );
      } catch (error) {
        after('capacity', `${wire}: failed (${(error as Error).message})`);
      }
    }
  }
  const [capacity, ...capacityOtherWires] = probes;

  let micro: ResultsFile['micro'];
  if (options.micro && !options.signal.aborted) {
    after('micro', 'per-message server work (tinybench)');
    micro = await runMicroBenchmarks({ payloadBytes: specs[0]?.params.payloadBytes ?? 64, time: 300 });
  }

  const used = new Set<HeaderProfileName>(specs.map((s) => s.params.headers));
  const headerProfiles: ResultsFile['headerProfiles'] = {};
  const headerProfileDetails: NonNullable<ResultsFile['headerProfileDetails']> = {};
  const copy = (list: HeaderList): Array<[string, string]> => list.map(([k, v]) => [k, v]);
  for (const name of used) {
    const profile = headerProfile(name);
    headerProfiles[name] = copy(profile.poll);
    headerProfileDetails[name] = {
      source: profile.source,
      cookie: profile.cookie,
      poll: copy(profile.poll),
      longPoll: copy(profile.longPoll),
      eventSource: copy(profile.eventSource),
      publish: copy(profile.publish),
      upgrade: copy(profile.upgrade),
      response: profile.response === null ? null : copy(profile.response),
    };
  }

  const states = scenarios.flatMap((s) => Object.values(s.results).map((r) => r.state));
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'pushbench', version: TOOL_VERSION },
    createdAt,
    state: options.signal.aborted || states.includes('interrupted') ? 'interrupted' : states.includes('failed') ? 'failed' : 'completed',
    command: options.command,
    environment: collectEnvironment(),
    headerProfiles,
    headerProfileDetails,
    scenarios,
    ...(capacity === undefined ? {} : { capacity }),
    ...(capacityOtherWires.length === 0 ? {} : { capacityOtherWires }),
    ...(micro === undefined ? {} : { micro }),
    ...(runsPerTechnique > 1 ? { runsPerTechnique } : {}),
    // Up to here: the reports are rendered afterwards by the caller and not part of it.
    suiteWallMs: Math.round(performance.now() - startedMs),
  };
}
