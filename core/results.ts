/**
 * The results.json contract, defined once, schema first (TypeBox). From this one definition come
 * the TypeScript types (`Static<>`, exported under the names the rest of the code uses), the runtime
 * validator (core/results-validate.ts compiles `ResultsFileSchema` and explains TypeBox's errors)
 * and the published JSON Schema (core/results.schema.json, written by `npm run schema` from
 * `resultsJsonSchema()`). reports/ read results through this module and never the runner.
 *
 * How to add a field:
 *   1. add it to the schema object below, with a `description` (that is its documentation, in the
 *      type and in the published JSON Schema): `count()` for a count, `byteTotal()` for a byte
 *      total (both integers >= 0), `nonNegative()` or `difference()` for other figures. Wrap it in
 *      `Type.Optional(...)` if files written before it existed must still be read, else bump
 *      SCHEMA_VERSION; the static type follows by itself;
 *   2. run `npm run schema` and commit core/results.schema.json with it
 *      (test/core/results-schema.test.ts fails while the committed file is stale);
 *   3. a rule relating two figures (which a schema cannot state) goes into `semanticProblems`
 *      in core/results-validate.ts;
 *   4. if the field is required, regenerate test/fixtures/results.json (test/fixtures/make-fixture.ts).
 * Enumerations come from the constants they describe (TECHNIQUES, WORKLOAD_NAMES, ...), never copied.
 */
import { FormatRegistry, Type, type Static, type TLiteral, type TOptionalWithFlag, type TProperties, type TSchema, type TUnion } from '@sinclair/typebox';
import { TECHNIQUES } from './techniques.ts';

export const SCHEMA_VERSION = 1;

/** Below this RSS growth, memory per connection is not reported (see ServerCost.bytesPerConnection). */
export const MEMORY_RESOLUTION_BYTES = 4_000_000;

/** Header profile names the HTTP clients may use. */
export const HEADER_PROFILE_NAMES = ['browser', 'minimal'] as const;
/** Workload names. */
export const WORKLOAD_NAMES = ['broadcast', 'chat'] as const;
/** What a whole run ended as. */
export const RUN_STATES = ['completed', 'interrupted', 'failed'] as const;

// RFC 3339 date-time, as Date.prototype.toISOString writes it (and any offset). TypeBox checks a
// `format` only when it is registered; the JSON Schema file carries the standard `date-time` name.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));

// ---- building blocks -------------------------------------------------------------------------

/** A union of string literals from a constant list, typed as that list's members. */
function literalUnion<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnion<Array<TLiteral<T[number]>>> {
  return Type.Union(values.map((value) => Type.Literal(value)) as Array<TLiteral<T[number]>>, options);
}

/** An object that accepts no property it does not declare (every object of the contract is one). */
function closed<P extends TProperties>(properties: P, description?: string) {
  return Type.Object(properties, description === undefined ? { additionalProperties: false } : { additionalProperties: false, description });
}

function nullable<T extends TSchema>(schema: T, description?: string) {
  return Type.Union([schema, Type.Null()], description === undefined ? {} : { description });
}

/** A whole count (messages, requests, connections): integer, never negative. */
const count = (description?: string) => Type.Integer({ minimum: 0, ...(description === undefined ? {} : { description }) });
/** A byte total over a window or a run: exact TCP payload, integer, never negative. */
const byteTotal = count;
/** A measured figure that cannot be negative (a rate, a time, a size per message). */
const nonNegative = (description?: string) => Type.Number({ minimum: 0, ...(description === undefined ? {} : { description }) });
/** A difference of two figures (an overhead: total minus uncompressed payload): negative when compression wins. */
const difference = (description?: string) => Type.Number(description === undefined ? {} : { description });

// ---- the contract ----------------------------------------------------------------------------

export const TechniqueIdSchema = literalUnion(TECHNIQUES, { description: 'a technique id' });
export const HeaderProfileNameSchema = literalUnion(HEADER_PROFILE_NAMES, { description: 'a header profile' });
export const WorkloadNameSchema = literalUnion(WORKLOAD_NAMES, { description: 'a workload' });

export const EnvironmentSchema = closed(
  {
    node: Type.String(),
    os: Type.String(),
    platform: Type.String(),
    arch: Type.String(),
    cpuModel: Type.String(),
    cores: count(),
    memoryBytes: byteTotal(),
    gitCommit: nullable(Type.String()),
  },
  'The machine the run was measured on',
);

export const ScenarioParamsSchema = closed({
  workload: WorkloadNameSchema,
  clients: Type.Integer({ minimum: 1 }),
  rate: nonNegative('Broadcast: messages/s the server publishes. Chat: messages/s each client publishes'),
  payloadBytes: byteTotal("Size of the message's `data` string in bytes"),
  messageBytes: byteTotal('Encoded size of one message (JSON envelope included) as delivered'),
  intervalMs: nonNegative(),
  holdMs: nonNegative(),
  durationMs: nonNegative(),
  warmupMs: nonNegative(),
  headers: HeaderProfileNameSchema,
  roomSize: Type.Integer({ minimum: 1 }),
  target: nullable(Type.String(), 'Base URL when an already running server was driven (`--target`), else null'),
});

export const MessageCountsSchema = closed({
  published: count(),
  expected: count(),
  delivered: count(),
  lost: count(),
  duplicated: count(),
  outOfOrder: count(),
});

export const LatencySummarySchema = closed(
  {
    p50: nonNegative(),
    p90: nonNegative(),
    p99: nonNegative(),
    p999: nonNegative(),
    max: nonNegative(),
    min: nonNegative(),
    mean: nonNegative(),
    count: count(),
    histogram: Type.String({ description: 'HdrHistogram of latencies in microseconds, compressed base64 (hdr-histogram-js encodeIntoCompressedBase64)' }),
  },
  'Latency in milliseconds: receive time minus publish time on the shared monotonic clock, from the merged histogram',
);

export const ServerCostSchema = closed({
  cpuPercent: nonNegative('User + system CPU of the server process over the window, % of one core'),
  rssBytes: byteTotal(),
  rssIdleBytes: byteTotal(),
  eventLoopUtilization: Type.Number({ minimum: 0, maximum: 1 }),
  bytesPerConnection: nullable(
    nonNegative(),
    `(RSS with the clients - RSS idle) / clients; null when RSS grew by less than ${MEMORY_RESOLUTION_BYTES / 1e6} MB, too little to attribute (the heap grows in steps of megabytes)`,
  ),
  connections: count(),
  lateTicks: count(),
});

export const ModelEstimateSchema = closed(
  {
    requestHeadBytes: nonNegative(),
    responseHeadBytes: nonNegative(),
    perMessage: closed({ totalBytes: nonNegative(), overheadBytes: difference() }),
    latencyMs: closed({ mean: nonNegative(), max: nonNegative() }),
    formula: Type.String({ description: 'How the figures were derived, in one sentence' }),
  },
  'The analytic estimate for the same scenario',
);

export const CompletedResultSchema = closed(
  {
    state: Type.Literal('completed'),
    messages: MessageCountsSchema,
    bytes: closed(
      {
        up: byteTotal(),
        down: byteTotal(),
        // Not an integer: a poll response's messages are each counted at the response's average
        // message size (load/drivers/types.ts deliverArray), so a window that cuts a batch leaves a fraction.
        payload: nonNegative('Bytes of message JSON delivered (messages delivered x their encoded size); a poll response counts each of its messages at their average size, so the total may be fractional'),
        setup: byteTotal('Connection setup bytes in the window (SSE and WebSocket handshakes), up + down'),
        setupUp: byteTotal(),
        setupDown: byteTotal(),
      },
      'Totals over the measured window, all clients, exact TCP payload',
    ),
    perMessage: closed(
      {
        totalBytes: nonNegative(),
        overheadBytes: difference(),
        upBytes: nonNegative(),
        downBytes: nonNegative(),
        upOverheadBytes: difference(),
        downOverheadBytes: difference(),
      },
      'Bytes per delivered message, over the window. Overhead is total minus payload (the uncompressed message JSON), so it is negative for a technique that compresses more than its framing adds.',
    ),
    perClientBytesPerSecond: nonNegative('Per client per second, up + down, over the window (what the extrapolation table scales)'),
    bitsPerSecond: nonNegative('All clients, up + down'),
    latencyMs: LatencySummarySchema,
    requests: nullable(
      closed({ total: count(), empty: count(), late: count() }),
      'HTTP techniques only: requests sent in the window, how many came back empty and how many went out later than scheduled',
    ),
    server: nullable(ServerCostSchema, 'Sampled inside the server process; null when driving an external `--target`'),
    model: ModelEstimateSchema,
    agreement: nullable(
      closed({ serverUp: byteTotal(), serverDown: byteTotal(), clientUp: byteTotal(), clientDown: byteTotal(), agree: Type.Boolean() }),
      'Whole-run byte totals as the server and the clients counted them; they must be equal',
    ),
    windowMs: nonNegative('Measured window length'),
    clientErrors: closed(
      { count: count(), first: Type.Array(Type.String()) },
      'Errors the clients met (failed requests, closed streams), with the first distinct messages',
    ),
  },
  'A technique that ran through its window',
);

export const FailedResultSchema = closed(
  {
    state: Type.Union([Type.Literal('failed'), Type.Literal('interrupted')]),
    error: Type.String(),
  },
  'A technique that failed or was interrupted, with the reason',
);

/**
 * One technique's result in one scenario. Its `$id` lets the published JSON Schema state it once
 * under `definitions` and refer to it per technique (see resultsJsonSchema); TypeBox ignores it.
 */
export const TechniqueResultSchema = Type.Union([CompletedResultSchema, FailedResultSchema], { $id: 'techniqueResult' });

/**
 * One optional property of `schema` per key of a constant list (technique ids, profile names): a
 * new entry of the list is in the contract as soon as it is in the list.
 */
function optionalPerKey<const K extends readonly string[], T extends TSchema>(keys: K, schema: T): { [Key in K[number]]: TOptionalWithFlag<T, true> } {
  // Object.fromEntries cannot know the keys; the mapped return type states them.
  return Object.fromEntries(keys.map((key) => [key, Type.Optional(schema)])) as { [Key in K[number]]: TOptionalWithFlag<T, true> };
}

/** Per technique id, optional: a scenario holds the techniques it ran. */
export const ScenarioResultsSchema = Type.Object(optionalPerKey(TECHNIQUES, TechniqueResultSchema), {
  additionalProperties: false,
  // For readers of the JSON Schema, and for the validator's message about an unknown key.
  propertyNames: { enum: [...TECHNIQUES], description: 'a technique id' },
  description: 'Per technique id, the result of that technique in this scenario',
});

export const ScenarioSchema = closed({
  id: Type.String({ description: 'Unique within the file, e.g. `sweep-1000`' }),
  group: Type.String({ description: 'Scenarios of one group differ in client count only and are charted against it (e.g. `sweep`)' }),
  title: Type.String(),
  description: Type.String({ description: 'One sentence: what question this scenario answers' }),
  params: ScenarioParamsSchema,
  results: ScenarioResultsSchema,
});

const headerPairs = Type.Array(Type.Tuple([Type.String(), Type.String()]), { description: 'Request headers as [name, value] pairs, in the order sent' });

export const CapacityResultSchema = closed(
  {
    url: Type.String(),
    connections: count(),
    durationMs: nonNegative(),
    requestsPerSecond: nonNegative(),
    latencyMsP99: nonNegative(),
    maxClientsByInterval: Type.Array(closed({ intervalMs: nonNegative(), clients: count() }), {
      description: 'Largest client count each poll interval allows at that request rate',
    }),
  },
  'autocannon driving /poll flat out',
);

export const MicroResultSchema = closed({
  technique: TechniqueIdSchema,
  name: Type.String(),
  opsPerSecond: nonNegative(),
  meanNs: nonNegative(),
  rme: nonNegative('Relative margin of error, %'),
});

export const ResultsFileSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    tool: closed({ name: Type.Literal('pushbench'), version: Type.String() }),
    createdAt: Type.String({ format: 'date-time', description: 'ISO time the run started' }),
    state: literalUnion(RUN_STATES, { description: '`completed` unless the run was interrupted (Ctrl-C) or a technique failed' }),
    command: Type.String({ description: 'The command line that reproduces this run' }),
    environment: EnvironmentSchema,
    headerProfiles: closed(optionalPerKey(HEADER_PROFILE_NAMES, headerPairs), 'Request header sets used by the HTTP clients, verbatim, keyed by profile name'),
    scenarios: Type.Array(ScenarioSchema),
    capacity: Type.Optional(CapacityResultSchema),
    micro: Type.Optional(Type.Array(MicroResultSchema, { description: 'tinybench micro-benchmarks of per-message server work, when measured' })),
  },
  {
    additionalProperties: false,
    title: 'pushbench results.json',
    description:
      "What one pushbench run measured: the environment, each scenario's parameters and, per technique, bytes, latency, delivery and server cost. Every report is rendered from this file. Byte figures are exact TCP payload counts; latencies are milliseconds.",
  },
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

// ---- the published JSON Schema ---------------------------------------------------------------

// Keywords in reading order (what it is, then what it holds); properties keep the contract's order.
const KEYWORD_ORDER = ['title', 'description', 'type', 'const', 'enum', 'format', 'minimum', 'maximum', 'anyOf', 'items', 'additionalItems', 'minItems', 'maxItems', 'properties', 'required', 'additionalProperties', 'propertyNames'];

/**
 * The JSON Schema (draft 07, the dialect TypeBox emits: tuples as `items` arrays) of results.json,
 * generated from ResultsFileSchema. TypeBox's own markers are symbols and vanish in JSON; a
 * subschema with an `$id` is written once under `definitions` and referenced where it occurs.
 */
export function resultsJsonSchema(): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const rank = (key: string): number => (KEYWORD_ORDER.includes(key) ? KEYWORD_ORDER.indexOf(key) : KEYWORD_ORDER.length);
  const schemaOf = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(schemaOf);
    if (typeof node !== 'object' || node === null) return node;
    const { $id, ...keywords } = node as Record<string, unknown>;
    const entries = Object.entries(keywords).sort(([a], [b]) => rank(a) - rank(b));
    // `properties` maps property names to schemas: its keys are names, not keywords.
    const body = Object.fromEntries(entries.map(([key, value]) => [key, key === 'properties' ? propertiesOf(value) : schemaOf(value)]));
    if (typeof $id !== 'string') return body;
    definitions[$id] ??= body;
    return { $ref: `#/definitions/${$id}` };
  };
  const propertiesOf = (node: unknown): unknown => Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([name, value]) => [name, schemaOf(value)]));
  const root = schemaOf(JSON.parse(JSON.stringify(ResultsFileSchema))) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/pushbench/pushbench/core/results.schema.json',
    ...root,
    $comment: 'Generated from core/results.ts by `npm run schema`; do not edit by hand.',
    definitions,
  };
}
