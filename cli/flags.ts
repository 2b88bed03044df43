/**
 * Flag machinery shared by every command and perf script: readers (one raw value to a typed
 * value, with an exact message naming what was received and what is allowed), a tokeniser on
 * top of node:util parseArgs, and the help text generated from the same flag rows the parser
 * reads. A command is a table of `Flag` rows; nothing here knows any command.
 */
import { parseArgs } from 'node:util';
import { ConfigError, showReceived } from '../core/errors.ts';

// ---------------------------------------------------------------------------------------
// Readers: one raw value (a command-line string, `true` for a bare boolean flag, or a JSON
// value from a config file) to a typed value.
// ---------------------------------------------------------------------------------------

/** Reads one raw value; `expected` is what is allowed, as the tail of an error message. */
export interface Reader<T> {
  /** What is allowed, as the tail of an error message: `expected a number > 0`. */
  readonly expected: string;
  /** Returns the typed value or throws a ConfigError naming `label` (`--rate`, `"rate" in config file "x.json"`). */
  read(input: unknown, label: string): T;
}

/** A reader from a parse function that returns undefined for a value it refuses. */
export function reader<T>(expected: string, parse: (input: unknown) => T | undefined): Reader<T> {
  return {
    expected,
    read(input, label) {
      const value = parse(input);
      if (value === undefined) throw ConfigError.invalid(label, showReceived(input), expected);
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

/** A safe integer from a number or an integer string, else undefined. */
export function toInteger(input: unknown): number | undefined {
  if (typeof input === 'string' && !INTEGER.test(input.trim())) return undefined;
  const n = toNumber(input);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

function boundsText(min: number, max: number | null, minExclusive = false): string {
  const low = `${minExclusive ? '>' : '>='} ${min}`;
  return max === null ? low : `${low} and <= ${max}`;
}

/** A finite number within bounds (`min` exclusive when asked). */
export function numberReader(min: number, max: number | null, minExclusive: boolean): Reader<number> {
  return reader(`expected a number ${boundsText(min, max, minExclusive)}`, (input) => {
    const n = toNumber(input);
    if (n === undefined || (minExclusive ? n <= min : n < min) || (max !== null && n > max)) return undefined;
    return n;
  });
}

/** `an integer >= 1`, `an integer from 1 to 64`. */
export function integerRange(min: number, max: number | null): string {
  return max === null ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
}

/** An integer within bounds; `unit` is named in the message (`(bytes)`). */
export function integerReader(min: number, max: number | null, unit = ''): Reader<number> {
  return reader(`expected ${integerRange(min, max)}${unit && ` (${unit})`}`, (input) => {
    const n = toInteger(input);
    return n === undefined || n < min || (max !== null && n > max) ? undefined : n;
  });
}

/** `true`/`false` (a bare boolean flag reads as true). */
export function booleanReader(): Reader<boolean> {
  return reader('expected true or false', (input) => {
    if (typeof input === 'boolean') return input;
    if (input === 'true') return true;
    if (input === 'false') return false;
    return undefined;
  });
}

/** One of a fixed list of names. */
export function enumReader<T extends string>(values: readonly T[]): Reader<T> {
  return reader(`allowed: ${values.join(', ')}`, (input) => values.find((v) => v === input));
}

/** A non-empty string; `what` names it in the message (`a folder path`). */
export function stringReader(what: string): Reader<string> {
  return reader(`expected ${what}`, (input) => (typeof input === 'string' && input.trim() !== '' ? input : undefined));
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
 * long list the whole value does not show which part is wrong. `maxItems` bounds the list
 * (a sweep of thousands of scenarios would run for days).
 */
export function listReader<I, O>(
  expected: string,
  item: (input: unknown) => I | undefined,
  finish: (items: I[]) => O[],
  maxItems: { count: number; what: string } | null = null,
): Reader<readonly O[]> {
  return {
    expected,
    read(input, label) {
      const items = listItems(input);
      if (items === undefined) throw ConfigError.invalid(label, showReceived(input), expected);
      const values: I[] = [];
      for (const raw of items) {
        const value = item(raw);
        if (value === undefined) {
          const whole = showReceived(input) === showReceived(raw) ? '' : ` (in ${showReceived(input)})`;
          throw ConfigError.invalid(label, showReceived(raw) + whole, expected);
        }
        values.push(value);
      }
      const finished = finish(values);
      if (maxItems !== null && finished.length > maxItems.count) {
        throw ConfigError.invalid(label, `a list of ${finished.length} ${maxItems.what}`, `at most ${maxItems.count} are allowed`);
      }
      return Object.freeze(finished);
    },
  };
}

/** A list of integers from `min` to `max`, ascending and without duplicates, of at most `maxItems.count` values. */
export function integerListReader(
  min: number,
  max: number,
  maxItems: { count: number; what: string } | null = null,
): Reader<readonly number[]> {
  return listReader<number, number>(
    `expected a comma-separated list of integers from ${min} to ${max}`,
    (input) => {
      const n = toInteger(input);
      return n === undefined || n < min || n > max ? undefined : n;
    },
    // A sweep is charted against the client count, so run it in ascending order, once each.
    (items) => [...new Set(items)].sort((a, b) => a - b),
    maxItems,
  );
}

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m)?$/;
const MS_PER_UNIT = { ms: 1, s: 1000, m: 60_000 } as const;

/** `0`, `250ms`, `5s`, `2m`: the shortest exact way to write a duration. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A duration with a unit (`500ms`, `5s`, `1.5s`, `2m`) or a bare number in `bareUnit`, to integer milliseconds. */
export function durationReader(bareUnit: 'ms' | 's', minMs: number, maxMs: number): Reader<number> {
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

// ---------------------------------------------------------------------------------------
// Flags and the tokeniser.
// ---------------------------------------------------------------------------------------

/** One flag of a command: the row the parser, the config file and the help text all read. */
export interface Flag<T = unknown> {
  /** Flag name without the dashes; also the key in a config file. */
  readonly flag: string;
  /** Placeholder in the help text; null for a boolean flag, which takes no value. */
  readonly arg: string | null;
  readonly help: string;
  /** Shown as `(default: ...)`; null shows nothing. */
  readonly defaultText: string | null;
  readonly reader: Reader<T>;
  /** May be given more than once; every occurrence is kept, in order (compare's `--threshold`). */
  readonly multiple?: boolean;
}

/** A raw value and where it came from (`--rate`, `"rate" in config file "x.json"`), for error messages. */
export interface RawInput {
  readonly input: unknown;
  readonly label: string;
}

/** What `tokenizeFlags` found: raw inputs by flag name, the positionals, and whether help was asked for. */
export interface Tokens {
  /** A string, `true` for a bare boolean flag, or a string[] for a `multiple` flag. */
  readonly inputs: Map<string, RawInput>;
  readonly positionals: string[];
  readonly help: boolean;
}

/** `--help`, `-h` or `--help=...` anywhere: help wins over everything else on the line, even bad values. */
export function asksForHelp(argv: readonly string[]): boolean {
  return argv.some((token) => token === '-h' || token === '--help' || token.startsWith('--help='));
}

/** `--technique, --workload, ..., --help`: the flags a command accepts, for messages. */
export function allowedFlags(flags: readonly Flag[]): string {
  return [...flags.map((f) => f.flag), 'help'].map((name) => `--${name}`).join(', ');
}

/**
 * Splits argv into raw flag values with node:util parseArgs (`--flag value`, `--flag=value`,
 * a bare boolean flag), refusing an unknown flag, a missing value, a duplicated flag (it would
 * silently take the last value) and, unless `positionals` is true, any positional argument.
 * Values are not read here: the caller applies each flag's reader (after a config file, maybe).
 */
export function tokenizeFlags(
  argv: readonly string[],
  flags: readonly Flag[],
  options: { positionals: boolean } = { positionals: false },
): Tokens {
  const byName = new Map(flags.map((f) => [f.flag, f]));
  const parseOptions: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const f of flags) parseOptions[f.flag] = { type: f.arg === null ? 'boolean' : 'string' };
  // strict: false, so that the messages are ours (naming the allowed flags and values), not parseArgs'.
  const { tokens } = parseArgs({ args: [...argv], options: parseOptions, strict: false, allowPositionals: true, tokens: true });

  const inputs = new Map<string, RawInput>();
  const seen = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!options.positionals) {
        throw new ConfigError(`unexpected argument ${showReceived(token.value)}; options start with --, allowed: ${allowedFlags(flags)}`);
      }
      positionals.push(token.value);
      continue;
    }
    if (!token.rawName.startsWith('--')) {
      // A short option (`-x`) or a negative number where a flag should be: pushbench has only `-h`.
      if (token.name === 'h') {
        help = true;
        continue;
      }
      throw new ConfigError(
        `unexpected argument ${showReceived(argv[token.index])}; options start with --, allowed: ${allowedFlags(flags)}`,
      );
    }
    if (token.name === 'help') {
      help = true;
      continue;
    }
    const flag = byName.get(token.name);
    if (flag === undefined) throw new ConfigError(`unknown option --${token.name}; allowed: ${allowedFlags(flags)}`);

    let input: string | true;
    if (token.value !== undefined && (token.inlineValue === true || flag.arg !== null)) {
      // A following `--x` is the next flag, not a value; `-1` is a value (and then maybe a bad one).
      if (token.inlineValue !== true && token.value.startsWith('--'))
        throw new ConfigError(`missing value for --${flag.flag}; ${flag.reader.expected}`);
      input = token.value;
    } else if (flag.arg === null) {
      input = true;
    } else {
      throw new ConfigError(`missing value for --${flag.flag}; ${flag.reader.expected}`);
    }

    const raw = token.inlineValue === true || input === true ? argv[token.index]! : `${token.rawName} ${input}`;
    const earlier = seen.get(flag.flag) ?? [];
    earlier.push(raw);
    seen.set(flag.flag, earlier);
    if (flag.multiple === true) {
      const list = (inputs.get(flag.flag)?.input as string[] | undefined) ?? [];
      list.push(input === true ? 'true' : input);
      inputs.set(flag.flag, { input: list, label: `--${flag.flag}` });
      continue;
    }
    if (earlier.length > 1) {
      throw new ConfigError(
        `duplicate option --${flag.flag}: received ${earlier.map((r) => showReceived(r)).join(' and ')}; give each option once`,
      );
    }
    inputs.set(flag.flag, { input, label: `--${flag.flag}` });
  }
  return { inputs, positionals, help };
}

// ---------------------------------------------------------------------------------------
// Help, generated from the flag rows, so that every flag and default is listed.
// ---------------------------------------------------------------------------------------

/** A row of a help table: a flag, or an extra line such as `--help`. */
export interface HelpRow {
  readonly flag: string;
  readonly arg: string | null;
  readonly help: string;
  readonly defaultText: string | null;
  readonly multiple?: boolean;
}

/** The `--help` row every command has. */
export const HELP_ROW: HelpRow = { flag: 'help', arg: null, help: 'show this help', defaultText: null };

/** The options section of a help text: one aligned line per flag, with its default. */
export function helpLines(rows: readonly HelpRow[]): string {
  const heads = rows.map((row) => `--${row.flag}${row.arg === null ? '' : ` ${row.arg}`}${row.multiple === true ? ' ...' : ''}`);
  const width = Math.max(...heads.map((head) => head.length)) + 2;
  return rows
    .map((row, i) => {
      const suffix = row.defaultText === null ? '' : ` (default: ${row.defaultText})`;
      return `  ${(heads[i] ?? '').padEnd(width)}${row.help}${suffix}`;
    })
    .join('\n');
}

/** `[--out DIR] [--json]`: the flags of a usage line. */
export function synopsis(rows: readonly HelpRow[]): string {
  return rows.map((row) => `[--${row.flag}${row.arg === null ? '' : ` ${row.arg}`}${row.multiple === true ? ' ...' : ''}]`).join(' ');
}

/** The typed value a flag row reads: its reader's type, a list of them for a `multiple` flag. */
export type FlagValue<F> = F extends Flag<infer V> ? (F extends { readonly multiple: true } ? V[] : V) : never;

/** The values of a flag table, by key; a flag not given is absent. */
export type FlagValues<T> = { -readonly [K in keyof T]?: FlagValue<T[K]> };

/**
 * Parses the argv of a small command (report, compare, a perf script) against its table:
 * tokenises, then reads every flag given with its reader. Help wins over everything else.
 */
export function parseCommand<T extends Record<string, Flag<unknown>>>(
  argv: readonly string[],
  table: T,
  options: { positionals: boolean },
): { values: FlagValues<T>; positionals: string[]; help: boolean } {
  if (asksForHelp(argv)) return { values: {}, positionals: [], help: true };
  const rows = Object.values(table);
  const { inputs, positionals } = tokenizeFlags(argv, rows, options);
  const values: Record<string, unknown> = {};
  for (const [key, row] of Object.entries(table)) {
    const raw = inputs.get(row.flag);
    if (raw === undefined) continue;
    values[key] =
      row.multiple === true && Array.isArray(raw.input)
        ? raw.input.map((item: unknown) => row.reader.read(item, raw.label))
        : row.reader.read(raw.input, raw.label);
  }
  return { values: values as FlagValues<T>, positionals, help: false };
}
