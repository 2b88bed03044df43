/**
 * The shard result contract: what one `pushbench run --shard I/N` writes, so that
 * `pushbench merge` can add shards exactly. A shard keeps its generator processes' raw window
 * results (counters, bytes, encoded HDR histograms): the merge then builds one result from all
 * of them with the same code that adds one run's generator processes, so nothing is lost to
 * rounding or averaged. Beside them: the run id, the shard's share of the clients, its clock
 * offset to the publisher with the bound, the publisher's accepted count and the environment.
 */
import { Type, type Static } from '@sinclair/typebox';
import { problemFinder, problemList } from './schema-kit.ts';
import { EnvironmentSchema, ScenarioParamsSchema, SessionResultSchema, TargetInfoSchema } from './results.ts';
import { TECHNIQUES } from './protocol.ts';
import { ConfigError } from './errors.ts';

/** Marks a shard result, so that a results.json or any other JSON given to merge is named as what it is. */
export const SHARD_KIND = 'pushbench-shard';
export const SHARD_VERSION = 1;

const int = (description?: string) => Type.Integer({ minimum: 0, ...(description === undefined ? {} : { description }) });
const num = (description?: string) => Type.Number({ ...(description === undefined ? {} : { description }) });

const ClockEstimateSchema = Type.Object({
  offsetMicros: num('Shard clock minus publisher clock, µs'),
  boundMicros: Type.Number({ minimum: 0, description: 'Half the winning round trip: the true offset is within offset ± bound' }),
  rttMicros: Type.Number({ minimum: 0 }),
  samples: int(),
  atMicros: num("Shard monotonic time of the winning sample's midpoint"),
});

const WindowResultSchema = Type.Object(
  {
    counts: Type.Object(
      {
        delivered: int(),
        duplicated: int(),
        outOfOrder: int(),
        receivedInWindow: int(),
        payloadInWindow: int(),
        unmatched: int(),
        stale: int(),
        arrivalSpreadMicros: Type.Number({ minimum: 0 }),
        latencySeqs: Type.Record(Type.String(), Type.Array(Type.Integer())),
        late: Type.Optional(
          Type.Record(Type.String(), Type.Object({ count: int(), after: Type.Integer() }, { additionalProperties: false })),
        ),
      },
      { additionalProperties: false },
    ),
    histogram: Type.String({ description: 'Encoded HDR histogram of the latencies (µs), already corrected by the offset' }),
    publishLateness: Type.String(),
    bytes: Type.Object({ up: int(), down: int() }, { additionalProperties: false }),
    windowMicros: Type.Number({ minimum: 0 }),
    requests: Type.Object({ total: int(), empty: int(), late: int() }, { additionalProperties: false }),
    sent: int(),
    sentPayload: int(),
    accepted: Type.Optional(Type.Record(Type.String(), int())),
    errors: Type.Object({ count: int(), first: Type.Array(Type.String()) }, { additionalProperties: false }),
    responseHead: Type.Union([Type.String(), Type.Null()]),
    edges: Type.Optional(
      Type.Array(
        Type.Object(
          {
            edge: Type.Union([Type.Literal('start'), Type.Literal('end')]),
            waitedMicros: Type.Number({ minimum: 0 }),
            clientsBehind: int(),
            byMessage: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    eventLoopUtilization: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    session: Type.Optional(
      Type.Union([SessionResultSchema, Type.Null()], {
        description: 'What a framework session protocol (a target file\'s "protocol", e.g. engine.io) added; null or absent without one',
      }),
    ),
  },
  { additionalProperties: false, description: "One generator process's window (core/ipc.ts GeneratorWindowResult)" },
);

export const ShardResultSchema = Type.Object(
  {
    kind: Type.Literal(SHARD_KIND),
    version: Type.Literal(SHARD_VERSION),
    runId: Type.String({ minLength: 1, description: 'The run all shards of one measurement share (from the coordinator)' }),
    shard: Type.Object({ index: int(), count: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    technique: Type.Union(TECHNIQUES.map((id) => Type.Literal(id))),
    params: ScenarioParamsSchema,
    clients: Type.Object(
      { from: int(), to: int() },
      { additionalProperties: false, description: "The shard's share: client ids [from, to) of params.clients" },
    ),
    target: Type.String({ description: "Origin of the server the shard's clients drove" }),
    // Absent in shards written before target files: a pushbench server at a URL (`url`).
    targetInfo: Type.Optional(TargetInfoSchema),
    coordinator: Type.String(),
    state: Type.Union([Type.Literal('completed'), Type.Literal('failed')]),
    error: Type.Optional(Type.String()),
    clock: Type.Union([
      Type.Object(
        {
          before: ClockEstimateSchema,
          after: Type.Union([ClockEstimateSchema, Type.Null()]),
          appliedOffsetMicros: num('The offset moved onto every stamp (the estimate before the window)'),
          boundMicros: Type.Number({
            minimum: 0,
            description: 'The larger bound of the two estimates, plus the offset change between them',
          }),
          driftMicrosPerSecond: num(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    window: Type.Object(
      {
        startT: num('Window start on the publisher clock, µs'),
        endT: num(),
        beginAt: num('When the clients began their schedules, publisher clock'),
        lateMicros: num(
          'How long after beginAt (shard clock, corrected) the shard announced the window to its clients; > 0: it joined late',
        ),
      },
      { additionalProperties: false },
    ),
    published: Type.Union([
      Type.Object(
        {
          sent: int(),
          accepted: int(),
          refused: int(),
          overlaps: Type.Optional(
            Type.Record(Type.String(), int(), {
              description:
                "The coordinator's publishes answered only after a later one was sent: seq to the highest seq sent before its answer. Late arrivals they explain are `reordered` in the merge. Absent when none overlapped (or in a shard written before it was kept)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    generators: Type.Array(WindowResultSchema),
    clientTotals: Type.Array(Type.Union([Type.Object({ up: int(), down: int() }, { additionalProperties: false }), Type.Null()])),
    busiestGeneratorCpuPercent: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description:
        'CPU (% of one core) of the busiest generator process over the window, from /proc: near 100 the shard measured itself, not the server',
    }),
    environment: EnvironmentSchema,
    host: Type.String({ description: 'Host name of the machine (pod) the shard ran on' }),
    startedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, title: 'pushbench shard result' },
);

export type ShardResult = Static<typeof ShardResultSchema>;
export type ShardClock = NonNullable<ShardResult['clock']>;

/** Relations the schema cannot state: the share lies inside the clients, the index inside the count. */
function shardSemantics(shard: ShardResult): string[] {
  const problems: string[] = [];
  if (shard.shard.index >= shard.shard.count)
    problems.push(`shard.index: expected less than shard.count ${shard.shard.count}, found ${shard.shard.index}`);
  if (shard.clients.from > shard.clients.to || shard.clients.to > shard.params.clients)
    problems.push(
      `clients: expected from <= to <= params.clients ${shard.params.clients}, found [${shard.clients.from}, ${shard.clients.to})`,
    );
  return problems;
}

const shardProblems = problemFinder(ShardResultSchema, shardSemantics);

/** `data` as a shard result, or a ConfigError (exit 2) naming the file and its first problems. */
export function validateShard(data: unknown, label: string): ShardResult {
  if (typeof data !== 'object' || data === null || (data as { kind?: unknown }).kind !== SHARD_KIND) {
    throw new ConfigError(
      `${label} is not a pushbench shard result: expected a JSON object with "kind": "${SHARD_KIND}" (what pushbench run --shard I/N writes)`,
    );
  }
  const problems = shardProblems(data);
  if (problems.length > 0) throw new ConfigError(`${label} is not a valid pushbench shard result: ${problemList(problems)}`);
  return data as ShardResult;
}

/**
 * The share of `clients` that shard `index` of `count` runs: contiguous ids, the remainder
 * spread over the first shards so that shares differ by at most one client. In chat, whole
 * rooms are dealt instead, so that a room never spans two shards.
 */
export function shardShare(clients: number, index: number, count: number, roomSize: number | null = null): { from: number; to: number } {
  const unit = roomSize ?? 1;
  const units = Math.ceil(clients / unit);
  const base = Math.floor(units / count);
  const extra = units % count;
  const fromUnit = index * base + Math.min(index, extra);
  const toUnit = fromUnit + base + (index < extra ? 1 : 0);
  return { from: Math.min(clients, fromUnit * unit), to: Math.min(clients, toUnit * unit) };
}
