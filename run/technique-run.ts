/**
 * One technique's steps: take the prepared processes (run/prepare-run.ts), connect the clients,
 * warm up, measure a fixed window, let the last messages land, collect from every side and
 * build the result, then stop everything. Every step races Ctrl-C and the children's deaths,
 * and a failure becomes a result, never an exception. It never asks which technique it holds:
 * drivers and servers come from registries.
 */
import type { TlsTrust } from '../core/socket-counter.ts';
import { DEFAULT_WIRE, wireOrigin } from '../core/wires.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { nowMicros } from '../core/protocol.ts';
import { firstPublishAt } from '../core/publish-grid.ts';
import { headerProfile } from '../load/headers.ts';
import type { GeneratorSpec, GeneratorWindowResult } from '../core/ipc.ts';
import type { GeneratorProcess } from './generator-process.ts';
import { describeOpenFileLimit, openFileLimit } from './limits.ts';
import { busiestSourceAddress, MachineWatch } from './machine-watch.ts';
import { treePids } from './proc-tree.ts';
import { portsPerAddress } from './scale-plan.ts';
import { InterruptedError, OpenFileLimitError, RunStepError, TargetRefusedError } from '../core/errors.ts';
import { modelFor, publishHopMs } from './model.ts';
import { h2BlocksFor } from './hpack-sizes.ts';
import { buildCompletedResult, judgeDelivery, memberCosts, type ServerWindow } from './result-builder.ts';
import type { CompletedResult, ScenarioParams, TechniqueResult } from '../core/results.ts';
import type { ClientBytes } from '../core/socket-counter.ts';
import type { FeedServerHandle, StatsReply } from './server-process.ts';
import { kernelDelta } from './kernel-bytes.ts';
import type { TargetServer } from './target-server.ts';
import { BUILTIN_TARGET, chatProblem, type ResolvedTarget } from './targets.ts';
import { BUILTIN_PUBLISH } from '../core/targets.ts';
import { pickupMs as techniquePickupMs, TECHNIQUE_META } from '../core/techniques.ts';
import type { TechniqueStep } from './progress.ts';
import { randomInt } from 'node:crypto';
import type { DelayProxy, DelayProxyLateness } from '../load/delay-proxy.ts';
import { networkRttMs, probeRtt, RTT_PROBE_REQUESTS, RTT_PROBE_WARMUP, type RttProbe } from './rtt-probe.ts';
import { prepareRun, socketsPerClient, type PreparedRun, type TlsFiles } from './prepare-run.ts';
import { edgeSnapshot, localPort, QUIET_SEARCH_MS, settleBytes, settleTimeoutMs, waitForIdle } from './window-edges.ts';

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
async function exitOrTimeout(server: FeedServerHandle, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([server.unexpectedExit.then(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** What every run of a session shares: the stop signal, the process counts and timeouts, the injected delay, the seed and the tests' hooks. */
export interface RunControls {
  /**
   * Aborted on Ctrl-C or SIGTERM: the current technique stops and is marked `interrupted`.
   * Abort it with the signal's name as the reason (`controller.abort('SIGTERM')`) and the
   * results say which signal stopped the run.
   */
  signal: AbortSignal;
  /** Generator processes per technique; null = as many as the socket count needs. */
  generators: number | null;
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
  onServer?: (technique: TechniqueId, server: FeedServerHandle) => void;
  /** Built-in server processes on one port (`--server-processes`); absent: 1. */
  serverProcesses?: number;
  /** `--ramp`: clients connected per second over all generator processes; absent: as fast as they can. */
  rampPerSecond?: number;
  /** Source address of each generator process instead of the plan's (tests: two addresses with few clients). */
  sourceAddresses?: readonly string[];
  /** Called once a technique's generators have connected their clients (tests use it to kill one). */
  onGenerators?: (technique: TechniqueId, generators: readonly GeneratorProcess[]) => void;
}

/** Options of one technique run: its steps are reported without the session's counts, which runScenarios adds. */
export interface TechniqueRunOptions extends RunControls {
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
  private readonly signalOnAbort = (): void => this.fail(new InterruptedError('interrupted'));

  constructor(private readonly signal: AbortSignal) {
    this.failure = new Promise<never>((_, reject) => (this.fail = reject));
    this.failure.catch(() => {});
    if (signal.aborted) this.fail(new InterruptedError('interrupted'));
    signal.addEventListener('abort', this.signalOnAbort, { once: true });
  }

  /** Stops listening to the session's signal: one listener per technique run would pile up on it (MaxListenersExceededWarning past 10 runs). */
  dispose(): void {
    this.signal.removeEventListener('abort', this.signalOnAbort);
  }

  watch(crashed: Promise<Error>): void {
    void crashed.then((error) => this.fail(error));
  }

  step<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failure]);
  }

  sleepUntil(micros: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return this.step(new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, (micros - nowMicros()) / 1000))))).finally(
      () => clearTimeout(timer),
    );
  }
}

/**
 * A publish `--target` did not accept usually means the server is not pushbench: say what a
 * pushbench server answers and where other servers go.
 */
function notPushbenchHint(error: Error): Error {
  return new TargetRefusedError(
    `${error.message}. A pushbench server (pushbench serve --rate 0) answers POST ${BUILTIN_PUBLISH.path} with ${BUILTIN_PUBLISH.accepted.join(', ')} and no body; ` +
      '--target drives pushbench servers only: for another server, describe how to publish and subscribe in a target file (targets/target.schema.json) and pass it with --target-file FILE',
    { cause: error },
  );
}

/**
 * What a pushbench-compatible server already running at `origin` says about itself (`GET /`):
 * its newest seq, where the clients start; and its own publishing rate, which must be 0 since
 * pushbench publishes and counts what it expects.
 */
export async function pushbenchInfo(origin: string): Promise<{ head: number; rate: number }> {
  try {
    const response = await fetch(`${origin}/`, { signal: AbortSignal.timeout(5000) });
    const info = (await response.json()) as { head?: unknown; rate?: unknown };
    return { head: typeof info.head === 'number' ? info.head : 0, rate: typeof info.rate === 'number' ? info.rate : 0 };
  } catch {
    return { head: 0, rate: 0 };
  }
}

/** Runs one technique through one scenario against a target (the built-in one by default); never throws: failures become results. */
export async function runTechnique(technique: TechniqueId, params: ScenarioParams, options: TechniqueRunOptions): Promise<TechniqueResult> {
  const target = options.target ?? BUILTIN_TARGET;
  const guard = new RunGuard(options.signal);
  let server: FeedServerHandle | undefined;
  let targetServer: TargetServer | undefined;
  const delayMs = options.delayMs ?? 0;
  const prepared =
    options.prepared ??
    prepareRun(
      technique,
      params,
      options.generators,
      options.requestTimeoutMs,
      options.floor,
      target,
      delayMs,
      options.tlsFiles ?? null,
      options.serverProcesses,
      options.sourceAddresses,
    );
  let proxy: DelayProxy | undefined;
  const generators: GeneratorProcess[] = prepared instanceof Error ? [] : prepared.generators;
  const publisher = prepared instanceof Error ? null : prepared.publisher;
  let machine: MachineWatch | undefined;
  try {
    if (prepared instanceof Error) throw prepared;
    const subscription = target.subscriptions[technique];
    if (subscription === undefined)
      throw new RunStepError(`target ${target.name} does not offer ${technique}; it offers ${target.techniques.join(', ')}`);
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
      guard.watch(target.kind === 'url' ? publisher.refused.then(notPushbenchHint) : publisher.refused);
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
    const wire = params.wire ?? DEFAULT_WIRE;
    // A running target is reached at its origin with the wire's scheme (its file lists the wires it offers).
    const origin = server?.url ?? targetServer?.origin ?? wireOrigin(wire, target.origin!);
    // pushbench's own server: its certificate is made in its child; a target pushbench started: exactly the one it made; any other is verified (CA store, name, dates) unless --insecure.
    const tlsTrust: TlsTrust = targetServer?.trust ?? (target.kind === 'builtin' || target.insecure ? { kind: 'any' } : { kind: 'system' });
    // The clients (and the round-trip probe) connect through the delaying proxy when there is one.
    if (prepared.proxy !== null) {
      proxy = await guard.step(prepared.proxy);
      const upstream = new URL(origin);
      proxy.forwardTo(upstream.hostname, Number(upstream.port));
    }
    const clientOrigin = proxy?.origin ?? origin;
    const scheduleSeed = options.scheduleSeed ?? randomInt(0, 2 ** 32 - 1);
    const idleReply: StatsReply | null = server === undefined ? null : await guard.step(server.stats());
    const idle = idleReply?.stats ?? null;
    const foreignIdle = targetServer?.sample() ?? null;

    // The machine's limits (CPU, memory, files, ports) from here to the window's end: what a large run hit, in words.
    const members = (server as { members?: ReadonlyArray<{ pid: number }> } | undefined)?.members;
    const serverPids = members?.map((m) => m.pid) ?? (server === undefined ? [] : [server.pid]);
    machine = new MachineWatch(() => [
      ...serverPids,
      ...(targetServer === undefined ? [] : treePids(targetServer.pid)),
      ...generators.flatMap((g) => (g.pid === undefined ? [] : [g.pid])),
    ]);

    // 2. Clients, spread over the generator processes; the publisher reaches the server too.
    options.progress({
      phase: 'connecting',
      detail: `connecting ${params.clients} clients (${generatorCount} generator process${generatorCount > 1 ? 'es' : ''})`,
    });
    if (params.workload === 'chat') checkChatTarget(target, technique, params);
    let startSeq = 0;
    if (target.kind === 'url') {
      const info = await pushbenchInfo(origin);
      if (info.rate > 0)
        throw new RunStepError(
          `the server at ${origin} publishes by itself (${info.rate} msg/s): start it with --rate 0, so that only pushbench publishes and the expected count is what it had accepted`,
        );
      startSeq = info.head;
    }
    if (publisher !== null)
      await guard.step(publisher.start({ origin, publish: target.publish!, payloadBytes: params.payloadBytes, tlsTrust }));
    // A browser's tabs share its connections: they stay in one generator process.
    const tabs = params.tabs ?? 1;
    const perProcess = Math.ceil(Math.ceil(params.clients / generatorCount) / tabs) * tabs;
    /** Generator `i`'s clients: [from, to). */
    const clientsOf = (i: number) => ({
      from: Math.min(params.clients, i * perProcess),
      to: Math.min(params.clients, (i + 1) * perProcess),
    });
    const outcomes = await guard.step(
      Promise.all(
        generators.map((generator, i) => {
          const spec: GeneratorSpec = {
            technique,
            origin: clientOrigin,
            wire,
            tlsTrust,
            fromClient: clientsOf(i).from,
            toClient: clientsOf(i).to,
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
            ...(tabs > 1 ? { tabs } : {}),
            ...(prepared.sourceAddresses[i] === undefined ? {} : { localAddress: prepared.sourceAddresses[i] }),
            ...(options.rampPerSecond === undefined ? {} : { rampPerSecond: options.rampPerSecond / generatorCount }),
          };
          // A ramp stretches the connecting: its time is added to the start's deadline.
          return generator.start(
            spec,
            60_000 + params.clients * 10 + (options.rampPerSecond === undefined ? 0 : (params.clients / options.rampPerSecond) * 1000),
          );
        }),
      ),
    );
    const failed = outcomes.reduce((n, o) => n + o.failed, 0);
    if (failed > 0) {
      const first = outcomes.find((o) => o.failed > 0)!;
      if (first.errorCode === 'EMFILE') {
        throw new OpenFileLimitError(
          describeOpenFileLimit('a load generator process', perProcess * socketsPerClient(technique, params), openFileLimit()),
        );
      }
      throw new RunStepError(`${failed} of ${params.clients} clients could not connect: ${first.firstError}`);
    }
    options.onGenerators?.(technique, generators);
    machine.sampleFiles();
    // The kernel cross-check reads the server's sockets on its port, leaving the publisher's connections out;
    // only for a server pushbench cannot ask (its own count its bytes exactly). Searching for a quiet moment
    // runs `ss` and asks the generators again and again, work that must not share a measured window: the two
    // readings are taken before the warm-up (every client connected, nothing published yet) and after the
    // drain (publishing stopped, the clients' stragglers in), both quiet also when a fan-out outlasts the gap
    // between messages (issue 19: at 100,000 Nchan clients no window edge was quiet, and `ss` over 100,000
    // sockets in the window cost the generators the CPU they measured with).
    const port = server === undefined ? localPort(origin) : null;
    const serverHost = new URL(origin).hostname;
    const publisherPorts = async (): Promise<ReadonlySet<string>> => new Set(publisher === null ? [] : await publisher.localEndpoints());

    // 3. Warm-up, then the measured window; publishing starts right after everyone knows the window.
    // The previous run may still be closing its clients: nothing of it may overlap this run's warm-up or window.
    if (options.quietBefore !== undefined) await guard.step(options.quietBefore);
    const before = await guard.step(edgeSnapshot(port, serverHost, generators, publisherPorts, QUIET_SEARCH_MS));
    // The network's round trip for the latency model, with every process started, every client
    // connected and quiet and the previous run finished; after the first kernel snapshot, so that
    // the probe's socket, closed long before the second, is in neither. A target file's server
    // has no model, so it is not asked.
    const rtt: RttProbe | null =
      target.kind === 'file' ? null : await guard.step(probeRtt(clientOrigin, probeTimeoutMs(delayMs), params.wire ?? DEFAULT_WIRE));
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
    machine.startWindow();
    const proxyAtStart = { up: proxy?.lateness('up'), down: proxy?.lateness('down') };
    const startReply: StatsReply | null = server === undefined ? null : await guard.step(server.stats());
    const start = startReply?.stats ?? null;
    const foreignStart = targetServer?.sample() ?? null;
    await guard.sleepUntil(endT);
    machine.endWindow();
    const proxyAtEnd = { up: proxy?.lateness('up'), down: proxy?.lateness('down') };
    const end = server === undefined ? null : await guard.step(server.stats());
    const foreignEnd = targetServer?.sample() ?? null;
    await guard.step(server?.stopPublishing() ?? Promise.resolve());
    options.afterWindow?.();

    // 4. Let in-flight messages land (a poll interval, plus a margin), then collect from every side.
    await guard.sleepUntil(nowMicros() + pickupMs * 1000 + DRAIN_MARGIN_MICROS);
    const windows: GeneratorWindowResult[] = await guard.step(Promise.all(generators.map((g) => g.collect(30_000))));
    const published = publisher === null ? null : await guard.step(publisher.collect());
    // The kernel's second reading: nothing is published any more and the clients have their last messages.
    const after = before === null ? null : await guard.step(edgeSnapshot(port, serverHost, generators, publisherPorts, QUIET_SEARCH_MS));
    options.released?.();
    // The quiet moment for "bytes agree": everything the server wrote has been read, before any socket closes.
    const settled =
      server === undefined ? null : await guard.step(settleBytes(server, generators, settleTimeoutMs(params.clients), rtt?.bytes));
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
      published:
        published !== null
          ? { broadcast: published.accepted }
          : serverWindow !== null
            ? serverWindow.windowCount
            : acceptedPerRoom(windows),
      publisher: published,
      overlaps: published?.overlaps,
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
      // The network's own round trip: the fastest probe (a slower one waited for a CPU too, which the window's terms measure apart).
      rttMs: rtt === null ? 0 : networkRttMs(rtt),
      publisherLatenessMs: built.publisher?.latenessMs.mean ?? 0,
      messagesPerAnswer: TECHNIQUE_META[technique].delivery === 'request' && answers > 0 ? received / answers : null,
      fanOutMs: built.publisher?.fanOutMs?.mean ?? 0,
      arrivalSpreadMs: built.arrivalSpreadMs ?? 0,
      // A foreign server hears of a message only when pushbench's POST reaches it.
      publishHopMs:
        built.publisher?.roundTripMs === undefined
          ? 0
          : publishHopMs(built.publisher.roundTripMs.mean, rtt?.rttMs ?? 0, proxy?.delayMs ?? 0),
      // What the delaying proxy added beyond its delay to each chunk in the window: on the way down, and in chat
      // (a hop up, then one down: the model takes it twice) the mean of the two ways.
      proxyExtraMs:
        params.workload === 'chat'
          ? (proxyLatenessIn(proxyAtStart.up, proxyAtEnd.up) + proxyLatenessIn(proxyAtStart.down, proxyAtEnd.down)) / 2
          : proxyLatenessIn(proxyAtStart.down, proxyAtEnd.down),
    };
    // The model has the TLS and HTTP/2 terms (run/wire-model.ts) but not yet a chat POST's on them: chat off http has none.
    // Nor has it tabs sharing a connection: on HTTP/2 the server writes one message to a browser's streams in one TLS record.
    const modelled = target.kind !== 'file' && (wire === DEFAULT_WIRE || params.workload !== 'chat') && (params.tabs ?? 1) <= 1;
    const h2 = modelled ? await guard.step(h2BlocksFor(technique, wire, params, host, built)) : null;
    const result: CompletedResult = {
      ...built,
      model: modelled ? modelFor(technique, params, { host, wire, ...(h2 === null ? {} : { h2 }) }, measured) : null,
      network:
        rtt === null
          ? null
          : {
              rttMs: rtt.rttMs,
              rttSamplesMs: rtt.samplesMs,
              injectedDelayMs: proxy?.delayMs ?? 0,
              ...(proxy === undefined ? {} : { proxyLateness: proxy.lateness() }),
            },
      scheduleSeed,
    };
    const use = machine.use(
      openFileLimit(),
      portsPerAddress(),
      busiestSourceAddress(
        generators.map((_, i) => ({
          clients: clientsOf(i).to - clientsOf(i).from,
          address: prepared.sourceAddresses[i],
        })),
        socketsPerClient(technique, params),
      ),
    );
    if (use !== null) result.machine = use;
    // Several server processes: each one's own figures beside their sum, a dead one with why.
    if (result.server !== null && idleReply?.members !== undefined && startReply?.members !== undefined && end?.members !== undefined) {
      result.server = { ...result.server, processes: memberCosts(idleReply.members, startReply.members, end.members) };
    }
    // A run that delivered nothing (or had nothing to deliver) is never `completed`.
    return judgeDelivery(result);
  } catch (error) {
    if (error instanceof InterruptedError || options.signal.aborted)
      return { state: 'interrupted', error: `interrupted (${abortSignalName(options.signal)}) before the window ended` };
    // A dead server is the root cause of whatever the clients then met (refused connections, resets).
    // Its clients can notice before the runner sees the exit, so give the exit a moment to arrive.
    if (server !== undefined && server.crashed === undefined) await exitOrTimeout(server, CRASH_GRACE_MS);
    return { state: 'failed', error: (server?.crashed ?? targetServer?.crashed ?? (error as Error)).message };
  } finally {
    machine?.stop();
    guard.dispose();
    options.released?.();
    await Promise.all([
      ...generators.map((g) => g.close(5000).catch(() => g.kill())),
      server?.close().catch(() => server?.kill()),
      publisher?.close().catch(() => publisher.kill()),
      targetServer?.close(),
      proxy?.close() ??
        (prepared instanceof Error
          ? undefined
          : prepared.proxy?.then(
              (p) => p.close(),
              () => {},
            )),
      // A target server that was still starting when the run failed is stopped as soon as it is up.
      prepared instanceof Error || targetServer !== undefined
        ? undefined
        : prepared.targetServer?.then(
            (s) => s.close(),
            () => {},
          ),
    ]);
  }
}

/**
 * The delaying proxy's mean lateness per chunk between two snapshots of its counters (the
 * window's start and end), ms: what it added beyond its delay; 0 without a proxy or releases.
 * Taken in full, not as a shift from the probe's: the RTT is the fastest probe's
 * (networkRttMs), which carried the least of it, where a mean over the probe's chunks
 * carries every stall, so that the median probe less that mean could fall below the network
 * itself (a model of -15 ms for a measured 11.7, 2026-12-07).
 */
export function proxyLatenessIn(start: DelayProxyLateness | undefined, end: DelayProxyLateness | undefined): number {
  if (start === undefined || end === undefined || end.chunks <= start.chunks) return 0;
  return (end.meanMs * end.chunks - start.meanMs * start.chunks) / (end.chunks - start.chunks);
}

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
