/**
 * The shape of results.json, defined once and schema first (TypeBox): the TypeScript types
 * below are `Static<>` of these schemas, core/results-validate.ts validates against them, and
 * core/results.schema.json is generated from them (`npm run schema`; a test fails when the
 * committed file differs). reports/ read results through this module and never the runner.
 *
 * To add a field: add it to the schema object here (wrap it in `Type.Optional` if older files
 * lack it, which keeps them readable), run `npm run schema`, and commit both files. The type
 * follows by itself. Counts and byte totals take `Count` (a non-negative number); checks a
 * schema cannot express belong in `semanticProblems` in core/results-validate.ts.
 */
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { TECHNIQUES } from './protocol.ts';

export const SCHEMA_VERSION = 1;

/** Below this RSS growth, memory per connection is not reported (see ServerCost.bytesPerConnection). */
export const MEMORY_RESOLUTION_BYTES = 4_000_000;

/** Header profile names the HTTP clients may use. */
export const HEADER_PROFILE_NAMES = ['browser', 'minimal'] as const;
/** Workload names. */
export const WORKLOAD_NAMES = ['broadcast', 'chat'] as const;

/** One of `values`, as a union of string literals (its static type is the union of the values). */
function oneOf<const T extends string>(values: readonly T[], description: string) {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );
}

/** An object that refuses properties it does not declare (typos and stale fields are errors). */
function closed<T extends Parameters<typeof Type.Object>[0]>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...(description === undefined ? {} : { description }) });
}

const Num = (description?: string) => Type.Number(description === undefined ? {} : { description });
/** A count or a byte total: never negative. */
const Count = (description?: string) => Type.Number({ minimum: 0, ...(description === undefined ? {} : { description }) });
const Str = (description?: string) => Type.String(description === undefined ? {} : { description });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const TechniqueIdSchema = oneOf(TECHNIQUES, 'a technique id');
export const HeaderProfileNameSchema = oneOf(HEADER_PROFILE_NAMES, 'a header profile');
export const WorkloadNameSchema = oneOf(WORKLOAD_NAMES, 'a workload');

export const EnvironmentSchema = closed({
  node: Str(),
  os: Str(),
  platform: Str(),
  arch: Str(),
  cpuModel: Str(),
  cores: Count(),
  memoryBytes: Count(),
  gitCommit: Nullable(Str()),
});

export const ScenarioParamsSchema = closed({
  workload: WorkloadNameSchema,
  clients: Count(),
  rate: Count('Broadcast: messages/s the server publishes. Chat: messages/s each client publishes.'),
  payloadBytes: Count("Size of the message's `data` string in bytes."),
  messageBytes: Count('Encoded size of one message (JSON envelope included) as delivered.'),
  intervalMs: Count(),
  holdMs: Count(),
  durationMs: Count(),
  warmupMs: Count(),
  headers: HeaderProfileNameSchema,
  roomSize: Count(),
  target: Nullable(Str('Base URL when an already running server was driven (`--target`), else null.')),
});

export const MessageCountsSchema = closed({
  published: Count(),
  expected: Count(),
  delivered: Count(),
  lost: Count(),
  duplicated: Count(),
  outOfOrder: Count(),
});

export const LatencySummarySchema = closed({
  p50: Count(),
  p90: Count(),
  p99: Count(),
  p999: Count(),
  max: Count(),
  min: Count(),
  mean: Count(),
  count: Count('Samples recorded.'),
  messages: Type.Optional(Count('Distinct published messages the samples belong to (a fan-out of one message to 100 clients is 100 samples of 1 message).')),
  histogram: Str('HdrHistogram (microseconds), compressed base64 as hdr-histogram-js encodes it.'),
});

export const ServerCostSchema = closed({
  cpuPercent: Count('User + system CPU of the server process over the window, % of one core.'),
  rssBytes: Count(),
  rssIdleBytes: Count(),
  eventLoopUtilization: Count(),
  bytesPerConnection: Nullable(
    Num(
      '(RSS with the clients - RSS idle) / clients, or null when RSS grew by less than MEMORY_RESOLUTION_BYTES: ' +
        "the heap grows in steps of megabytes, so a smaller growth says nothing about a connection's cost.",
    ),
  ),
  connections: Count(),
  lateTicks: Count(),
});

export const ModelEstimateSchema = closed(
  {
    requestHeadBytes: Count(),
    responseHeadBytes: Count(),
    perMessage: closed({ totalBytes: Count(), overheadBytes: Num() }),
    latencyMs: closed({ mean: Count(), max: Count() }),
    formula: Str('How the figures were derived, in one sentence.'),
  },
  'The analytic figures for the same scenario, to print next to the measurement.',
);

export const RunSummarySchema = closed(
  {
    latencyMs: closed({ p50: Count(), p99: Count(), mean: Count(), count: Count(), messages: Count() }),
    cpuPercent: Nullable(Count('Server CPU over the window, % of one core; null against a foreign server.')),
    rssBytes: Nullable(Count('Server RSS at the end of the window; null against a foreign server.')),
    perMessageTotalBytes: Count(),
    delivered: Count(),
    lost: Count(),
  },
  'One repetition of a technique\'s measurement (`--runs N`): the noisy figures, kept per run so that reports can show their spread.',
);

export const CompletedResultSchema = closed({
  state: Type.Literal('completed'),
  messages: MessageCountsSchema,
  bytes: closed(
    {
      up: Count(),
      down: Count(),
      payload: Count('Bytes of message JSON delivered (messages delivered x their encoded size).'),
      setup: Count('Connection setup bytes in the window (SSE and WebSocket handshakes), up + down.'),
      setupUp: Count(),
      setupDown: Count(),
    },
    'Totals over the measured window, all clients.',
  ),
  perMessage: closed(
    {
      totalBytes: Count(),
      overheadBytes: Num(),
      upBytes: Count(),
      downBytes: Count(),
      upOverheadBytes: Num(),
      downOverheadBytes: Num(),
    },
    'Per delivered message, over the window. Overhead is total minus payload (the uncompressed message JSON), so it is negative for a technique that compresses more than its framing adds.',
  ),
  perClientBytesPerSecond: Count('Per client per second, up + down, over the window (what the extrapolation table scales).'),
  bitsPerSecond: Count('All clients, up + down.'),
  latencyMs: LatencySummarySchema,
  requests: Nullable(closed({ total: Count(), empty: Count(), late: Count() }, 'HTTP techniques only: requests sent in the window, and how many came back empty.')),
  server: Nullable(ServerCostSchema),
  model: ModelEstimateSchema,
  agreement: Nullable(
    closed(
      { serverUp: Count(), serverDown: Count(), clientUp: Count(), clientDown: Count(), agree: Type.Boolean() },
      'Whole-run byte totals as the server and the clients counted them; they must be equal.',
    ),
  ),
  windowMs: Count('Measured window length.'),
  clientErrors: closed({ count: Count(), first: Type.Array(Str()) }, 'Errors the clients met, with the first distinct messages.'),
  runs: Type.Optional(
    Type.Array(RunSummarySchema, {
      description: 'With `--runs N`: one summary per run, in the order run (the first is the run the rest of this result describes). Absent for one run.',
    }),
  ),
});

export const FailedResultSchema = closed({
  state: oneOf(['failed', 'interrupted'], 'a failure state'),
  error: Str(),
});

export const TechniqueResultSchema = Type.Union([CompletedResultSchema, FailedResultSchema]);

/** Per technique id, optional: a scenario holds the techniques it ran. */
export const ScenarioResultsSchema = Type.Object(
  Object.fromEntries(TECHNIQUES.map((id) => [id, Type.Optional(TechniqueResultSchema)])) as {
    [K in (typeof TECHNIQUES)[number]]: TOptional<typeof TechniqueResultSchema>;
  },
  { additionalProperties: false, propertyNames: { enum: [...TECHNIQUES], description: 'a technique id' } },
);

export const ScenarioSchema = closed({
  id: Str('Unique within the file, e.g. `sweep-1000`.'),
  group: Str('Scenarios of one group differ in client count only and are charted against it (e.g. `sweep`).'),
  title: Str(),
  description: Str('One sentence: what question this scenario answers.'),
  params: ScenarioParamsSchema,
  results: ScenarioResultsSchema,
});

export const CapacityResultSchema = closed({
  url: Str(),
  connections: Count(),
  durationMs: Count(),
  requestsPerSecond: Count(),
  latencyMsP99: Count(),
  maxClientsByInterval: Type.Array(closed({ intervalMs: Count(), clients: Count() })),
});

export const MicroResultSchema = closed({
  technique: TechniqueIdSchema,
  name: Str(),
  opsPerSecond: Count(),
  meanNs: Count(),
  rme: Count(),
});

const HeaderListSchema = Type.Array(Type.Tuple([Type.String(), Type.String()]));

export const ResultsFileSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    tool: closed({ name: Type.Literal('pushbench'), version: Str() }),
    createdAt: Str('ISO time the run started.'),
    state: oneOf(['completed', 'interrupted', 'failed'], 'a run state'),
    command: Str('The command line that reproduces this run.'),
    environment: EnvironmentSchema,
    headerProfiles: closed(
      Object.fromEntries(HEADER_PROFILE_NAMES.map((name) => [name, Type.Optional(HeaderListSchema)])) as {
        [K in (typeof HEADER_PROFILE_NAMES)[number]]: TOptional<typeof HeaderListSchema>;
      },
      'Request header sets used by the HTTP clients, verbatim, keyed by profile name.',
    ),
    scenarios: Type.Array(ScenarioSchema),
    capacity: Type.Optional(CapacityResultSchema),
    micro: Type.Optional(Type.Array(MicroResultSchema)),
    runsPerTechnique: Type.Optional(Count('`--runs N`: how many times each technique was measured, interleaved across techniques.')),
    suiteWallMs: Type.Optional(Count('Wall time of the whole session, from the first process started to the last stopped.')),
  },
  { additionalProperties: false },
);

export type HeaderProfileName = Static<typeof HeaderProfileNameSchema>;
export type WorkloadName = Static<typeof WorkloadNameSchema>;
export type ResultsFile = Static<typeof ResultsFileSchema>;
export type Environment = Static<typeof EnvironmentSchema>;
export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioParams = Static<typeof ScenarioParamsSchema>;
export type TechniqueResult = Static<typeof TechniqueResultSchema>;
export type CompletedResult = Static<typeof CompletedResultSchema>;
export type FailedResult = Static<typeof FailedResultSchema>;
export type MessageCounts = Static<typeof MessageCountsSchema>;
export type LatencySummary = Static<typeof LatencySummarySchema>;
export type ServerCost = Static<typeof ServerCostSchema>;
export type ModelEstimate = Static<typeof ModelEstimateSchema>;
export type CapacityResult = Static<typeof CapacityResultSchema>;
export type MicroResult = Static<typeof MicroResultSchema>;
export type RunSummary = Static<typeof RunSummarySchema>;

/** The published JSON Schema document: the TypeBox definition plus its identity. */
export function resultsJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/pushbench/pushbench/core/results.schema.json',
    title: 'pushbench results.json',
    description: 'Generated from core/results.ts by `npm run schema`; do not edit by hand.',
    ...(JSON.parse(JSON.stringify(ResultsFileSchema)) as Record<string, unknown>),
  };
}
