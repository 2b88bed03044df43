/**
 * The resolved configurations of `pushbench run` and `pushbench serve`, their defaults and the
 * limits their values must keep. The entry points (cli/options.ts) read flags and config files
 * into these once; after that a frozen config is passed around and nothing downstream
 * re-validates or re-applies defaults. This module knows nothing of flags.
 */
import { TECHNIQUES } from '../core/protocol.ts';
import type { TechniqueId } from '../core/protocol.ts';
import type { ClientLoadFields, FeedServerFields, ListenFields, WindowFields } from '../core/scenario-fields.ts';
import { BUILTIN_TARGET, type ResolvedTarget } from './targets.ts';
import { DEFAULT_WIRE, type WireId } from '../core/wires.ts';

/** The resolved configuration of `pushbench run`. */
export interface RunConfig extends Readonly<ClientLoadFields>, Readonly<WindowFields> {
  /** In TECHNIQUES order, without duplicates. */
  readonly techniques: readonly TechniqueId[];
  /** Client counts, ascending, without duplicates; more than one makes a sweep. */
  readonly clients: readonly number[];
  /** Load generator processes; null = choose automatically. */
  readonly generators: number | null;
  /** Built-in server processes on one port (`--server-processes`, run/server-group.ts). */
  readonly serverProcesses: number;
  /** Clients connected per second over all generator processes (`--ramp`); null: as fast as they can. */
  readonly ramp: number | null;
  /** Measurements of each technique in each scenario, interleaved across techniques (`--runs N`). */
  readonly runs: number;
  /** Results folder; null = the caller picks `results/<timestamp>`. */
  readonly out: string | null;
  readonly quick: boolean;
  /** Base URL of an already running server (no trailing slash), or null to start one. */
  readonly target: string | null;
  /** `--target-file` as given: `builtin` and target file paths; empty when not given. */
  readonly targetFiles: readonly string[];
  /** The targets to measure, one after another, resolved and validated (default: the built-in target). */
  readonly targets: readonly ResolvedTarget[];
  readonly allowRemote: boolean;
  /** Accept a TLS target's certificate without verifying it (`--insecure`): a self-signed certificate of a server you run. */
  readonly insecure: boolean;
  readonly capacity: boolean;
  /** Print the model and detail columns, the latency decomposition and the notes too (`--verbose`). */
  readonly verbose: boolean;
  /** Print results.json to stdout instead of the summary (`--json`), for piping. */
  readonly json: boolean;
  /** One-way delay (ms) a delaying proxy adds in each direction between the clients and the server; 0: none. */
  readonly delayMs: number;
  /** The wires to measure on, in WIRES order, without duplicates (`--wire`); more than one makes a sweep of wires. */
  readonly wires: readonly WireId[];
  /** Tabs per simulated browser on one origin (`--tabs`); 1: every client a browser of its own. */
  readonly tabs: number;
  /** `--server-parts`: pushbench's server counts the wire's parts on its end too (taps under its TLS and HTTP/2), at a CPU cost. */
  readonly serverParts: boolean;
  /** The user's certificate file for pushbench's server on a TLS wire (`--tls-cert`), checked with its key; null: self-signed. */
  readonly tlsCert: string | null;
  /** The user's key file for `tlsCert` (`--tls-key`); null with it. */
  readonly tlsKey: string | null;
  /** `--shard I/N`: run only the I-th share of the clients, windowed by a coordinator; null: the whole run here. */
  readonly shard: { readonly index: number; readonly count: number } | null;
  /** `--coordinator URL`: the `pushbench publish` a shard reports to; null without --shard. */
  readonly coordinator: string | null;
  readonly help: boolean;
  /**
   * Names of the RunConfig fields the user set, by flag or config file (`'clients'`,
   * `'durationMs'`, ...), so a suite applies its own defaults only to the others.
   */
  readonly explicit: ReadonlySet<string>;
}

/** The resolved configuration of `pushbench serve`: the feed server's fields and where it listens. */
export interface ServeConfig extends FeedServerFields, ListenFields {
  /** The wire the server listens on (`--wire`): one, since it listens on one port. */
  readonly wires: readonly WireId[];
  /** The user's certificate and key files for a TLS wire; null: self-signed. */
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  readonly help: boolean;
}

/** The fields of RunConfig that a flag or config-file key sets. */
export type RunValues = Omit<RunConfig, 'help' | 'explicit' | 'targets'>;
/** The fields of ServeConfig that a flag sets. */
export type ServeValues = Omit<ServeConfig, 'help'>;

/**
 * Upper bounds of the values, named in the error when one is passed. Some guard the machine:
 * a load generator is a full Node process (about 100 MB and 0.7 s to start), and a sweep runs
 * every technique once per entry.
 */
export const LIMITS = Object.freeze({
  maxClients: 100_000,
  maxRate: 100_000,
  maxPayloadBytes: 1_048_576,
  maxRingSize: 1_000_000,
  maxMessageBytes: 16_777_216,
  /** Generator processes per technique (64 covers what `auto` picks for 100,000 chat clients: 40). */
  maxGenerators: 64,
  // Each server process is a Node process of about 60 MB idle; more than the cores only adds context switches.
  maxServerProcesses: 64,
  /** Entries of a `--clients` sweep. */
  maxSweepEntries: 50,
  /** Chat rooms a server can be told to hold. */
  maxRooms: 100_000,
  /** Bounds of the memory all of a server's message rings may keep. */
  minRingBytes: 65_536,
  maxRingBytes: 17_179_869_184,
  /** Repetitions of each measurement (`--runs`): 20 gives a 95% median interval of ranks 6..15. */
  maxRuns: 20,
  /** `--delay-ms`: a one-way delay beyond this is no network a push technique is chosen for. */
  maxDelayMs: 10_000,
  /** `--tabs`: tabs per browser; Chromium starts discarding background tabs long before. */
  maxTabs: 1000,
});

/** Defaults of the flags of `pushbench run`. */
export const DEFAULT_RUN_VALUES: RunValues = Object.freeze({
  techniques: Object.freeze([...TECHNIQUES]),
  workload: 'broadcast',
  clients: Object.freeze([100]),
  rate: 1,
  payloadBytes: 64,
  intervalMs: 1000,
  holdMs: 30_000,
  durationMs: 10_000,
  warmupMs: 2000,
  headers: 'browser',
  roomSize: 10,
  generators: null,
  serverProcesses: 1,
  ramp: null,
  runs: 1,
  out: null,
  quick: false,
  target: null,
  targetFiles: Object.freeze([]),
  allowRemote: false,
  insecure: false,
  capacity: false,
  verbose: false,
  json: false,
  delayMs: 0,
  wires: Object.freeze([DEFAULT_WIRE]),
  tabs: 1,
  serverParts: false,
  tlsCert: null,
  tlsKey: null,
  shard: null,
  coordinator: null,
});

/** Defaults of `pushbench run`: what `parseRunArgs([])` returns. */
export const DEFAULT_RUN_CONFIG: RunConfig = Object.freeze({
  ...DEFAULT_RUN_VALUES,
  targets: Object.freeze([BUILTIN_TARGET]),
  help: false,
  explicit: new Set<string>(),
});

/** Defaults of the flags of `pushbench serve`. */
export const DEFAULT_SERVE_VALUES: ServeValues = Object.freeze({
  techniques: Object.freeze([...TECHNIQUES]),
  port: 0,
  host: '127.0.0.1',
  rate: 1,
  payloadBytes: 64,
  holdMs: 30_000,
  ringSize: 4096,
  rooms: 16,
  ringBytes: 67_108_864,
  maxMessageBytes: 65_536,
  wires: Object.freeze([DEFAULT_WIRE]),
  tlsCert: null,
  tlsKey: null,
});

/** Defaults of `pushbench serve`: what `parseServeArgs([])` returns. */
export const DEFAULT_SERVE_CONFIG: ServeConfig = Object.freeze({ ...DEFAULT_SERVE_VALUES, help: false });
