/**
 * The shape of results.json: the single source every report is rendered from.
 * Types only (plus the schema version), so that reports/ can read results
 * without importing the runner. Documented for other tools by results.schema.json.
 */
import type { TechniqueId } from './protocol.ts';

export const SCHEMA_VERSION = 1;

/** Below this RSS growth, memory per connection is not reported (see ServerCost.bytesPerConnection). */
export const MEMORY_RESOLUTION_BYTES = 4_000_000;

/**
 * A header profile's name: a bundled one (`browser`, `browser-cookie`, `minimal`,
 * `kaazing-2010`) or `file:NAME` for the user's `--headers FILE`.
 */
export type HeaderProfileName = string;
export type WorkloadName = 'broadcast' | 'chat';

export interface ResultsFile {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'pushbench'; version: string };
  /** ISO time the run started. */
  createdAt: string;
  /** `completed` unless the run was interrupted (Ctrl-C) or a technique failed. */
  state: 'completed' | 'interrupted' | 'failed';
  /** The command line that reproduces this run. */
  command: string;
  environment: Environment;
  /** The poll request's header lines of each profile used, verbatim, keyed by profile name. */
  headerProfiles: Partial<Record<HeaderProfileName, Array<[string, string]>>>;
  /** Every header set of each profile used (all request kinds, the server's response lines), keyed by profile name. */
  headerProfileDetails?: Partial<Record<HeaderProfileName, HeaderProfileRecord>>;
  scenarios: Scenario[];
  /** autocannon driving /poll flat out, when measured. */
  capacity?: CapacityResult;
  /** tinybench micro-benchmarks of per-message server work, when measured. */
  micro?: MicroResult[];
}

/** A header profile as results.json records it: where it came from and its lines per request kind. */
export interface HeaderProfileRecord {
  /** Where the set came from, in one sentence. */
  source: string;
  /** Whether the requests carry a cookie. */
  cookie: boolean;
  poll: Array<[string, string]>;
  longpoll: Array<[string, string]>;
  sse: Array<[string, string]>;
  publish: Array<[string, string]>;
  websocket: Array<[string, string]>;
  /** The lines pushbench's server wrote on poll and long-poll answers instead of its own, or null. */
  response: Array<[string, string]> | null;
}

export interface Environment {
  node: string;
  os: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  gitCommit: string | null;
}

export interface Scenario {
  /** Unique within the file, e.g. `sweep-1000`. */
  id: string;
  /** Scenarios of one group differ in client count only and are charted against it (e.g. `sweep`). */
  group: string;
  title: string;
  /** One sentence: what question this scenario answers. */
  description: string;
  params: ScenarioParams;
  results: Partial<Record<TechniqueId, TechniqueResult>>;
  /**
   * The machine's floor: a bare `ws` broadcast (the textbook loop, no pushbench server code)
   * measured the same way in the same run: same publisher, same generator, same clients.
   * Present for broadcast scenarios on the built-in servers.
   */
  floor?: TechniqueResult;
}

export interface ScenarioParams {
  workload: WorkloadName;
  clients: number;
  /** Broadcast: messages/s the server publishes. Chat: messages/s each client publishes. */
  rate: number;
  /** Size of the message's `data` string in bytes. */
  payloadBytes: number;
  /** Encoded size of one message (JSON envelope included) as delivered. */
  messageBytes: number;
  intervalMs: number;
  holdMs: number;
  durationMs: number;
  warmupMs: number;
  headers: HeaderProfileName;
  roomSize: number;
  /** Base URL when an already running server was driven (`--target`), else null. */
  target: string | null;
}

export type TechniqueResult = CompletedResult | FailedResult;

export interface FailedResult {
  state: 'failed' | 'interrupted';
  error: string;
}

export interface CompletedResult {
  state: 'completed';
  messages: MessageCounts;
  /** Totals over the measured window, all clients. */
  bytes: {
    up: number;
    down: number;
    /** Bytes of message JSON delivered (messages delivered x their encoded size). */
    payload: number;
    /** Connection setup bytes in the window (SSE and WebSocket handshakes), up + down. */
    setup: number;
    setupUp: number;
    setupDown: number;
  };
  /** Per delivered message, over the window. */
  perMessage: {
    totalBytes: number;
    overheadBytes: number;
    upBytes: number;
    downBytes: number;
    upOverheadBytes: number;
    downOverheadBytes: number;
  };
  /** Per client per second, up + down, over the window (what the extrapolation table scales). */
  perClientBytesPerSecond: number;
  /** All clients, up + down. */
  bitsPerSecond: number;
  latencyMs: LatencySummary;
  /**
   * How precisely messages left against their due times (latency is measured from the due
   * time, so this lateness is part of every latency figure). Absent in files written before
   * it was recorded; null against an external `--target`.
   */
  publisher?: PublisherResult | null;
  /** HTTP techniques only: requests sent in the window, and how many came back empty. */
  requests: { total: number; empty: number; late: number } | null;
  /** Sampled inside the server process; null when driving an external `--target`. */
  server: ServerCost | null;
  model: ModelEstimate;
  /** Whole-run byte totals as the server and the clients counted them; they must be equal. */
  agreement: { serverUp: number; serverDown: number; clientUp: number; clientDown: number; agree: boolean } | null;
  /** Measured window length. */
  windowMs: number;
  /** Errors the clients met (failed requests, closed streams), with the first distinct messages. */
  clientErrors: { count: number; first: string[] };
}

export interface MessageCounts {
  published: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
  count: number;
  /** HdrHistogram (microseconds), compressed base64 as hdr-histogram-js encodes it. */
  histogram: string;
}

/** What the publisher adds to latency: its lateness against each due time, and what its precision costs. */
export interface PublisherResult {
  /** `server`: the broadcast publisher in the server process; `clients`: each chat client's own schedule. */
  side: 'server' | 'clients';
  /** Published time minus due time of each message due in the window (count = messages), 1 µs resolution. */
  latenessMs: LatencySummary;
  /**
   * CPU the publisher's precise wait burnt over the window (the spin of its last few hundred
   * microseconds before each due time), % of one core. It is harness, not technique:
   * ServerCost.cpuPercent excludes it. 0 where no busy-wait runs (chat).
   */
  busyWaitCpuPercent: number;
  /**
   * Share of the window the server's event loop was blocked by the wait (a sleep of up to
   * about 2 ms, then the spin, before each due time), %: no request is served meanwhile.
   * Absent in older files; 0 in chat.
   */
  loopBlockedPercent?: number;
}

export interface ServerCost {
  /**
   * User + system CPU of the server process over the window, % of one core, less the
   * publisher's busy-wait (reported in PublisherResult.busyWaitCpuPercent).
   */
  cpuPercent: number;
  rssBytes: number;
  rssIdleBytes: number;
  eventLoopUtilization: number;
  /**
   * (RSS with the clients - RSS idle) / clients, or null when RSS grew by less than
   * MEMORY_RESOLUTION_BYTES: the heap grows in steps of megabytes, so a smaller growth
   * says nothing about a connection's cost.
   */
  bytesPerConnection: number | null;
  connections: number;
  lateTicks: number;
}

/** The analytic figures for the same scenario, to print next to the measurement. */
export interface ModelEstimate {
  requestHeadBytes: number;
  responseHeadBytes: number;
  perMessage: { totalBytes: number; overheadBytes: number };
  latencyMs: { mean: number; max: number };
  /** How the figures were derived, in one sentence. */
  formula: string;
}

/** The capacity probe: polls per second one server process answers, and what one poll costs it. */
export interface CapacityResult {
  url: string;
  /** Keep-alive connections of the closed-loop load, all load processes together. */
  connections: number;
  /** Length of each measured round. */
  durationMs: number;
  /** Median over the rounds of the polls the server answered per second (its own counter). */
  requestsPerSecond: number;
  /** Response time p99 the load processes saw over the closed-loop load, warm-up included. */
  latencyMsP99: number;
  /** Largest client count each poll interval allows at that request rate. */
  maxClientsByInterval: Array<{ intervalMs: number; clients: number }>;
  /** Load processes the closed-loop load was spread over (absent in files of the one-process autocannon probe). */
  loadProcesses?: number;
  /** Closed-loop load before the first round. */
  warmupMs?: number;
  rounds?: CapacityRound[];
  /** Median over the rounds of the server's event-loop utilisation; null against a server the probe did not start. */
  serverEventLoopUtilization?: number | null;
  /** The highest event-loop utilisation of any load process in any round. */
  maxLoadEventLoopUtilization?: number;
  /** Whether the server was the limit: its loop at >= 0.95 while no load process's was. */
  saturated?: boolean;
  /** The server's CPU per poll at a fixed open-loop rate: the figure that does not depend on the load tool. */
  costAtFixedRate?: CapacityCost | null;
}

/** One measured round of the closed-loop load. */
export interface CapacityRound {
  requestsPerSecond: number;
  /** Server CPU per poll answered in the round, µs (polls share loop wakeups at saturation); null against a server the probe did not start. */
  serverCpuMicrosPerPoll: number | null;
  serverEventLoopUtilization: number | null;
  /** Per load process. */
  loadEventLoopUtilization: number[];
}

export interface CapacityCost {
  targetRequestsPerSecond: number;
  /** Polls the server answered per second in the window. */
  requestsPerSecond: number;
  windowMs: number;
  /** Server CPU (user + system) per poll answered, µs. */
  cpuMicrosPerPoll: number;
  serverEventLoopUtilization: number;
  /** Clients one core serves at each poll interval: intervalMs x 1000 / cpuMicrosPerPoll. */
  clientsPerCoreByInterval: Array<{ intervalMs: number; clients: number }>;
}

export interface MicroResult {
  technique: TechniqueId;
  name: string;
  opsPerSecond: number;
  meanNs: number;
  rme: number;
}
