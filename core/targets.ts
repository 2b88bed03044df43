/**
 * Target files: how pushbench publishes to a server and how each technique's clients subscribe
 * to it. Defined once and schema first (TypeBox), as the results contract is: the TypeScript
 * types are `Static<>` of these schemas, `validateTargetFile` checks a parsed file against them
 * (every problem named by JSON path, what was expected and what was found), and
 * targets/target.schema.json is generated from them (`npm run schema`; a test fails when the
 * committed file differs).
 *
 * pushbench's own protocol is one target among others (`builtinSubscription` below, built
 * from the technique rows), so its servers and foreign servers go through the same drivers.
 *
 * Templates: `{room}` in paths and frames (the chat room, `broadcast` in the broadcast
 * workload), `{message}` in a publish body (the stamped message JSON, raw; `{data}` is its data
 * string alone, for a server that stamps messages itself), and, in a server
 * section, `{port}` (a free port pushbench picked), `{dir}` (a fresh temporary folder for the
 * server's files) and `{targetDir}` (the folder of the target file); on a TLS wire also `{wire}`,
 * `{scheme}` (`http` or `https`), and `{tlsCert}` / `{tlsKey}`: PEM files of a self-signed
 * certificate for 127.0.0.1, localhost and ::1 that pushbench makes for the run (its clients then
 * verify the server against exactly that certificate).
 */
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { TargetFileError } from './errors.ts';
import { describeValue } from './schema-explain.ts';
import { closed, literalUnion, problemFinder, problemList, publishedJsonSchema } from './schema-kit.ts';
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId, type TechniqueMeta } from './techniques.ts';
import { WIRES, type WireId } from './wires.ts';

const Str = (description?: string) => Type.String(description === undefined ? {} : { description });
const Path = (description: string) => Type.String({ pattern: '^/', description: `a path starting with / (${description})` });
/** A list of `[name, value]` pairs, in the order they go on the wire (as header profiles are). */
const HeaderList = (description: string) =>
  Type.Array(Type.Tuple([Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", description: 'an HTTP header name' }), Type.String()]), {
    description,
  });
const Status = Type.Integer({ minimum: 100, maximum: 599 });
const JsonPointer = (description: string) =>
  Type.String({ pattern: '^(/([^~]|~[01])*)*$', description: `a JSON pointer (RFC 6901) ${description}` });

/** The session protocols a target file may name (`protocol`). */
export const SESSION_PROTOCOLS = ['engine.io', 'sockjs'] as const;
/** SockJS's streaming transports, both measured on the streaming row (the `transport` of its subscription). */
export const SOCKJS_STREAM_TRANSPORTS = ['eventsource', 'xhr_streaming'] as const;
/**
 * The SockJS transports pushbench's clients speak: sockjs-node 0.3's names as they end the session
 * URL (SOCKJS_URL_SEGMENTS), but `ws` for its websocket transport (a technique's id is written in
 * core/techniques.ts alone).
 */
export type SockJsTransport = 'ws' | (typeof SOCKJS_STREAM_TRANSPORTS)[number] | 'xhr';
/** The last segment of a SockJS session URL, `PREFIX/{server}/{session}/SEGMENT`, per transport. */
export const SOCKJS_URL_SEGMENTS: Readonly<Record<SockJsTransport, string>> = Object.freeze({
  ws: '/websocket',
  eventsource: '/eventsource',
  xhr_streaming: '/xhr_streaming',
  xhr: '/xhr',
});

/** The cursor a client carries from one request to the next. */
export const CursorSchema = Type.Union(
  [
    closed(
      { kind: Type.Literal('query'), param: Type.String({ minLength: 1, description: 'a query parameter name' }) },
      'a query parameter carrying the newest seq received (pushbench: since)',
    ),
    closed(
      {
        kind: Type.Literal('headers'),
        copy: Type.Array(
          Type.Tuple([
            Type.String({ minLength: 1, description: 'a response header name' }),
            Type.String({ minLength: 1, description: 'a request header name' }),
          ]),
          { minItems: 1 },
        ),
      },
      'response headers copied into the next request (Nchan: Last-Modified into If-Modified-Since, Etag into If-None-Match)',
    ),
    closed({ kind: Type.Literal('none') }, 'no cursor: the server knows where each client is'),
    closed(
      {
        kind: Type.Literal('body'),
        pointer: JsonPointer('into the response body, e.g. /next for {"messages": [...], "next": "abc"}'),
        param: Type.String({ minLength: 1, description: 'the query parameter the value goes in on the next request' }),
      },
      'a value the server returns in the response body (a JSON pointer into it), sent as a query parameter on the next request; the first request goes without it',
    ),
    closed(
      {
        kind: Type.Literal('message'),
        pointer: JsonPointer('into the last message received, e.g. /id'),
        param: Type.String({ minLength: 1, description: 'the query parameter the value goes in on the next request' }),
      },
      "the last received message's own id (a JSON pointer into the message), sent as a query parameter on the next request; the first request goes without it",
    ),
  ],
  {
    description:
      'a cursor: {"kind": "query", "param": NAME}, {"kind": "headers", "copy": [[RESPONSE_HEADER, REQUEST_HEADER], ...]}, {"kind": "body", "pointer": "/next", "param": NAME}, {"kind": "message", "pointer": "/id", "param": NAME} or {"kind": "none"}',
  },
);

/** Reads the value at a JSON pointer (RFC 6901) in parsed JSON; undefined when there is none. */
export function atJsonPointer(value: unknown, pointer: string): unknown {
  if (pointer === '') return value;
  let at: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) at = /^(0|[1-9]\d*)$/.test(key) ? at[Number(key)] : undefined;
    else if (at !== null && typeof at === 'object') at = Object.hasOwn(at, key) ? (at as Record<string, unknown>)[key] : undefined;
    else return undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

/** How a response body splits into received units (messages, each searched for a stamp). */
export const SplitSchema = Type.Union(
  [
    closed(
      {
        kind: Type.Literal('json-array'),
        pointer: Type.Optional(JsonPointer('to the array inside the body, e.g. /messages for {"messages": [...], "next": ...}')),
      },
      'a JSON array, one unit per element (pushbench); with a pointer, the array at that place in the body',
    ),
    closed(
      { kind: Type.Literal('delimiter'), delimiter: Type.String({ minLength: 1, description: 'a non-empty delimiter' }) },
      'units separated by a delimiter',
    ),
    closed({ kind: Type.Literal('whole') }, 'the whole body is one unit (Nchan without multipart)'),
    closed({ kind: Type.Literal('multipart') }, 'multipart/mixed, one unit per part'),
  ],
  {
    description:
      'a split: {"kind": "json-array"} (optionally with "pointer": "/messages"), {"kind": "delimiter", "delimiter": TEXT}, {"kind": "whole"} or {"kind": "multipart"}',
  },
);

const common = {
  path: Path('may contain {room}'),
  headers: Type.Optional(HeaderList('headers sent after the header profile\'s, e.g. [["accept", "text/event-stream"]]')),
  cursor: CursorSchema,
};

/** A technique made of requests (polling, long polling). */
const RequestSubscriptionFields = {
  ...common,
  split: SplitSchema,
  empty: Type.Optional(Type.Array(Status, { description: 'statuses that mean "nothing new" (e.g. 304)' })),
};

/** The subscription schema of a technique, chosen by what its row says it is (no technique is named here). */
function subscriptionSchemaFor(meta: TechniqueMeta): TSchema {
  if (meta.delivery === 'request') {
    return closed(
      meta.pickup === 'interval'
        ? {
            ...RequestSubscriptionFields,
            repoll: Type.Optional(
              Type.Boolean({ description: 'poll again at once after a non-empty answer (Nchan answers one message per poll)' }),
            ),
          }
        : RequestSubscriptionFields,
    );
  }
  if (meta.transport === 'ws') {
    return closed({
      ...common,
      subprotocols: Type.Optional(Type.Array(Type.String({ minLength: 1, description: 'a subprotocol name' }))),
      onOpen: Type.Optional(
        Type.Array(Str('a text frame, may contain {room}'), {
          description: 'text frames sent once the socket is open (a subscribe command)',
        }),
      ),
      publishFrame: Type.Optional(
        Str('chat over WebSocket: the text frame a client sends on its own socket to publish; contains {message}, may contain {room}'),
      ),
      upgrade: Type.Optional(
        Type.Boolean({
          description:
            'engine.io only: connect as a browser does by default (the polling transport first, then the 2probe/3probe probe and the 5 upgrade to WebSocket) instead of opening transport=websocket directly',
        }),
      ),
    });
  }
  return closed({
    ...common,
    transport: Type.Optional(
      literalUnion(SOCKJS_STREAM_TRANSPORTS, {
        description:
          'sockjs only: the SockJS streaming transport this technique stands for: eventsource (the default; an event stream) or xhr_streaming (a POST whose answer streams newline-framed frames after a 2049-byte prelude), both mapped onto this row',
      }),
    ),
    resume: Type.Optional(
      literalUnion(['event-id', 'none'], {
        description: 'how a reconnection resumes: event-id sends Last-Event-ID with the id of the last event received',
      }),
    ),
  });
}

export const TechniqueSubscriptionsSchema = Type.Object(
  Object.fromEntries(TECHNIQUES.map((id) => [id, Type.Optional(subscriptionSchemaFor(TECHNIQUE_META[id]))])) as Record<
    TechniqueId,
    TOptional<TSchema>
  >,
  {
    additionalProperties: false,
    minProperties: 1,
    propertyNames: { enum: [...TECHNIQUES], description: 'a technique id' },
    description: 'how each technique subscribes; any subset',
  },
);

export const PublishSchema = closed(
  {
    method: literalUnion(['POST', 'PUT'], { description: 'an HTTP method' }),
    path: Path('may contain {room}'),
    headers: Type.Optional(HeaderList('request headers, e.g. [["content-type", "application/json"]]')),
    body: Str('the request body; {message} is replaced by the stamped message JSON'),
    accepted: Type.Array(Status, { minItems: 1, description: 'statuses that mean the message was accepted' }),
  },
  'how pushbench publishes one message',
);

export const ServerSchema = closed(
  {
    command: Type.Array(Type.String({ minLength: 1, description: 'a non-empty argument' }), {
      minItems: 1,
      description: 'the program and its arguments; {port}, {dir} and {targetDir} are replaced',
    }),
    cwd: Type.Optional(Str('working folder, relative to the target file (default: its folder)')),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "environment variables added to pushbench's own" })),
    ready: closed(
      {
        url: Str('a URL that answers (any HTTP status) once the server is ready'),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
      },
      'the readiness check',
    ),
    pidFile: Type.Optional(Str("a file holding the pid whose CPU and RSS (children included) are sampled (default: the command's pid)")),
  },
  'how pushbench starts the server: in its own process group, stopped and reaped after each technique',
);

/** Per wire the target offers: `all` its techniques, or the list it serves on that wire. */
export const WiresSchema = closed(
  Object.fromEntries(
    WIRES.map((wire) => [
      wire,
      Type.Optional(
        Type.Union([Type.Literal('all'), Type.Array(literalUnion(TECHNIQUES), { minItems: 1, uniqueItems: true })], {
          description: `"all" the target's techniques, or those it serves on ${wire}`,
        }),
      ),
    ]),
  ) as unknown as Record<WireId, TOptional<TSchema>>,
  'the wires the server offers (core/wires.ts), each with its techniques; default: {"http": "all"} for an http:// origin, {"https": "all"} for an https:// one. pushbench reaches each at the origin with the wire\'s scheme',
);

export const TargetFileSchema = closed({
  $schema: Type.Optional(Str()),
  name: Type.String({
    pattern: '^[a-z0-9][a-z0-9._-]{0,39}$',
    description: 'a name of lowercase letters, digits, dots, dashes and underscores (at most 40)',
  }),
  description: Type.Optional(Str()),
  origin: Type.String({ pattern: '^https?://[^/?#]+$', description: 'a base URL such as http://127.0.0.1:{port}, without a path' }),
  protocol: Type.Optional(
    literalUnion(SESSION_PROTOCOLS, {
      description:
        "a session protocol pushbench's clients speak over the techniques: engine.io (Engine.IO v4, Socket.IO 4: the polling transport as longpoll, the websocket transport as websocket, pings answered, Socket.IO namespace connect 40 and event packets 42) or sockjs (SockJS 0.3: GET PATH/info, then the session URL PATH/{server}/{session}/TRANSPORT; websocket as websocket, eventsource or xhr_streaming as sse, xhr polling as longpoll; frames o, h, a[...], c[code,reason])",
    }),
  ),
  publish: PublishSchema,
  techniques: TechniqueSubscriptionsSchema,
  server: Type.Optional(ServerSchema),
  wires: Type.Optional(WiresSchema),
});

export type TargetFile = Static<typeof TargetFileSchema>;
export type Cursor = Static<typeof CursorSchema>;
export type Split = Static<typeof SplitSchema>;
export type PublishSpec = Static<typeof PublishSchema>;
export type ServerSpec = Static<typeof ServerSchema>;

/**
 * How a technique's clients subscribe, with every default filled in: what a driver reads.
 * Fields that do not apply to the technique keep their neutral value.
 */
export interface Subscription {
  /** The path, `{room}` not yet replaced. */
  readonly path: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly cursor: Cursor;
  /** Query parameter that names the room in chat (pushbench: `room`), or null. */
  readonly roomParam: string | null;
  readonly split: Split;
  readonly emptyStatuses: readonly number[];
  readonly repoll: boolean;
  readonly resume: 'event-id' | 'none';
  readonly subprotocols: readonly string[];
  readonly onOpen: readonly string[];
  /** How a chat client of this technique publishes, or null when the target offers no chat for it. */
  readonly upstream: Upstream | null;
  /** The framework session protocol the client speaks over the technique (load/sessions.ts), or null for plain HTTP and WebSocket. */
  readonly session?: SessionProtocol | null;
}

/**
 * A framework's session protocol. `engine.io`: Engine.IO v4 with the Socket.IO namespace `/`;
 * `upgrade` (WebSocket only): start on the polling transport and upgrade, as a browser does.
 */
export type SessionProtocol =
  | { readonly kind: 'engine.io'; readonly upgrade: boolean }
  /** SockJS: `transport` is the one the technique's clients speak (websocket, eventsource, xhr_streaming or xhr polling). */
  | { readonly kind: 'sockjs'; readonly transport: SockJsTransport };

/** Engine.IO joins the packets of a polling answer with this byte (U+001E, record separator). */
export const ENGINE_IO_SEPARATOR = '\x1e';

/**
 * How a chat client publishes. `builtin`: pushbench's own server, which stamps each message's
 * seq and counts what each room accepted. `frame`: a text frame on the client's own WebSocket
 * (accepted once written to the socket). `http`: the target's publish request on a connection
 * of the client's own (accepted when it answers one of the target's accepted statuses).
 */
export type Upstream =
  | { readonly kind: 'builtin' }
  | { readonly kind: 'frame'; readonly template: string }
  | { readonly kind: 'http'; readonly publish: PublishSpec };

/** pushbench's own protocol for technique `id`: its row's path, `?room=R&since=SEQ`, JSON-array bodies, SSE ids that are seqs. */
export function builtinSubscription(id: TechniqueId): Subscription {
  return {
    path: TECHNIQUE_META[id].path,
    headers: [],
    cursor: { kind: 'query', param: 'since' },
    roomParam: 'room',
    split: { kind: 'json-array' },
    emptyStatuses: [],
    repoll: false,
    resume: 'event-id',
    subprotocols: [],
    onOpen: [],
    upstream: { kind: 'builtin' },
    session: null,
  };
}

/**
 * pushbench's own publish endpoint, for a pushbench server pushbench did not start (`--target
 * URL`). The body is the stamped message (`{message}`: seq, t, data); the server keeps its `t`,
 * the due time (an honest stamp: not in the future, at most a minute old), and numbers the
 * message itself. So latency starts at the due time, as on every other target, and the
 * messages the clients count in the window are the ones the publisher counted.
 */
export const BUILTIN_PUBLISH: Readonly<PublishSpec> = Object.freeze({
  method: 'POST' as const,
  path: '/publish',
  headers: [['content-type', 'application/json']] as Array<[string, string]>,
  body: '{message}',
  accepted: [204],
});

type FileSubscription = {
  path: string;
  headers?: Array<[string, string]>;
  cursor: Cursor;
  split?: Split;
  empty?: number[];
  repoll?: boolean;
  resume?: 'event-id' | 'none';
  subprotocols?: string[];
  onOpen?: string[];
  publishFrame?: string;
  upgrade?: boolean;
  transport?: (typeof SOCKJS_STREAM_TRANSPORTS)[number];
};

/** A target file's subscription for a technique, defaults filled in. */
export function subscriptionFrom(file: TargetFile, id: TechniqueId): Subscription | null {
  const spec = (file.techniques as Partial<Record<TechniqueId, FileSubscription>>)[id];
  if (spec === undefined) return null;
  return {
    path: spec.path,
    headers: spec.headers ?? [],
    cursor: spec.cursor,
    roomParam: null,
    // Engine.IO's polling answers join packets with U+001E: each packet is a unit.
    split: spec.split ?? (file.protocol === 'engine.io' ? { kind: 'delimiter', delimiter: ENGINE_IO_SEPARATOR } : { kind: 'whole' }),
    emptyStatuses: spec.empty ?? [],
    repoll: spec.repoll ?? false,
    resume: spec.resume ?? 'none',
    subprotocols: spec.subprotocols ?? [],
    onOpen: spec.onOpen ?? [],
    upstream: upstreamOf(file, id, spec),
    session: sessionOf(file, id, spec),
  };
}

/** The session protocol a technique's clients speak on a target file, or null (plain HTTP and WebSocket). */
function sessionOf(file: TargetFile, id: TechniqueId, spec: FileSubscription): SessionProtocol | null {
  if (file.protocol === 'engine.io') return { kind: 'engine.io', upgrade: spec.upgrade ?? false };
  if (file.protocol !== 'sockjs') return null;
  const meta = TECHNIQUE_META[id];
  // SockJS's transports by what the row is: a WebSocket, a held poll (xhr), or a stream (eventsource, xhr_streaming).
  if (meta.transport === 'ws') return { kind: 'sockjs', transport: 'ws' };
  if (meta.delivery === 'request') return { kind: 'sockjs', transport: 'xhr' };
  return { kind: 'sockjs', transport: spec.transport ?? 'eventsource' };
}

/** A chat client's upstream on a target: the WebSocket's publish frame, or (a technique of requests or streams) the target's publish request. */
function upstreamOf(file: TargetFile, id: TechniqueId, spec: FileSubscription): Upstream | null {
  if (TECHNIQUE_META[id].upstream === 'socket')
    return spec.publishFrame === undefined ? null : { kind: 'frame', template: spec.publishFrame };
  return { kind: 'http', publish: file.publish };
}

/** Checks a schema cannot express, each as `PATH: expected WHAT, found VALUE`. */
function semanticProblems(file: TargetFile): string[] {
  const problems: string[] = [];
  if (!file.publish.body.includes('{message}'))
    problems.push(`$.publish.body: expected a template containing {message}, found ${describeValue(file.publish.body)}`);
  for (const [id, spec] of Object.entries(file.techniques) as Array<[string, FileSubscription | undefined]>) {
    if (spec?.publishFrame !== undefined && !spec.publishFrame.includes('{message}')) {
      problems.push(`$.techniques.${id}.publishFrame: expected a template containing {message}, found ${describeValue(spec.publishFrame)}`);
    }
  }
  for (const [id, spec] of Object.entries(file.techniques) as Array<[string, FileSubscription | undefined]>) {
    if (spec?.upgrade !== undefined && file.protocol !== 'engine.io') {
      problems.push(
        `$.techniques.${id}.upgrade: expected no "upgrade" without "protocol": "engine.io" (it names Engine.IO's polling-to-WebSocket upgrade), found ${describeValue(spec.upgrade)}`,
      );
    }
    if (spec?.transport !== undefined && file.protocol !== 'sockjs') {
      problems.push(
        `$.techniques.${id}.transport: expected no "transport" without "protocol": "sockjs" (it names a SockJS streaming transport), found ${describeValue(spec.transport)}`,
      );
    }
    // Engine.IO's transports are a held poll and a WebSocket: a technique that is neither has no transport to speak it over.
    const meta = TECHNIQUE_META[id as TechniqueId] as TechniqueMeta | undefined;
    // SockJS has no transport that polls on a timer: xhr holds its poll, the streams and the WebSocket push.
    if (
      spec !== undefined &&
      meta !== undefined &&
      file.protocol === 'sockjs' &&
      meta.delivery === 'request' &&
      meta.pickup !== 'immediate'
    ) {
      const allowed = TECHNIQUES.filter((t) => TECHNIQUE_META[t].delivery !== 'request' || TECHNIQUE_META[t].pickup === 'immediate');
      problems.push(
        `$.techniques.${id}: expected with "protocol": "sockjs" only ${allowed.join(', ')} (SockJS's xhr transport is a held poll; the others stream or are a WebSocket), found ${id}`,
      );
    }
    const heldPoll = meta?.delivery === 'request' && meta.pickup === 'immediate';
    if (spec !== undefined && meta !== undefined && file.protocol === 'engine.io' && !heldPoll && meta.transport !== 'ws') {
      const allowed = TECHNIQUES.filter(
        (t) =>
          TECHNIQUE_META[t].transport === 'ws' || (TECHNIQUE_META[t].delivery === 'request' && TECHNIQUE_META[t].pickup === 'immediate'),
      );
      problems.push(
        `$.techniques.${id}: expected with "protocol": "engine.io" only ${allowed.join(', ')} (Engine.IO's polling transport is a held poll; its other transport is a WebSocket), found ${id}`,
      );
    }
  }
  for (const [id, spec] of Object.entries(file.techniques) as Array<[string, FileSubscription | undefined]>) {
    const kind = spec?.cursor.kind;
    const meta = TECHNIQUE_META[id as TechniqueId] as TechniqueMeta | undefined;
    if ((kind === 'body' || kind === 'message') && meta !== undefined && meta.delivery !== 'request') {
      problems.push(
        `$.techniques.${id}.cursor.kind: expected a cursor a stream or socket can carry (query, headers or none; a ${kind} cursor goes on the next request, and ${id} makes one request), found ${describeValue(kind)}`,
      );
    }
  }
  // The framework adapters speak HTTP/1.1 (one connection per purpose; SockJS's xhr transports are POSTs answered as held polls and streams); over HTTP/2 each purpose would open a session of its own, which no browser does.
  if (file.protocol !== undefined && file.wires !== undefined) {
    for (const wire of Object.keys(file.wires)) {
      if (wire !== 'http' && wire !== 'https')
        problems.push(
          `$.wires.${wire}: expected only http or https with "protocol": "${file.protocol}" (the ${file.protocol} adapter is not measured over HTTP/2 yet), found ${describeValue(wire)}`,
        );
    }
  }
  for (const [wire, techniques] of Object.entries(file.wires ?? {}) as Array<[string, 'all' | string[] | undefined]>) {
    if (!Array.isArray(techniques)) continue;
    for (const id of techniques) {
      if ((file.techniques as Record<string, unknown>)[id] === undefined)
        problems.push(
          `$.wires.${wire}: expected techniques of $.techniques (${Object.keys(file.techniques).join(', ')}), found ${describeValue(id)}`,
        );
    }
  }
  const usesPort = (text: string): boolean => text.includes('{port}');
  if (file.server === undefined && usesPort(file.origin)) {
    problems.push(
      `$.origin: expected a fixed port when there is no "server" section ({port} is the port pushbench picks when it starts the server), found ${describeValue(file.origin)}`,
    );
  }
  return problems;
}

/** The wires a target file offers, each with the techniques it serves there (among `offered`), in report order. */
export function targetWires(file: TargetFile, offered: readonly TechniqueId[]): Partial<Record<WireId, readonly TechniqueId[]>> {
  const declared = (file.wires ?? { [file.origin.startsWith('https:') ? 'https' : 'http']: 'all' }) as Partial<
    Record<WireId, 'all' | TechniqueId[]>
  >;
  const out: Partial<Record<WireId, readonly TechniqueId[]>> = {};
  for (const wire of WIRES) {
    const techniques = declared[wire];
    if (techniques !== undefined) out[wire] = techniques === 'all' ? offered : offered.filter((id) => techniques.includes(id));
  }
  return out;
}

/** Every problem of `data` as a target file, each as `PATH: expected WHAT, found VALUE`; empty when it is one. */
const targetFileProblems = problemFinder(TargetFileSchema, semanticProblems);

/**
 * Checks that `data` (parsed JSON) is a target file; `label` names it in messages. Throws a
 * TargetFileError (exit 2) listing the problems by JSON path; returns the same object typed.
 */
export function validateTargetFile(data: unknown, label: string): TargetFile {
  const problems = targetFileProblems(data);
  if (problems.length > 0) throw new TargetFileError(`invalid target file ${label}: ${problemList(problems)}`);
  return data as TargetFile;
}

/** Parses and validates the text of a target file. */
export function parseTargetFile(text: string, label: string): TargetFile {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new TargetFileError(`invalid target file ${label}: not JSON (${(error as Error).message})`, { cause: error });
  }
  return validateTargetFile(data, label);
}

/** The published JSON Schema of target files (core/schema-kit.ts: draft-07, as results.json's). */
export function targetJsonSchema(): Record<string, unknown> {
  return publishedJsonSchema(TargetFileSchema, {
    id: 'https://github.com/pushbench/pushbench/targets/target.schema.json',
    source: 'core/targets.ts',
    title: 'pushbench target file',
    description: "How pushbench publishes to a server and how each technique's clients subscribe to it.",
  });
}

/** Replaces `{name}` placeholders of `values` in `template` (unknown placeholders stay as they are). */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => values[name] ?? whole);
}
