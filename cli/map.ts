/**
 * `pushbench map`: the decision map. Reads its flags (one table, exact messages, exit 2 on bad
 * input), plans the measured points (run/map.ts), runs them as an ordinary session with
 * progress on stderr, fills the grid from the model, and writes results.json (with `map`), the
 * reports (map heatmaps among the PNGs, the map in report.html and summary.md) and prints the
 * map on stdout.
 */
import path from 'node:path';
import { ConfigError, showReceived } from '../core/errors.ts';
import { MAP_CRITERIA, MAP_RANKINGS, type MapCriterion, type MapRanking } from '../core/results.ts';
import { DEFAULT_WIRE, WIRE_META, wireRefusals } from '../core/wires.ts';
import { TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import { BUILTIN_PROFILE_NAMES } from '../core/header-profile.ts';
import {
  buildMap,
  cellCount,
  h2DateChangeBytes,
  logSpaced,
  mapRequestBlocks,
  mapRefusals,
  mapScenarios,
  MAX_MAP_CELLS,
  planMeasuredPoints,
  techniqueWirePairs,
  type MapConfig,
  type MapWeights,
} from '../run/map.ts';
import { wireOption } from './options.ts';
import { readConfigText } from './config-file.ts';
import { checkTargetHost, loadTarget } from '../run/targets.ts';
import { killAllChildren } from '../run/children.ts';
import { runSession } from '../run/session.ts';
import { renderMapText } from '../reports/map.ts';
import { EXIT } from './exit-codes.ts';
import { runExitCode } from './execute.ts';
import {
  booleanReader,
  durationReader,
  enumReader,
  HELP_ROW,
  helpLines,
  integerReader,
  listReader,
  parseCommand,
  reader,
  stringReader,
  toInteger,
  type Flag,
} from './flags.ts';
import { prepareOutDir } from './out-dir.ts';
import { stderrProgress } from './progress.ts';
import { saveResults } from './save-results.ts';

/** Default axes: rates 0.01..100 msg/s in 9 log steps (half decades), three poll intervals, three client counts. */
export const MAP_DEFAULTS = Object.freeze({
  rates: Object.freeze(logSpaced(0.01, 100, 9)),
  intervalsMs: Object.freeze([100, 1000, 10_000]),
  clients: Object.freeze([10, 100, 1000]),
  quickClients: Object.freeze([10, 100]),
  rateSteps: 9,
  payloadBytes: 64,
  holdMs: 30_000,
  headers: 'browser' as const,
  windowMs: 1500,
  quickWindowMs: 1000,
});

/** Bounds of the axes: a rate the model and the runner can take, an interval `--interval` accepts. */
const RATE_MIN = 0.0001;
const RATE_MAX = 10_000;

function numberIn(input: string, min: number, max: number): number | undefined {
  if (!/^\s*[0-9]*\.?[0-9]+(e[-+]?[0-9]+)?\s*$/i.test(input)) return undefined;
  const n = Number(input);
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

/** `0.01..100` (a range, log-spaced by --rate-steps) or a comma-separated ascending list. */
function rateAxisReader(): { expected: string; read(input: unknown, label: string): { range: [number, number] } | { list: number[] } } {
  const expected = `expected a range FROM..TO with ${RATE_MIN} <= FROM < TO <= ${RATE_MAX} msg/s (log-spaced by --rate-steps), e.g. 0.01..100, or an ascending comma-separated list, e.g. 0.1,1,10`;
  return {
    expected,
    read(input, label) {
      const text = typeof input === 'string' ? input.trim() : typeof input === 'number' ? String(input) : '';
      const fail = (why = ''): never => {
        throw ConfigError.invalid(label, showReceived(input), `${expected}${why}`);
      };
      if (text.includes('..')) {
        const [fromText, toText, ...rest] = text.split('..');
        const from = numberIn(fromText ?? '', RATE_MIN, RATE_MAX);
        const to = numberIn(toText ?? '', RATE_MIN, RATE_MAX);
        if (rest.length > 0 || from === undefined || to === undefined) return fail();
        if (from >= to) return fail(` (the range is ${from === to ? 'empty' : 'reversed'})`);
        return { range: [from, to] };
      }
      const items = text.split(',').map((item) => numberIn(item, RATE_MIN, RATE_MAX));
      if (text === '' || items.some((n) => n === undefined)) return fail();
      const list = items as number[];
      if (list.some((n, i) => i > 0 && n <= list[i - 1]!)) return fail(' (the list must ascend, each value once)');
      return { list };
    },
  };
}

/** An ascending list read by `item`. */
function ascendingList(what: string, item: (input: unknown) => number | undefined): Flag<readonly number[]>['reader'] {
  const inner = listReader<number, number>(`expected an ascending comma-separated list of ${what}`, item, (items) => items);
  return {
    expected: inner.expected,
    read(input, label) {
      const values = inner.read(input, label);
      if (values.some((n, i) => i > 0 && n <= values[i - 1]!))
        throw ConfigError.invalid(label, showReceived(input), `${inner.expected} (it must ascend, each value once)`);
      return values;
    },
  };
}

const intervalItem = durationReader('ms', 10, 600_000);

/** `bytes=1,p99=2,cpu=1`: a weight >= 0 per criterion named, each once, not all 0. */
function weightsReader(): Flag<MapWeights>['reader'] {
  const expected = `expected NAME=WEIGHT pairs, comma-separated, each NAME once, one of ${MAP_CRITERIA.join(', ')}, each WEIGHT a number >= 0, not all 0, e.g. bytes=1,p99=2,cpu=1`;
  return {
    expected,
    read(input, label) {
      const text = typeof input === 'string' ? input.trim() : '';
      const fail = (why = ''): never => {
        throw ConfigError.invalid(label, showReceived(input), `${expected}${why}`);
      };
      if (text === '') return fail();
      const weights: Partial<Record<MapCriterion, number>> = {};
      for (const item of text.split(',')) {
        const [name = '', value, ...rest] = item.split('=').map((part) => part.trim());
        const criterion = MAP_CRITERIA.find((c) => c === name);
        if (criterion === undefined) return fail(` (unknown criterion ${showReceived(name)})`);
        if (criterion in weights) return fail(` (${criterion} is named twice)`);
        const weight = value === undefined || rest.length > 0 ? undefined : numberIn(value, 0, 1e6);
        if (weight === undefined) return fail(` (bad weight ${showReceived(item.trim())})`);
        weights[criterion] = weight;
      }
      if (Object.values(weights).every((w) => w === 0)) return fail(' (all weights are 0)');
      return Object.freeze(weights);
    },
  };
}
const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1_048_576,
  mb: 1_048_576,
  mib: 1_048_576,
  g: 1_073_741_824,
  gb: 1_073_741_824,
  gib: 1_073_741_824,
};

/** A byte count with an optional unit (k, M, G, binary): `64M`, `500k`, `1048576`. */
function bytesReader(what: string): Flag<number>['reader'] {
  return reader(`expected ${what} in bytes, > 0, with an optional unit k, M or G (binary), e.g. 64M`, (input) => {
    const match = /^\s*([0-9]*\.?[0-9]+)\s*([a-z]*)\s*$/i.exec(String(input));
    const unit = MEMORY_UNITS[(match?.[2] ?? 'x').toLowerCase()];
    if (match === null || unit === undefined) return undefined;
    const n = Number(match[1]) * unit;
    return n > 0 && Number.isFinite(n) ? n : undefined;
  });
}

/** The flags of `pushbench map`: the parser, the help text and docs/cli.md read this table. */
export const MAP_FLAGS = {
  rates: {
    flag: 'rates',
    arg: 'FROM..TO|LIST',
    help: 'message rates per topic (msg/s): a range, log-spaced by --rate-steps, or an ascending list',
    defaultText: '0.01..100',
    reader: rateAxisReader(),
  },
  rateSteps: {
    flag: 'rate-steps',
    arg: 'N',
    help: 'rates in a range, 2..25, log-spaced',
    defaultText: `${MAP_DEFAULTS.rateSteps}`,
    reader: integerReader(2, 25),
  },
  intervals: {
    flag: 'intervals',
    arg: 'LIST',
    help: 'short-polling intervals, an ascending list of durations 10ms..10m (a bare number means milliseconds)',
    defaultText: '100ms,1s,10s',
    reader: ascendingList('durations from 10ms to 10m', (input) => {
      try {
        return intervalItem.read(input, '--intervals');
      } catch {
        return undefined;
      }
    }),
  },
  clients: {
    flag: 'clients',
    arg: 'LIST',
    help: 'client counts, an ascending list of integers 1..20000 (the largest is measured once, at one point)',
    defaultText: `${MAP_DEFAULTS.clients.join(',')} (--quick: ${MAP_DEFAULTS.quickClients.join(',')})`,
    reader: ascendingList('integers from 1 to 20000', (input) => {
      const n = toInteger(input);
      return n === undefined || n < 1 || n > 20_000 ? undefined : n;
    }),
  },
  techniques: {
    flag: 'technique',
    arg: 'LIST',
    help: `techniques on the map: ${TECHNIQUES.join(', ')} or all, comma-separated`,
    defaultText: 'all',
    reader: listReader<TechniqueId | 'all', TechniqueId>(
      `allowed: ${[...TECHNIQUES, 'all'].join(', ')} (comma-separated list)`,
      (input) => [...TECHNIQUES, 'all' as const].find((t) => t === input),
      (items) => (items.includes('all') ? [...TECHNIQUES] : TECHNIQUES.filter((t) => items.includes(t))),
    ),
  },
  targetFile: {
    flag: 'target-file',
    arg: 'FILE',
    help: "the server the measured points run against: builtin (pushbench's own servers) or one target file (JSON, see targets/target.schema.json); the model's bytes are then fitted from its measured cells",
    defaultText: 'builtin',
    reader: stringReader('builtin or the path of one target file'),
  },
  wires: {
    ...wireOption,
    help: `${wireOption.help}; on the map each wire is a coordinate of every cell, and a technique and wire pair can win`,
  },
  criteria: {
    flag: 'criterion',
    arg: 'LIST',
    help: `criteria to print (the files hold every one): ${MAP_RANKINGS.join(', ')} (with --weights) or all`,
    defaultText: 'all',
    // `all` is kept in the list, so that a `weighted` named without --weights is told apart from `all`.
    reader: listReader<MapRanking | 'all', MapRanking | 'all'>(
      `allowed: ${[...MAP_RANKINGS, 'all'].join(', ')} (comma-separated list)`,
      (input) => [...MAP_RANKINGS, 'all' as const].find((c) => c === input),
      (items) => (items.includes('all') ? ['all' as const] : MAP_RANKINGS.filter((c) => items.includes(c))),
    ),
  },
  weights: {
    flag: 'weights',
    arg: 'LIST',
    help: `a weighted winner per cell: NAME=WEIGHT pairs over ${MAP_CRITERIA.join(', ')} (>= 0, not all 0); each figure over the best at its point, weighted mean`,
    defaultText: 'none',
    reader: weightsReader(),
  },
  maxLatency: {
    flag: 'max-latency',
    arg: 'DURATION',
    help: 'a technique whose p99 is above this does not win a cell, e.g. 1s (a bare number means milliseconds)',
    defaultText: 'none',
    reader: durationReader('ms', 1, 3_600_000),
  },
  maxBandwidth: {
    flag: 'max-bandwidth',
    arg: 'BYTES',
    help: 'a technique using more bytes per second per client does not win a cell, e.g. 2k',
    defaultText: 'none',
    reader: bytesReader('a bandwidth per client'),
  },
  maxMemory: {
    flag: 'max-memory',
    arg: 'BYTES',
    help: 'server memory for held connections: the map gives the clients at which each technique passes it, e.g. 64M',
    defaultText: 'none',
    reader: bytesReader('server memory'),
  },
  payloadBytes: {
    flag: 'payload',
    arg: 'BYTES',
    help: "size of each message's data in bytes, 1..65536",
    defaultText: `${MAP_DEFAULTS.payloadBytes}`,
    reader: integerReader(1, 65_536, 'bytes'),
  },
  headers: {
    flag: 'headers',
    arg: 'PROFILE',
    help: `request headers: ${BUILTIN_PROFILE_NAMES.join(', ')}`,
    defaultText: MAP_DEFAULTS.headers,
    reader: enumReader([...BUILTIN_PROFILE_NAMES]),
  },
  windowMs: {
    flag: 'window',
    arg: 'DURATION',
    help: 'measured window of each measured point, 200ms..60s, after a warm-up of a third of it (a bare number means seconds)',
    defaultText: `${MAP_DEFAULTS.windowMs / 1000}s (--quick: ${MAP_DEFAULTS.quickWindowMs / 1000}s)`,
    reader: durationReader('s', 200, 60_000),
  },
  quick: {
    flag: 'quick',
    arg: null,
    help: `3 measured points with 1 s windows and clients ${MAP_DEFAULTS.quickClients.join(',')} unless given (under a minute)`,
    defaultText: 'off',
    reader: booleanReader(),
  },
  out: {
    flag: 'out',
    arg: 'DIR',
    help: 'folder for results.json and the reports',
    defaultText: 'results/map-<timestamp>',
    reader: stringReader('a folder path'),
  },
} as const satisfies Record<string, Flag<unknown>>;

export const MAP_HELP = `Usage: pushbench map [options]

Which technique when: a grid over message rate, poll interval and clients, every cell filled by
the analytic model, a stated set of points measured (time-compressed where the figure does not
depend on time), the winner per criterion, the crossovers, and the classic claims checked.

Options:
${helpLines([...Object.values(MAP_FLAGS), HELP_ROW])}

At most ${MAX_MAP_CELLS} cells (rates × intervals × clients × technique and wire pairs).
Exit codes: 0 done, 1 a measured technique failed, 2 bad input, 3 a write failed, 130 interrupted.
`;

/** The resolved map settings, or help. Throws ConfigError (exit 2) on bad input. */
export function parseMapArgs(
  argv: readonly string[],
): (MapConfig & { help: false; criteria: readonly MapRanking[]; out: string | null }) | { help: true } {
  const { values, help } = parseCommand(argv, MAP_FLAGS, { positionals: false });
  if (help) return { help: true };
  const wires = values.wires ?? [DEFAULT_WIRE];
  const loaded = values.targetFile === undefined ? undefined : loadTarget(values.targetFile, readConfigText);
  const target = loaded === undefined || loaded.kind === 'builtin' ? undefined : loaded;
  if (target !== undefined) {
    checkTargetHost(target, false);
    const label = `target file ${showReceived(target.file ?? target.name)}`;
    const missing = (values.techniques ?? []).filter((id) => !target.techniques.includes(id));
    if (missing.length > 0)
      throw new ConfigError(
        `invalid --technique: received ${showReceived(missing.join(','))}, which ${label} does not offer; it offers ${target.techniques.join(', ')}`,
      );
  }
  const techniques = values.techniques ?? TECHNIQUES;
  // As run does: a technique named on a wire that cannot carry it is refused; one left to `all` is left out of that wire, said in the map.
  if (values.techniques !== undefined) {
    const refusals = wireRefusals(techniques, wires);
    if (refusals.length > 0) throw new ConfigError(`invalid --technique with --wire ${wires.join(',')}: ${refusals.join('; ')}`);
  }
  const criteria: readonly MapRanking[] =
    values.criteria === undefined || values.criteria.includes('all') ? MAP_RANKINGS : (values.criteria as readonly MapRanking[]);
  if (values.criteria?.includes('weighted') && values.weights === undefined) {
    throw new ConfigError(
      `invalid --criterion: received "weighted" without --weights; give --weights NAME=WEIGHT,... (names: ${MAP_CRITERIA.join(', ')}) or choose among ${MAP_CRITERIA.join(', ')}`,
    );
  }
  const quick = values.quick ?? false;
  if (values.rateSteps !== undefined && values.rates !== undefined && 'list' in values.rates) {
    throw new ConfigError(
      `--rate-steps ${values.rateSteps} applies to a range of --rates, and --rates is a list (${values.rates.list.join(',')}); give a range FROM..TO or drop --rate-steps`,
    );
  }
  const rateAxis = values.rates ?? { range: [0.01, 100] as [number, number] };
  const rates =
    'list' in rateAxis ? rateAxis.list : logSpaced(rateAxis.range[0], rateAxis.range[1], values.rateSteps ?? MAP_DEFAULTS.rateSteps);
  const config = {
    rates: Object.freeze(rates),
    intervalsMs: values.intervals ?? MAP_DEFAULTS.intervalsMs,
    clients: values.clients ?? (quick ? MAP_DEFAULTS.quickClients : MAP_DEFAULTS.clients),
    techniques,
    wires,
    weights: values.weights ?? null,
    ...(target === undefined ? {} : { target }),
    payloadBytes: values.payloadBytes ?? MAP_DEFAULTS.payloadBytes,
    holdMs: MAP_DEFAULTS.holdMs,
    headers: values.headers ?? MAP_DEFAULTS.headers,
    maxLatencyMs: values.maxLatency ?? null,
    maxBandwidthBytesPerSecond: values.maxBandwidth ?? null,
    maxMemoryBytes: values.maxMemory ?? null,
    quick,
    windowMs: values.windowMs ?? (quick ? MAP_DEFAULTS.quickWindowMs : MAP_DEFAULTS.windowMs),
    // A third of the window, as the defaults have it (the clients are connected before it starts).
    warmupMs: Math.round((values.windowMs ?? (quick ? MAP_DEFAULTS.quickWindowMs : MAP_DEFAULTS.windowMs)) / 3),
    criteria: criteria.filter((c) => c !== 'weighted' || values.weights !== undefined),
    out: values.out ?? null,
    help: false as const,
  };
  const cells = cellCount(config);
  if (cells === 0) {
    throw new ConfigError(
      `no technique is left on the map: ${mapRefusals(config).join('; ')}; choose techniques and wires that carry them (--technique, --wire)`,
    );
  }
  if (cells > MAX_MAP_CELLS) {
    throw new ConfigError(
      `too many map cells: received ${config.rates.length} rates × ${config.intervalsMs.length} intervals × ${config.clients.length} client counts × ${
        wires.length === 1
          ? `${techniqueWirePairs(config)} techniques`
          : `${techniqueWirePairs(config)} technique and wire pairs (${wires.length} wires)`
      } = ${cells}; at most ${MAX_MAP_CELLS} are allowed`,
    );
  }
  return Object.freeze(config);
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('Z', '');
}

/** Runs `pushbench map` and returns the exit code. */
export async function runMapCommand(argv: string[]): Promise<number> {
  const config = parseMapArgs(argv);
  if (config.help) {
    process.stdout.write(`${MAP_HELP}\n`);
    return EXIT.ok;
  }
  const outDir = config.out ?? path.join('results', `map-${timestamp(new Date())}`);
  prepareOutDir(outDir);
  const started = performance.now();
  const points = planMeasuredPoints(config);
  const specs = mapScenarios(config, points);
  process.stderr.write(
    `pushbench map: ${cellCount(config)} cells from the model; ${points.length} points measured (every technique each, ${config.windowMs} ms windows):\n` +
      points
        .map(
          (p) =>
            `  ${p.rate} msg/s, ${p.intervalMs} ms polls, ${p.clients} clients (${p.reason}${p.timeScale > 1 ? `, run ${Number(p.timeScale.toPrecision(3))}x faster` : ''})\n`,
        )
        .join(''),
  );

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(
        `\npushbench map: ${signal}: stopping, cleaning up and writing what was measured (press Ctrl-C again to force)\n`,
      );
      controller.abort(signal);
    } else {
      killAllChildren();
      process.exit(EXIT.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = stderrProgress();
  try {
    let results;
    try {
      results = await runSession(specs, {
        command: ['pushbench', 'map', ...argv].join(' '),
        signal: controller.signal,
        generators: null,
        capacity: false,
        micro: false,
        progress: progress.listener,
      });
    } finally {
      progress.done();
    }
    killAllChildren();
    const h2RequestBlocks = await mapRequestBlocks(config, points);
    const dateChange = config.wires?.some((wire) => WIRE_META[wire].httpVersion === '2') ? await h2DateChangeBytes() : 0;
    const map = buildMap(config, points, results, Math.round(performance.now() - started), {
      h2RequestBlocks,
      h2DateChangeBytes: dateChange,
    });
    const withMap = { ...results, map };
    const saved = await saveResults(withMap, outDir);
    process.stdout.write(renderMapText(map, config.criteria));
    process.stdout.write(
      `\nresults: ${saved.resultsFile ?? '(not saved: printed as JSON on stderr)'}\n${saved.reportFiles.map((f) => `report:  ${f}\n`).join('')}`,
    );
    return runExitCode(withMap, saved.writeFailed);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
