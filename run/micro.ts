/**
 * Micro-benchmarks (tinybench 6) of the server's per-message work for each technique:
 * encoding one message and framing it for one client, on the same code paths the
 * server runs. Each technique's case is in its own file (run/techniques/<id>.ts, helpers
 * in run/micro-kit.ts). The HTTP responses go through a real `http.ServerResponse` bound to a
 * dummy socket that discards what it is given, so the head is formatted by node:http
 * itself (status line, Date cache, keep-alive headers, chunked encoding); only the
 * system call is left out.
 *
 * One sample times a batch of calls and reports the per-call mean through
 * `overriddenDuration`: a single call takes well under a microsecond, too close to
 * the timer's resolution to be timed alone.
 */
import { Bench, type Task } from 'tinybench';
import { TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import type { MicroResult } from '../core/results.ts';
import { RUN_TECHNIQUES } from './techniques/index.ts';
import type { MicroSpec } from './techniques/types.ts';
import { PushbenchError } from '../core/errors.ts';

export interface MicroOptions {
  payloadBytes?: number;
  /** tinybench time budget per task, ms. */
  time?: number;
}

/** A task that failed: the micro-benchmarks are only worth reporting when every one ran. */
export class MicroBenchmarkError extends PushbenchError<'PUSHBENCH_MICRO'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_MICRO', message, options);
  }
}

/** Calls per timed sample. */
const BATCH = 64;

export type { MicroRun } from './techniques/types.ts';

/** The per-message work of one technique (its case lives in run/techniques/<id>.ts). */
export interface MicroCase extends MicroSpec {
  technique: TechniqueId;
}

/** One case per technique, in TECHNIQUES order. */
export const MICRO_CASES: readonly MicroCase[] = TECHNIQUES.map((technique) => ({ technique, ...RUN_TECHNIQUES[technique].micro }));

/** Runs one micro-benchmark per technique and returns its figures. */
export async function runMicroBenchmarks(options: MicroOptions = {}): Promise<MicroResult[]> {
  const payloadBytes = options.payloadBytes ?? 64;
  const time = options.time ?? 500;
  if (!(Number.isInteger(payloadBytes) && payloadBytes >= 0)) {
    throw new MicroBenchmarkError(`invalid payloadBytes: received ${payloadBytes}; expected an integer >= 0`);
  }
  if (!(Number.isFinite(time) && time > 0))
    throw new MicroBenchmarkError(`invalid time: received ${time}; expected a positive number of ms`);

  const bench = new Bench({ time, warmupTime: Math.min(250, time) });
  for (const micro of MICRO_CASES) {
    const run = micro.setup(payloadBytes);
    bench.add(micro.name, async () => {
      const start = bench.now();
      if (micro.asynchronous === true) for (let i = 0; i < BATCH; i++) await run.call();
      else for (let i = 0; i < BATCH; i++) void run.call();
      const elapsed = bench.now() - start;
      // Let node:http's deferred uncork ticks run between samples, outside the timed batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { overriddenDuration: elapsed / BATCH, overriddenIterationCost: elapsed };
    });
  }
  await bench.run();
  return MICRO_CASES.map((micro, i) => toResult(micro, bench.tasks[i]!));
}

/**
 * tinybench 6 reads: `latency` holds per-call times in ms (our batch means);
 * `throughput.mean` is the mean of per-sample rates, which overweights the fastest
 * samples, so ops/s is taken as 1000 / mean latency instead.
 */
function toResult(micro: MicroCase, task: Task): MicroResult {
  const result = task.result;
  if (result.state !== 'completed') {
    const cause = result.state === 'errored' ? result.error : undefined;
    throw new MicroBenchmarkError(
      `micro-benchmark "${micro.name}" (${micro.technique}) ended ${result.state}${cause ? `: ${cause.message}` : ''}`,
      { cause },
    );
  }
  const meanMs = result.latency.mean;
  return {
    technique: micro.technique,
    name: micro.name,
    opsPerSecond: meanMs > 0 ? 1000 / meanMs : 0,
    meanNs: meanMs * 1e6,
    rme: result.latency.rme,
  };
}
