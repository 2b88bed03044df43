/**
 * The runner: for each technique of a scenario, spawn its server as a child process,
 * spread the clients over load-generator processes, connect, warm up, measure a fixed
 * window, collect from both sides, stop everything and check nothing is left running.
 * It never asks which technique it holds: drivers and servers come from registries.
 */
import { DEFAULT_WIRE } from '../core/wires.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { nowMicros } from '../core/protocol.ts';
import { firstPublishAt } from '../core/publish-grid.ts';
import { headerProfile, profileOrigins } from '../load/headers.ts';
import type { GeneratorSpec, GeneratorWindowResult } from '../core/ipc.ts';
import { GeneratorProcess } from './generator-process.ts';
import { describeOpenFileLimit, openFileLimit, RESERVED_FDS } from './limits.ts';
import { InterruptedError, OpenFileLimitError, RunStepError } from '../core/errors.ts';
import { modelFor } from './model.ts';
import { buildCompletedResult, judgeDelivery, type ServerWindow, type SettledBytes } from './result-builder.ts';
import type { CompletedResult, RunSummary, Scenario, ScenarioParams, TechniqueResult } from '../core/results.ts';
import type { ClientBytes } from '../core/socket-counter.ts';
import { ServerProcess, type StatsReply } from './server-process.ts';
import { isLoopbackHost } from '../core/loopback.ts';
import { kernelDelta, kernelSnapshot, quietPair, type QuietPair } from './kernel-bytes.ts';
import { PublisherProcess } from './publisher-process.ts';
import { TargetServer } from './target-server.ts';
import { BUILTIN_TARGET, chatProblem, targetInfo, type ResolvedTarget } from './targets.ts';
import { pickupMs as techniquePickupMs, PLAIN_WS_TECHNIQUE, TECHNIQUE_META } from '../core/techniques.ts';
import type { ProgressListener, TechniqueStep } from './progress.ts';
import { randomInt } from 'node:crypto';
import { DelayProxy } from '../load/delay-proxy.ts';
import { probeRtt, RTT_PROBE_REQUESTS, RTT_PROBE_WARMUP, type RttProbe } from './rtt-probe.ts';

/** Sockets one generator process aims to hold, well under the 20,000 open-file cap. */
export const SOCKETS_PER_GENERATOR = 5000;
/** Time between the window being announced and publishing starting, so every process has it. */
export const START_MARGIN_MICROS = 150_000;
/** After the window: time for the last messages to land (a poll interval is added for polling). */
export const DRAIN_MARGIN_MICROS = 200_000;
/** How long a failed step waits for the server's exit, which may trail the clients' resets, before blaming the step. */
const CRASH_GRACE_MS = 500;

/** How long the RTT probe may take: 2 s, plus its requests' trips through an injected delay. */
function probeTimeoutMs(delayMs: number): number {
  return 2000 + (RTT_PROBE_WARMUP + RTT_PROBE_REQUESTS) * 2 * delayMs;
}

/** Resolves when `server` exits unexpectedly or after `ms`, whichever is first. */
async function exitOrTimeout(server: ServerProcess, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([server.unexpectedExit.then(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Ring large enough that no client of a normal run falls out of it. */
const RING_SIZE = 65_536;
/** Memory the server's rings together may keep (its broadcast feed and its chat rooms share it). */
const RING_BYTES = 512 * 1024 * 1024;

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

/** A certificate chain file and its key file, PEM. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export interface RunOptions {
  /**
   * Aborted on Ctrl-C or SIGTERM: the current technique stops and is marked `interrupted`.
   * Abort it with the signal's name as the reason (`controller.abort('SIGTERM')`) and the
   * results say which signal stopped the run.
   */
  signal: AbortSignal;
  /** Generator processes per technique; null = as many as the socket count needs. */
  generators: number | null;
  /** Measurements of each technique per scenario (`--runs N`), interleaved; 1 when omitted. */
  runs?: number;
  /** Structured progress events; the caller renders them (cli/progress.ts). */
  progress: ProgressListener;
  /** How long a server child may take to answer one IPC request (stats, window, publish) before it counts as frozen. */
  requestTimeoutMs?: number;
  /**
   * One-way delay (ms) to add in each direction between the clients and pushbench's server, with
   * a delaying TCP proxy in this process (load/delay-proxy.ts); 0 or absent: none.
   */
  delayMs?: number;
  /** Seed of the clients' schedule phases; absent: a random one (recorded in the results either way). */
  scheduleSeed?: number;
  /** Called once a technique's server process is up (tests use it to simulate a crash or a freeze). */
  onServer?: (technique: TechniqueId, server: ServerProcess) => void;
  /** Called once a technique's generators have connected their clients (tests use it to kill one). */
  onGenerators?: (technique: TechniqueId, generators: readonly GeneratorProcess[]) => void;
}

/** Options of one technique run: its steps are reported without the session's counts, which runScenarios adds. */
export interface TechniqueRunOptions extends Omit<RunOptions, 'progress'> {
  progress: (step: TechniqueStep) => void;
  /** The server measured: the built-in one unless a target is given. */
  target?: ResolvedTarget;
  prepared?: PreparedRun | RunStepError;
  afterWindow?: () => void;
  /**
   * Called once the clients' window results are in (or the run ended early): what is left
   * (closing the clients, the server's last count, building the result) measures nothing, so
   * the session may start connecting the next run's clients meanwhile.
   */
  released?: () => void;
  /** Settles when the previous run has finished: awaited before the warm-up, so no window overlaps another run. */
  quietBefore?: Promise<unknown>;
  /** Measure the machine's floor (servers/floor.ts) with this technique's clients. */
  floor?: boolean;
  /** The user's certificate and key for a TLS wire; absent: the server makes a self-signed one. */
  tlsFiles?: TlsFiles;
}

// RunStepError (a step cannot go on; becomes a `failed` result with its message) is defined in
// core/errors.ts with every other error; exported here for the readers of this module.
export { RunStepError };

/** The signal a run was stopped by: the abort reason when the caller gave one (`abort('SIGTERM')`), else SIGINT (Ctrl-C). */
export function abortSignalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' && /^SIG[A-Z0-9]+$/.test(signal.reason) ? signal.reason : 'SIGINT';
}

/**
 * Races each step of a run against Ctrl-C and against any child process dying, so a
 * crash ends the step at once with its reason instead of waiting for a timeout.
 */
class RunGuard {
  private readonly failure: Promise<never>;
  private fail!: (error: Error) => void;

  constructor(private readonly signal: AbortSignal) {
    this.failure = new Promise<never>((_, reject) => (this.fail = reject));
    this.failure.catch(() => {});
    if (signal.aborted) this.fail(new InterruptedError('interrupted'));
    signal.addEventListener('abort', () => this.fail(new InterruptedError('interrupted')), { once: true });
  }

  watch(crashed: Promise<Error>): void {
    void crashed.then((error) => this.fail(error));
  }

  step<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failure]);
  }

  sleepUntil(micros: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return this.step(new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, (micros - nowMicros()) / 1000))))).finally(() => clearTimeout(timer));
  }
}

function socketsPerClient(technique: TechniqueId, params: ScenarioParams): number {
  return params.workload === 'chat' ? TECHNIQUE_META[technique].socketsPerChatClient : 1;
}

/** How many generator processes a technique needs, and a refusal when the open-file limit cannot fit it. */
export function planGenerators(technique: TechniqueId, params: ScenarioParams, requested: number | null, limit: number | null): number {
  const sockets = params.clients * socketsPerClient(technique, params);
  const perProcessCap = limit === null ? SOCKETS_PER_GENERATOR : Math.min(SOCKETS_PER_GENERATOR, limit - RESERVED_FDS);
  const count = Math.min(params.clients, requested ?? Math.max(1, Math.ceil(sockets / perProcessCap)));
  if (params.target === null && limit !== null && sockets + RESERVED_FDS > limit) {
    throw new OpenFileLimitError(describeOpenFileLimit(`the ${technique} server process (${params.clients} clients)`, sockets, limit));
  }
  const perProcess = Math.ceil(params.clients / count) * socketsPerClient(technique, params);
  if (limit !== null && perProcess + RESERVED_FDS > limit) {
    throw new OpenFileLimitError(describeOpenFileLimit(`each of ${count} load generator process(es)`, perProcess, limit));
  }
  return count;
}

// The publish grid lives in core/, where the load generators read it too.
export { firstPublishAt };

/**
 * What a pushbench-compatible server already running at `origin` says about itself (`GET /`):
 * its newest seq, where the clients start; and its own publishing rate, which must be 0 since
 * pushbench publishes and counts what it expects.
 */
async function pushbenchInfo(origin: string): Promise<{ head: number; rate: number }> {
  try {
    const response = await fetch(`${origin}/`, { signal: AbortSignal.timeout(5000) });
    const info = (await response.json()) as { head?: unknown; rate?: unknown };
    return { head: typeof info.head === 'number' ? info.head : 0, rate: typeof info.rate === 'number' ? info.rate : 0 };
  } catch {
    return { head: 0, rate: 0 };
  }
}

/**
 * The processes of one technique run: the server (pushbench's own child, or a target's command),
 * the generators, and pushbench's publisher when the server does not publish by itself, started
 * together. The session starts the next run's processes while the current run drains, so that
 * their start-up never overlaps a measured window and costs no wall time.
 */
export interface PreparedRun {
  generators: GeneratorProcess[];
  /** The delaying proxy in front of the server (`delayMs` > 0), listening before the server starts so that the server can be told its address. */
  proxy: Promise<DelayProxy> | null;
  server: Promise<ServerProcess> | null;
  targetServer: Promise<TargetServer> | null;
  publisher: PublisherProcess | null;
}

/**
 * `floor`: serve the clients from the bare `ws` broadcast of servers/floor.ts instead of
 * pushbench's server (the technique must then be the plain WebSocket): the machine's floor.
 * `target`: the server measured (the built-in one unless a target file or URL says otherwise).
 */
export function prepareRun(
  technique: TechniqueId,
  params: ScenarioParams,
  requestedGenerators: number | null,
  requestTimeoutMs?: number,
  floor = false,
  target: ResolvedTarget = BUILTIN_TARGET,
  delayMs = 0,
  tlsFiles: TlsFiles | null = null,
): PreparedRun | RunStepError {
  let count: number;
  try {
    count = planGenerators(technique, params, requestedGenerators, openFileLimit());
  } catch (error) {
    return error as RunStepError;
  }
  if (delayMs > 0 && target.kind !== 'builtin') return new RunStepError(`a delay (${delayMs} ms) can be injected in front of pushbench's own servers only; target ${target.name} is not one`);
  const generators = Array.from({ length: count }, () => GeneratorProcess.spawn());
  const proxy = delayMs > 0 ? DelayProxy.start({ delayMs }) : null;
  const spawnServer = (proxyHost: string | null): Promise<ServerProcess> =>
    ServerProcess.spawn(
      {
        // The clients address the proxy: the server answers that Host too.
        ...(proxyHost === null ? {} : { allowedHosts: [proxyHost] }),
        ...(floor ? { floor } : {}),
        ...responseHeadersOf(params),
        techniques: [technique],
        // The wire the scenario measures (servers/transports.ts); the floor is the bare ws loop on HTTP/1.1 only.
        wire: params.wire ?? DEFAULT_WIRE,
        tlsFiles,
        rate: 0,
        payloadBytes: params.payloadBytes,
        holdMs: params.holdMs,
        ringSize: RING_SIZE,
        ringBytes: RING_BYTES,
        // Exactly the rooms the clients are dealt into (load/generator.ts): no other room exists.
        rooms: params.workload === 'chat' ? Math.ceil(params.clients / params.roomSize) : 0,
        maxMessageBytes: Math.max(65_536, params.payloadBytes * 2 + 1024),
        // The server refuses a foreign Origin; the clients send their profile's.
        allowedOrigins: profileOrigins(headerProfile(params.headers)),
      },
      requestTimeoutMs === undefined ? {} : { requestMs: requestTimeoutMs },
    );
  const server = target.server.kind === 'builtin' ? (proxy === null ? spawnServer(null) : proxy.then((p) => spawnServer(new URL(p.origin).host))) : null;
  const targetServer = target.server.kind === 'command' ? TargetServer.start(target.server.command, target.origin!, target.name) : null;
  // Awaited later; until then a failed start must not count as an unhandled rejection.
  server?.catch(() => {});
  targetServer?.catch(() => {});
  proxy?.catch(() => {});
  // In chat the clients publish themselves (a target's publish request, or a frame on their own socket).
  const publisher = target.publish === null || params.workload === 'chat' ? null : PublisherProcess.spawn();
  return { generators, proxy, server, targetServer, publisher };
}

/** The response lines a profile asks pushbench's server to write on poll answers (kaazing-2010), as spawn options. */
function responseHeadersOf(params: ScenarioParams): { responseHeaders?: Array<[string, string]> } {
  const response = headerProfile(params.headers).response;
  return response === null ? {} : { responseHeaders: response.map(([name, value]) => [name, value]) };
}

/** Releases a prepared run that will not be used (after Ctrl-C). */
export async function discardRun(prepared: PreparedRun | RunStepError | undefined): Promise<void> {
  if (prepared === undefined || prepared instanceof Error) return;
  await Promise.all([
    ...prepared.generators.map((g) => g.close(2000)),
    prepared.server?.then((s) => s.close(), () => {}),
    prepared.targetServer?.then((s) => s.close(), () => {}),
    prepared.publisher?.close(2000),
    prepared.proxy?.then((p) => p.close(), () => {}),
  ]);
}

/** The port of a server on this host whose sockets the kernel can count, or null (a remote server). */
function localPort(origin: string): number | null {
  const url = new URL(origin);
  if (!isLoopbackHost(url.hostname)) return null;
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** The clients' byte counters now, summed over the generator processes. */
async function clientBytesOf(generators: ReadonlyArray<Pick<GeneratorProcess, 'bytes'>>): Promise<ClientBytes> {
  const list = await Promise.all(generators.map((g) => g.bytes()));
  return { up: list.reduce((n, b) => n + b.up, 0), down: list.reduce((n, b) => n + b.down, 0) };
}

/** How long the search for a quiet moment at a window edge may take. */
const QUIET_SEARCH_MS = 1500;

/**
 * Both sides' byte counters at the first quiet moment from now (a window edge), see
 * quietPair; null for a server not on this host, or without `ss`.
 */
function edgeSnapshot(port: number | null, generators: readonly GeneratorProcess[], publisherPorts: () => Promise<ReadonlySet<number>>, searchMs: number): Promise<QuietPair | null> {
  if (port === null) return Promise.resolve(null);
  return quietPair(() => clientBytesOf(generators), async () => kernelSnapshot(port, await publisherPorts()), searchMs);
}

/** Runs one technique through one scenario against a target (the built-in one by default); never throws: failures become results. */
export async function runTechnique(technique: TechniqueId, params: ScenarioParams, options: TechniqueRunOptions): Promise<TechniqueResult> {
  const target = options.target ?? BUILTIN_TARGET;
  const guard = new RunGuard(options.signal);
  let server: ServerProcess | undefined;
  let targetServer: TargetServer | undefined;
  const delayMs = options.delayMs ?? 0;
  const prepared = options.prepared ?? prepareRun(technique, params, options.generators, options.requestTimeoutMs, options.floor, target, delayMs, options.tlsFiles ?? null);
  let proxy: DelayProxy | undefined;
  const generators: GeneratorProcess[] = prepared instanceof Error ? [] : prepared.generators;
  const publisher = prepared instanceof Error ? null : prepared.publisher;
  try {
    if (prepared instanceof Error) throw prepared;
    const subscription = target.subscriptions[technique];
    if (subscription === undefined) throw new RunStepError(`target ${target.name} does not offer ${technique}; it offers ${target.techniques.join(', ')}`);
    const generatorCount = generators.length;
    // A stamp older than this is a backlog the server replays, not a message of this run.
    const notBeforeT = nowMicros();

    // 1. The server (pushbench's child, a target's command, or none: it is running), the generators and the publisher.
    for (const generator of generators) {
      guard.watch(generator.unexpectedExit);
      guard.watch(generator.refused);
    }
    if (publisher !== null) {
      guard.watch(publisher.unexpectedExit);
      guard.watch(publisher.refused);
    }
    if (prepared.server !== null) {
      server = await guard.step(prepared.server);
      guard.watch(server.unexpectedExit);
      options.onServer?.(technique, server);
    }
    if (prepared.targetServer !== null) {
      targetServer = await guard.step(prepared.targetServer);
      guard.watch(targetServer.unexpectedExit);
    }
    const origin = server?.url ?? targetServer?.origin ?? target.origin!;
    // The clients (and the round-trip probe) connect through the delaying proxy when there is one.
    if (prepared.proxy !== null) {
      proxy = await guard.step(prepared.proxy);
      const upstream = new URL(origin);
      proxy.forwardTo(upstream.hostname, Number(upstream.port));
    }
    const clientOrigin = proxy?.origin ?? origin;
    const scheduleSeed = options.scheduleSeed ?? randomInt(0, 2 ** 32 - 1);
    const idle = server === undefined ? null : (await guard.step(server.stats())).stats;
    const foreignIdle = targetServer?.sample() ?? null;

    // 2. Clients, spread over the generator processes; the publisher reaches the server too.
    options.progress({ phase: 'connecting', detail: `connecting ${params.clients} clients (${generatorCount} generator process${generatorCount > 1 ? 'es' : ''})` });
    if (params.workload === 'chat') checkChatTarget(target, technique, params);
    let startSeq = 0;
    if (target.kind === 'url') {
      const info = await pushbenchInfo(origin);
      if (info.rate > 0) throw new RunStepError(`the server at ${origin} publishes by itself (${info.rate} msg/s): start it with --rate 0, so that only pushbench publishes and the expected count is what it had accepted`);
      startSeq = info.head;
    }
    if (publisher !== null) await guard.step(publisher.start({ origin, publish: target.publish!, payloadBytes: params.payloadBytes }));
    const perProcess = Math.ceil(params.clients / generatorCount);
    const outcomes = await guard.step(
      Promise.all(
        generators.map((generator, i) => {
          const spec: GeneratorSpec = {
            technique,
            origin: clientOrigin,
            wire: params.wire ?? DEFAULT_WIRE,
            fromClient: i * perProcess,
            toClient: Math.min(params.clients, (i + 1) * perProcess),
            workload: params.workload,
            roomSize: params.roomSize,
            startSeq,
            intervalMs: params.intervalMs,
            holdMs: params.holdMs,
            headers: headerProfile(params.headers),
            rate: params.rate,
            payloadBytes: params.payloadBytes,
            connectConcurrency: 64,
            subscription,
            notBeforeT,
            schedule: { seed: scheduleSeed, clients: params.clients },
          };
          return generator.start(spec, 60_000 + params.clients * 10);
        }),
      ),
    );
    const failed = outcomes.reduce((n, o) => n + o.failed, 0);
    if (failed > 0) {
      const first = outcomes.find((o) => o.failed > 0)!;
      if (first.errorCode === 'EMFILE') {
        throw new OpenFileLimitError(describeOpenFileLimit('a load generator process', perProcess * socketsPerClient(technique, params), openFileLimit()));
      }
      throw new RunStepError(`${failed} of ${params.clients} clients could not connect: ${first.firstError}`);
    }
    options.onGenerators?.(technique, generators);
    // The kernel cross-check reads the server's sockets on its port, leaving the publisher's connections out;
    // only for a server pushbench cannot ask (its own count its bytes exactly): searching for a quiet edge
    // runs `ss` and asks the generators again and again, work that must not share a measured window.
    const port = server === undefined ? localPort(origin) : null;
    const publisherPorts = async (): Promise<ReadonlySet<number>> => new Set(publisher === null ? [] : await publisher.localPorts());

    // 3. Warm-up, then the measured window; publishing starts right after everyone knows the window.
    // The previous run may still be closing its clients: nothing of it may overlap this run's warm-up or window.
    if (options.quietBefore !== undefined) await guard.step(options.quietBefore);
    // The network's round trip for the latency model, with every process started, every client
    // connected and quiet and the previous run finished; after the first kernel snapshot, so that
    // the probe's socket, closed long before the second, is in neither. A target file's server
    // has no model, so it is not asked.
    const rtt: RttProbe | null = target.kind === 'file' ? null : await guard.step(probeRtt(clientOrigin, probeTimeoutMs(delayMs), params.wire ?? DEFAULT_WIRE));
    const pickupMs = techniquePickupMs(technique, params);
    const warmupMs = Math.max(params.warmupMs, pickupMs);
    const t0 = nowMicros() + START_MARGIN_MICROS;
    const startT = t0 + warmupMs * 1000;
    const endT = startT + params.durationMs * 1000;
    const chat = params.workload === 'chat';
    const firstAt = firstPublishAt(t0, startT, params.rate);
    // Sent together; each is acknowledged (bounded by the request timeout), long before t0 on a sane machine.
    await guard.step(
      Promise.all([
        server?.setWindow(startT, endT),
        ...generators.map((g) => g.setWindow(startT, endT, t0, chat ? endT : null)),
        chat ? undefined : server?.startPublishing(params.rate, firstAt),
        publisher?.schedule({ rate: params.rate, firstAt, until: endT, startT, endT }),
      ]),
    );
    options.progress({ phase: 'measuring', detail: `warming up ${warmupMs} ms, measuring ${params.durationMs} ms` });
    await guard.sleepUntil(startT);
    const start = server === undefined ? null : (await guard.step(server.stats())).stats;
    const foreignStart = targetServer?.sample() ?? null;
    // Both sides' bytes at the window's start: the first quiet moment (the edge lies halfway between two broadcast messages).
    const before = await guard.step(edgeSnapshot(port, generators, publisherPorts, Math.min(QUIET_SEARCH_MS, params.durationMs / 2)));
    await guard.sleepUntil(endT);
    const end = server === undefined ? null : await guard.step(server.stats());
    const foreignEnd = targetServer?.sample() ?? null;
    await guard.step(server?.stopPublishing() ?? Promise.resolve());
    // And at its end: the first quiet moment after it (chat publishing stopped at endT; broadcast between two messages).
    const after = before === null ? null : await guard.step(edgeSnapshot(port, generators, publisherPorts, QUIET_SEARCH_MS));
    options.afterWindow?.();

    // 4. Let in-flight messages land (a poll interval, plus a margin), then collect from every side.
    await guard.sleepUntil(nowMicros() + pickupMs * 1000 + DRAIN_MARGIN_MICROS);
    const windows: GeneratorWindowResult[] = await guard.step(Promise.all(generators.map((g) => g.collect(30_000))));
    const published = publisher === null ? null : await guard.step(publisher.collect());
    options.released?.();
    // The quiet moment for "bytes agree": everything the server wrote has been read, before any socket closes.
    const settled = server === undefined ? null : await guard.step(settleBytes(server, generators, settleTimeoutMs(params.clients), rtt?.bytes));
    const clientTotals: Array<ClientBytes | null> = await guard.step(Promise.all(generators.map((g) => g.close())));
    // The probe was a client of the server too.
    if (rtt !== null) clientTotals.push(rtt.bytes);
    let serverWindow: ServerWindow | null = null;
    if (server !== undefined && idle !== null && start !== null && end !== null) {
      const final = await guard.step(waitForIdle(server));
      // Counted after the drain: an upstream message stamped inside the window may reach the server after it.
      serverWindow = { idle, start, end: end.stats, final: final.stats, windowCount: final.windowCount };
    }
    const foreign =
      foreignIdle !== null && foreignStart !== null && foreignEnd !== null
        ? { idle: foreignIdle, start: foreignStart, end: foreignEnd, connections: after === null ? null : after.kernel.size }
        : null;
    const host = new URL(clientOrigin).host;
    const built = buildCompletedResult({
      technique,
      params,
      requestBased: TECHNIQUE_META[technique].delivery === 'request',
      generators: windows,
      clientTotals,
      settled,
      server: serverWindow,
      foreign,
      published: published !== null ? { broadcast: published.accepted } : serverWindow !== null ? serverWindow.windowCount : acceptedPerRoom(windows),
      publisher: published,
      kernel:
        before === null || after === null
          ? null
          : {
              kernel: kernelDelta(before.kernel, after.kernel),
              client: { up: after.client.up - before.client.up, down: after.client.down - before.client.down },
              notQuiet: [...(before.quiet ? [] : ['start' as const]), ...(after.quiet ? [] : ['end' as const])],
            },
      model: null,
    });
    // The analytic model describes pushbench's own servers: for another server it would be a guess.
    // It takes the network and the harness from this run: the RTT, the publisher's lateness, the
    // fan-out's queue and, for request-per-message techniques, how many messages each answer carried.
    const answers = windows.reduce((n, w) => n + w.requests.total - w.requests.empty, 0);
    const received = windows.reduce((n, w) => n + w.counts.receivedInWindow, 0);
    const measured = {
      rttMs: rtt?.rttMs ?? 0,
      publisherLatenessMs: built.publisher?.latenessMs.mean ?? 0,
      messagesPerAnswer: TECHNIQUE_META[technique].delivery === 'request' && answers > 0 ? received / answers : null,
      fanOutMs: built.publisher?.fanOutMs?.mean ?? 0,
      arrivalSpreadMs: built.arrivalSpreadMs ?? 0,
    };
    const result: CompletedResult = {
      ...built,
      // The model has HTTP/1.1 cleartext's terms only: on TLS or HTTP/2 it would miss them (records, frames, HPACK), so none is shown.
      model: target.kind === 'file' || (params.wire ?? DEFAULT_WIRE) !== DEFAULT_WIRE ? null : modelFor(technique, params, { host }, measured),
      network: rtt === null ? null : { rttMs: rtt.rttMs, rttSamplesMs: rtt.samplesMs, injectedDelayMs: proxy?.delayMs ?? 0 },
      scheduleSeed,
    };
    // A run that delivered nothing (or had nothing to deliver) is never `completed`.
    return judgeDelivery(result);
  } catch (error) {
    if (error instanceof InterruptedError || options.signal.aborted) return { state: 'interrupted', error: `interrupted (${abortSignalName(options.signal)}) before the window ended` };
    // A dead server is the root cause of whatever the clients then met (refused connections, resets).
    // Its clients can notice before the runner sees the exit, so give the exit a moment to arrive.
    if (server !== undefined && server.crashed === undefined) await exitOrTimeout(server, CRASH_GRACE_MS);
    return { state: 'failed', error: (server?.crashed ?? targetServer?.crashed ?? (error as Error)).message };
  } finally {
    options.released?.();
    await Promise.all([
      ...generators.map((g) => g.close(5000).catch(() => g.kill())),
      server?.close().catch(() => server?.kill()),
      publisher?.close().catch(() => publisher.kill()),
      targetServer?.close(),
      proxy?.close() ?? (prepared instanceof Error ? undefined : prepared.proxy?.then((p) => p.close(), () => {})),
      // A target server that was still starting when the run failed is stopped as soon as it is up.
      prepared instanceof Error || targetServer !== undefined ? undefined : prepared.targetServer?.then((s) => s.close(), () => {}),
    ]);
  }
}

/** How long the runner waits for the last bytes in flight to land: 5 s, plus 1 ms per client (a fan-out to 20,000 sockets on a loaded machine). */
export function settleTimeoutMs(clients: number): number {
  return 5000 + clients;
}

/**
 * Waits until both ends' byte counters are equal, or `timeoutMs` has passed: after publishing
 * and requests have stopped nothing new is sent, so the clients' counts can only catch up with
 * the server's, and equal counts mean nothing is in flight. A fan-out that outlasts the drain
 * (thousands of sockets on a busy machine) is waited for here instead of being read as a
 * disagreement; counts that never meet are reported with what was still missing.
 */
export async function settleBytes(
  server: Pick<ServerProcess, 'stats'>,
  generators: ReadonlyArray<Pick<GeneratorProcess, 'bytes'>>,
  timeoutMs: number,
  /** Bytes of the server's other clients, closed by now (the RTT probe's connection). */
  otherClients: ClientBytes = { up: 0, down: 0 },
): Promise<SettledBytes> {
  const started = nowMicros();
  let inFlightAtDrain: number | null = null;
  for (;;) {
    const [reply, clients] = await Promise.all([server.stats(), clientBytesOf(generators)]);
    const client = { up: clients.up + otherClients.up, down: clients.down + otherClients.down };
    const serverBytes = { up: reply.stats.bytes.up, down: reply.stats.bytes.down };
    const missing = Math.abs(serverBytes.down - client.down) + Math.abs(serverBytes.up - client.up);
    inFlightAtDrain ??= missing;
    const waitedMs = (nowMicros() - started) / 1000;
    if (missing === 0 || waitedMs >= timeoutMs) return { server: serverBytes, client, settled: missing === 0, waitedMs, inFlightAtDrainBytes: inFlightAtDrain };
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** Time between two samples while waiting for the bytes in flight. */
const SETTLE_POLL_MS = 20;

/** Chat against a target it cannot be measured on fails the technique with the reason (the CLI refuses it earlier, exit 2). */
function checkChatTarget(target: ResolvedTarget, technique: TechniqueId, params: ScenarioParams): void {
  const problem = chatProblem(target, technique, params.clients, params.roomSize);
  if (problem !== null) throw new RunStepError(problem);
}

/** Chat against a target: what the targets accepted per room, summed over the generator processes. */
function acceptedPerRoom(windows: readonly GeneratorWindowResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of windows) for (const [room, n] of Object.entries(w.accepted ?? {})) out[room] = (out[room] ?? 0) + n;
  return out;
}

/** Waits (bounded) until the server has seen every client's connection close, then samples it. */
async function waitForIdle(server: ServerProcess): Promise<StatsReply> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const reply = await server.stats();
    if (reply.stats.connections.open === 0 || Date.now() > deadline) return reply;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The technique whose clients measure the floor: the bare server is a `ws` broadcast. */
const FLOOR_TECHNIQUE: TechniqueId = PLAIN_WS_TECHNIQUE;

/**
 * Whether a scenario gets a floor measurement: broadcast on the built-in servers (a bare
 * broadcast cannot stand in for chat or a foreign server), unless the scenario declines one.
 * The floor is a bare ws loop on cleartext HTTP/1.1, the machine's: scenarios on other wires have none.
 */
export function measuresFloor(params: ScenarioParams, target: ResolvedTarget = BUILTIN_TARGET, wanted = true): boolean {
  return wanted && params.workload === 'broadcast' && params.target === null && target.kind === 'builtin' && (params.wire ?? DEFAULT_WIRE) === DEFAULT_WIRE;
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
export function interleavedRuns<S extends { sameAs?: string; techniques: readonly TechniqueId[]; params: ScenarioParams; target?: ResolvedTarget; floor?: boolean }>(
  specs: readonly S[],
  repetitions: number,
): Array<{ spec: S; technique: TechniqueId; run: number; floor: boolean }> {
  return specs
    .filter((s) => s.sameAs === undefined)
    .flatMap((spec) => [
      ...Array.from({ length: repetitions }, (_, run) => spec.techniques.map((technique) => ({ spec, technique, run, floor: false }))).flat(),
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
          next = prepareRun(following.technique, following.spec.params, options.generators, options.requestTimeoutMs, following.floor, following.spec.target, options.delayMs ?? 0, following.spec.tlsFiles ?? null);
        }
      },
    }).then(async (result) => {
      // Results are stored in run order: this run's predecessor has stored its own first.
      await before;
      store(result);
      options.progress({ ...at, done: i + 1, phase: 'finished', state: result.state, detail: `${result.state}${runNote}${result.state !== 'completed' ? ` (${result.error})` : ''}` });
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
