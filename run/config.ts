/**
 * Flags and config files of `pushbench run` and `pushbench serve`, validated once at the
 * entry point. Every option is one row in a table (flag, reader, help); the readers are
 * shared by both commands. What comes out is a frozen, fully resolved config: nothing
 * downstream re-validates or re-applies defaults.
 */
import fs from 'node:fs';
import net from 'node:net';
import { TECHNIQUES } from '../core/protocol.ts';
import type { TechniqueId } from '../core/protocol.ts';
import type { HeaderProfileName, WorkloadName } from '../core/results.ts';

/** A flag or config value that cannot be used; the message names the option, the value received and what is allowed. */
export class ConfigError extends Error {
  readonly code = 'PUSHBENCH_INVALID_CONFIG';
  /** Exit status for the CLI: 2, the usual status for a usage error. */
  readonly exitCode = 2;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Reads a config file as UTF-8 text; `fs.readFileSync` by default, replaceable in tests. */
export type ReadTextFile = (path: string, encoding: 'utf8') => string;

/** The resolved configuration of `pushbench run`. */
export interface RunConfig {
  /** In TECHNIQUES order, without duplicates. */
  readonly techniques: readonly TechniqueId[];
  readonly workload: WorkloadName;
  /** Client counts, ascending, without duplicates; more than one makes a sweep. */
  readonly clients: readonly number[];
  /** Messages per second: published by the server (broadcast) or by each client (chat). */
  readonly rate: number;
  readonly payloadBytes: number;
  readonly intervalMs: number;
  readonly holdMs: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly headers: HeaderProfileName;
  readonly roomSize: number;
  /** Load generator processes; null = choose automatically. */
  readonly generators: number | null;
  /** Results folder; null = the caller picks `results/<timestamp>`. */
  readonly out: string | null;
  readonly quick: boolean;
  /** Base URL of an already running server (no trailing slash), or null to start one. */
  readonly target: string | null;
  readonly allowRemote: boolean;
  readonly capacity: boolean;
  readonly help: boolean;
  /**
   * Names of the RunConfig fields the user set, by flag or config file (`'clients'`,
   * `'durationMs'`, ...), so a suite applies its own defaults only to the others.
   */
  readonly explicit: ReadonlySet<string>;
}

/** The resolved configuration of `pushbench serve`. */
export interface ServeConfig {
  readonly techniques: readonly TechniqueId[];
  /** 0 = any free port. */
  readonly port: number;
  readonly host: string;
  /** Messages per second the server publishes; 0 = none. */
  readonly rate: number;
  readonly payloadBytes: number;
  readonly holdMs: number;
  readonly ringSize: number;
  /** Chat rooms 0..rooms-1 the server holds; 0 = broadcast only. */
  readonly rooms: number;
  /** Bytes all message rings together may keep. */
  readonly ringBytes: number;
  /** Largest upstream message (POST body or WebSocket frame) the server accepts. */
  readonly maxMessageBytes: number;
  readonly help: boolean;
}

// ---------------------------------------------------------------------------------------
// Readers: one raw value (a command-line string or a JSON value from a config file) to a
// typed value. Shared by run and serve.
// ---------------------------------------------------------------------------------------

interface Reader<T> {
  /** What is allowed, as the tail of an error message: `expected a number > 0`. */
  readonly expected: string;
  /** Returns the typed value or throws a ConfigError naming `label` (`--rate`, `"rate" in config file "x.json"`). */
  read(input: unknown, label: string): T;
}

function show(input: unknown): string {
  return JSON.stringify(input) ?? String(input);
}

function invalid(label: string, received: string, expected: string): ConfigError {
  return new ConfigError(`invalid ${label}: received ${received}; ${expected}`);
}

function reader<T>(expected: string, parse: (input: unknown) => T | undefined): Reader<T> {
  return {
    expected,
    read(input, label) {
      const value = parse(input);
      if (value === undefined) throw invalid(label, show(input), expected);
      return value;
    },
  };
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function toNumber(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input === 'string' && DECIMAL.test(input.trim())) return Number(input.trim());
  return undefined;
}

function toInteger(input: unknown): number | undefined {
  if (typeof input === 'string' && !INTEGER.test(input.trim())) return undefined;
  const n = toNumber(input);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

function boundsText(min: number, max: number | null, minExclusive = false): string {
  const low = `${minExclusive ? '>' : '>='} ${min}`;
  return max === null ? low : `${low} and <= ${max}`;
}

function numberReader(min: number, max: number | null, minExclusive: boolean): Reader<number> {
  return reader(`expected a number ${boundsText(min, max, minExclusive)}`, (input) => {
    const n = toNumber(input);
    if (n === undefined || (minExclusive ? n <= min : n < min) || (max !== null && n > max)) return undefined;
    return n;
  });
}

function integerRange(min: number, max: number | null): string {
  return max === null ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
}

function integerReader(min: number, max: number | null, unit = ''): Reader<number> {
  return reader(`expected ${integerRange(min, max)}${unit && ` (${unit})`}`, (input) => {
    const n = toInteger(input);
    return n === undefined || n < min || (max !== null && n > max) ? undefined : n;
  });
}

function booleanReader(): Reader<boolean> {
  return reader('expected true or false', (input) => {
    if (typeof input === 'boolean') return input;
    if (input === 'true') return true;
    if (input === 'false') return false;
    return undefined;
  });
}

function enumReader<T extends string>(values: readonly T[]): Reader<T> {
  return reader(`allowed: ${values.join(', ')}`, (input) =>
    values.find((v) => v === input),
  );
}

function stringReader(what: string): Reader<string> {
  return reader(`expected ${what}`, (input) =>
    typeof input === 'string' && input.trim() !== '' ? input : undefined,
  );
}

/** Items of a list option: a JSON array, or a comma-separated string. */
function listItems(input: unknown): unknown[] | undefined {
  if (Array.isArray(input)) return input.length > 0 ? input : undefined;
  if (typeof input === 'string') return input.split(',').map((item) => item.trim());
  if (typeof input === 'number') return [input];
  return undefined;
}

/**
 * A list reader that names the bad item: `received "smoke" (in "sse,smoke")`, since in a
 * long list the whole value does not show which part is wrong.
 */
function listReader<I, O>(
  expected: string,
  item: (input: unknown) => I | undefined,
  finish: (items: I[]) => O[],
): Reader<readonly O[]> {
  return {
    expected,
    read(input, label) {
      const items = listItems(input);
      if (items === undefined) throw invalid(label, show(input), expected);
      const values: I[] = [];
      for (const raw of items) {
        const value = item(raw);
        if (value === undefined) {
          const whole = show(input) === show(raw) ? '' : ` (in ${show(input)})`;
          throw invalid(label, show(raw) + whole, expected);
        }
        values.push(value);
      }
      return Object.freeze(finish(values));
    },
  };
}

function techniqueListReader(): Reader<readonly TechniqueId[]> {
  const allowed = [...TECHNIQUES, 'all'] as const;
  return listReader<TechniqueId | 'all', TechniqueId>(
    `allowed: ${allowed.join(', ')} (comma-separated list)`,
    (input) => allowed.find((t) => t === input),
    // Canonical order, so results and reports do not depend on how the list was typed.
    (items) => (items.includes('all') ? [...TECHNIQUES] : TECHNIQUES.filter((t) => items.includes(t))),
  );
}

function integerListReader(min: number, max: number): Reader<readonly number[]> {
  return listReader<number, number>(
    `expected a comma-separated list of integers from ${min} to ${max}`,
    (input) => {
      const n = toInteger(input);
      return n === undefined || n < min || n > max ? undefined : n;
    },
    // A sweep is charted against the client count, so run it in ascending order, once each.
    (items) => [...new Set(items)].sort((a, b) => a - b),
  );
}

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/;
const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000 } as const;

function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A duration with a unit (`500ms`, `5s`, `1.5s`, `2m`) or a bare number in `bareUnit`, to integer milliseconds. */
function durationReader(bareUnit: 'ms' | 's', minMs: number, maxMs: number): Reader<number> {
  const bareName = bareUnit === 's' ? 'seconds' : 'milliseconds';
  const expected =
    `expected a duration from ${formatMs(minMs)} to ${formatMs(maxMs)} such as 500ms, 5s, 1.5s or 2m ` +
    `(a bare number means ${bareName})`;
  return reader(expected, (input) => {
    const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
    const match = DURATION.exec(text);
    if (!match) return undefined;
    const unit = (match[2] ?? bareUnit) as keyof typeof MS_PER_UNIT;
    const ms = Math.round(Number(match[1]) * MS_PER_UNIT[unit]);
    return ms < minMs || ms > maxMs ? undefined : ms;
  });
}

/** `auto` (null: the runner decides) or a count. */
function generatorsReader(): Reader<number | null> {
  return reader(`expected ${integerRange(1, null)} or auto`, (input) => {
    if (input === 'auto') return null;
    const n = toInteger(input);
    return n === undefined || n < 1 ? undefined : n;
  });
}

/** An http:// or ws:// base URL, returned without a trailing slash. */
function targetReader(): Reader<string> {
  return reader('expected an http:// or ws:// base URL such as http://127.0.0.1:8080', (input) => {
    if (typeof input !== 'string') return undefined;
    let url: URL;
    try {
      url = new URL(input.trim());
    } catch {
      return undefined;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'ws:') || url.hostname === '') return undefined;
    return url.href.endsWith('/') ? url.href.slice(0, -1) : url.href;
  });
}

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127/8; `hostname` as `URL` normalises it. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) {
    if (host === '::1') return true;
    const mapped = /^::ffff:(.+)$/.exec(host)?.[1];
    if (mapped === undefined) return false;
    // WHATWG URL writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
    return net.isIPv4(mapped) ? mapped.startsWith('127.') : /^7f[0-9a-f]{2}:/.test(mapped);
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Option tables and the shared argv / config-file machinery.
// ---------------------------------------------------------------------------------------

interface Option<T> {
  /** Flag name without the dashes; also the key in a config file. */
  readonly flag: string;
  /** Placeholder in the help text; null for a boolean flag, which takes no value. */
  readonly arg: string | null;
  readonly help: string;
  readonly defaultText: string;
  readonly reader: Reader<T>;
}

type OptionTable<V> = { readonly [K in keyof V]-?: Option<V[K]> };

/** A raw value and where it came from, for error messages. */
interface RawInput {
  readonly input: unknown;
  readonly label: string;
}

type RunValues = Omit<RunConfig, 'help' | 'explicit'>;
type Mutable<V> = { -readonly [K in keyof V]: V[K] };
type ServeValues = Omit<ServeConfig, 'help'>;

const LIMITS = {
  maxClients: 100_000,
  maxRate: 100_000,
  maxPayloadBytes: 1_048_576,
  maxRingSize: 1_000_000,
  maxMessageBytes: 16_777_216,
  maxRooms: 100_000,
  minRingBytes: 65_536,
  maxRingBytes: 17_179_869_184,
} as const;

const DEFAULT_RUN_VALUES: RunValues = {
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
  out: null,
  quick: false,
  target: null,
  allowRemote: false,
  capacity: false,
};

/** Defaults of `pushbench run`: what `parseRunArgs([])` returns. */
export const DEFAULT_RUN_CONFIG: RunConfig = Object.freeze({
  ...DEFAULT_RUN_VALUES,
  help: false,
  explicit: new Set<string>(),
});

const DEFAULT_SERVE_VALUES: ServeValues = {
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
};

/** Defaults of `pushbench serve`: what `parseServeArgs([])` returns. */
export const DEFAULT_SERVE_CONFIG: ServeConfig = Object.freeze({ ...DEFAULT_SERVE_VALUES, help: false });

const techniqueOption: Option<readonly TechniqueId[]> = {
  flag: 'technique',
  arg: 'LIST',
  help: `techniques to measure: ${TECHNIQUES.join(', ')} or all, comma-separated`,
  defaultText: 'all',
  reader: techniqueListReader(),
};

const payloadOption: Option<number> = {
  flag: 'payload',
  arg: 'BYTES',
  help: `size of each message's data in bytes, 1..${LIMITS.maxPayloadBytes}`,
  defaultText: `${DEFAULT_RUN_VALUES.payloadBytes}`,
  reader: integerReader(1, LIMITS.maxPayloadBytes, 'bytes'),
};

const holdOption: Option<number> = {
  flag: 'hold',
  arg: 'DURATION',
  help: 'long-poll hold timeout, 100ms..10m; a bare number means milliseconds',
  defaultText: formatMs(DEFAULT_RUN_VALUES.holdMs),
  reader: durationReader('ms', 100, 600_000),
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
    help: `simulated clients, 1..${LIMITS.maxClients}; a list such as 10,100,1000 runs a sweep (ascending)`,
    defaultText: DEFAULT_RUN_VALUES.clients.join(','),
    reader: integerListReader(1, LIMITS.maxClients),
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
  durationMs: {
    flag: 'duration',
    arg: 'DURATION',
    help: 'measured window, 100ms..60m; a bare number means seconds',
    defaultText: formatMs(DEFAULT_RUN_VALUES.durationMs),
    reader: durationReader('s', 100, 3_600_000),
  },
  warmupMs: {
    flag: 'warmup',
    arg: 'DURATION',
    help: 'warm-up before the window, 0..10m; a bare number means seconds',
    defaultText: formatMs(DEFAULT_RUN_VALUES.warmupMs),
    reader: durationReader('s', 0, 600_000),
  },
  headers: {
    flag: 'headers',
    arg: 'PROFILE',
    help: 'request headers of the HTTP clients: browser (a current Chrome set with a cookie) or minimal (what undici sends)',
    defaultText: DEFAULT_RUN_VALUES.headers,
    reader: enumReader<HeaderProfileName>(['browser', 'minimal']),
  },
  roomSize: {
    flag: 'room-size',
    arg: 'N',
    help: 'chat only: clients per room, >= 1 and <= the largest --clients value',
    defaultText: `${DEFAULT_RUN_VALUES.roomSize}, or the largest --clients value if smaller`,
    reader: integerReader(1, null),
  },
  generators: {
    flag: 'generators',
    arg: 'N',
    help: 'load generator processes, >= 1, or auto',
    defaultText: 'auto',
    reader: generatorsReader(),
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
    help: 'drive an already running pushbench server at this http:// or ws:// base URL instead of starting one',
    defaultText: 'none',
    reader: targetReader(),
  },
  allowRemote: {
    flag: 'allow-remote',
    arg: null,
    help: 'allow a --target that is not on this host (only drive servers you own)',
    defaultText: 'off',
    reader: booleanReader(),
  },
  capacity: {
    flag: 'capacity',
    arg: null,
    help: 'also find the requests/s the polling server sustains (autocannon)',
    defaultText: 'off',
    reader: booleanReader(),
  },
};

const CONFIG_FLAG = 'config';

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
};

function optionsOf<V>(table: OptionTable<V>): Array<[keyof V, Option<V[keyof V]>]> {
  return (Object.keys(table) as Array<keyof V>).map((key) => [key, table[key]]);
}

/** Flags a command accepts: its options plus extras such as `--config`, keyed by flag name. */
interface FlagInfo {
  readonly takesValue: boolean;
  readonly expected: string;
}

function flagInfo<V>(table: OptionTable<V>, extra: Record<string, FlagInfo>): Map<string, FlagInfo> {
  const flags = new Map<string, FlagInfo>();
  for (const [, option] of optionsOf(table)) {
    flags.set(option.flag, { takesValue: option.arg !== null, expected: option.reader.expected });
  }
  for (const [name, info] of Object.entries(extra)) flags.set(name, info);
  return flags;
}

function allowedFlags(flags: Map<string, FlagInfo>): string {
  return [...flags.keys(), 'help'].map((name) => `--${name}`).join(', ');
}

function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((token) => token === '-h' || token === '--help' || token.startsWith('--help='));
}

/**
 * Splits argv into flag values (`--flag value`, `--flag=value`, or `true` for a bare boolean
 * flag). The last occurrence of a flag wins.
 */
function tokenize(argv: readonly string[], flags: Map<string, FlagInfo>): Map<string, string | true> {
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (!token.startsWith('--')) {
      throw new ConfigError(`unexpected argument "${token}"; options start with --, allowed: ${allowedFlags(flags)}`);
    }
    const eq = token.indexOf('=');
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
    const info = flags.get(name);
    if (info === undefined) throw new ConfigError(`unknown option --${name}; allowed: ${allowedFlags(flags)}`);
    if (eq !== -1) {
      values.set(name, token.slice(eq + 1));
    } else if (!info.takesValue) {
      values.set(name, true);
    } else {
      const next = argv[i + 1];
      // A following `--x` is the next flag, not a value; `-1` is a value (and then a bad one).
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError(`missing value for --${name}; ${info.expected}`);
      }
      values.set(name, next);
      i++;
    }
  }
  return values;
}

/** Reads the config file into raw inputs keyed by flag name. */
function readConfigFile(file: string, flags: Map<string, FlagInfo>, readFile: ReadTextFile): Map<string, RawInput> {
  let text: string;
  try {
    text = readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file "${file}": ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`invalid JSON in config file "${file}": ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const received = Array.isArray(parsed) ? 'an array' : show(parsed);
    throw new ConfigError(
      `config file "${file}" must hold a JSON object such as {"technique": ["sse", "websocket"]}; received ${received}`,
    );
  }
  const allowed = [...flags.keys()].filter((name) => name !== CONFIG_FLAG);
  const inputs = new Map<string, RawInput>();
  for (const [key, input] of Object.entries(parsed)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`unknown key "${key}" in config file "${file}"; allowed: ${allowed.join(', ')}`);
    }
    inputs.set(key, { input, label: `"${key}" in config file "${file}"` });
  }
  return inputs;
}

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

function cliInputs(values: Map<string, string | true>): Map<string, RawInput> {
  const inputs = new Map<string, RawInput>();
  for (const [name, input] of values) inputs.set(name, { input, label: `--${name}` });
  return inputs;
}

// ---------------------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------------------

/**
 * Parses the arguments of `pushbench run` (after the command name) into a frozen RunConfig.
 * Throws ConfigError on any bad flag, value or config file.
 */
export function parseRunArgs(argv: readonly string[], readFile: ReadTextFile = fs.readFileSync): RunConfig {
  if (asksForHelp(argv)) return Object.freeze({ ...DEFAULT_RUN_CONFIG, help: true });
  const flags = flagInfo(RUN_OPTIONS, {
    [CONFIG_FLAG]: { takesValue: true, expected: 'expected the path of a JSON file' },
  });
  const cli = tokenize(argv, flags);

  // Config file first, so that flags on the command line override it key by key.
  const inputs = new Map<string, RawInput>();
  const configFile = cli.get(CONFIG_FLAG);
  if (configFile !== undefined) {
    if (configFile === true || configFile.trim() === '') {
      throw invalid(`--${CONFIG_FLAG}`, show(configFile), 'expected the path of a JSON file');
    }
    for (const [name, raw] of readConfigFile(configFile, flags, readFile)) inputs.set(name, raw);
  }
  for (const [name, raw] of cliInputs(cli)) if (name !== CONFIG_FLAG) inputs.set(name, raw);

  const { values, explicit } = resolve(RUN_OPTIONS, DEFAULT_RUN_VALUES, inputs);
  checkRoomSize(values, explicit.has('roomSize'), inputs.get(RUN_OPTIONS.roomSize.flag));
  checkTarget(values, inputs.get(RUN_OPTIONS.target.flag));

  return Object.freeze({ ...values, help: false, explicit: new Set<string>(explicit) });
}

/** Chat rooms cannot hold more clients than the run has; a default room size shrinks to fit instead. */
function checkRoomSize(values: Mutable<RunValues>, explicit: boolean, raw: RawInput | undefined): void {
  const maxClients = Math.max(...values.clients);
  if (values.workload !== 'chat' || values.roomSize <= maxClients) return;
  if (!explicit || raw === undefined) {
    values.roomSize = maxClients;
    return;
  }
  throw invalid(
    raw.label,
    show(raw.input),
    `for the chat workload the room size must be <= the largest --clients value (${maxClients})`,
  );
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

/** Parses the arguments of `pushbench serve` into a frozen ServeConfig. Throws ConfigError. */
export function parseServeArgs(argv: readonly string[]): ServeConfig {
  if (asksForHelp(argv)) return Object.freeze({ ...DEFAULT_SERVE_CONFIG, help: true });
  const cli = tokenize(argv, flagInfo(SERVE_OPTIONS, {}));
  const { values } = resolve(SERVE_OPTIONS, DEFAULT_SERVE_VALUES, cliInputs(cli));
  return Object.freeze({ ...values, help: false });
}

// ---------------------------------------------------------------------------------------
// Help, generated from the option tables so that every flag and default is listed.
// ---------------------------------------------------------------------------------------

function helpLines(rows: Array<{ flag: string; arg: string | null; help: string; defaultText: string | null }>): string {
  const heads = rows.map((row) => `--${row.flag}${row.arg === null ? '' : ` ${row.arg}`}`);
  const width = Math.max(...heads.map((head) => head.length)) + 2;
  return rows
    .map((row, i) => {
      const suffix = row.defaultText === null ? '' : ` (default: ${row.defaultText})`;
      return `  ${(heads[i] ?? '').padEnd(width)}${row.help}${suffix}`;
    })
    .join('\n');
}

/** Help text of `pushbench run`. */
export const RUN_HELP = `Usage: pushbench run [options]

Measures HTTP short polling, long polling, Server-Sent Events and WebSocket side by side
and writes results.json and the reports.

Options:
${helpLines([
  ...optionsOf(RUN_OPTIONS).map(([, option]) => option),
  {
    flag: CONFIG_FLAG,
    arg: 'FILE',
    help: 'JSON object with the same keys as the flags, without dashes, e.g. {"technique": ["sse","websocket"], "clients": [10,100], "room-size": 5, "duration": "5s"}; flags on the command line override it',
    defaultText: null,
  },
  { flag: 'help', arg: null, help: 'show this help', defaultText: null },
])}

Durations take a unit: 500ms, 5s, 1.5s, 2m. A bare number means seconds for --duration and
--warmup, and milliseconds for --interval and --hold.
`;

/** Help text of `pushbench serve`. */
export const SERVE_HELP = `Usage: pushbench serve [options]

Starts the pushbench server (all techniques on one feed) and keeps it running, for a
browser demo or for \`pushbench run --target\` from another process.

Options:
${helpLines([
  ...optionsOf(SERVE_OPTIONS).map(([, option]) => option),
  { flag: 'help', arg: null, help: 'show this help', defaultText: null },
])}

Durations take a unit: 500ms, 5s, 1.5s, 2m; a bare number means milliseconds.
`;
