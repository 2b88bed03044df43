/**
 * The targets a run measures, resolved once at the entry point: pushbench's own servers (the
 * built-in target), a pushbench-compatible server at a URL (`--target URL`), or a target file
 * (`--target-file FILE`). The runner and the drivers see only a ResolvedTarget: how to start (or
 * reach) the server, how to publish, and each technique's Subscription. There is one code path
 * for all of them; the built-in target is the technique rows turned into subscriptions.
 */
import path from 'node:path';
import { ConfigError, showReceived, TargetFileError } from '../core/errors.ts';
import { isLoopbackHost } from '../core/loopback.ts';
import {
  BUILTIN_PUBLISH,
  builtinSubscription,
  parseTargetFile,
  subscriptionFrom,
  targetWires,
  type PublishSpec,
  type ServerSpec,
  type Subscription,
  type TargetFile,
} from '../core/targets.ts';
import { wireCarries, type WireId } from '../core/wires.ts';
import { TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import type { TargetInfo } from '../core/results.ts';

/** The name `--target-file` takes for pushbench's own servers. */
export const BUILTIN_TARGET_NAME = 'builtin';

/** A command that starts a target's server, with its folder resolved. */
export interface TargetCommand extends ServerSpec {
  /** Absolute folder of the target file: `{targetDir}`, and the default working folder. */
  readonly targetDir: string;
}

export interface ResolvedTarget {
  readonly name: string;
  readonly kind: TargetInfo['kind'];
  /** The target file as given, or null. */
  readonly file: string | null;
  readonly description: string;
  /**
   * Who runs the server: pushbench's own server child per technique (`builtin`), the target
   * file's command per technique, or nobody (it is already running at `origin`).
   */
  readonly server:
    | { readonly kind: 'builtin' }
    | { readonly kind: 'command'; readonly command: TargetCommand }
    | { readonly kind: 'running' };
  /** Base URL; may contain `{port}` when a command starts the server. Null for the built-in server (its child reports its URL). */
  readonly origin: string | null;
  /** How pushbench publishes; null when the server publishes by itself on the runner's schedule (the built-in server child). */
  readonly publish: PublishSpec | null;
  /** The techniques the target offers, in report order. */
  readonly techniques: readonly TechniqueId[];
  readonly subscriptions: Readonly<Partial<Record<TechniqueId, Subscription>>>;
  /** The wires the target offers, each with the techniques it serves there; null: every wire that carries a technique (pushbench's own). */
  readonly wires: Readonly<Partial<Record<WireId, readonly TechniqueId[]>>> | null;
  /** Accept any certificate of a TLS target (`--insecure`); otherwise a target's certificate is verified (core/socket-counter.ts TlsTrust). */
  readonly insecure: boolean;
}

/** Whether `target` serves technique `id` on `wire` (pushbench's own: whenever the wire carries it). */
export function targetOffersOn(target: ResolvedTarget, wire: WireId, id: TechniqueId): boolean {
  return target.wires === null ? wireCarries(wire, id) : (target.wires[wire]?.includes(id) ?? false) && wireCarries(wire, id);
}

function allSubscriptions(make: (id: TechniqueId) => Subscription | null): Partial<Record<TechniqueId, Subscription>> {
  const out: Partial<Record<TechniqueId, Subscription>> = {};
  for (const id of TECHNIQUES) {
    const subscription = make(id);
    if (subscription !== null) out[id] = subscription;
  }
  return out;
}

/** pushbench's own servers, started per technique, publishing by themselves. */
export const BUILTIN_TARGET: ResolvedTarget = Object.freeze({
  name: BUILTIN_TARGET_NAME,
  kind: 'builtin',
  file: null,
  description: "pushbench's own servers (one Node process per technique, servers/)",
  server: { kind: 'builtin' as const },
  origin: null,
  publish: null,
  techniques: TECHNIQUES,
  subscriptions: allSubscriptions(builtinSubscription),
  wires: null,
  insecure: false,
});

/** A pushbench-compatible server already running at `origin` (`--target URL`): pushbench publishes through its POST /publish. */
export function urlTarget(origin: string): ResolvedTarget {
  return Object.freeze({
    name: 'url',
    kind: 'url',
    file: null,
    description: `a pushbench-compatible server at ${origin}`,
    server: { kind: 'running' as const },
    origin: origin.replace(/^ws/, 'http'),
    publish: BUILTIN_PUBLISH,
    techniques: TECHNIQUES,
    subscriptions: allSubscriptions(builtinSubscription),
    wires: { http: TECHNIQUES },
    insecure: false,
  });
}

/** A validated target file, resolved against its folder. */
export function fileTarget(file: TargetFile, given: string, absolute: string): ResolvedTarget {
  const targetDir = path.dirname(absolute);
  const subscriptions = allSubscriptions((id) => subscriptionFrom(file, id));
  return Object.freeze({
    name: file.name,
    kind: 'file',
    file: given,
    description: file.description ?? file.name,
    server: file.server === undefined ? { kind: 'running' as const } : { kind: 'command' as const, command: { ...file.server, targetDir } },
    origin: file.origin,
    publish: file.publish,
    techniques: TECHNIQUES.filter((id) => subscriptions[id] !== undefined),
    subscriptions,
    wires: targetWires(
      file,
      TECHNIQUES.filter((id) => subscriptions[id] !== undefined),
    ),
    insecure: false,
  });
}

/** Reads a text file (bounded, regular files only); the CLI passes its config-file reader. */
export type ReadTargetText = (file: string) => string;

/**
 * Resolves one `--target-file` item: `builtin`, or the path of a target file (read, parsed and
 * validated; every problem names the JSON path). Throws ConfigError (exit 2).
 */
export function loadTarget(item: string, readText: ReadTargetText, cwd = process.cwd()): ResolvedTarget {
  if (item === BUILTIN_TARGET_NAME) return BUILTIN_TARGET;
  const absolute = path.resolve(cwd, item);
  let text: string;
  try {
    text = readText(absolute);
  } catch (error) {
    if (error instanceof ConfigError) throw new TargetFileError(error.message.replace('config file', 'target file'), { cause: error });
    throw new TargetFileError(
      `cannot read target file ${showReceived(item)}: ${(error as Error).message}; expected ${BUILTIN_TARGET_NAME} or the path of a target file (JSON, see targets/target.schema.json)`,
      { cause: error },
    );
  }
  return fileTarget(parseTargetFile(text, showReceived(item)), item, absolute);
}

/** Refuses a target whose server is not on this host, unless the user says the server is theirs. */
export function checkTargetHost(target: ResolvedTarget, allowRemote: boolean): void {
  if (allowRemote || target.origin === null) return;
  const host = new URL(target.origin.replace('{port}', '1')).hostname;
  if (isLoopbackHost(host)) return;
  throw new ConfigError(
    `refusing to load non-loopback target ${showReceived(target.file ?? target.origin)} (host ${host}); pass --allow-remote to drive a server you own on another host`,
  );
}

/** Target names must be unique in one run: they name the scenarios and the comparison's columns. */
export function checkUniqueNames(targets: readonly ResolvedTarget[]): void {
  const seen = new Map<string, string>();
  for (const target of targets) {
    const where = target.file ?? target.name;
    const earlier = seen.get(target.name);
    if (earlier !== undefined)
      throw new ConfigError(
        `invalid --target-file: ${showReceived(earlier)} and ${showReceived(where)} are both named ${showReceived(target.name)}; expected targets with distinct names`,
      );
    seen.set(target.name, where);
  }
}

/** What results.json records about a target. */
export function targetInfo(target: ResolvedTarget): TargetInfo {
  return {
    name: target.name,
    kind: target.kind,
    file: target.file,
    description: target.description,
    server: target.server.kind === 'running' ? 'running' : 'started',
  };
}

/**
 * Why the chat workload cannot run `technique` on `target` with `clients` in rooms of
 * `roomSize`, or null when it can. A pushbench-compatible server at a URL cannot say what each
 * room accepted; a technique needs an upstream (a WebSocket needs the target's publishFrame);
 * and with more than one room every path must name the room, or every client would get every
 * room's messages while expecting only its own room's.
 */
export function chatProblem(target: ResolvedTarget, technique: TechniqueId, clients: number, roomSize: number): string | null {
  if (target.kind === 'builtin') return null;
  if (target.kind === 'url') {
    return 'the chat workload is not measured against --target URL: pushbench cannot count what that server accepted per room; use a target file (its publish request, or a WebSocket publishFrame) or the broadcast workload';
  }
  const subscription = target.subscriptions[technique];
  if (subscription === undefined) return `target ${target.name} does not offer ${technique}`;
  if (subscription.upstream === null) {
    return `target ${target.name} offers no chat over ${technique}: techniques.${technique} has no publishFrame (a text frame containing {message}, sent on the client's own socket)`;
  }
  if (clients <= roomSize) return null;
  const paths = [subscription.path, ...(subscription.upstream.kind === 'http' ? [subscription.upstream.publish.path] : [])];
  const roomless = paths.find((p) => !p.includes('{room}'));
  if (roomless === undefined) return null;
  return `target ${target.name}: chat in rooms of ${roomSize} needs {room} in every path of ${technique}, found ${JSON.stringify(roomless)}; use --room-size ${clients} for one room`;
}

/** `target` as a server already running at `origin`: what a shard drives (it never starts a server). */
export function runningAt(target: ResolvedTarget, origin: string): ResolvedTarget {
  return Object.freeze({ ...target, server: { kind: 'running' as const }, origin: origin.replace(/^ws/, 'http') });
}

/**
 * Where the shards of a run against target file `target` reach its server, which runs elsewhere
 * (shards and their coordinator never start one): `--target URL` when given (it overrides the
 * file's origin), else the file's origin, which must then be a fixed address (a `{port}` origin
 * is a port pushbench picks when it starts the server itself). `label` names the command in
 * messages. Throws ConfigError (exit 2) naming what was received and what is allowed.
 */
export function shardTargetOrigin(target: ResolvedTarget, targetUrl: string | null, label: string): string {
  if (target.kind !== 'file') {
    throw new ConfigError(
      `${label}: received --target-file ${showReceived(target.name)}, which starts pushbench's own servers on this host; allowed: a target file of a server that runs elsewhere, or a pushbench server at --target URL (pushbench serve --rate 0 there)`,
    );
  }
  const origin = (targetUrl ?? target.origin ?? '').replace(/^ws/, 'http');
  if (targetUrl === null && origin.includes('{port}')) {
    throw new ConfigError(
      `${label} with target file ${showReceived(target.file)}: its origin ${showReceived(target.origin)} is a port pushbench picks when it starts the server (the file's "server" section), and shards never start the server; allowed: start it yourself (e.g. with the file's server command) and pass its origin with --target URL, or a target file with a fixed origin`,
    );
  }
  if (!origin.startsWith('http:')) {
    throw new ConfigError(
      `${label} with target file ${showReceived(target.file)}: received the origin ${showReceived(origin)}; allowed: an http:// origin (shards measure on the http wire, HTTP/1.1 cleartext)`,
    );
  }
  return origin;
}

/** Why a shard cannot measure `technique` on `target` on the http wire, or null when it can. */
export function shardTechniqueProblem(target: ResolvedTarget, technique: TechniqueId): string | null {
  const label = target.file === null ? `target ${showReceived(target.name)}` : `target file ${showReceived(target.file)}`;
  if (!target.techniques.includes(technique))
    return `invalid --technique: received ${showReceived(technique)}, which ${label} does not offer; it offers ${target.techniques.join(', ')}`;
  if (!targetOffersOn(target, 'http', technique)) {
    const offered = target.techniques.filter((id) => targetOffersOn(target, 'http', id));
    return `invalid --technique: received ${showReceived(technique)}, which ${label} does not serve on the http wire shards measure on; it serves there: ${offered.join(', ') || 'none'}`;
  }
  return null;
}
