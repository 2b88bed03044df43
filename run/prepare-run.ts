/**
 * Preparing a run: how many load-generator processes a technique needs under the open-file
 * limit, and starting them together with the server (pushbench's child, a target's command),
 * the delaying proxy and the publisher, before the run's steps (run/technique-run.ts) use them.
 */
import { DEFAULT_WIRE } from '../core/wires.ts';
import type { TechniqueId } from '../core/protocol.ts';
import { headerProfile, profileOrigins } from '../load/headers.ts';
import { GeneratorProcess } from './generator-process.ts';
import { describeOpenFileLimit, openFileLimit, RESERVED_FDS } from './limits.ts';
import { OpenFileLimitError, RunStepError } from '../core/errors.ts';
import type { ScenarioParams } from '../core/results.ts';
import { ServerProcess } from './server-process.ts';
import { PublisherProcess } from './publisher-process.ts';
import { TargetServer } from './target-server.ts';
import { BUILTIN_TARGET, type ResolvedTarget } from './targets.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import { DelayProxy } from '../load/delay-proxy.ts';

/** Sockets one generator process aims to hold, well under the 20,000 open-file cap. */
export const SOCKETS_PER_GENERATOR = 5000;

/** Ring large enough that no client of a normal run falls out of it. */
const RING_SIZE = 65_536;
/** Memory the server's rings together may keep (its broadcast feed and its chat rooms share it). */
const RING_BYTES = 512 * 1024 * 1024;

/** Sockets one client holds: in chat some techniques need a second one to publish upstream. */
export function socketsPerClient(technique: TechniqueId, params: ScenarioParams): number {
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
