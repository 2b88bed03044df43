/**
 * Progress of a session as structured events. The runner and the session emit them; how they
 * look is the listener's business (cli/progress.ts: a live bar on a terminal, plain lines in CI
 * logs), so nothing parses progress text back.
 */
import type { TechniqueId } from '../core/protocol.ts';
import type { TechniqueResult } from '../core/results.ts';

/** What a session is doing. */
export type ProgressPhase =
  /** A technique run begins: its server and generator processes start. */
  | 'starting'
  /** The clients connect. */
  | 'connecting'
  /** Warm-up, then the measured window. */
  | 'measuring'
  /** The technique run ended; `state` says how. */
  | 'finished'
  /** The capacity probe, after the scenarios. */
  | 'capacity'
  /** The micro-benchmarks, after the scenarios. */
  | 'micro';

/** One progress event. */
export interface ProgressEvent {
  /** Scenario id; null for the capacity probe and the micro-benchmarks, which belong to no scenario. */
  readonly scenario: string | null;
  readonly technique: TechniqueId | null;
  /** True for the machine's floor run: a bare `ws` broadcast measured with `technique`'s clients. */
  readonly floor?: boolean;
  readonly phase: ProgressPhase;
  /** Technique runs finished so far in the session (the current one counts once it is `finished`). */
  readonly done: number;
  /** Technique runs in the session. */
  readonly total: number;
  /** What is happening, in words: `connecting 4 clients (1 generator process)`. */
  readonly detail: string;
  /** For `finished`: how the technique run ended. */
  readonly state?: TechniqueResult['state'];
}

/** Receives every progress event of a session. */
export type ProgressListener = (event: ProgressEvent) => void;

/** What one technique run reports; runScenarios adds the scenario, technique and counts. */
export type TechniqueStep = Pick<ProgressEvent, 'phase' | 'detail'>;
