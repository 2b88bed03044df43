/**
 * Scenarios: what `pushbench run` builds from flags, and the default suite that
 * `npm run bench` runs. Suite defaults apply only to what the user did not set.
 */
import { encodeMessage, filler, nowMicros } from '../core/protocol.ts';
import type { RunConfig } from './config.ts';
import type { ScenarioSpec } from './runner.ts';
import type { ScenarioParams } from '../core/results.ts';
import type { ResolvedTarget } from './targets.ts';

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
    specs.filter((spec) => target.kind !== 'url' || spec.params.workload !== 'chat').map((spec) => {
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

/** `pushbench run`: one scenario per client count (several make a sweep, charted against clients), on each target. */
export function runScenarios(config: RunConfig): ScenarioSpec[] {
  return forTargets(clientScenarios(config), config.targets);
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
}

/** The suite's base: 100 clients, 1 msg/s, 64 B, browser headers, 1 s poll interval. */
const SUITE_BASE: Omit<ScenarioParams, 'messageBytes' | 'target'> = {
  workload: 'broadcast',
  clients: 100,
  rate: 1,
  payloadBytes: 64,
  intervalMs: 1000,
  holdMs: 30_000,
  durationMs: 1000,
  warmupMs: 300,
  headers: 'browser',
  roomSize: 10,
};

const SUITE: readonly SuiteEntry[] = [
  {
    id: 'header-overhead',
    group: 'header-overhead',
    title: 'Header overhead: 100 clients, 1 msg/s, 64 B, browser headers, 1 s polls',
    description: 'What one delivered message costs on the wire when the news is small and the headers are not.',
    set: {},
  },
  {
    id: 'latency',
    group: 'latency',
    full: true,
    title: 'Latency at 10 msgs/s: 100 clients, 1 s polls',
    description: 'How late each message arrives: polling waits for the next poll, the others push at once.',
    set: { rate: 10 },
  },
  {
    id: 'sweep-10',
    group: 'sweep',
    title: 'Client sweep: 10 clients, 1 msg/s',
    description: 'Bandwidth and server cost as the number of clients grows.',
    set: { clients: 10 },
    full: true,
  },
  {
    id: 'sweep-100',
    group: 'sweep',
    title: 'Client sweep: 100 clients, 1 msg/s',
    description: 'Bandwidth and server cost as the number of clients grows (the header-overhead run: same parameters, measured once).',
    set: {},
    full: true,
    sameAs: 'header-overhead',
  },
  {
    id: 'sweep-1000',
    group: 'sweep',
    title: 'Client sweep: 1,000 clients, 1 msg/s',
    description: 'Bandwidth and server cost as the number of clients grows.',
    set: { clients: 1000 },
    full: true,
  },
  {
    id: 'sparse',
    group: 'sparse',
    title: 'Sparse updates: one message every 5 s, 100 clients, 1 s polls',
    description: 'When news is rare, most polls come back empty: what that waste costs.',
    // The first message goes out as the window opens; the next is due as it closes: one message, five polls.
    set: { rate: 0.2, durationMs: 5000, warmupMs: 0 },
    full: true,
  },
  {
    id: 'chat',
    group: 'chat',
    title: 'Chat: 100 clients in rooms of 10, each sending 1 msg/s',
    description: 'Bidirectional: a POST per message upstream against a masked WebSocket frame.',
    set: { workload: 'chat' },
  },
];


/** Keys of ScenarioParams a user may set on the suite, named as in RunConfig.explicit. */
const USER_KEYS = ['workload', 'rate', 'payloadBytes', 'intervalMs', 'holdMs', 'durationMs', 'warmupMs', 'headers', 'roomSize'] as const;

/** The default suite, with the user's explicit flags applied to every scenario, on each target. */
export function suiteScenarios(config: RunConfig): ScenarioSpec[] {
  return forTargets(suiteSpecs(config), config.targets);
}

function suiteSpecs(config: RunConfig): ScenarioSpec[] {
  const specs: ScenarioSpec[] = [];
  for (const entry of SUITE) {
    if (config.quick && entry.full === true) continue;
    const merged: Omit<ScenarioParams, 'messageBytes'> = { ...SUITE_BASE, ...entry.set, ...(config.quick ? QUICK : {}), target: config.target };
    const record = merged as unknown as Record<string, unknown>;
    for (const key of USER_KEYS) if (config.explicit.has(key)) record[key] = config[key];
    if (config.explicit.has('clients') && config.clients.length === 1 && entry.group !== 'sweep') merged.clients = config.clients[0]!;
    if (merged.workload === 'chat') merged.roomSize = Math.min(merged.roomSize, merged.clients);
    specs.push({
      id: entry.id,
      group: entry.group,
      title: entry.title,
      description: entry.description,
      params: { ...merged, messageBytes: messageBytesFor(merged) },
      techniques: config.techniques,
      ...(entry.sameAs === undefined ? {} : { sameAs: entry.sameAs }),
    });
  }
  return specs;
}
