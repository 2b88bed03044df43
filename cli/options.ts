/**
 * Flags and config files of `pushbench run` (and `npm run bench`) and `pushbench serve`. Every
 * option is one row of a table (flag, reader, help, default text); the parser, the config-file
 * keys and the help text all come from those rows. What comes out is a frozen, fully resolved
 * RunConfig or ServeConfig (run/config.ts).
 *
 * Adding a flag: add its row to RUN_OPTIONS (or SERVE_OPTIONS); the compiler then asks for its
 * field in RunConfig and its default in DEFAULT_RUN_VALUES (run/config.ts), and the parser, the
 * config file and `--help` pick it up with nothing else to change.
 */
import fs from 'node:fs';
import os from 'node:os';
import { ConfigError, showReceived } from '../core/errors.ts';
import { isLoopbackHost } from '../core/loopback.ts';
import { TECHNIQUES, type TechniqueId } from '../core/protocol.ts';
import { TECHNIQUE_META } from '../core/techniques.ts';
import type { HeaderProfileName, WorkloadName } from '../core/results.ts';
import {
  BUILTIN_TARGET,
  chatProblem,
  checkTargetHost,
  checkUniqueNames,
  loadTarget,
  runningAt,
  shardTargetOrigin,
  shardTechniqueProblem,
  urlTarget,
  type ReadTargetText,
  type ResolvedTarget,
} from '../run/targets.ts';
import { HeaderFileError, loadHeaderFile } from '../load/header-files.ts';
import { BUILTIN_PROFILE_NAMES, BUILTIN_PROFILE_SUMMARIES } from '../core/header-profile.ts';
import { registerHeaderProfile } from '../load/headers.ts';
import { DEFAULT_WIRE, WIRE_META, WIRES, wireRefusals, type WireId } from '../core/wires.ts';
import { loadIdentity } from '../servers/tls-cert.ts';
import {
  DEFAULT_RUN_CONFIG,
  DEFAULT_RUN_VALUES,
  DEFAULT_SERVE_CONFIG,
  DEFAULT_SERVE_VALUES,
  LIMITS,
  type RunConfig,
  type RunValues,
  type ServeConfig,
  type ServeValues,
} from '../run/config.ts';
import {
  allowedFlags,
  asksForHelp,
  booleanReader,
  durationReader,
  enumReader,
  formatMs,
  HELP_ROW,
  helpLines,
  integerListReader,
  integerRange,
  integerReader,
  listReader,
  numberReader,
  reader,
  stringReader,
  tokenizeFlags,
  toInteger,
  type Flag,
  type RawInput,
  type Reader,
} from './flags.ts';
import { MAX_CONFIG_FILE_BYTES, readConfigFile, readConfigFileText, readConfigText, type ReadTextFile } from './config-file.ts';

// Config-file reading lives in cli/config-file.ts; the parser's callers pass a ReadTextFile.
export type { ReadTextFile };

// ---------------------------------------------------------------------------------------
// Readers that only these commands use.
// ---------------------------------------------------------------------------------------

function techniqueListReader(): Reader<readonly TechniqueId[]> {
  const allowed = [...TECHNIQUES, 'all'] as const;
  return listReader<TechniqueId | 'all', TechniqueId>(
    `allowed: ${allowed.join(', ')} (comma-separated list)`,
    (input) => allowed.find((t) => t === input),
    // Canonical order, so results and reports do not depend on how the list was typed.
    (items) => (items.includes('all') ? [...TECHNIQUES] : TECHNIQUES.filter((t) => items.includes(t))),
  );
}

/** Wires, in WIRES order without duplicates, so results do not depend on how the list was typed. */
function wireListReader(): Reader<readonly WireId[]> {
  return listReader<WireId, WireId>(
    `allowed: ${WIRES.join(', ')} (comma-separated list)`,
    (input) => WIRES.find((wire) => wire === input),
    (items) => WIRES.filter((wire) => items.includes(wire)),
  );
}

/** `auto` (null: the runner decides) or a count up to LIMITS.maxGenerators. */
function generatorsReader(): Reader<number | null> {
  return reader(`expected ${integerRange(1, LIMITS.maxGenerators)} or auto (each generator is a Node process of about 100 MB)`, (input) => {
    if (input === 'auto') return null;
    const n = toInteger(input);
    return n === undefined || n < 1 || n > LIMITS.maxGenerators ? undefined : n;
  });
}

/** An integer within bounds; never null once read (null is the default: unset). */
function nullableInteger(min: number, max: number): Reader<number | null> {
  const inner = integerReader(min, max);
  return { expected: inner.expected, read: (input, label) => inner.read(input, label) };
}

/** `auto` (one per core) or a count up to LIMITS.maxServerProcesses. */
function serverProcessesReader(): Reader<number> {
  return reader(`expected ${integerRange(1, LIMITS.maxServerProcesses)} or auto (one per core: ${os.availableParallelism()})`, (input) => {
    if (input === 'auto') return Math.min(LIMITS.maxServerProcesses, os.availableParallelism());
    const n = toInteger(input);
    return n === undefined || n < 1 || n > LIMITS.maxServerProcesses ? undefined : n;
  });
}

/**
 * A bundled header profile by name, or a JSON or HAR header file (load/header-files.ts),
 * loaded here once and registered under `file:NAME`, the name the run then carries.
 */
function headersReader(): Reader<HeaderProfileName> {
  const expected = `expected ${BUILTIN_PROFILE_NAMES.join(', ')} or the path of a JSON or HAR header file`;
  return {
    expected,
    read(input, label) {
      if (typeof input !== 'string' || input.trim() === '') throw ConfigError.invalid(label, showReceived(input), expected);
      if ((BUILTIN_PROFILE_NAMES as readonly string[]).includes(input)) return input;
      if (!fs.existsSync(input)) throw ConfigError.invalid(label, showReceived(input), `${expected} (there is no file ${input})`);
      try {
        const profile = loadHeaderFile(input);
        registerHeaderProfile(profile);
        return profile.name;
      } catch (error) {
        if (error instanceof HeaderFileError) throw new ConfigError(`invalid ${label}: ${error.message}`, { cause: error });
        throw error;
      }
    },
  };
}

const TARGET_EXPECTED =
  'expected the origin of a pushbench server: http:// or ws://, a host and optionally a port, such as http://127.0.0.1:8080 (no user name, path, query or fragment)';

/**
 * `--target`: an origin, returned as scheme://host[:port]. Anything past the origin is refused
 * rather than dropped: pushbench's paths are fixed (/poll, /publish, ...), so a path or query
 * would silently be ignored, and `http://127.0.0.1:80\@example.com` looks like a user at
 * example.com while URLs read it as host 127.0.0.1 with the path /@example.com.
 */
export function targetReader(): Reader<string> {
  return {
    expected: TARGET_EXPECTED,
    read(input, label) {
      const fail = (extra = ''): never => {
        throw ConfigError.invalid(label, showReceived(input), `${TARGET_EXPECTED}${extra}`);
      };
      if (typeof input !== 'string') return fail();
      let url: URL;
      try {
        url = new URL(input.trim());
      } catch {
        return fail();
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'ws:') || url.hostname === '') return fail();
      const extras = [
        url.username !== '' || url.password !== '' ? 'a user name' : null,
        url.pathname !== '/' ? `the path ${showReceived(url.pathname)}` : null,
        url.search !== '' ? `the query ${showReceived(url.search)}` : null,
        url.hash !== '' || input.includes('#') ? `the fragment ${showReceived(url.hash === '' ? '#' : url.hash)}` : null,
      ].filter((part): part is string => part !== null);
      if (extras.length > 0) {
        // URLs read a backslash as a slash; saying so explains a path the user did not type.
        const backslash = input.includes('\\') ? ' (a backslash reads as /)' : '';
        fail(`; it has ${extras.join(', ')}${backslash}`);
      }
      return `${url.protocol}//${url.host}`;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Option tables.
// ---------------------------------------------------------------------------------------

/** One row per field of V: the compiler refuses a field without a flag or a flag without a field. */
type OptionTable<V> = { readonly [K in keyof V]-?: Flag<V[K]> };
type Mutable<V> = { -readonly [K in keyof V]: V[K] };

/**
 * `--shard I/N` or `auto/N`: shard I (0-based) of N, I read from JOB_COMPLETION_INDEX for `auto`
 * (what a Kubernetes Indexed Job sets in each pod). Out of range is bad input, with both numbers.
 */
export function shardReader(env: NodeJS.ProcessEnv): Reader<{ index: number; count: number }> {
  const expected = 'I/N with 0 <= I < N <= 1000, or auto/N to read I from JOB_COMPLETION_INDEX';
  return {
    expected,
    read(input: unknown, label: string) {
      const text = typeof input === 'string' ? input.trim() : '';
      const match = /^(auto|\d+)\/(\d+)$/.exec(text);
      if (match === null) throw ConfigError.invalid(label, showReceived(input), expected);
      const count = Number(match[2]);
      if (!(count >= 1 && count <= 1000)) throw ConfigError.invalid(label, showReceived(input), `${expected}; N is ${count}`);
      let indexText = match[1]!;
      if (indexText === 'auto') {
        const fromEnv = env.JOB_COMPLETION_INDEX;
        if (fromEnv === undefined || !/^\d+$/.test(fromEnv)) {
          throw ConfigError.invalid(
            label,
            showReceived(input),
            `${expected}; JOB_COMPLETION_INDEX is ${fromEnv === undefined ? 'not set' : JSON.stringify(fromEnv)}, expected an integer`,
          );
        }
        indexText = fromEnv;
      }
      const index = Number(indexText);
      if (index >= count)
        throw ConfigError.invalid(label, showReceived(input), `${expected}; shard index ${index} is out of range 0..${count - 1}`);
      return Object.freeze({ index, count });
    },
  };
}

const techniqueOption: Flag<readonly TechniqueId[]> = {
  flag: 'technique',
  arg: 'LIST',
  help: `techniques to measure: ${TECHNIQUES.join(', ')} or all, comma-separated`,
  defaultText: 'all',
  reader: techniqueListReader(),
};

/** `--duration`, shared by run and the commands that plan a run elsewhere (publish, k8s). */
export const durationOption: Flag<number> = {
  flag: 'duration',
  arg: 'DURATION',
  help: 'measured window, 100ms..60m; a bare number means seconds',
  defaultText: formatMs(DEFAULT_RUN_VALUES.durationMs),
  reader: durationReader('s', 100, 3_600_000),
};

/** `--warmup`, shared like `--duration`. */
export const warmupOption: Flag<number> = {
  flag: 'warmup',
  arg: 'DURATION',
  help: 'warm-up before the window, 0..10m; a bare number means seconds',
  defaultText: formatMs(DEFAULT_RUN_VALUES.warmupMs),
  reader: durationReader('s', 0, 600_000),
};

/** `--room-size`, shared like `--duration`. */
export const roomSizeOption: Flag<number> = {
  flag: 'room-size',
  arg: 'N',
  help: 'chat only: clients per room, >= 1 and <= the largest --clients value',
  defaultText: `${DEFAULT_RUN_VALUES.roomSize}, or the largest --clients value if smaller`,
  reader: integerReader(1, null),
};

/** `--technique` of a sharded run's coordinator and manifests (publish, k8s): one technique, required. */
export const shardTechniqueOption: Flag<TechniqueId> = {
  flag: 'technique',
  arg: 'ID',
  help: `the technique the shards measure (${TECHNIQUES.join(', ')}); required`,
  defaultText: null,
  reader: enumReader<TechniqueId>(TECHNIQUES),
};

/** `--target-file` of a sharded run's coordinator and manifests (publish, k8s): one target file, of a server running elsewhere. */
export const shardTargetFileOption: Flag<string> = {
  flag: 'target-file',
  arg: 'FILE',
  help: "instead of a pushbench server: your server's target file (docs/targets.md); its server runs elsewhere, at --target URL or at the file's fixed origin",
  defaultText: 'none',
  reader: stringReader('the path of a target file (JSON, see targets/target.schema.json)'),
};

/**
 * The target file of a sharded run, as the coordinator, a shard or the manifests use it: loaded
 * and validated, its server reached at `targetUrl` or the file's fixed origin (never started),
 * and `technique` offered on the http wire. `label` names the command. Throws ConfigError (exit 2).
 */
export function loadShardTarget(item: string, targetUrl: string | null, technique: TechniqueId, label: string): ResolvedTarget {
  const file = loadTarget(item, readTargetText);
  const origin = shardTargetOrigin(file, targetUrl, label);
  const problem = shardTechniqueProblem(file, technique);
  if (problem !== null) throw new ConfigError(problem);
  return runningAt(file, origin);
}

/** `--clients` of a sharded run: all shards together, required. */
export const shardClientsOption: Flag<number> = {
  flag: 'clients',
  arg: 'N',
  help: `clients of the whole run, all shards together, 1..${LIMITS.maxClients}; required`,
  defaultText: null,
  reader: integerReader(1, LIMITS.maxClients),
};

/** `--rate` of a sharded run. */
export const shardRateOption: Flag<number> = {
  flag: 'rate',
  arg: 'N',
  help: 'messages per second (in chat: per client)',
  defaultText: '1',
  reader: numberReader(0, LIMITS.maxRate, true),
};

export const payloadOption: Flag<number> = {
  flag: 'payload',
  arg: 'BYTES',
  help: `size of each message's data in bytes, 1..${LIMITS.maxPayloadBytes}`,
  defaultText: `${DEFAULT_RUN_VALUES.payloadBytes}`,
  reader: integerReader(1, LIMITS.maxPayloadBytes, 'bytes'),
};

const holdOption: Flag<number> = {
  flag: 'hold',
  arg: 'DURATION',
  help: 'long-poll hold timeout, 100ms..10m; a bare number means milliseconds',
  defaultText: formatMs(DEFAULT_RUN_VALUES.holdMs),
  reader: durationReader('ms', 100, 600_000),
};

export const wireOption: Flag<readonly WireId[]> = {
  flag: 'wire',
  arg: 'LIST',
  help: `what carries HTTP: ${WIRES.map((wire) => `${wire} (${WIRE_META[wire].label})`).join(', ')}; a list measures each wire in turn, like a client sweep`,
  defaultText: DEFAULT_WIRE,
  reader: wireListReader(),
};

const tlsCertOption: Flag<string | null> = {
  flag: 'tls-cert',
  arg: 'FILE',
  help: "PEM certificate (chain) for pushbench's server on a TLS wire (https, h2), with --tls-key",
  defaultText: 'a self-signed certificate made at run time',
  reader: stringReader('the path of a PEM certificate file'),
};

const tlsKeyOption: Flag<string | null> = {
  flag: 'tls-key',
  arg: 'FILE',
  help: 'PEM private key of --tls-cert',
  defaultText: "the self-signed certificate's",
  reader: stringReader('the path of a PEM private key file'),
};

const RUN_OPTIONS: OptionTable<RunValues> = {
  techniques: techniqueOption,
  workload: {
    flag: 'workload',
    arg: 'NAME',
    help: 'broadcast (the server publishes, every client gets every message) or chat (each client publishes to its room)',
    defaultText: DEFAULT_RUN_VALUES.workload,
    reader: enumReader<WorkloadName>(['broadcast', 'chat']),
  },
  clients: {
    flag: 'clients',
    arg: 'LIST',
    help: `simulated clients, 1..${LIMITS.maxClients}; a list such as 10,100,1000 runs a sweep (ascending, at most ${LIMITS.maxSweepEntries} entries)`,
    defaultText: DEFAULT_RUN_VALUES.clients.join(','),
    reader: integerListReader(1, LIMITS.maxClients, {
      count: LIMITS.maxSweepEntries,
      what: 'client counts (a sweep runs every technique once per entry)',
    }),
  },
  rate: {
    flag: 'rate',
    arg: 'N',
    help: `messages per second, > 0 and <= ${LIMITS.maxRate}: published by the server (broadcast) or by each client (chat)`,
    defaultText: `${DEFAULT_RUN_VALUES.rate}`,
    reader: numberReader(0, LIMITS.maxRate, true),
  },
  payloadBytes: payloadOption,
  intervalMs: {
    flag: 'interval',
    arg: 'DURATION',
    help: 'short-polling interval, 10ms..10m; a bare number means milliseconds',
    defaultText: formatMs(DEFAULT_RUN_VALUES.intervalMs),
    reader: durationReader('ms', 10, 600_000),
  },
  holdMs: holdOption,
  durationMs: durationOption,
  warmupMs: warmupOption,
  headers: {
    flag: 'headers',
    arg: 'PROFILE|FILE',
    help: `request headers: ${BUILTIN_PROFILE_NAMES.map((name) => `${name} (${BUILTIN_PROFILE_SUMMARIES[name]})`).join(', ')}, or a JSON or HAR file`,
    defaultText: DEFAULT_RUN_VALUES.headers,
    reader: headersReader(),
  },
  roomSize: roomSizeOption,
  generators: {
    flag: 'generators',
    arg: 'N',
    help: `load generator processes per technique, 1..${LIMITS.maxGenerators}, or auto`,
    defaultText: 'auto',
    reader: generatorsReader(),
  },
  serverProcesses: {
    flag: 'server-processes',
    arg: 'N',
    help: `built-in server processes on one port, all publishing the same feed, 1..${LIMITS.maxServerProcesses}, or auto (one per core); their figures are summed and shown per process`,
    defaultText: '1',
    reader: serverProcessesReader(),
  },
  ramp: {
    flag: 'ramp',
    arg: 'N',
    help: `clients connected per second over all generator processes, 1..${LIMITS.maxClients} (a large run's stated ramp)`,
    defaultText: 'as fast as they connect',
    reader: nullableInteger(1, LIMITS.maxClients),
  },
  runs: {
    flag: 'runs',
    arg: 'N',
    help: `measure each technique N times, interleaved (polling, longpoll, ..., polling, ...), 1..${LIMITS.maxRuns}; reports show the median and a 95% interval`,
    defaultText: `${DEFAULT_RUN_VALUES.runs}`,
    reader: integerReader(1, LIMITS.maxRuns, 'runs'),
  },
  out: {
    flag: 'out',
    arg: 'DIR',
    help: 'folder for results.json and the reports',
    defaultText: 'results/<timestamp>',
    reader: stringReader('a folder path'),
  },
  quick: {
    flag: 'quick',
    arg: null,
    help: 'short durations for a quick look (less precise)',
    defaultText: 'off',
    reader: booleanReader(),
  },
  target: {
    flag: 'target',
    arg: 'URL',
    help: "drive an already running pushbench server at this origin (http:// or ws://, host, port) instead of starting one; with --shard and --target-file FILE: where that file's server runs",
    defaultText: 'none',
    reader: targetReader(),
  },
  targetFiles: {
    flag: 'target-file',
    arg: 'LIST',
    help: "measure these targets one after another: builtin (pushbench's own servers) and target files (JSON, see targets/target.schema.json), comma-separated, e.g. builtin,targets/nchan/target.json",
    defaultText: 'builtin',
    reader: listReader<string, string>(
      'expected builtin or the path of a target file, comma-separated',
      (input) => (typeof input === 'string' && input.trim() !== '' ? input.trim() : undefined),
      (items) => [...new Set(items)],
      { count: LIMITS.maxSweepEntries, what: 'targets' },
    ),
  },
  allowRemote: {
    flag: 'allow-remote',
    arg: null,
    help: 'allow a --target or target file whose server is not on this host (only drive servers you own); refused without one',
    defaultText: 'off',
    reader: booleanReader(),
  },
  insecure: {
    flag: 'insecure',
    arg: null,
    help: "accept a TLS target's certificate without verifying it (a self-signed certificate of a server you run); default: verified, and a certificate that fails fails its technique naming why",
    defaultText: 'off',
    reader: booleanReader(),
  },
  delayMs: {
    flag: 'delay-ms',
    arg: 'MS',
    help: `one-way delay to add in each direction between the clients and pushbench's server, 0..${LIMITS.maxDelayMs} ms, through a delaying TCP proxy in the runner (a network without netem; the latency model's RTT then includes it)`,
    defaultText: '0 (none)',
    reader: numberReader(0, LIMITS.maxDelayMs, false),
  },
  capacity: {
    flag: 'capacity',
    arg: null,
    help: "also probe the polls/s one polling server process sustains and its CPU per poll, on each wire of the run with the first scenario's header profile (--quick: short probe)",
    defaultText: 'off',
    reader: booleanReader(),
  },
  verbose: {
    flag: 'verbose',
    arg: null,
    help: 'print the model and detail columns, the latency decomposition and the notes under each table (results.json and the report always have them)',
    defaultText: 'off',
    reader: booleanReader(),
  },
  shard: {
    flag: 'shard',
    arg: 'I/N',
    help: 'run only shard I of N (0-based) of the clients, against --target, windowed by --coordinator; auto/N reads I from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); see docs/shards.md',
    defaultText: 'none (the whole run here)',
    reader: shardReader(process.env),
  },
  coordinator: {
    flag: 'coordinator',
    arg: 'URL',
    help: 'with --shard: the pushbench publish endpoint the shard reports ready to, takes its clock offset from and asks for the accepted count',
    defaultText: 'none',
    reader: targetReader(),
  },
  json: {
    flag: 'json',
    arg: null,
    help: 'print results.json to stdout instead of the summary, for piping (pushbench run --json | jq); progress stays on stderr',
    defaultText: 'off',
    reader: booleanReader(),
  },
  wires: wireOption,
  tabs: {
    flag: 'tabs',
    arg: 'N',
    help: `tabs per simulated browser, all on one origin, 1..${LIMITS.maxTabs}: on HTTP/1.1 a browser's tabs share its 6 connections per origin (a seventh EventSource waits), on HTTP/2 one connection; for techniques that stream over HTTP (sse), broadcast, pushbench's own server`,
    defaultText: '1 (every client a browser of its own)',
    reader: integerReader(1, LIMITS.maxTabs),
  },
  serverParts: {
    flag: 'server-parts',
    arg: null,
    help: "pushbench's server also counts the wire's parts (TLS records, HTTP/2 frames, handshakes) on its end, compared part by part with the clients' counts; its taps cost it CPU on https, h2 and h2c (docs/wires.md)",
    defaultText: "off (the clients' counts only)",
    reader: booleanReader(),
  },
  tlsCert: tlsCertOption,
  tlsKey: tlsKeyOption,
};

/** `--config FILE`: not a RunConfig field, read before the other flags so that they override it. */
const CONFIG_OPTION: Flag<string> = {
  flag: 'config',
  arg: 'FILE',
  help:
    'JSON object with the same keys as the flags, without dashes, e.g. {"technique": ["sse","websocket"], "clients": [10,100], "room-size": 5, "duration": "5s"}; ' +
    `flags on the command line override it; a regular file of at most ${MAX_CONFIG_FILE_BYTES / 1_048_576} MiB`,
  defaultText: null,
  reader: stringReader('the path of a JSON file'),
};

const SERVE_OPTIONS: OptionTable<ServeValues> = {
  techniques: { ...techniqueOption, help: `techniques to serve: ${TECHNIQUES.join(', ')} or all, comma-separated` },
  port: {
    flag: 'port',
    arg: 'N',
    help: 'TCP port, 0..65535; 0 picks a free port',
    defaultText: `${DEFAULT_SERVE_VALUES.port}`,
    reader: integerReader(0, 65_535),
  },
  host: {
    flag: 'host',
    arg: 'HOST',
    help: 'address to listen on; anything but loopback exposes the server to the network',
    defaultText: DEFAULT_SERVE_VALUES.host,
    reader: stringReader('a host name or IP address'),
  },
  rate: {
    flag: 'rate',
    arg: 'N',
    help: 'messages per second the server publishes, >= 0; 0 publishes nothing',
    defaultText: `${DEFAULT_SERVE_VALUES.rate}`,
    reader: numberReader(0, null, false),
  },
  payloadBytes: payloadOption,
  holdMs: holdOption,
  ringSize: {
    flag: 'ring',
    arg: 'N',
    help: `recent messages kept for clients catching up, 1..${LIMITS.maxRingSize}`,
    defaultText: `${DEFAULT_SERVE_VALUES.ringSize}`,
    reader: integerReader(1, LIMITS.maxRingSize),
  },
  rooms: {
    flag: 'rooms',
    arg: 'N',
    help: `chat rooms 0..N-1 clients may publish to and read, 0..${LIMITS.maxRooms}; any other room is refused`,
    defaultText: `${DEFAULT_SERVE_VALUES.rooms}`,
    reader: integerReader(0, LIMITS.maxRooms),
  },
  ringBytes: {
    flag: 'ring-bytes',
    arg: 'BYTES',
    help: `memory all message rings together may keep, shared by the broadcast feed and the rooms, ${LIMITS.minRingBytes}..${LIMITS.maxRingBytes}`,
    defaultText: `${DEFAULT_SERVE_VALUES.ringBytes} (64 MiB)`,
    reader: integerReader(LIMITS.minRingBytes, LIMITS.maxRingBytes, 'bytes'),
  },
  maxMessageBytes: {
    flag: 'max-message',
    arg: 'BYTES',
    help: `largest upstream message (POST body or WebSocket frame) in bytes, 1..${LIMITS.maxMessageBytes}`,
    defaultText: `${DEFAULT_SERVE_VALUES.maxMessageBytes}`,
    reader: integerReader(1, LIMITS.maxMessageBytes, 'bytes'),
  },
  wires: { ...wireOption, help: `what carries HTTP: ${WIRES.join(', ')}; one wire, since the server listens on one port` },
  tlsCert: tlsCertOption,
  tlsKey: tlsKeyOption,
};

function rowsOf<V>(table: OptionTable<V>): Array<Flag<V[keyof V]>> {
  return (Object.keys(table) as Array<keyof V>).map((key) => table[key]);
}

// ---------------------------------------------------------------------------------------
// Resolution.
// ---------------------------------------------------------------------------------------

/** Applies each option's reader to its raw input, or takes the default. */
function resolve<V extends object>(
  table: OptionTable<V>,
  defaults: V,
  inputsByFlag: Map<string, RawInput>,
): { values: Mutable<V>; explicit: Set<keyof V> } {
  const values: Mutable<V> = { ...defaults };
  const explicit = new Set<keyof V>();
  const assign = <K extends keyof V>(key: K): void => {
    const option = table[key];
    const raw = inputsByFlag.get(option.flag);
    if (raw === undefined) return;
    values[key] = option.reader.read(raw.input, raw.label);
    explicit.add(key);
  };
  for (const key of Object.keys(table) as Array<keyof V>) assign(key);
  return { values, explicit };
}

/**
 * Parses the arguments of `pushbench run` (after the command name) into a frozen RunConfig.
 * Throws ConfigError on any bad, unknown or duplicated flag, bad value or bad config file.
 */
export function parseRunArgs(argv: readonly string[], readFile: ReadTextFile = readConfigFileText): RunConfig {
  if (asksForHelp(argv)) return Object.freeze({ ...DEFAULT_RUN_CONFIG, help: true });
  const rows = rowsOf(RUN_OPTIONS);
  const { inputs: cli } = tokenizeFlags(argv, [...rows, CONFIG_OPTION]);

  // Config file first, so that flags on the command line override it key by key.
  const inputs = new Map<string, RawInput>();
  const configFile = cli.get(CONFIG_OPTION.flag);
  if (configFile !== undefined) {
    const file = CONFIG_OPTION.reader.read(configFile.input, configFile.label);
    const keys = rows.map((row) => row.flag);
    for (const [name, raw] of readConfigFile(file, keys, readFile)) inputs.set(name, raw);
  }
  for (const [name, raw] of cli) if (name !== CONFIG_OPTION.flag) inputs.set(name, raw);

  const { values, explicit } = resolve(RUN_OPTIONS, DEFAULT_RUN_VALUES, inputs);
  checkRoomSize(values, explicit.has('roomSize'), inputs.get(RUN_OPTIONS.roomSize.flag));
  checkTarget(values, inputs.get(RUN_OPTIONS.target.flag));
  const targets = resolveTargets(values, explicit.has('techniques'), readTargetText).map((target) =>
    values.insecure ? Object.freeze({ ...target, insecure: true }) : target,
  );
  checkAllowRemote(values, targets, inputs.get(RUN_OPTIONS.allowRemote.flag));
  checkWires(values, explicit.has('techniques'), targets);
  checkTabs(values, explicit.has('techniques'), targets);
  const shardTargets = checkShard(values, explicit.has('techniques'), targets);

  return Object.freeze({ ...values, targets: Object.freeze(shardTargets), help: false, explicit: new Set<string>(explicit) });
}

/** Reads a target file with the config file's bounds (a regular file of at most 1 MiB). */
const readTargetText: ReadTargetText = (file) => readConfigText(file);

/**
 * The targets of a run, loaded and validated: `--target URL` (a pushbench-compatible server),
 * `--target-file LIST`, or the built-in target. A technique asked for by name must be offered by
 * every target; the chat workload needs a count of what each room accepted (pushbench's own
 * server, or a target file's publish request or WebSocket publishFrame) and rooms in the paths.
 */
function resolveTargets(values: RunValues, techniquesExplicit: boolean, readText: ReadTargetText): ResolvedTarget[] {
  // A shard may name both: the target file describes the server, --target says where it runs.
  if (values.target !== null && values.targetFiles.length > 0 && values.shard === null) {
    throw new ConfigError(
      `--target and --target-file cannot be combined: received --target ${showReceived(values.target)} and --target-file ${showReceived(values.targetFiles.join(','))}; a target file names its own origin`,
    );
  }
  const targets =
    values.target !== null && values.targetFiles.length === 0
      ? [urlTarget(values.target)]
      : values.targetFiles.length === 0
        ? [BUILTIN_TARGET]
        : values.targetFiles.map((item) => loadTarget(item, readText));
  checkUniqueNames(targets);
  for (const target of targets) {
    checkTargetHost(target, values.allowRemote);
    const label = target.file === null ? `target ${showReceived(target.name)}` : `target file ${showReceived(target.file)}`;
    // A shard against a pushbench server checks its head, and its clients count what each room accepted.
    if (values.workload === 'chat' && (values.shard === null || target.kind === 'file')) {
      // Each technique named must be able to chat there (one the user did not name fails in the run, saying why).
      const asked =
        target.kind === 'url'
          ? values.techniques.slice(0, 1)
          : techniquesExplicit
            ? values.techniques.filter((id) => target.techniques.includes(id))
            : [];
      const roomSize = Math.min(values.roomSize, Math.max(...values.clients));
      const problem = asked.map((id) => chatProblem(target, id, Math.max(...values.clients), roomSize)).find((p) => p !== null);
      if (problem !== undefined && problem !== null) throw new ConfigError(`invalid --workload: received "chat" with ${label}: ${problem}`);
    }
    // With several targets each runs the techniques asked for that it offers (the comparison says "not offered" for the rest); one no target offers is refused below.
    const missing = values.techniques.filter((id) => !target.techniques.includes(id));
    if (techniquesExplicit && missing.length > 0 && targets.length === 1) {
      throw new ConfigError(
        `invalid --technique: received ${showReceived(missing.join(','))}, which ${label} does not offer; it offers ${target.techniques.join(', ')}`,
      );
    }
    if (values.techniques.every((id) => !target.techniques.includes(id))) {
      throw new ConfigError(
        `${label} offers none of the techniques asked for (${values.techniques.join(', ')}); it offers ${target.techniques.join(', ')}`,
      );
    }
  }
  const offeredByNone = values.techniques.filter((id) => targets.every((target) => !target.techniques.includes(id)));
  if (techniquesExplicit && offeredByNone.length > 0) {
    throw new ConfigError(
      `invalid --technique: received ${showReceived(offeredByNone.join(','))}, which none of the targets offers; they offer ${[...new Set(targets.flatMap((t) => t.techniques))].join(', ')}`,
    );
  }
  return targets;
}

/**
 * `--tabs` against the rest: the browser's connections per origin decide HTTP streams (EventSource),
 * so the other techniques are refused when named and left out when not; broadcast on
 * pushbench's own server only (a browser's tabs all read one feed).
 */
function checkTabs(values: Mutable<RunValues>, techniquesExplicit: boolean, targets: readonly ResolvedTarget[]): void {
  if (values.tabs <= 1) return;
  const streams = (id: TechniqueId): boolean => TECHNIQUE_META[id].transport === 'http1' && TECHNIQUE_META[id].delivery === 'stream';
  const allowed = TECHNIQUES.filter(streams);
  const other = values.techniques.filter((id) => !streams(id));
  if (techniquesExplicit && other.length > 0) {
    throw new ConfigError(
      `invalid --technique with --tabs ${values.tabs}: received ${showReceived(other.join(','))}; --tabs measures techniques that stream over HTTP, which a browser's connections per origin limit: ${allowed.join(', ')}`,
    );
  }
  if (values.workload !== 'broadcast')
    throw new ConfigError(
      `invalid --workload with --tabs ${values.tabs}: received ${showReceived(values.workload)}; --tabs runs the broadcast workload only`,
    );
  if (targets.some((target) => target.kind !== 'builtin'))
    throw new ConfigError(`--tabs ${values.tabs} measures pushbench's own server only; received a --target or --target-file`);
  values.techniques = Object.freeze(values.techniques.filter(streams));
}

/**
 * The wires against the rest: a technique named with `--technique` on a wire that cannot carry
 * it is refused, naming both and the wires that would (one left to the default `all` is left out
 * of that wire's scenarios, which say why); phase 1 measures wires on pushbench's own server
 * only; `--tls-cert` and `--tls-key` come together, for a TLS wire, and are read and matched now.
 */
function checkWires(
  values: { techniques: readonly TechniqueId[]; wires: readonly WireId[]; tlsCert: string | null; tlsKey: string | null },
  techniquesExplicit: boolean,
  targets: readonly ResolvedTarget[],
): void {
  if (techniquesExplicit) {
    const refusals = wireRefusals(values.techniques, values.wires);
    if (refusals.length > 0) throw new ConfigError(`invalid --technique with --wire ${values.wires.join(',')}: ${refusals.join('; ')}`);
  }
  // A target is measured on the wires its file says it offers (a pushbench server at --target URL: http).
  for (const target of targets) {
    if (target.wires === null) continue;
    const offered = WIRES.filter((wire) => target.wires?.[wire] !== undefined);
    const missing = values.wires.filter((wire) => !offered.includes(wire));
    if (missing.length > 0) {
      throw new ConfigError(
        `invalid --wire: received ${showReceived(values.wires.join(','))} with target ${showReceived(target.name)}, which does not offer ${missing.join(', ')}; it offers ${offered.join(', ')}${target.kind === 'file' ? ' (its file\'s "wires")' : ''}`,
      );
    }
  }
  if ((values.tlsCert === null) !== (values.tlsKey === null)) {
    const [given, missing] = values.tlsCert === null ? ['--tls-key', '--tls-cert'] : ['--tls-cert', '--tls-key'];
    throw new ConfigError(
      `${given} needs ${missing}: received ${given} ${showReceived(values.tlsCert ?? values.tlsKey)} alone; pass both, or neither for a self-signed certificate`,
    );
  }
  if (values.tlsCert === null || values.tlsKey === null) return;
  if (!values.wires.some((wire) => WIRE_META[wire].tls)) {
    throw new ConfigError(
      `--tls-cert and --tls-key need a TLS wire: received --wire ${values.wires.join(',')}; TLS wires: ${WIRES.filter((wire) => WIRE_META[wire].tls).join(', ')}`,
    );
  }
  loadIdentity(values.tlsCert, values.tlsKey);
}

/** Chat rooms cannot hold more clients than the run has; a default room size shrinks to fit instead. */
function checkRoomSize(values: Mutable<RunValues>, explicit: boolean, raw: RawInput | undefined): void {
  const maxClients = Math.max(...values.clients);
  if (values.workload !== 'chat' || values.roomSize <= maxClients) return;
  if (!explicit || raw === undefined) {
    values.roomSize = maxClients;
    return;
  }
  throw ConfigError.invalid(
    raw.label,
    showReceived(raw.input),
    `for the chat workload the room size must be <= the largest --clients value (${maxClients})`,
  );
}

/**
 * A shard drives one technique, for one client count, against a running server (a pushbench
 * server at --target URL, or one target file's server: at --target URL if given, else at the
 * file's fixed origin), with a coordinator (which publishes): anything else is bad input, named.
 * --coordinator needs --shard. Returns the targets, a target file's made `running` at its origin.
 */
function checkShard(values: RunValues, techniquesExplicit: boolean, targets: ResolvedTarget[]): ResolvedTarget[] {
  if (values.shard === null) {
    if (values.coordinator !== null)
      throw new ConfigError(`--coordinator ${values.coordinator} needs --shard I/N: only a shard reports to a coordinator`);
    return targets;
  }
  const shard = `--shard ${values.shard.index}/${values.shard.count}`;
  if (values.coordinator === null)
    throw new ConfigError(`${shard} needs --coordinator URL: the pushbench publish endpoint that publishes and sets the window`);
  const coordinatorHost = new URL(values.coordinator).hostname;
  if (!values.allowRemote && !isLoopbackHost(coordinatorHost)) {
    throw new ConfigError(
      `refusing non-loopback --coordinator "${values.coordinator}" (host ${coordinatorHost}); pass --allow-remote when the coordinator and the server are yours on other hosts`,
    );
  }
  if (values.target === null && values.targetFiles.length === 0)
    throw new ConfigError(
      `${shard} needs --target URL (a running pushbench server: pushbench serve --rate 0) or --target-file FILE (the target file of your server, running elsewhere)`,
    );
  if (values.targetFiles.length > 1)
    throw new ConfigError(
      `${shard} measures one target: received --target-file ${showReceived(values.targetFiles.join(','))}; allowed: one target file`,
    );
  if (!techniquesExplicit || values.techniques.length !== 1) {
    throw new ConfigError(
      `${shard} measures one technique: pass --technique with one of ${TECHNIQUES.join(', ')}; received ${techniquesExplicit ? values.techniques.join(',') : 'none'}`,
    );
  }
  if (values.wires.length !== 1 || values.wires[0] !== DEFAULT_WIRE)
    throw new ConfigError(`${shard} measures on the http wire: received --wire ${values.wires.join(',')}; allowed: ${DEFAULT_WIRE}`);
  let resolved = targets;
  if (values.targetFiles.length === 1) {
    const file = targets[0]!;
    const origin = shardTargetOrigin(file, values.target, shard);
    const problem = shardTechniqueProblem(file, values.techniques[0]!);
    if (problem !== null) throw new ConfigError(`${shard}: ${problem}`);
    resolved = [runningAt(file, origin)];
  }
  if (values.clients.length !== 1)
    throw new ConfigError(`${shard} takes one client count (the whole run's); received --clients ${values.clients.join(',')}`);
  if (values.runs !== 1) throw new ConfigError(`${shard} measures once; received --runs ${values.runs}`);
  if (values.shard.count > values.clients[0]!)
    throw new ConfigError(
      `${shard}: ${values.clients[0]} clients cannot be dealt to ${values.shard.count} shards; allowed: at most as many shards as clients`,
    );
  // Chat shards hold whole rooms (self-echo latency on one clock): there must be a room for every shard.
  const rooms = Math.ceil(values.clients[0]! / Math.min(values.roomSize, values.clients[0]!));
  if (values.workload === 'chat' && values.shard.count > rooms) {
    throw new ConfigError(
      `${shard}: ${rooms} rooms of ${values.roomSize} clients cannot be dealt to ${values.shard.count} shards; allowed: at most as many shards as rooms (each room lies within one shard)`,
    );
  }
  return resolved;
}

/** Load tests are only aimed at this host unless the user says the remote server is theirs. */
function checkTarget(values: RunValues, raw: RawInput | undefined): void {
  if (values.target === null || values.allowRemote) return;
  const host = new URL(values.target).hostname;
  if (isLoopbackHost(host)) return;
  const received = typeof raw?.input === 'string' ? raw.input : values.target;
  throw new ConfigError(
    `refusing to load non-loopback target "${received}" (host ${host}); pass --allow-remote to drive a server you own on another host`,
  );
}

/**
 * `--allow-remote` only loosens the host check of --target and target files; with pushbench's own
 * servers alone it would do nothing, and a flag that silently does nothing hides a mistyped run.
 */
function checkAllowRemote(values: RunValues, targets: readonly ResolvedTarget[], raw: RawInput | undefined): void {
  if (!values.allowRemote || targets.some((target) => target.origin !== null)) return;
  const label = raw?.label ?? `--${RUN_OPTIONS.allowRemote.flag}`;
  throw new ConfigError(
    `${label} does nothing in this run: it lets --target or --target-file name a server on another host, and this run measures pushbench's own servers, which always run on this host; drop ${label} or name the server with --target URL or --target-file FILE`,
  );
}

/** Parses the arguments of `pushbench serve` into a frozen ServeConfig. Throws ConfigError. */
export function parseServeArgs(argv: readonly string[]): ServeConfig {
  if (asksForHelp(argv)) return Object.freeze({ ...DEFAULT_SERVE_CONFIG, help: true });
  const { inputs } = tokenizeFlags(argv, rowsOf(SERVE_OPTIONS));
  const { values, explicit } = resolve(SERVE_OPTIONS, DEFAULT_SERVE_VALUES, inputs);
  if (values.wires.length !== 1) {
    throw ConfigError.invalid(
      '--wire',
      showReceived(values.wires.join(',')),
      `pushbench serve listens on one port, so on one wire: one of ${WIRES.join(', ')}`,
    );
  }
  checkWires(values, explicit.has('techniques'), []);
  // Left to `all`, the server serves what its wire carries.
  const wire = values.wires[0]!;
  values.techniques = values.techniques.filter((id) => wireRefusals([id], [wire]).length === 0);
  return Object.freeze({ ...values, help: false });
}

// ---------------------------------------------------------------------------------------
// Help, generated from the option tables so that every flag and default is listed.
// ---------------------------------------------------------------------------------------

/** The flags `pushbench run` accepts, as listed in its messages. */
export const RUN_FLAGS_TEXT = allowedFlags([...rowsOf(RUN_OPTIONS), CONFIG_OPTION]);

/** Help text of `pushbench run`. */
export const RUN_HELP = `Usage: pushbench run [options]

Measures HTTP short polling, long polling, Server-Sent Events and WebSocket side by side
and writes results.json and the reports.

Options:
${helpLines([...rowsOf(RUN_OPTIONS), CONFIG_OPTION, HELP_ROW])}

Durations take a unit: 500ms, 5s, 1.5s, 2m. A bare number means seconds for --duration and
--warmup, and milliseconds for --interval and --hold. Each option may be given once.
Before it starts, a run prints its estimated duration on stderr.
Exit codes: 0 every technique completed, 1 one failed, 2 bad input, 3 a write failed,
4 every technique completed but messages were lost, 130 interrupted.
`;

/** Help text of `pushbench serve`. */
export const SERVE_HELP = `Usage: pushbench serve [options]

Starts the pushbench server (all techniques on one feed) and keeps it running, for a
browser demo or for \`pushbench run --target\` from another process.

Options:
${helpLines([...rowsOf(SERVE_OPTIONS), HELP_ROW])}

Durations take a unit: 500ms, 5s, 1.5s, 2m; a bare number means milliseconds.
`;
