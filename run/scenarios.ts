/**
 * Scenarios: what `pushbench run` builds from flags, and the default suite that
 * `npm run bench` runs. Suite defaults apply only to what the user did not set.
 */
import { encodeMessage, filler, nowMicros } from '../core/protocol.ts';
import type { RunConfig } from './config.ts';
import type { ScenarioSpec } from './runner.ts';
import type { TlsFiles } from './prepare-run.ts';
import { DEFAULT_WIRE, WIRE_META, wireCarries, wireRefusal, type WireId } from '../core/wires.ts';
import type { ScenarioParams } from '../core/results.ts';
import { targetOffersOn, type ResolvedTarget } from './targets.ts';

/** `--quick`: the suite keeps the scenarios that answer the main questions; every run gets shorter windows. */
const QUICK: Partial<Omit<ScenarioParams, 'messageBytes' | 'target'>> = { durationMs: 1000, warmupMs: 200 };

/** Size of one message as delivered: the JSON envelope around `payloadBytes` of data, at a typical seq. */
export function messageBytesFor(params: Omit<ScenarioParams, 'messageBytes'>): number {
  const roomRate = params.workload === 'chat' ? params.rate * Math.min(params.roomSize, params.clients) : params.rate;
  const typicalSeq = Math.max(1, Math.round((roomRate * (params.warmupMs + params.durationMs)) / 1000));
  const room = params.workload === 'chat' ? 0 : undefined;
  return encodeMessage({ seq: typicalSeq, t: nowMicros(), room, data: filler(params.payloadBytes) }).length;
}

/** Scenario parameters for one client count of a run config (`--quick` shortens what the user did not set). */
export function paramsFrom(config: RunConfig, clients: number): ScenarioParams {
  const quick = (key: 'durationMs' | 'warmupMs'): number => (config.quick && !config.explicit.has(key) ? QUICK[key]! : config[key]);
  const base: Omit<ScenarioParams, 'messageBytes'> = {
    workload: config.workload,
    clients,
    rate: config.rate,
    payloadBytes: config.payloadBytes,
    intervalMs: config.intervalMs,
    holdMs: config.holdMs,
    durationMs: quick('durationMs'),
    warmupMs: quick('warmupMs'),
    headers: config.headers,
    roomSize: config.workload === 'chat' ? Math.min(config.roomSize, clients) : config.roomSize,
    target: config.target,
    ...(config.tabs > 1 ? { tabs: config.tabs } : {}),
    ...(config.serverParts ? { serverParts: true } : {}),
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}

/**
 * The scenarios of `specs` for each target of the run, one after another: the built-in target
 * keeps each scenario's id (baselines match); any other target's scenarios (a target file's, or
 * `--target URL`'s, named `url`) are `<id>@<name>`,
 * titled and grouped by it, so that compare matches results by target and technique. Each
 * target runs the techniques asked for that it offers, and only broadcast scenarios unless it is
 * the built-in one.
 */
export function forTargets(specs: readonly ScenarioSpec[], targets: readonly ResolvedTarget[]): ScenarioSpec[] {
  return targets.flatMap((target) =>
    // Chat needs a count of what each room accepted: pushbench's server keeps it, a target file's clients count it themselves; a server at a URL runs the broadcast scenarios.
    specs
      .filter((spec) => target.kind !== 'url' || spec.params.workload !== 'chat')
      .map((spec) => {
        // The built-in target keeps the ids baselines use; any other target is named in the id, so compare matches by target.
        const own = target.kind === 'builtin';
        const suffix = own ? '' : `@${target.name}`;
        return {
          ...spec,
          id: `${spec.id}${suffix}`,
          group: `${spec.group}${suffix}`,
          title: own ? spec.title : `${spec.title}, on ${target.name}`,
          params: { ...spec.params, target: target.kind === 'builtin' || target.server.kind === 'command' ? null : target.origin },
          techniques: spec.techniques.filter((id) => target.techniques.includes(id)),
          target,
          ...(spec.sameAs === undefined ? {} : { sameAs: `${spec.sameAs}${suffix}` }),
        };
      }),
  );
}

/**
 * The scenarios of `specs` on each wire, one wire after another, as a client sweep is: on the
 * default wire (http) a scenario keeps its id (baselines match), on another it is
 * `<id>-<wire>`, titled and grouped by it. Each names its wire in its parameters, and runs
 * the techniques that wire carries; the others (a WebSocket on HTTP/2, until RFC 8441) are
 * named with the reason in its description, never measured on another wire. Techniques the
 * user named on a wire that cannot carry them are refused before the run (cli/options.ts).
 */
export function forWires(specs: readonly ScenarioSpec[], wires: readonly WireId[], tlsFiles: TlsFiles | null): ScenarioSpec[] {
  return wires.flatMap((wire) =>
    specs.map((spec) => {
      const own = wire === DEFAULT_WIRE;
      const suffix = own ? '' : `-${wire}`;
      const left = spec.techniques.filter((id) => !wireCarries(wire, id));
      // A target file may serve fewer techniques on a wire than the wire carries (nginx: no WebSocket over HTTP/2).
      const target = spec.target;
      const notServed =
        target === undefined ? [] : spec.techniques.filter((id) => wireCarries(wire, id) && !targetOffersOn(target, wire, id));
      const note =
        (left.length === 0 ? '' : ` Not measured on ${wire}: ${left.map((id) => wireRefusal(id, wire)).join('; ')}.`) +
        (notServed.length === 0 ? '' : ` Not measured on ${wire}: target ${target!.name} does not serve ${notServed.join(', ')} on it.`);
      return {
        ...spec,
        id: `${spec.id}${suffix}`,
        group: `${spec.group}${suffix}`,
        title: own ? spec.title : `${spec.title}, over ${WIRE_META[wire].label}`,
        description: `${spec.description}${note}`,
        params: { ...spec.params, wire },
        techniques: spec.techniques.filter((id) => wireCarries(wire, id) && !notServed.includes(id)),
        ...(spec.sameAs === undefined ? {} : { sameAs: `${spec.sameAs}${suffix}` }),
        ...(tlsFiles === null || !WIRE_META[wire].tls ? {} : { tlsFiles }),
      };
    }),
  );
}

/** The user's certificate and key files (`--tls-cert/--tls-key`), or null. */
function tlsFilesOf(config: RunConfig): TlsFiles | null {
  return config.tlsCert === null || config.tlsKey === null ? null : { cert: config.tlsCert, key: config.tlsKey };
}

/** `pushbench run`: one scenario per client count (several make a sweep, charted against clients), on each target, on each wire. */
export function runScenarios(config: RunConfig): ScenarioSpec[] {
  return forWires(forTargets(clientScenarios(config), config.targets), config.wires, tlsFilesOf(config));
}

function clientScenarios(config: RunConfig): ScenarioSpec[] {
  const sweep = config.clients.length > 1;
  return config.clients.map((clients) => {
    const params = paramsFrom(config, clients);
    const rateText = config.workload === 'chat' ? `${config.rate} msg/s per client, rooms of ${params.roomSize}` : `${config.rate} msg/s`;
    return {
      id: sweep ? `${config.workload}-${clients}` : config.workload,
      group: sweep ? `${config.workload}-sweep` : config.workload,
      title: `${config.workload === 'chat' ? 'Chat' : 'Broadcast'}: ${clients} clients, ${rateText}, ${config.payloadBytes} B payload`,
      description: `A ${config.workload} run as given on the command line (poll interval ${config.intervalMs} ms, ${config.headers} headers).`,
      params,
      techniques: config.techniques,
    };
  });
}

interface SuiteEntry {
  id: string;
  group: string;
  title: string;
  description: string;
  /** Overrides of the suite's base parameters. */
  set: Partial<Omit<ScenarioParams, 'messageBytes' | 'target'>>;
  /** Dropped from `--quick`. */
  full?: boolean;
  /** Same parameters as another suite scenario: its measurement is shared, not repeated. */
  sameAs?: string;
  /**
   * Time compression: the entry stands for a situation this many times slower (rate / F, poll
   * interval x F). Bytes per message and the share of empty polls depend only on the ratio of
   * poll interval to message gap, so they are those of the slower situation; polling latency
   * scales with the interval and is shown against it. Dropped when the user sets the rate or
   * the interval.
   */
  timeScale?: number;
  /** No floor measurement (the bare ws broadcast) for this entry. */
  noFloor?: boolean;
  /** Measured on these wires too, right after the default wire, unless the user names the wires (`--wire`); without a floor (it measures the machine, not the wire). */
  alsoOn?: readonly WireId[];
}

/**
 * The suite's base: 100 clients, 64 B, browser headers, at 5 msg/s with 200 ms polls, which
 * stands for 1 msg/s with 1 s polls (time scale 5): ten messages in a 2 s window, so every
 * latency figure rests on 1,000 samples of 10 fan-outs instead of one.
 */
const SUITE_BASE: Omit<ScenarioParams, 'messageBytes' | 'target'> = {
  workload: 'broadcast',
  clients: 100,
  rate: 5,
  payloadBytes: 64,
  intervalMs: 200,
  holdMs: 30_000,
  durationMs: 2000,
  warmupMs: 200,
  headers: 'browser',
  roomSize: 10,
};

const SUITE: readonly SuiteEntry[] = [
  {
    id: 'header-overhead',
    group: 'header-overhead',
    title: 'Header overhead: 100 clients, 1 msg/s with 1 s polls (run 5x faster), 64 B, browser headers',
    description: 'What one delivered message costs on the wire when the news is small and the headers are not.',
    set: {},
    timeScale: 5,
    // The founding argument is HTTP/1.1's: the same scenario over HTTP/2 + TLS shows what HPACK leaves of it.
    alsoOn: ['h2'],
  },
  {
    id: 'latency',
    group: 'latency',
    full: true,
    title: 'Latency at 10 msgs/s: 100 clients, 1 s polls',
    description: 'How late each message arrives: polling waits for the next poll, the others push at once.',
    set: { rate: 10, intervalMs: 1000, durationMs: 1000 },
  },
  {
    id: 'sweep-100',
    group: 'sweep',
    title: 'Client sweep: 100 clients, 1 msg/s with 1 s polls (run 5x faster)',
    description: 'Bandwidth and server cost as the number of clients grows (the header-overhead run: same parameters, measured once).',
    set: {},
    full: true,
    sameAs: 'header-overhead',
    timeScale: 5,
  },
  {
    id: 'sweep-300',
    group: 'sweep',
    title: 'Client sweep: 300 clients, 1 msg/s with 1 s polls (run 5x faster)',
    description: 'Bandwidth and server cost as the number of clients grows.',
    set: { clients: 300 },
    full: true,
    timeScale: 5,
  },
  {
    id: 'sweep-1000',
    group: 'sweep',
    title: 'Client sweep: 1,000 clients, 1 msg/s with 1 s polls (run 5x faster)',
    description: 'Bandwidth and server cost as the number of clients grows.',
    set: { clients: 1000 },
    full: true,
    timeScale: 5,
  },
  {
    id: 'sparse',
    group: 'sparse',
    title: 'Sparse updates: one message every 5 s with 1 s polls (run 40x faster), 100 clients',
    description: 'When news is rare, most polls come back empty: what that waste costs.',
    // A message every 125 ms with 25 ms polls: as sparse as one every 5 s with 1 s polls, ten of them in 1.25 s.
    set: { rate: 8, intervalMs: 25, durationMs: 1250 },
    full: true,
    timeScale: 40,
    // The machine's floor at this load is the header-overhead scenario's; here the question is the empty polls.
    noFloor: true,
  },
  {
    id: 'chat',
    group: 'chat',
    title: 'Chat: 100 clients in rooms of 10, each sending 1 msg/s',
    description: 'Bidirectional: a POST per message upstream against a masked WebSocket frame.',
    // 100 messages a second, each to the 10 members of its room (the sender too): 1,200 samples in 1.2 s.
    set: { workload: 'chat', rate: 1, intervalMs: 1000, durationMs: 1200 },
  },
];

/** Keys of ScenarioParams a user may set on the suite, named as in RunConfig.explicit. */
const USER_KEYS = ['workload', 'rate', 'payloadBytes', 'intervalMs', 'holdMs', 'durationMs', 'warmupMs', 'headers', 'roomSize'] as const;

/** The default suite, with the user's explicit flags applied to every scenario, on each target. */
export function suiteScenarios(config: RunConfig): ScenarioSpec[] {
  const specs = forWires(forTargets(suiteSpecs(config), config.targets), config.wires, tlsFilesOf(config));
  if (config.explicit.has('wires')) return specs;
  // An entry also measured on other wires: each copy right after its scenario on the default wire.
  const out: ScenarioSpec[] = [];
  for (const spec of specs) {
    out.push(spec);
    const entry = SUITE.find((e) => e.id === spec.id);
    if (entry?.alsoOn === undefined) continue;
    out.push(...forWires([{ ...spec, floor: false }], entry.alsoOn, tlsFilesOf(config)));
  }
  return out;
}

function suiteSpecs(config: RunConfig): ScenarioSpec[] {
  const specs: ScenarioSpec[] = [];
  for (const entry of SUITE) {
    if (config.quick && entry.full === true) continue;
    const merged: Omit<ScenarioParams, 'messageBytes'> = {
      ...SUITE_BASE,
      ...entry.set,
      ...(config.quick ? QUICK : {}),
      target: config.target,
    };
    const record = merged as unknown as Record<string, unknown>;
    for (const key of USER_KEYS) if (config.explicit.has(key)) record[key] = config[key];
    if (config.explicit.has('clients') && config.clients.length === 1 && entry.group !== 'sweep') merged.clients = config.clients[0]!;
    if (merged.workload === 'chat') merged.roomSize = Math.min(merged.roomSize, merged.clients);
    // The user's own rate or interval breaks the suite's ratio: the scenario is then what it says, unscaled.
    const scaled = entry.timeScale !== undefined && !config.explicit.has('rate') && !config.explicit.has('intervalMs');
    specs.push({
      id: entry.id,
      group: entry.group,
      title: scaled ? entry.title : entry.title.replace(/ \(run \d+x faster\)/, ''),
      description: entry.description,
      params: { ...merged, messageBytes: messageBytesFor(merged) },
      techniques: config.techniques,
      ...(entry.sameAs === undefined ? {} : { sameAs: entry.sameAs }),
      ...(scaled ? { timeScale: entry.timeScale } : {}),
      ...(entry.noFloor === true ? { floor: false } : {}),
    });
  }
  return specs;
}
