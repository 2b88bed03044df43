/**
 * A target: how pushbench publishes to a push server and how its clients subscribe, per
 * technique. One TypeBox definition gives the TypeScript type, the validator and the JSON
 * Schema committed as targets/target.schema.json (a test keeps them from drifting).
 * pushbench's own servers are the built-in target: the same drivers read both.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TargetFileError } from './errors.ts';
import { PATHS } from './protocol.ts';
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId } from './techniques.ts';

const Headers = Type.Record(Type.String(), Type.String(), { description: 'Extra request headers, name to value, sent verbatim.' });
const Statuses = Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { description: 'HTTP status codes.' });
/** A path on the target's origin; `{room}` is replaced by the client's room (chat). */
const PathTemplate = Type.String({ pattern: '^/', description: 'Path on the origin, starting with /; {room} is replaced by the room number.' });

const Cursor = Type.Union(
  [
    Type.Object({ kind: Type.Literal('query-from-seq'), param: Type.String({ minLength: 1, description: 'Query parameter that carries the last seq received.' }) }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('headers-copy'),
        copy: Type.Record(Type.String(), Type.String(), { description: 'Response header name to request header name (Nchan: last-modified to if-modified-since, etag to if-none-match).' }),
      },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('none') }, { additionalProperties: false }),
  ],
  { description: 'What a client carries from one response to its next request.' },
);

const Split = Type.Union(
  [
    Type.Object({ kind: Type.Literal('json-array') }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('delimiter'), delimiter: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('whole') }, { additionalProperties: false }),
  ],
  { description: 'How a response body splits into received units (each is searched for stamps).' },
);

const HttpPoll = Type.Object(
  {
    path: PathTemplate,
    headers: Type.Optional(Headers),
    cursor: Cursor,
    split: Split,
    emptyStatuses: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { description: 'Statuses that mean "nothing new" (Nchan: 304); 200 is always accepted.' })),
    repollAtOnce: Type.Optional(Type.Boolean({ description: 'Ask again at once after a non-empty answer (a server that returns one message per response).' })),
    roomParam: Type.Optional(Type.String({ description: 'Query parameter naming the room (chat), when the path has no {room}.' })),
  },
  { additionalProperties: false },
);

const Sse = Type.Object(
  {
    path: PathTemplate,
    headers: Type.Optional(Headers),
    cursor: Type.Optional(Cursor),
    resume: Type.Union([Type.Literal('server-event-id'), Type.Literal('none')], { description: 'On reconnection, send the id of the last event the server sent as Last-Event-ID, or nothing.' }),
    roomParam: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const WebSocketSpec = Type.Object(
  {
    path: PathTemplate,
    headers: Type.Optional(Headers),
    cursor: Type.Optional(Cursor),
    subprotocol: Type.Optional(Type.String({ minLength: 1 })),
    onOpen: Type.Optional(Type.Array(Type.String(), { description: 'Text frames sent right after the handshake ({room} replaced).' })),
    roomParam: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const HttpPublish = Type.Object(
  {
    method: Type.Union([Type.Literal('POST'), Type.Literal('PUT')]),
    path: PathTemplate,
    headers: Type.Optional(Headers),
    body: Type.String({ pattern: '\\{message\\}', description: 'Request body; {message} is replaced by the stamped message JSON, {room} by the room.' }),
    accepted: Statuses,
    stampedBy: Type.Optional(
      Type.Union([Type.Literal('publisher'), Type.Literal('server')], {
        description: 'Who stamps seq and t: pushbench ({message} is {"seq","t","data"}), or the server itself ({message} is {"data"}; pushbench\'s own servers refuse a client-supplied t on broadcast).',
      }),
    ),
  },
  { additionalProperties: false },
);

const Server = Type.Object(
  {
    command: Type.Array(Type.String(), { minItems: 1, description: 'argv; {port} is a free port, {dir} a fresh temporary folder, {targetDir} the target file\'s folder.' }),
    ready: Type.Object(
      { url: Type.String({ description: 'A URL that answers (any status below 500) once the server is ready; {port} replaced.' }), timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }) },
      { additionalProperties: false },
    ),
    pidFile: Type.Optional(Type.String({ description: 'File holding the server\'s pid ({dir} replaced); else the command\'s own pid.' })),
  },
  { additionalProperties: false },
);

/** Which kind of subscription spec a technique takes, from its metadata row (never from its id). */
export function specKind(id: TechniqueId): 'poll' | 'stream' | 'socket' {
  const meta = TECHNIQUE_META[id];
  return meta.transport === 'ws' ? 'socket' : meta.delivery === 'request' ? 'poll' : 'stream';
}

const SPEC_SCHEMAS = { poll: HttpPoll, stream: Sse, socket: WebSocketSpec } as const;

export const TargetFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Short name shown in reports.' }),
    description: Type.Optional(Type.String()),
    origin: Type.String({ pattern: '^https?://', description: 'http://host:port of the server; {port} replaced when pushbench starts it.' }),
    publish: HttpPublish,
    techniques: Type.Object(Object.fromEntries(TECHNIQUES.map((id) => [id, Type.Optional(SPEC_SCHEMAS[specKind(id)])])), { additionalProperties: false, minProperties: 1 }),
    match: Type.Optional(Type.Object({ escapedJson: Type.Boolean({ description: 'Also find stamps inside one level of JSON-string escaping.' }) }, { additionalProperties: false })),
    server: Type.Optional(Server),
  },
  { additionalProperties: false, $id: 'https://pushbench.dev/target.schema.json', title: 'pushbench target file' },
);

export type HttpPollSpec = Static<typeof HttpPoll>;
export type SseSpec = Static<typeof Sse>;
export type WebSocketTargetSpec = Static<typeof WebSocketSpec>;
/** A technique's subscription spec, by its kind. */
export interface SpecByKind {
  poll: HttpPollSpec;
  stream: SseSpec;
  socket: WebSocketTargetSpec;
}
export type TechniqueSpec = SpecByKind[keyof SpecByKind];
/** A target file; `techniques` maps technique ids to their specs (the schema keys them from the registry). */
export type TargetFile = Omit<Static<typeof TargetFileSchema>, 'techniques'> & { techniques: Partial<Record<TechniqueId, TechniqueSpec>> };
export type PublishSpec = Static<typeof HttpPublish>;
export type CursorSpec = Static<typeof Cursor>;
export type SplitSpec = Static<typeof Split>;
export type ServerSpec = Static<typeof Server>;

/** The built-in spec of a technique: its path, `?since=` and `?room=`, JSON arrays for requests. */
function builtinSpec(id: TechniqueId): TechniqueSpec {
  const base = { path: TECHNIQUE_META[id].path, cursor: { kind: 'query-from-seq', param: 'since' } as const, roomParam: 'room' };
  const kind = specKind(id);
  if (kind === 'poll') return { ...base, split: { kind: 'json-array' } };
  if (kind === 'stream') return { ...base, resume: 'server-event-id' };
  return base;
}

/** pushbench's own protocol, as a target: its servers go through the same drivers as anyone's. */
export const BUILTIN_TARGET: TargetFile = {
  name: 'builtin',
  description: "pushbench's own Node servers",
  origin: 'http://127.0.0.1:{port}',
  publish: { method: 'POST', path: PATHS.publish, headers: { 'content-type': 'application/json' }, body: '{message}', accepted: [204], stampedBy: 'server' },
  techniques: Object.fromEntries(TECHNIQUES.map((id) => [id, builtinSpec(id)])),
  match: { escapedJson: false },
};

/** A JSON path (`$.techniques.polling.cursor.kind`) from TypeBox's JSON pointer (`/techniques/polling/cursor/kind`). */
function jsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return `$${pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`))
    .join('')}`;
}

/** What a schema node allows, in words: the literals of a union, a pattern, a type. */
function expected(schema: TSchema): string {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (anyOf !== undefined) {
    const literals = anyOf.map((s) => (s as { const?: unknown }).const).filter((v) => v !== undefined);
    if (literals.length === anyOf.length) return `one of ${literals.map((v) => JSON.stringify(v)).join(', ')}`;
    const kinds = anyOf.map((s) => (s as { properties?: { kind?: { const?: unknown } } }).properties?.kind?.const).filter((v) => v !== undefined);
    if (kinds.length === anyOf.length) return `an object with "kind" one of ${kinds.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const pattern = (schema as { pattern?: string }).pattern;
  if (pattern === '\\{message\\}') return 'a string containing {message}';
  if (pattern === '^/') return 'a path starting with /';
  if (pattern !== undefined) return `a string matching /${pattern}/`;
  const constant = (schema as { const?: unknown }).const;
  if (constant !== undefined) return JSON.stringify(constant);
  const type = (schema as { type?: string }).type;
  return type === undefined ? 'a valid value' : type === 'integer' ? 'an integer' : type === 'object' ? 'an object' : type === 'array' ? 'an array' : `a ${type}`;
}

function received(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Validates a parsed target file: the first problem as `JSON path: expected X; received Y` (exit 2). */
export function checkTargetFile(value: unknown, source: string): TargetFile {
  if (Value.Check(TargetFileSchema, value)) return value as TargetFile;
  const errors = [...Value.Errors(TargetFileSchema, value)];
  // A union's own error names the kinds allowed; its branches' errors would only confuse.
  const first = errors.find((e) => (e.schema as { anyOf?: unknown }).anyOf !== undefined) ?? errors[0]!;
  const unknownKey = first.message.startsWith('Unexpected property');
  const message = unknownKey
    ? `${jsonPath(first.path)}: unknown field; expected one of ${Object.keys((first.schema as { properties?: object }).properties ?? {}).join(', ')}; received ${received(first.value)}`
    : `${jsonPath(first.path)}: expected ${expected(first.schema)}; received ${received(first.value)}`;
  throw new TargetFileError(`target file ${source}: ${message}`);
}

/** Parses target file text; not JSON, or not a target, is a TargetFileError naming the problem. */
export function parseTargetFile(text: string, source: string): TargetFile {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new TargetFileError(`target file ${source}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  return checkTargetFile(value, source);
}

/** The techniques a target offers, in report order. */
export function targetTechniques(target: TargetFile): TechniqueId[] {
  return TECHNIQUES.filter((id) => target.techniques[id] !== undefined);
}
