/**
 * The suite of runs: every technique of every scenario, one after another so that no two
 * measured windows share the CPU, repeated and interleaved with `--runs N`, then the machine's
 * floor; the results combined per scenario. Preparing a run is run/prepare-run.ts, one
 * technique's steps run/technique-run.ts, settling at the window edges run/window-edges.ts.
 */
import { DEFAULT_WIRE } from '../core/wires.ts';
import type { TechniqueId } from '../core/protocol.ts';
import type { CompletedResult, RunSummary, Scenario, ScenarioParams, TechniqueResult } from '../core/results.ts';
import type { RunStepError } from '../core/errors.ts';
import { BUILTIN_TARGET, targetInfo, type ResolvedTarget } from './targets.ts';
import { PLAIN_WS_TECHNIQUE } from '../core/techniques.ts';
import type { ProgressListener } from './progress.ts';
import { discardRun, prepareRun, type PreparedRun, type TlsFiles } from './prepare-run.ts';
import { abortSignalName, runTechnique, type RunControls } from './technique-run.ts';

export interface ScenarioSpec {
  id: string;
  group: string;
  title: string;
  description: string;
  params: ScenarioParams;
  techniques: readonly TechniqueId[];
  /** The server this scenario measures (default: pushbench's own). */
  target?: ResolvedTarget;
  /** Shares the measurement of an earlier scenario with identical parameters instead of repeating it. */
  sameAs?: string;
  /** Time compression: the scenario stands for one this many times slower (results.json `timeScale`). */
  timeScale?: number;
  /** False: no floor measurement even where one could be made (the suite's sparse scenario). */
  floor?: boolean;
  /** The user's certificate and key files for pushbench's server on a TLS wire (`--tls-cert/--tls-key`); absent: self-signed. */
  tlsFiles?: TlsFiles;
}

/** The options of a suite: what every run shares, the repetitions and where progress goes. */
export interface RunOptions extends RunControls {
  /** Measurements of each technique per scenario (`--runs N`), interleaved; 1 when omitted. */
  runs?: number;
  /** Structured progress events; the caller renders them (cli/progress.ts). */
  progress: ProgressListener;
}

/** The technique whose clients measure the floor: the bare server is a `ws` broadcast. */
const FLOOR_TECHNIQUE: TechniqueId = PLAIN_WS_TECHNIQUE;

/**
 * Whether a scenario gets a floor measurement: broadcast on the built-in servers (a bare
 * broadcast cannot stand in for chat or a foreign server), unless the scenario declines one.
 * The floor is a bare ws loop on cleartext HTTP/1.1, the machine's: scenarios on other wires have none.
 */
export function measuresFloor(params: ScenarioParams, target: ResolvedTarget = BUILTIN_TARGET, wanted = true): boolean {
  return (
    wanted &&
    params.workload === 'broadcast' &&
    params.target === null &&
    target.kind === 'builtin' &&
    (params.wire ?? DEFAULT_WIRE) === DEFAULT_WIRE
  );
}

/** The runs one scenario makes: each technique, then (broadcast on the built-in servers) the floor. */
export function runsOf(spec: ScenarioSpec): Array<{ technique: TechniqueId; floor: boolean }> {
  return [
    ...spec.techniques.map((technique) => ({ technique, floor: false })),
    ...(measuresFloor(spec.params, spec.target, spec.floor) ? [{ technique: FLOOR_TECHNIQUE, floor: true }] : []),
  ];
}

/** The noisy figures of one run, kept per run with `--runs N`. */
export function runSummary(result: CompletedResult): RunSummary {
  const l = result.latencyMs;
  return {
    latencyMs: { p50: l.p50, p99: l.p99, mean: l.mean, count: l.count, messages: l.messages ?? 0 },
    cpuPercent: result.server?.cpuPercent ?? null,
    rssBytes: result.server?.rssBytes ?? null,
    perMessageTotalBytes: result.perMessage.totalBytes,
    delivered: result.messages.delivered,
    lost: result.messages.lost,
  };
}

/**
 * One technique's result from its runs: the first completed run in full, with every completed
 * run's summary in `runs` when there were several; the first failure when none completed.
 */
export function combineRuns(results: readonly TechniqueResult[]): TechniqueResult {
  const completed = results.filter((r): r is CompletedResult => r.state === 'completed');
  const first = completed[0];
  if (first === undefined) return results[0] ?? { state: 'failed', error: 'not run' };
  if (results.length < 2) return first;
  return { ...first, runs: completed.map(runSummary) };
}

/**
 * The order of technique runs: per scenario, each repetition runs every technique once before
 * the next repetition starts (polling, longpoll, ..., polling, longpoll, ...), so that drift of
 * the machine over time hits all techniques alike instead of one technique's whole series.
 */
export function interleavedRuns<
  S extends { sameAs?: string; techniques: readonly TechniqueId[]; params: ScenarioParams; target?: ResolvedTarget; floor?: boolean },
>(specs: readonly S[], repetitions: number): Array<{ spec: S; technique: TechniqueId; run: number; floor: boolean }> {
  return specs
    .filter((s) => s.sameAs === undefined)
    .flatMap((spec) => [
      ...Array.from({ length: repetitions }, (_, run) =>
        spec.techniques.map((technique) => ({ spec, technique, run, floor: false })),
      ).flat(),
      // The machine's floor once per broadcast scenario, after its techniques.
      ...(measuresFloor(spec.params, spec.target, spec.floor) ? [{ spec, technique: FLOOR_TECHNIQUE, run: 0, floor: true }] : []),
    ]);
}

/**
 * Runs every technique of every scenario, one after another so that no two measured windows
 * ever share the CPU, `runs` times each, interleaved, then (broadcast) the machine's floor. A
 * scenario with `sameAs` reuses that scenario's measurement. The next run's processes start
 * while the current run drains, and its clients connect while the current run closes its own:
 * start-up costs no wall time, and the next warm-up waits until the current run has finished.
 */
export async function runScenarios(specs: readonly ScenarioSpec[], options: RunOptions): Promise<Scenario[]> {
  const runs = interleavedRuns(specs, Math.max(1, options.runs ?? 1));
  const done = new Map<string, Map<TechniqueId, TechniqueResult[]>>();
  const floors = new Map<string, TechniqueResult>();
  let next: PreparedRun | RunStepError | undefined;
  // The run still closing (its result being built) while the next one connects.
  let previous: Promise<void> = Promise.resolve();
  for (const [i, { spec, technique, run, floor }] of runs.entries()) {
    const byTechnique = done.get(spec.id) ?? new Map<TechniqueId, TechniqueResult[]>();
    done.set(spec.id, byTechnique);
    const list = byTechnique.get(technique) ?? [];
    if (!floor) byTechnique.set(technique, list);
    const store = (result: TechniqueResult): void => {
      if (floor) floors.set(spec.id, result);
      // An interrupted repetition after completed ones is dropped: the completed runs stand.
      else if (result.state !== 'interrupted' || list.length === 0) list.push(result);
    };
    if (options.signal.aborted) {
      await previous;
      store({ state: 'interrupted', error: `not run: interrupted (${abortSignalName(options.signal)})` });
      continue;
    }
    const prepared = next;
    next = undefined;
    // Only a run with a server process of its own overlaps the previous one's closing: on a shared server (a running
    // target) the kernel's counters of its port would mix both runs, and a target's command waits for its predecessor.
    if (prepared === undefined || (spec.target ?? BUILTIN_TARGET).server.kind !== 'builtin') await previous;
    const following = runs[i + 1];
    const at = { scenario: spec.id, technique, ...(floor ? { floor } : {}), done: i, total: runs.length };
    const runNote = (options.runs ?? 1) > 1 && !floor ? ` (run ${run + 1} of ${options.runs})` : '';
    options.progress({ ...at, phase: 'starting', detail: `starting${runNote}` });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const before = previous;
    const finished = runTechnique(technique, spec.params, {
      ...options,
      floor,
      progress: (step) => options.progress({ ...at, ...step }),
      ...(prepared === undefined ? {} : { prepared }),
      ...(spec.target === undefined ? {} : { target: spec.target }),
      ...(spec.tlsFiles === undefined ? {} : { tlsFiles: spec.tlsFiles }),
      quietBefore: before,
      released: release,
      afterWindow: () => {
        // A target started from a command gets its port when it starts: two instances never overlap, so the next one waits.
        if (following !== undefined && !options.signal.aborted && following.spec.target?.server.kind !== 'command') {
          next = prepareRun(
            following.technique,
            following.spec.params,
            options.generators,
            options.requestTimeoutMs,
            following.floor,
            following.spec.target,
            options.delayMs ?? 0,
            following.spec.tlsFiles ?? null,
            options.serverProcesses,
            options.sourceAddresses,
          );
        }
      },
    }).then(async (result) => {
      // Results are stored in run order: this run's predecessor has stored its own first.
      await before;
      store(result);
      options.progress({
        ...at,
        done: i + 1,
        phase: 'finished',
        state: result.state,
        detail: `${result.state}${runNote}${result.state !== 'completed' ? ` (${result.error})` : ''}`,
      });
    });
    previous = finished;
    await Promise.race([released, finished]);
  }
  await previous;
  await discardRun(next);
  return specs.map((spec) => {
    const key = spec.sameAs ?? spec.id;
    const byTechnique = done.get(key) ?? new Map<TechniqueId, TechniqueResult[]>();
    const results: Scenario['results'] = {};
    for (const [technique, list] of byTechnique) results[technique] = combineRuns(list);
    const floor = floors.get(key);
    const target = targetInfo(spec.target ?? BUILTIN_TARGET);
    return {
      id: spec.id,
      group: spec.group,
      title: spec.title,
      description: spec.description,
      params: spec.params,
      target,
      results,
      ...(floor === undefined ? {} : { floor }),
      ...(spec.timeScale === undefined ? {} : { timeScale: spec.timeScale }),
    };
  });
}
