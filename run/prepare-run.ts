/**
 * Preparing a run: how many load-generator processes a technique needs under the open-file
 * limit, and starting them together with the server (pushbench's child, a target's command),
 * the delaying proxy and the publisher, before the run's steps (run/technique-run.ts) use them.
 */
import { DEFAULT_WIRE } from '../core/wires.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { headerProfile, profileOrigins } from '../load/headers.ts';
import { GeneratorProcess } from './generator-process.ts';
import { openFileLimit, RESERVED_FDS } from './limits.ts';
import { machineLimits, planScale, SERVER_SKEW, SOCKETS_PER_GENERATOR_MAX, type ScalePlan } from './scale-plan.ts';

import { OpenFileLimitError, RunStepError } from '../core/errors.ts';
import type { ScenarioParams } from '../core/results.ts';
import { ServerProcess, type FeedServerHandle, type ServerProcessOptions } from './server-process.ts';
import { ServerGroup } from './server-group.ts';
import { PublisherProcess } from './publisher-process.ts';
import { TargetServer } from './target-server.ts';
import { BUILTIN_TARGET, type ResolvedTarget } from './targets.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { DelayProxy } from '../load/delay-proxy.ts';

/** The server's own headers timeout (servers/server.ts): a run of up to this many clients keeps it. */
const HEADERS_TIMEOUT_MS = 10_000;
/** And its request timeout (the whole request must arrive within it). */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The run's server's headers timeout (the slow-loris guard: a connection's request head must
 * arrive within it): 10 s, or 1 ms per client of the run past that, 60 s at most, as the clients'
 * WebSocket handshake timeout grows (load/drivers/websocket.ts). At 100,000 long-poll clients over
 * 8 server processes on 2 cores, connections sat accepted with no byte of their first request for
 * 10 s, in every server process at once, and the 408s failed the run; no listen-queue overflow and
 * no dropped packet was counted (docs/results/2026-12-07-machine-limits.md). `pushbench serve`
 * keeps 10 s.
 */
export function headersTimeoutFor(clients: number): number {
  return Math.min(60_000, Math.max(HEADERS_TIMEOUT_MS, clients));
}

/** The run's server's headers and request timeouts, when they differ from its own (Node wants the request one no shorter). */
function serverTimeouts(clients: number): { headersTimeoutMs?: number; requestTimeoutMs?: number } {
  const headersTimeoutMs = headersTimeoutFor(clients);
  return headersTimeoutMs === HEADERS_TIMEOUT_MS
    ? {}
    : { headersTimeoutMs, requestTimeoutMs: Math.max(REQUEST_TIMEOUT_MS, headersTimeoutMs) };
}

/** Connections a server process accepts beyond its share of the clients: the publisher's, the RTT probe's, a stats check's. */
const ACCEPT_CAP_MARGIN = 16;

/** Sockets one generator process aims to hold, well under the 20,000 open-file cap. */
export const SOCKETS_PER_GENERATOR = SOCKETS_PER_GENERATOR_MAX;

/** Ring large enough that no client of a normal run falls out of it. */
const RING_SIZE = 65_536;
/** Memory the server's rings together may keep (its broadcast feed and its chat rooms share it). */
const RING_BYTES = 512 * 1024 * 1024;

/** Sockets one client holds: in chat some techniques need a second one to publish upstream. */
export function socketsPerClient(technique: TechniqueId, params: ScenarioParams): number {
  return params.workload === 'chat' ? TECHNIQUE_META[technique].socketsPerChatClient : 1;
}

/**
 * How many generator processes a technique needs and where they connect from (run/scale-plan.ts),
 * and a refusal with the arithmetic when the machine's files, ports or memory cannot hold it.
 */
export function planGenerators(
  technique: TechniqueId,
  params: ScenarioParams,
  requested: number | null,
  limit: number | null,
  serverProcesses = 1,
  builtinServer = params.target === null,
): ScalePlan {
  const plan = planScale(
    {
      clients: params.clients,
      socketsPerClient: socketsPerClient(technique, params),
      requestedGenerators: requested,
      serverProcesses,
      builtinServer,
    },
    machineLimits(limit, RESERVED_FDS),
  );
  if (plan.refusals.length > 0)
    throw new OpenFileLimitError(`${params.clients} ${technique} clients cannot run on this machine: ${plan.refusals.join('; ')}`);
  return plan;
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
  server: Promise<FeedServerHandle> | null;
  targetServer: Promise<TargetServer> | null;
  publisher: PublisherProcess | null;
  /** Source address of each generator process (run/scale-plan.ts); empty: the kernel's choice. */
  sourceAddresses: readonly string[];
}

/**
 * `floor`: serve the clients from the bare `ws` broadcast of servers/floor.ts instead of
 * pushbench's server (the technique must then be the plain WebSocket): the machine's floor.
 * `target`: the server measured (the built-in one unless a target file or URL says otherwise).
 */
/** A certificate chain file and its key file, PEM. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export function prepareRun(
  technique: TechniqueId,
  params: ScenarioParams,
  requestedGenerators: number | null,
  requestTimeoutMs?: number,
  floor = false,
  target: ResolvedTarget = BUILTIN_TARGET,
  delayMs = 0,
  tlsFiles: TlsFiles | null = null,
  serverProcesses = 1,
  sourceAddresses?: readonly string[],
): PreparedRun | RunStepError {
  let plan: ScalePlan;
  try {
    plan = planGenerators(
      technique,
      params,
      requestedGenerators,
      openFileLimit(),
      floor ? 1 : serverProcesses,
      target.server.kind === 'builtin',
    );
  } catch (error) {
    return error as RunStepError;
  }
  const count = plan.generators;
  if (delayMs > 0 && target.kind !== 'builtin')
    return new RunStepError(
      `a delay (${delayMs} ms) can be injected in front of pushbench's own servers only; target ${target.name} is not one`,
    );
  const generators = Array.from({ length: count }, () => GeneratorProcess.spawn());
  const proxy = delayMs > 0 ? DelayProxy.start({ delayMs }) : null;
  const spawnServer = (proxyHost: string | null): Promise<FeedServerHandle> => {
    const options: ServerProcessOptions = {
      // The clients address the proxy: the server answers that Host too.
      ...(proxyHost === null ? {} : { allowedHosts: [proxyHost] }),
      ...(floor ? { floor } : {}),
      ...responseHeadersOf(params),
      techniques: [technique],
      ...serverTimeouts(params.clients),
      // The wire the scenario measures (servers/transports.ts); the floor is the bare ws loop on HTTP/1.1 only.
      wire: params.wire ?? DEFAULT_WIRE,
      tlsFiles,
      // `--server-parts`: the server taps its connections to count the wire's parts on its end too.
      ...(params.serverParts === true ? { countParts: true } : {}),
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
    };
    const timeouts = requestTimeoutMs === undefined ? {} : { requestMs: requestTimeoutMs };
    // Several processes on one port (--server-processes): the floor stays the textbook single loop.
    // Each stops accepting at the share the plan allowed it (its even share of the clients times
    // the skew, plus the publisher's and the probe's few connections), so the kernel's uneven deal
    // cannot run one out of files while the others idle.
    if (serverProcesses > 1 && !floor)
      return ServerGroup.spawn(
        { ...options, acceptCap: Math.ceil((params.clients / serverProcesses) * SERVER_SKEW) + ACCEPT_CAP_MARGIN },
        serverProcesses,
        timeouts,
      );
    return ServerProcess.spawn(options, timeouts);
  };
  const server =
    target.server.kind === 'builtin' ? (proxy === null ? spawnServer(null) : proxy.then((p) => spawnServer(new URL(p.origin).host))) : null;
  const targetServer =
    target.server.kind === 'command'
      ? TargetServer.start(target.server.command, target.origin!, target.name, params.wire ?? DEFAULT_WIRE)
      : null;
  // Awaited later; until then a failed start must not count as an unhandled rejection.
  server?.catch(() => {});
  targetServer?.catch(() => {});
  proxy?.catch(() => {});
  // In chat the clients publish themselves (a target's publish request, or a frame on their own socket).
  const publisher = target.publish === null || params.workload === 'chat' ? null : PublisherProcess.spawn();
  return { generators, proxy, server, targetServer, publisher, sourceAddresses: sourceAddresses ?? plan.sourceAddresses };
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
    prepared.server?.then(
      (s) => s.close(),
      () => {},
    ),
    prepared.targetServer?.then(
      (s) => s.close(),
      () => {},
    ),
    prepared.publisher?.close(2000),
    prepared.proxy?.then(
      (p) => p.close(),
      () => {},
    ),
  ]);
}
