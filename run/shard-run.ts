/**
 * One shard of a run spread over machines (`pushbench run --shard I/N --coordinator URL`):
 * the I-th share of the clients against a running server (a pushbench server at `--target URL`,
 * or a target file's server, driven by the file's subscription as a `--target-file` run drives
 * it), its window set by the coordinator (run/coordinator.ts), which alone publishes. The shard measures its clock offset
 * to the coordinator before and after the window, moves every stamp onto its own clock with it,
 * and writes what its generator processes measured, raw, for `pushbench merge`.
 */
import os from 'node:os';
import { nowMicros } from '../core/protocol.ts';
import type { TechniqueId } from '../core/protocol.ts';
import type { GeneratorSpec, GeneratorWindowResult } from '../core/ipc.ts';
import type { ScenarioParams } from '../core/results.ts';
import { RunStepError, InterruptedError } from '../core/errors.ts';
import { shardShare, SHARD_KIND, SHARD_VERSION, type ShardResult } from '../core/shard.ts';
import { pickupMs as techniquePickupMs } from '../core/techniques.ts';
import type { ClientBytes } from '../core/socket-counter.ts';
import { headerProfile } from '../load/headers.ts';
import { GeneratorProcess } from './generator-process.ts';
import { openFileLimit } from './limits.ts';
import { planGenerators } from './prepare-run.ts';
import { sampleTree } from './proc-tree.ts';
import { collectEnvironment } from './environment.ts';
import { driftMicrosPerSecond, probeClock, type ClockEstimate } from './clock-offset.ts';
import { DRAIN_MARGIN_MICROS, pushbenchInfo } from './technique-run.ts';
import type { AcceptedCount, SharedParams, ShardPlan } from './coordinator.ts';
import { targetInfo, type ResolvedTarget } from './targets.ts';

export interface ShardRunOptions {
  technique: TechniqueId;
  /** The whole run's parameters: `clients` is every shard's clients together. */
  params: ScenarioParams;
  shard: { index: number; count: number };
  /**
   * The server measured, already running at `target.origin`: a pushbench server (`urlTarget`) or
   * a target file's server (`runningAt`); its subscription for `technique` is what the clients speak.
   */
  target: ResolvedTarget;
  /** Origin of the coordinator (`pushbench publish`). */
  coordinator: string;
  generators: number | null;
  signal: AbortSignal;
  /** How long the shard waits for the plan (every shard ready) before giving up. */
  readyTimeoutMs: number;
  /** Progress lines (stderr). */
  log: (line: string) => void;
}

/** The parameters a shard shows the coordinator, which refuses a shard whose own differ. */
export function sharedParamsOf(technique: TechniqueId, params: ScenarioParams, target: string): SharedParams {
  return {
    target,
    technique,
    clients: params.clients,
    rate: params.rate,
    payloadBytes: params.payloadBytes,
    durationMs: params.durationMs,
    warmupMs: params.warmupMs,
    workload: params.workload,
    roomSize: params.roomSize,
  };
}

/** Sleeps until monotonic `micros`, or rejects when `signal` aborts. */
function sleepUntil(micros: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new InterruptedError('interrupted'));
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, (micros - nowMicros()) / 1000),
    );
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError('interrupted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A JSON request to the coordinator; a refusal (4xx/5xx) becomes a RunStepError with its message. */
async function ask<T>(url: string, init: RequestInit, timeoutMs: number, signal: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (error) {
    if (signal.aborted) throw new InterruptedError('interrupted');
    throw new RunStepError(`the coordinator at ${url} did not answer: ${(error as Error).message}`, { cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new RunStepError(`the coordinator refused (${response.status}): ${body.error ?? 'no reason given'}`);
  return body;
}

/** Runs one shard and returns its result; a failure after the clients connected is a `failed` result naming the step. */
export async function runShard(options: ShardRunOptions): Promise<ShardResult> {
  const { params, technique, shard, signal } = options;
  const share = shardShare(params.clients, shard.index, shard.count, params.workload === 'chat' ? params.roomSize : null);
  const clients = share.to - share.from;
  if (clients === 0)
    throw new RunStepError(
      `shard ${shard.index} of ${shard.count} has no clients: ${params.clients} clients cannot be dealt to ${shard.count} shards`,
    );
  const { target } = options;
  const origin = target.origin;
  const subscription = target.subscriptions[technique];
  if (origin === null || origin.includes('{port}'))
    throw new RunStepError(`target ${target.name} has no origin to reach (${origin}): a shard drives a server that is already running`);
  if (subscription === undefined)
    throw new RunStepError(`target ${target.name} does not offer ${technique}; it offers ${target.techniques.join(', ')}`);
  const startedAt = new Date().toISOString();
  const count = planGenerators(technique, { ...params, clients, target: origin }, options.generators, openFileLimit()).generators;
  const generators = Array.from({ length: count }, () => GeneratorProcess.spawn());
  const base = {
    kind: SHARD_KIND,
    version: SHARD_VERSION,
    shard,
    technique,
    params,
    clients: share,
    target: origin,
    targetInfo: targetInfo(target),
    coordinator: options.coordinator,
    environment: collectEnvironment(),
    host: os.hostname(),
    startedAt,
  } as const;
  let runId = 'unknown';
  let clock: ShardResult['clock'] = null;
  let window: ShardResult['window'] = { startT: 0, endT: 0, beginAt: 0, lateMicros: 0 };
  try {
    const deaths = Promise.race(generators.flatMap((g) => [g.unexpectedExit, g.refused])).then((error) => {
      throw error;
    });
    deaths.catch(() => {});
    const step = <T>(p: Promise<T>): Promise<T> => Promise.race([p, deaths]);

    // 1. A pushbench server's head (clients start after it; a target file's server has none: a stamp
    // older than this shard's start is a replayed backlog), then the shard's clients, connected.
    const info = target.kind === 'url' ? await pushbenchInfo(origin) : { head: 0, rate: 0 };
    if (info.rate > 0)
      throw new RunStepError(
        `the server at ${origin} publishes by itself (${info.rate} msg/s): start it with --rate 0; the coordinator publishes`,
      );
    options.log(
      `shard ${shard.index}/${shard.count}: connecting clients ${share.from}..${share.to - 1} (${count} generator process${count > 1 ? 'es' : ''})`,
    );
    const perProcess = Math.ceil(clients / count);
    const notBeforeT = nowMicros();
    const before = await probeClock(options.coordinator);
    const outcomes = await step(
      Promise.all(
        generators.map((generator, i) => {
          const spec: GeneratorSpec = {
            technique,
            origin,
            fromClient: share.from + i * perProcess,
            toClient: Math.min(share.to, share.from + (i + 1) * perProcess),
            workload: params.workload,
            roomSize: params.roomSize,
            startSeq: info.head,
            intervalMs: params.intervalMs,
            holdMs: params.holdMs,
            headers: headerProfile(params.headers),
            rate: params.rate,
            payloadBytes: params.payloadBytes,
            connectConcurrency: 64,
            subscription,
            notBeforeT,
            // Phases over every client of the run: shard I's clients poll on the phases a one-process run would give them.
            schedule: { seed: 1, clients: params.clients },
            // Chat: every room lies within this shard, so a message's stamp and its arrival are read on
            // this host's clock (self-echo) and need no correction; broadcast stamps are the publisher's.
            stampOffsetMicros: params.workload === 'chat' ? 0 : before.offsetMicros,
            countAccepted: params.workload === 'chat',
          };
          return generator.start(spec, 60_000 + clients * 10);
        }),
      ),
    );
    const failed = outcomes.reduce((n, o) => n + o.failed, 0);
    if (failed > 0)
      throw new RunStepError(
        `${failed} of ${clients} clients of shard ${shard.index} could not connect: ${outcomes.find((o) => o.failed > 0)?.firstError}`,
      );

    // 2. Ready: the answer is the plan, once every shard is ready (or at --start-at).
    options.log(
      `shard ${shard.index}/${shard.count}: connected; offset to the publisher ${(before.offsetMicros / 1000).toFixed(3)} ms ± ${(before.boundMicros / 1000).toFixed(3)} ms; waiting for the other shards`,
    );
    const plan = await ask<ShardPlan>(
      `${options.coordinator}/ready`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ shard: shard.index, count: shard.count, params: sharedParamsOf(technique, params, target.name) }),
      },
      options.readyTimeoutMs,
      signal,
    );
    runId = plan.runId;
    // The plan on this shard's clock.
    const offset = before.offsetMicros;
    const local = (t: number): number => t + offset;
    // Chat: the clients publish until the window ends, as in one process (run/technique-run.ts).
    const publishUntil = params.workload === 'chat' ? local(plan.endT) : null;
    await step(Promise.all(generators.map((g) => g.setWindow(local(plan.startT), local(plan.endT), local(plan.beginAt), publishUntil))));
    window = { startT: plan.startT, endT: plan.endT, beginAt: plan.beginAt, lateMicros: nowMicros() - local(plan.beginAt) };
    if (window.lateMicros > 0)
      options.log(
        `shard ${shard.index}/${shard.count}: joined ${(window.lateMicros / 1000).toFixed(1)} ms after the clients were due to begin: this shard is late`,
      );
    await step(sleepUntil(local(plan.startT), signal));
    const cpuStart = generators.map((g) => (g.pid === undefined ? null : sampleTree(g.pid, nowMicros)));
    await step(sleepUntil(local(plan.endT), signal));
    const cpuEnd = generators.map((g) => (g.pid === undefined ? null : sampleTree(g.pid, nowMicros)));

    // 3. Drain, collect, then the clock again (drift) and the publisher's count.
    await step(sleepUntil(nowMicros() + techniquePickupMs(technique, params) * 1000 + DRAIN_MARGIN_MICROS, signal));
    const windows: GeneratorWindowResult[] = await step(Promise.all(generators.map((g) => g.collect(30_000))));
    const after: ClockEstimate | null = await probeClock(options.coordinator).catch(() => null);
    const published = await ask<AcceptedCount>(
      `${options.coordinator}/accepted?shard=${shard.index}`,
      { method: 'GET' },
      60_000 + params.durationMs,
      signal,
    );
    if (published.runId !== runId)
      throw new RunStepError(`the coordinator's count is of run ${published.runId}, this shard joined run ${runId}`);
    const clientTotals: Array<ClientBytes | null> = await Promise.all(generators.map((g) => g.close()));
    const change = after === null ? 0 : Math.abs(after.offsetMicros - before.offsetMicros);
    clock = {
      before,
      after,
      appliedOffsetMicros: offset,
      // The stamps moved by the first estimate: the truth at any moment of the window lies within its bound plus the drift since.
      boundMicros: Math.max(before.boundMicros, after?.boundMicros ?? 0) + change,
      driftMicrosPerSecond: after === null ? 0 : driftMicrosPerSecond(before, after),
    };
    const cpu = cpuStart.map((start, i) => {
      const end = cpuEnd[i];
      return start === null || end === null || end === undefined || end.at <= start.at
        ? null
        : ((end.cpuMicros - start.cpuMicros) / (end.at - start.at)) * 100;
    });
    const known = cpu.filter((c): c is number => c !== null);
    return {
      ...base,
      runId,
      state: 'completed',
      clock,
      window,
      published: {
        sent: published.sent,
        accepted: published.accepted,
        refused: published.refused,
        ...(published.overlaps === undefined ? {} : { overlaps: published.overlaps }),
      },
      // The wire's byte parts stay out: a shard runs on the http wire, whose parts (a WebSocket's
      // upgrade heads) the merge does not add; the bytes themselves are in `bytes`.
      generators: windows.map(({ parts: _parts, ...window }) => window),
      clientTotals,
      busiestGeneratorCpuPercent: known.length === 0 ? null : Math.max(...known),
    };
  } catch (error) {
    if (error instanceof InterruptedError || signal.aborted) throw new InterruptedError(`shard ${shard.index} interrupted`);
    return {
      ...base,
      runId,
      state: 'failed',
      error: (error as Error).message,
      clock,
      window,
      published: null,
      generators: [],
      clientTotals: [],
      busiestGeneratorCpuPercent: null,
    };
  } finally {
    await Promise.all(generators.map((g) => g.close(5000).catch(() => g.kill())));
  }
}
