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
import { FormatRegistry, Type, type Static, type TOptionalWithFlag, type TSchema } from '@sinclair/typebox';
import { BUILTIN_PROFILE_NAMES } from './header-profile.ts';
import { closed, literalUnion, nullable, publishedJsonSchema } from './schema-kit.ts';
import { WIRES } from './wires.ts';
import { TECHNIQUES } from './techniques.ts';

export const SCHEMA_VERSION = 1;

/** Past this event-loop utilisation a generator process is the bottleneck: its clients' figures are partly its own. */
export const GENERATOR_ELU_WARN = 0.8;

/** Below this RSS growth, memory per connection is not reported (see ServerCost.bytesPerConnection). */
export const MEMORY_RESOLUTION_BYTES = 4_000_000;

/** Workload names. */
export const WORKLOAD_NAMES = ['broadcast', 'chat'] as const;
/** What a whole run ended as. */
export const RUN_STATES = ['completed', 'interrupted', 'failed'] as const;

// RFC 3339 date-time, as Date.prototype.toISOString writes it (and any offset). TypeBox checks a
// `format` only when it is registered; the JSON Schema file carries the standard `date-time` name.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));

// ---- building blocks -------------------------------------------------------------------------

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
export const HeaderProfileNameSchema = Type.String({
  minLength: 1,
  description: `a header profile: ${BUILTIN_PROFILE_NAMES.join(', ')}, or file:NAME for the user's --headers FILE`,
});
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
  target: nullable(
    Type.String(),
    'Base URL when an already running server was driven (`--target`, or a target file without a server section), else null',
  ),
  wire: Type.Optional(
    literalUnion(WIRES, {
      description:
        'What carried HTTP between the clients and the server: http (HTTP/1.1 cleartext), https (HTTP/1.1 over TLS 1.3), h2 (HTTP/2 over TLS, ALPN h2), h2c (HTTP/2 cleartext). Absent in results written before wires existed: http',
    }),
  ),
  tabs: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "Tabs per simulated browser, all on one origin (`--tabs`): on HTTP/1.1 a browser's tabs share its 6 connections to the origin, applied by the driver (a seventh EventSource waits), on HTTP/2 they share one connection. Absent: 1, every client a browser of its own",
    }),
  ),
  serverParts: Type.Optional(
    Type.Boolean({
      description:
        "`--server-parts`: pushbench's server tapped its TLS and HTTP/2 connections to count the wire's parts on its end too (wireParts.ends), at a CPU cost its figures on https, h2 and h2c then include. Absent: off",
    }),
  ),
});

export const TargetInfoSchema = closed(
  {
    name: Type.String({
      description: "The target's name: `builtin` for pushbench's own servers, `url` for --target URL, else its target file's name",
    }),
    kind: literalUnion(['builtin', 'file', 'url'] as const, { description: 'a target kind' }),
    file: nullable(Type.String(), 'The target file as given on the command line, or null'),
    description: Type.String(),
    server: literalUnion(['started', 'running'] as const, {
      description: 'Whether pushbench started the server for each technique, or it was already running',
    }),
  },
  "The server a scenario measured: pushbench's own (builtin), a target file's, or a pushbench-compatible URL",
);

export const MessageCountsSchema = closed({
  published: count(
    "Messages with a scheduled time in the window that the server accepted: its own count, or what pushbench's publisher had answered with an accepted status",
  ),
  expected: count('published x the subscribers that should receive each; never inferred from what arrived'),
  delivered: count(),
  lost: count(),
  duplicated: count(),
  outOfOrder: count('Messages that reached a client after a later one, other than `reordered`'),
  reordered: Type.Optional(
    count(
      "Messages that reached a client after a later one that pushbench's publisher had sent before the target answered them (two publishes under way at once, on separate connections): the target delivered them in the order it took them, not out of its own order. Absent when pushbench did not publish or no publishes overlapped",
    ),
  ),
  unmatched: Type.Optional(count('Received units (a body part, an event, a frame) in which no stamp was found, over the whole run')),
  stale: Type.Optional(count('Stamps older than the run (a backlog the server replayed), ignored, over the whole run')),
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
    count: count('Samples recorded'),
    messages: Type.Optional(
      count('Distinct published messages the samples belong to (a fan-out of one message to 100 clients is 100 samples of 1 message)'),
    ),
    histogram: Type.String({
      description: 'HdrHistogram of latencies in microseconds, compressed base64 (hdr-histogram-js encodeIntoCompressedBase64)',
    }),
  },
  'Latency in milliseconds: receive time minus publish time on the shared monotonic clock, from the merged histogram',
);

export const ServerProcessCostSchema = closed(
  {
    pid: count(),
    cpuPercent: nonNegative('CPU of this process over the window, % of one core, less its publisher busy-wait'),
    rssBytes: byteTotal('RSS at the end of the window (a dead process: at its last sample)'),
    rssIdleBytes: byteTotal(),
    eventLoopUtilization: Type.Number({ minimum: 0, maximum: 1 }),
    connections: count('Open connections at the end of the window (0 for a process that died)'),
    bytesPerConnection: nullable(
      nonNegative(),
      "(this process's RSS growth) / (its own connections); null when it grew too little to attribute",
    ),
    messagesWritten: count('Messages this process wrote to its clients since it started'),
    exited: nullable(
      Type.String(),
      "Null while it ran to the end; else why it died: its clients lost what it would have sent, the other processes' figures are kept",
    ),
  },
  'One built-in server process of several on one port (`--server-processes`)',
);

/** The machine's resources a run can run out of, in the order a report names them. */
export const MACHINE_LIMITS = ['cpu', 'memory', 'files', 'ports'] as const;
export type MachineLimit = (typeof MACHINE_LIMITS)[number];
/** At or past this share of a resource, the run counts it as the limit it hit (all cores busy, memory or files or ports nearly gone). */
export const MACHINE_LIMIT_SHARE = 0.9;

export const MachineUseSchema = closed(
  {
    cores: Type.Integer({ minimum: 1, description: 'CPUs the kernel lists (/proc/stat)' }),
    cpuBusy: Type.Number({
      minimum: 0,
      maximum: 1,
      description: "Share of all cores busy over the measured window, every process on the machine (/proc/stat), not only pushbench's",
    }),
    memoryTotalBytes: byteTotal('MemTotal (/proc/meminfo)'),
    memoryMinAvailableBytes: byteTotal(
      "The least MemAvailable seen from the clients' connecting to the window's end (sampled every second)",
    ),
    fileLimit: nullable(count(), 'The open-file limit per process (ulimit -n); null when unlimited or unreadable'),
    filesBusiest: count(
      "The most files one of pushbench's processes (a server process, a generator, a target's server process) held open at once, sampled every second",
    ),
    portRange: count('Local ports one source address has towards one server port (ip_local_port_range)'),
    portsBusiest: count('Connections from the busiest source address to the server'),
    hit: Type.Array(literalUnion(MACHINE_LIMITS), {
      description: `The resources at ${MACHINE_LIMIT_SHARE * 100}% or more of what the machine has (cores busy, memory used, files of the limit, ports of the range): the limit the run hit`,
    }),
  },
  "The machine's own limits over the run (CPU, memory, files, ports): how close each came, so a large run says in words which one it hit",
);

export const ServerCostSchema = closed({
  cpuPercent: nonNegative(
    "User + system CPU of the server process over the window, % of one core, less the publisher's busy-wait (publisher.busyWaitCpuPercent); a foreign server: its pid tree's, from /proc",
  ),
  rssBytes: byteTotal(),
  rssIdleBytes: byteTotal(),
  eventLoopUtilization: nullable(
    Type.Number({ minimum: 0, maximum: 1 }),
    'Null for a foreign server: pushbench cannot see inside its event loop (if it has one)',
  ),
  bytesPerConnection: nullable(
    nonNegative(),
    `(RSS with the clients - RSS idle) / clients; null when RSS grew by less than ${MEMORY_RESOLUTION_BYTES / 1e6} MB, too little to attribute (the heap grows in steps of megabytes)`,
  ),
  connections: count('Open connections at the end of the window (a foreign server: its sockets on its port, from the kernel)'),
  lateTicks: nullable(count(), 'Messages the server published late; null when pushbench published from its own process (see publisher)'),
  source: Type.Optional(
    literalUnion(['process', 'proc'] as const, {
      description: 'Where the figures come from: sampled inside the server process over IPC, or read from /proc for its pid tree',
    }),
  ),
  processes: Type.Optional(
    Type.Array(ServerProcessCostSchema, {
      description:
        'With `--server-processes N` (N > 1): each process. The figures above are then their sum (CPU, RSS, connections; memory per connection from the summed RSS growth) and the event-loop use is the mean over the processes; absent for one process',
    }),
  ),
});

export const KernelBytesSchema = closed(
  {
    serverUp: byteTotal("Bytes the server's sockets received from the clients, from the kernel (ss -tin bytes_received)"),
    serverDown: byteTotal("Bytes the server's sockets sent to the clients (ss -tin bytes_sent)"),
    clientUp: byteTotal(),
    clientDown: byteTotal(),
    sockets: count("Server-side sockets counted (the publisher's left out)"),
    agree: nullable(
      Type.Boolean(),
      'Null when the comparison cannot be exact: sockets closed between the two readings, or no quiet moment was found for one of them (see unconfirmed)',
    ),
    unconfirmed: Type.Optional(
      literalUnion(['sockets-closed', 'not-quiet'] as const, {
        description:
          'Why agree is null: server sockets closed between the two readings (their counters are gone), or bytes were still moving whenever the counters were read',
      }),
    ),
    note: Type.String({ description: 'What the comparison covers, or why it cannot be made' }),
  },
  "The kernel's per-socket counters on the server's port against the clients' own counts, both read at the same quiet moments: before the warm-up (every client connected, nothing published yet) and after the drain (publishing stopped, the last messages in), so the window lies between them (files written before 2026-12-07 read them at the window's edges)",
);

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

/** One direction's parts as an end's taps counted them (core/wire-parts.ts DirectionParts). */
const DirectionPartsSchema = closed({
  tlsRecords: count('TLS records after the handshake and the session tickets'),
  tlsOverheadBytes: byteTotal('Their overhead: 5-byte header, 1-byte inner content type, 16-byte AEAD tag each'),
  h2Frames: count('HTTP/2 frames after the setup (the extended CONNECT HEADERS are setup)'),
  h2FrameHeaderBytes: byteTotal('Their 9-byte frame headers'),
  h2HeaderBlockBytes: byteTotal('HEADERS and CONTINUATION payloads (HPACK blocks)'),
  h2ControlBytes: byteTotal('Payloads of SETTINGS, WINDOW_UPDATE, PING, RST_STREAM, GOAWAY, PRIORITY frames'),
  h2DataBytes: byteTotal('DATA payloads'),
});

/** Setup parts, whole bytes (core/wire-parts.ts SetupParts). */
const SetupPartsSchema = closed({
  connections: count('Connections counted'),
  tlsUp: byteTotal('TLS handshake records, client to server'),
  tlsDown: byteTotal('TLS handshake records and session tickets, server to client'),
  tlsTicketsDown: byteTotal('Of them, the session tickets'),
  h2Up: byteTotal('HTTP/2 client preface and the control frames before the first HEADERS, client to server'),
  h2Down: byteTotal('The control frames before the first HEADERS, server to client'),
  upgradeUp: byteTotal('WebSocket handshake: the Upgrade request head (HTTP/1.1) or the extended CONNECT HEADERS frames (HTTP/2)'),
  upgradeDown: byteTotal("WebSocket handshake: the 101's head (HTTP/1.1) or the 200's HEADERS frames (HTTP/2)"),
});

/** Every part one end counted, whole run. */
const EndPartsSchema = closed({ up: DirectionPartsSchema, down: DirectionPartsSchema, setup: SetupPartsSchema });

export const WirePartsSchema = closed(
  {
    perMessage: closed(
      {
        payloadBytes: nonNegative('Message JSON (as perMessage counts it)'),
        tlsBytes: nonNegative(
          'TLS record overhead: 5-byte header + 1-byte inner content type + 16-byte AEAD tag per record, records counted on the TCP bytes',
        ),
        h2FramingBytes: nonNegative(
          'HTTP/2 frame headers (9 B each) and the payloads of control frames (SETTINGS acks, WINDOW_UPDATE, PING, RST_STREAM, GOAWAY), frames counted on the plaintext',
        ),
        headerBlockBytes: nonNegative(
          'HTTP/2 HPACK header blocks (HEADERS and CONTINUATION payloads); 0 on HTTP/1.1, whose heads are in httpBytes',
        ),
        httpBytes: difference(
          'The rest: on HTTP/1.1 the request and response heads and the body framing (chunks, SSE lines, WebSocket frame headers, JSON brackets); on HTTP/2 the framing inside DATA (SSE lines, WebSocket frame headers, JSON brackets)',
        ),
      },
      'Bytes per delivered message, up + down, by what they are: payload + tls + h2Framing + headerBlocks + http = perMessage.totalBytes. Every part but http is counted; http is the total less the counted parts',
    ),
    window: closed(
      {
        tlsRecordsUp: count(),
        tlsRecordsDown: count(),
        h2FramesUp: count(),
        h2FramesDown: count(),
        h2HeaderBlockBytesUp: byteTotal(),
        h2HeaderBlockBytesDown: byteTotal(),
        h2ControlBytes: byteTotal('Control frame payloads, both ways'),
        h2DataBytes: byteTotal('DATA payloads, both ways'),
      },
      "What the clients' taps counted in the measured window, all clients",
    ),
    setupPerConnection: closed(
      {
        connections: count('Connections the taps counted, over the whole run'),
        tlsBytes: nonNegative(
          "TLS handshake records (to the client's secureConnect) and the session tickets after it, both ways, per connection",
        ),
        tlsTicketBytes: nonNegative("Of them, the session tickets (TLS 1.3 NewSessionTicket records, one per client 'session' event)"),
        h2Bytes: nonNegative(
          'HTTP/2 client preface and the SETTINGS, WINDOW_UPDATE and PING frames before the first HEADERS each way, per connection (plaintext; the TLS records carrying them are not in tlsBytes)',
        ),
        upgradeBytes: Type.Optional(
          nonNegative(
            'The WebSocket handshake both ways, per connection (plaintext: on HTTP/1.1 the Upgrade request head and the 101 head, on HTTP/2 the extended CONNECT and 200 HEADERS frames, 9-byte frame headers included); absent in files written before it was counted',
          ),
        ),
      },
      "Connection setup, per connection, counted by the clients' taps over the whole run (TCP's own handshake carries no payload)",
    ),
    ends: Type.Optional(
      closed(
        {
          agree: Type.Boolean({ description: 'Every part equal on both ends, per direction' }),
          differing: Type.Array(Type.String(), { description: 'The parts that differ, as `up.tlsRecords`, `setup.upgradeDown`, ...' }),
          client: EndPartsSchema,
          server: EndPartsSchema,
        },
        "Both ends' parts over the run, read together at the quiet moment 'bytes agree' is read at (the server's taps count with the clients' walker): what one end wrote, the other read. Absent for a foreign server, when that moment was not found, and in files written before it was counted",
      ),
    ),
  },
  "The window's bytes split by what they are, on a TLS or HTTP/2 wire (core/wire-parts.ts); absent on HTTP/1.1 cleartext and for results written before it was counted",
);

export const PublisherResultSchema = closed(
  {
    side: literalUnion(['server', 'clients', 'process'] as const, {
      description:
        "server: the broadcast publisher in the server process; clients: each chat client's own schedule; process: pushbench's publisher process, for a server that does not publish by itself",
    }),
    latenessMs: closed(
      LatencySummarySchema.properties,
      'Published time minus due time of each message due in the window (count = messages), milliseconds at 1 µs resolution',
    ),
    fanOutMs: Type.Optional(
      closed(
        LatencySummarySchema.properties,
        "side server: how long the server's synchronous fan-out of each message due in the window took, from the message leaving the publisher until the last client's write (or answer) had been handed to its socket (count = messages), ms; the mean client waits about half of it. Asynchronous work (permessage-deflate's zlib jobs) is not in it",
      ),
    ),
    busyWaitCpuPercent: nonNegative(
      "CPU the publisher's precise wait burnt over the window (the spin of its last few hundred microseconds before each due time), % of one core; harness, not technique: server.cpuPercent excludes it; 0 in chat",
    ),
    loopBlockedPercent: Type.Optional(
      nonNegative(
        "Share of the window the server's event loop was blocked by the wait (a sleep of up to about 2 ms, then the spin, before each due time), %; 0 in chat",
      ),
    ),
    sent: Type.Optional(count('side process: publish requests sent with a due time in the window')),
    accepted: Type.Optional(
      count('side process: of those, answered with a status the target calls accepted (what `messages.published` counts)'),
    ),
    refused: Type.Optional(count('side process: answered with another status, or failed')),
    roundTripMs: Type.Optional(
      closed(LatencySummarySchema.properties, 'side process: request sent to response received, of each publish in the window'),
    ),
  },
  'What the publisher adds to latency (latency is measured from the due time): its lateness against each due time, and what its precision cost',
);

export const NetworkSchema = closed(
  {
    rttMs: nonNegative(
      'Median of the probe round trips, as reported; the latency model takes the fastest of rttSamplesMs as the RTT (one one-way trip = half of it)',
    ),
    rttSamplesMs: Type.Array(nonNegative(), {
      description:
        'Each probe request, sent to answer received, ms: a few GETs of / on one keep-alive client connection to where the clients connect, before the window',
    }),
    injectedDelayMs: nonNegative(
      "One-way delay pushbench's delaying proxy added in each direction between the clients and the server (`--delay-ms`); 0: none",
    ),
    proxyLateness: Type.Optional(
      closed(
        {
          chunks: count('Chunks (and stream ends) the proxy released over the run, both directions'),
          meanMs: nonNegative(
            'Mean of release time minus due time (arrival + injectedDelayMs), ms: what the proxy added beyond the delay it was asked for',
          ),
          maxMs: nonNegative('Largest release lateness, ms'),
          early: count('Chunks released before their due time: 0 by construction'),
        },
        'With `--delay-ms`: what the delaying proxy itself added beyond the injected delay, measured by the proxy on every chunk',
      ),
    ),
  },
  'The network between the clients and the server, measured before the window',
);

export const RunSummarySchema = closed(
  {
    latencyMs: closed({ p50: nonNegative(), p99: nonNegative(), mean: nonNegative(), count: count(), messages: count() }),
    cpuPercent: nullable(nonNegative(), 'Server CPU over the window, % of one core; null against a foreign server'),
    rssBytes: nullable(byteTotal(), 'Server RSS at the end of the window; null against a foreign server'),
    perMessageTotalBytes: nonNegative(),
    delivered: count(),
    lost: count(),
  },
  "One repetition of a technique's measurement (`--runs N`): the noisy figures, kept per run so that reports can show their spread",
);

/** What a framework's session protocol added, counted by the clients (load/sessions.ts). */
export const SessionResultSchema = closed(
  {
    protocol: Type.String({ description: 'engine.io or sockjs' }),
    transport: Type.String({
      description:
        "the framework's transport: engine.io polling, websocket, or polling+upgrade (the default flow, polling first, then the probe and the upgrade to WebSocket); sockjs websocket, eventsource, xhr_streaming or xhr (polling)",
    }),
    heartbeats: count(
      "Heartbeats the server sent in the window: Engine.IO pings, each answered with a pong; SockJS's h frames (one-way) and, on its WebSocket, empty pings answered by pongs",
    ),
    heartbeatBytes: closed(
      { up: count(), down: count() },
      "Bytes of those heartbeats and their answers in the window, exact: WebSocket frames whole; on Engine.IO polling, a pong's whole POST exchange and a ping's whole GET answer (its packet and separator alone when messages shared the answer); on SockJS streams an h frame with its SSE line or newline and its chunk framing, on SockJS xhr polling the whole held POST an h answered",
    ),
    envelopeBytes: count(
      'Bytes the framework wrapped around the delivered messages in the window (Socket.IO\'s 42["event", ...], the separators between packets; SockJS\'s a["..."] with the escapes inside it, and the newline ending a frame on its xhr transports), down',
    ),
    envelopeMessages: count(
      'Messages the envelope bytes were counted over: those received while the byte window was open (the same messages whose payload is in bytes.payload)',
    ),
    connect: closed(
      {
        clients: count('Clients that connected'),
        steps: Type.Array(closed({ name: Type.String(), up: count(), down: count() }), {
          description:
            'Each exchange of the connect flow, summed over the clients, in order; their sum is what the clients paid to connect',
        }),
      },
      'What connecting cost, exchange by exchange (handshake, namespace connect, probe, upgrade)',
    ),
  },
  "A framework session protocol's own bytes: envelope, heartbeats and the connect flow, all counted as overhead",
);

export const CompletedResultSchema = closed(
  {
    state: Type.Literal('completed'),
    messages: MessageCountsSchema,
    bytes: closed(
      {
        up: byteTotal(),
        down: byteTotal(),
        // Kept a number (not an integer) so that files written when a poll response's messages were
        // counted at their average size still read; now each message counts its exact size (load/match.ts).
        payload: nonNegative(
          'Bytes of message JSON delivered: each message received in the window at the size of the JSON pushbench published for it',
        ),
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
    arrivalSpreadMs: Type.Optional(
      nonNegative(
        'Mean, over the latency samples, of how long each arrived after the first arrival of the same message in the same generator process, ms: the queue of a fan-out served client by client (the server writing to one socket after another, then the clients reading one after another). For interval polling it is mostly the spread of the poll phases. Absent in files written before it was recorded',
      ),
    ),
    publisher: Type.Optional(
      nullable(PublisherResultSchema, 'null when nobody measured the publisher; absent in files written before it was recorded'),
    ),
    requests: nullable(
      closed({ total: count(), empty: count(), late: count() }),
      'HTTP techniques only: requests sent in the window, how many came back empty and how many went out later than scheduled',
    ),
    machine: Type.Optional(MachineUseSchema),
    generatorEventLoop: Type.Optional(
      closed(
        {
          busiest: Type.Number({
            minimum: 0,
            maximum: 1,
            description: "The busiest generator process's event-loop utilisation over the window",
          }),
          processes: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'Each generator process, in order' }),
        },
        `The load generators' own event loops over the window: past ${GENERATOR_ELU_WARN} the clients queue behind the generator, and latency is partly the tool's (the report warns). Absent in files written before it was recorded`,
      ),
    ),
    server: nullable(
      ServerCostSchema,
      'Sampled inside the server process, or from /proc for a server pushbench started from a target file; null when the server was already running',
    ),
    model: nullable(
      ModelEstimateSchema,
      "Null for a foreign server (the analytic model describes pushbench's own servers), and for the chat workload on a wire other than http (its POSTs have no TLS or HTTP/2 terms yet), and with `--tabs` (tabs sharing a connection share TLS records)",
    ),
    network: Type.Optional(
      nullable(
        NetworkSchema,
        "Null when no probe was made (a target file's server) or the server did not answer it; absent in files written before it was recorded",
      ),
    ),
    scheduleSeed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 4_294_967_295,
        description:
          "Seed of the clients' random schedule phases (short polling's poll phase, chat's publish phase), so that a run can be told apart from another",
      }),
    ),
    agreement: nullable(
      closed({
        serverUp: byteTotal(),
        serverDown: byteTotal(),
        clientUp: byteTotal(),
        clientDown: byteTotal(),
        agree: Type.Boolean(),
        reason: Type.Optional(
          nullable(
            Type.String(),
            'Why the counts differ (bytes still in flight when the wait for a quiet moment ran out, or lost); null when they agree; absent in files written before it was recorded',
          ),
        ),
        note: Type.Optional(
          nullable(
            Type.String(),
            'When the counts were read (the quiet moment before the clients closed), how long the runner waited for bytes in flight, and what the close handshake left unread',
          ),
        ),
      }),
      'Byte totals as the server and the clients counted them, from the start of the run to a moment with nothing in flight (before the clients closed); they must be equal',
    ),
    windowMs: nonNegative('Measured window length'),
    clientErrors: closed(
      { count: count(), first: Type.Array(Type.String()) },
      'Errors the clients met (failed requests, closed streams), with the first distinct messages',
    ),
    kernel: Type.Optional(nullable(KernelBytesSchema, 'Null when the server is not on this host (or ss is missing)')),
    windowEdges: Type.Optional(
      nullable(
        closed({
          waitedMs: nonNegative('The longest an edge snapshot waited after its edge for the last message before it to reach every client'),
          clientsBehind: count(
            'Clients (summed over edges and generator processes) that still lacked that message when the wait ran out; 0: every edge was read at a quiet moment',
          ),
          note: Type.String(),
        }),
        "How the byte snapshots at the window's edges met a quiet moment; null for chat (clients publish on their own phases, so no moment is quiet); absent in files written before it was recorded",
      ),
    ),
    wireParts: Type.Optional(WirePartsSchema),
    browsers: Type.Optional(
      closed(
        {
          tabs: Type.Integer({ minimum: 2 }),
          connectionsPerOrigin: nullable(
            count(),
            'Connections a browser may open to the origin (6 on HTTP/1.1), or null when its tabs share one (HTTP/2)',
          ),
          waiting: count(
            'EventSource streams (and requests) still waiting for a connection of their browser at the end of the window: their tabs got nothing',
          ),
          note: Type.String(),
        },
        'With `--tabs`: how the browser rule the driver applied worked out',
      ),
    ),
    responseHead: Type.Optional(
      nullable(
        Type.String(),
        'The head of a response that carried messages (the upgrade response for WebSocket), as the client received it; null when none came',
      ),
    ),
    session: Type.Optional(
      nullable(
        SessionResultSchema,
        'The framework session protocol the clients spoke (a target file\'s "protocol"); null or absent for plain HTTP and WebSocket',
      ),
    ),
    runs: Type.Optional(
      Type.Array(RunSummarySchema, {
        description:
          'With `--runs N`: one summary per completed run, in the order run (the first is the run the rest of this result describes); absent for one run',
      }),
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
function optionalPerKey<const K extends readonly string[], T extends TSchema>(
  keys: K,
  schema: T,
): { [Key in K[number]]: TOptionalWithFlag<T, true> } {
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
  target: Type.Optional(TargetInfoSchema),
  results: ScenarioResultsSchema,
  // The machine's floor: a bare ws broadcast (the textbook loop, none of pushbench's server code)
  // measured the same way in the same run (same publisher, generator and clients); broadcast
  // scenarios on the built-in servers.
  floor: Type.Optional(TechniqueResultSchema),
  timeScale: Type.Optional(
    Type.Number({
      minimum: 1,
      description:
        'The scenario stands for one F times slower: it ran at F x the rate with 1/F of the poll interval, which keeps bytes per message and the share of empty polls; per-second figures divided by F are those of the slower situation, and polling latency scales with the interval',
    }),
  ),
  clockBoundMs: Type.Optional(
    Type.Number({
      minimum: 0,
      description:
        'Merged from shards on several hosts: the worst clock-offset bound of the shards merged, ms; its latencies are known to within it, and reports print none finer',
    }),
  ),
});

const headerPairs = Type.Array(Type.Tuple([Type.String(), Type.String()]), {
  description: 'Request headers as [name, value] pairs, in the order sent',
});

const clientsByInterval = (description: string) => Type.Array(closed({ intervalMs: nonNegative(), clients: count() }), { description });

export const CapacityRoundSchema = closed({
  requestsPerSecond: nonNegative('Polls the server answered per second in the round (its own counter)'),
  serverCpuMicrosPerPoll: nullable(
    nonNegative(),
    'Server CPU per poll answered in the round, µs (polls share loop wake-ups at saturation); null against a server the probe did not start',
  ),
  serverEventLoopUtilization: nullable(Type.Number({ minimum: 0, maximum: 1 })),
  loadEventLoopUtilization: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'Per load process' }),
});

export const CapacityCostSchema = closed(
  {
    targetRequestsPerSecond: nonNegative(),
    requestsPerSecond: nonNegative('Polls the server answered per second in the window'),
    windowMs: nonNegative(),
    cpuMicrosPerPoll: nonNegative('Server CPU (user + system) per poll answered, µs'),
    serverEventLoopUtilization: Type.Number({ minimum: 0, maximum: 1 }),
    clientsPerCoreByInterval: clientsByInterval('Clients one core serves at each poll interval: intervalMs x 1000 / cpuMicrosPerPoll'),
  },
  "The server's CPU per poll at a fixed open-loop rate: the figure that does not depend on the load tool",
);

export const CapacityResultSchema = closed(
  {
    url: Type.String(),
    connections: count('Keep-alive connections of the closed-loop load, all load processes together'),
    durationMs: nonNegative('Length of each measured round'),
    requestsPerSecond: nonNegative('Median over the rounds of the polls the server answered per second (its own counter)'),
    latencyMsP99: nonNegative('Response time p99 the load processes saw over the closed-loop load, warm-up included'),
    maxClientsByInterval: clientsByInterval('Largest client count each poll interval allows at that request rate'),
    loadProcesses: Type.Optional(
      count('Load processes the closed-loop load was spread over (absent in files of the one-process autocannon probe)'),
    ),
    warmupMs: Type.Optional(nonNegative('Closed-loop load before the first round')),
    rounds: Type.Optional(Type.Array(CapacityRoundSchema)),
    serverEventLoopUtilization: Type.Optional(
      nullable(
        Type.Number({ minimum: 0, maximum: 1 }),
        "Median over the rounds of the server's event-loop utilisation; null against a server the probe did not start",
      ),
    ),
    maxLoadEventLoopUtilization: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'The highest event-loop utilisation of any load process in any round' }),
    ),
    saturated: Type.Optional(
      Type.Boolean({ description: "Whether the server was the limit: its loop at >= 0.95 while no load process's was" }),
    ),
    costAtFixedRate: Type.Optional(nullable(CapacityCostSchema, 'null when not measured (a server the probe did not start)')),
    wire: Type.Optional(
      literalUnion(WIRES, {
        description:
          'What carried the polls (core/wires.ts): the wire of the server the probe spawned. Absent in results written before the probe followed the run: http',
      }),
    ),
    headers: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "The header profile the polls carried (the run's first scenario's). Absent in results written before the probe followed the run: browser",
      }),
    ),
    loadProcessSearch: Type.Optional(
      Type.Array(
        closed({
          loadProcesses: count(),
          serverEventLoopUtilization: nullable(Type.Number({ minimum: 0, maximum: 1 })),
          maxLoadEventLoopUtilization: Type.Number({ minimum: 0, maximum: 1 }),
        }),
        {
          description:
            'How the load process count was chosen when none was given: each warm-up step, its count and the event-loop use of the server and of the busiest load process; a process was added while the busiest load process was above the threshold (run/capacity.ts LOAD_ELU_TO_ADD). Absent: the count was given (or an older file)',
        },
      ),
    ),
  },
  'The capacity probe: polls per second one server process answers, and what one poll costs it',
);

export const MicroResultSchema = closed({
  technique: TechniqueIdSchema,
  name: Type.String(),
  opsPerSecond: nonNegative(),
  meanNs: nonNegative(),
  rme: nonNegative('Relative margin of error, %'),
});

export const HeaderProfileRecordSchema = closed(
  {
    source: Type.String({ description: 'Where the set came from, in one sentence' }),
    cookie: Type.Boolean({ description: 'Whether the requests carry a cookie' }),
    poll: headerPairs,
    longPoll: headerPairs,
    eventSource: headerPairs,
    publish: headerPairs,
    upgrade: headerPairs,
    response: nullable(headerPairs, "The lines pushbench's server wrote on poll and long-poll answers instead of its own, or null"),
  },
  'A header profile: where it came from and its lines per request kind',
);

/** The criteria the decision map ranks techniques by (`pushbench map --criterion`). */
export const MAP_CRITERIA = ['bytes', 'bandwidth', 'p50', 'p99', 'cpu', 'memory'] as const;
export const MapCriterionSchema = literalUnion(MAP_CRITERIA, { description: 'a map criterion' });
/** What a map ranks techniques by: each criterion, and `weighted`, the criteria combined by the user's `--weights`. */
export const MAP_RANKINGS = [...MAP_CRITERIA, 'weighted'] as const;
export const MapRankingSchema = literalUnion(MAP_RANKINGS, {
  description: "a map criterion, or weighted: the criteria combined by --weights (each figure over the point's best, weighted mean)",
});
const MapWireSchema = literalUnion(WIRES, { description: 'a wire (core/wires.ts)' });

export const MapFiguresSchema = closed(
  {
    bytesPerMessage: nonNegative('Bytes per delivered message, up + down (setup left out)'),
    bandwidthBytesPerSecond: nonNegative("Bytes per second per client, up + down, at the cell's rate (not the time-compressed run's)"),
    p50Ms: nonNegative('Median latency, ms'),
    p99Ms: nonNegative('99th percentile latency, ms'),
    cpuMicrosPerMessage: nullable(
      nonNegative(),
      'Server CPU per delivered message, µs; null when no measured cell of the technique gave one',
    ),
    memoryBytesPerConnection: nullable(
      nonNegative(),
      'Server memory per connection, bytes; null when no measured cell of the technique gave one (RSS must grow by 4 MB)',
    ),
  },
  "A cell's figures, one per criterion",
);

export const MapCellSchema = closed(
  {
    rate: Type.Number({ exclusiveMinimum: 0, description: 'Messages per second on the feed every client reads' }),
    intervalMs: nonNegative('Short-polling interval (the other techniques do not depend on it)'),
    clients: count(),
    technique: TechniqueIdSchema,
    wire: Type.Optional(MapWireSchema),
    model: MapFiguresSchema,
    weighted: Type.Optional(
      nullable(
        nonNegative(),
        "With --weights: the weighted mean of the cell's figures, each over the best of its point and wire (1: best at every weighted criterion); null when a weighted figure is missing",
      ),
    ),
    measured: Type.Boolean({ description: 'Whether this cell was also measured (by a scenario of this file)' }),
    measurement: Type.Optional(
      closed({
        scenarioId: Type.String({ description: 'The scenario of this file that measured it' }),
        timeScale: Type.Number({
          minimum: 1,
          description:
            "The run went this many times faster than the cell (see Scenario.timeScale); latencies are the run's, compared with the model at the run's own rate and interval",
        }),
        figures: MapFiguresSchema,
        modelAsRun: closed(
          { bytesPerMessage: nonNegative(), p50Ms: nonNegative(), p99Ms: nonNegative() },
          "The map's model at the parameters the run had (time-compressed), what the measurement is checked against",
        ),
        samples: count('Latency samples'),
        messages: count('Distinct published messages behind them'),
        disagree: Type.Array(MapCriterionSchema, {
          description:
            'Criteria where the measurement and the model differ beyond the tolerance (bytes 1%, latency 10%): the map shows the measurement there, marked',
        }),
      }),
    ),
  },
  'One technique at one point of the grid',
);

export const MapSchema = closed(
  {
    axes: closed({
      rates: Type.Array(Type.Number({ exclusiveMinimum: 0 })),
      intervalsMs: Type.Array(nonNegative()),
      clients: Type.Array(count()),
      techniques: Type.Array(TechniqueIdSchema),
      wires: Type.Optional(
        Type.Array(MapWireSchema, { description: 'The wires of the map (`--wire`). Absent in maps before wires: http' }),
      ),
      refused: Type.Optional(
        Type.Array(Type.String(), {
          description: 'Technique and wire pairs left out, each with the reason (core/wires.ts), as run refuses them',
        }),
      ),
    }),
    weights: Type.Optional(
      nullable(
        closed(
          {
            bytes: Type.Optional(nonNegative()),
            bandwidth: Type.Optional(nonNegative()),
            p50: Type.Optional(nonNegative()),
            p99: Type.Optional(nonNegative()),
            cpu: Type.Optional(nonNegative()),
            memory: Type.Optional(nonNegative()),
          },
          '`--weights`: the weight of each criterion (absent: 0)',
        ),
      ),
    ),
    params: closed({
      payloadBytes: count(),
      holdMs: nonNegative(),
      headers: Type.String(),
      rttMs: nonNegative("The network round trip the model uses: the median over the measured cells of each run's fastest probe"),
      target: Type.Optional(
        Type.String({
          description:
            "`--target-file`: the target's name; its bytes per message are fitted from its measured cells. Absent: the built-in target",
        }),
      ),
    }),
    limits: closed({
      maxLatencyMs: nullable(nonNegative(), '`--max-latency`: a technique whose p99 exceeds it does not win a cell'),
      maxBandwidthBytesPerSecond: nullable(nonNegative(), '`--max-bandwidth`, per client'),
      maxMemoryBytes: nullable(nonNegative(), '`--max-memory`: server memory for the held connections; gives the memory crossovers'),
    }),
    calibration: Type.String({
      description:
        'What the model takes from the measured cells (the queue of a fan-out, CPU per request and per message, memory per connection), in words',
    }),
    cells: Type.Array(MapCellSchema),
    winners: Type.Array(
      closed({
        rate: Type.Number({ exclusiveMinimum: 0 }),
        intervalMs: nonNegative(),
        clients: count(),
        criterion: MapRankingSchema,
        wire: Type.Optional(
          literalUnion([...WIRES, 'any'] as const, {
            description:
              'The wire this winner is on; any: across the wires, the winner a technique and wire pair (winnerWire). Absent: http',
          }),
        ),
        technique: nullable(TechniqueIdSchema, 'null: no technique has a figure here, or none is within the limits'),
        winnerWire: Type.Optional(nullable(MapWireSchema, "Across the wires: the winner's wire")),
        runnerUp: nullable(TechniqueIdSchema),
        runnerUpWire: Type.Optional(nullable(MapWireSchema, "Across the wires: the runner-up's wire")),
        margin: nullable(nonNegative(), "Runner-up's figure / winner's figure (1.5: the next best costs 50% more)"),
        measured: Type.Boolean({ description: "Whether the winner's figure is a measurement" }),
      }),
    ),
    crossovers: Type.Array(
      closed({
        id: Type.String(),
        criterion: MapCriterionSchema,
        wire: Type.Optional(MapWireSchema),
        techniques: Type.Array(TechniqueIdSchema),
        axis: literalUnion(['rate', 'intervalMs', 'clients'] as const, { description: 'The axis along which the crossover is a point' }),
        value: nullable(nonNegative(), 'Where the two cross on that axis; null: they do not cross on the grid'),
        at: closed(
          { rate: Type.Optional(Type.Number()), intervalMs: Type.Optional(Type.Number()), clients: Type.Optional(Type.Number()) },
          'The other coordinates it was computed at',
        ),
        formula: Type.String({ description: 'The closed form or the search, with its numbers' }),
        text: Type.String(),
      }),
    ),
    claims: Type.Array(
      closed({
        id: Type.String(),
        claim: Type.String({ description: 'The classic argument, as a sentence' }),
        verdict: literalUnion(['true', 'partly', 'false', 'not measured'] as const, { description: 'a verdict' }),
        evidence: Type.String({ description: 'The numbers and the region where the claim holds or fails' }),
      }),
    ),
    measuredCells: count('Grid points measured (each one scenario of every technique)'),
    wallMs: nonNegative('Wall time of the map: measurements and model'),
  },
  '`pushbench map`: the decision map over rate, poll interval and clients, filled by the model and checked by measured cells',
);

export const ShardRowSchema = closed(
  {
    index: count('The shard index I of --shard I/N'),
    status: literalUnion(['merged', 'missing', 'failed', 'late', 'clock', 'duplicate'] as const, { description: 'a shard status' }),
    reason: nullable(Type.String(), 'Why the shard is not in the merged figures (its clients are unmeasured, not lost); null when merged'),
    host: nullable(Type.String(), 'Host (pod) name the shard ran on; null when no result was given'),
    clients: count("The shard's share of the clients"),
    delivered: nullable(count()),
    expected: nullable(count()),
    lost: nullable(count()),
    p50Ms: nullable(nonNegative()),
    p99Ms: nullable(nonNegative()),
    offsetMs: nullable(Type.Number(), 'Shard clock minus publisher clock, ms, applied to every stamp'),
    boundMs: nullable(nonNegative(), 'The offset is within ± this (half the best round trip, plus the change over the window)'),
    driftMsPerS: nullable(Type.Number(), 'Change of the offset per second between the estimates before and after the window, ms/s'),
    generatorCpuPercent: nullable(nonNegative(), "CPU of the shard's busiest generator process over the window, % of one core"),
    generatorEventLoopUtilization: Type.Optional(
      nullable(
        Type.Number({ minimum: 0, maximum: 1 }),
        "Event-loop use of the shard's busiest generator process over the window (0..1): near 1, the shard measured itself; null when not recorded",
      ),
    ),
  },
  'One shard of a merged run',
);

export const ShardsSummarySchema = closed(
  {
    runId: Type.String(),
    count: Type.Integer({ minimum: 1, description: 'N of --shard I/N' }),
    clientsTotal: count('Clients of the whole run'),
    clientsCovered: count('Clients of the merged shards: the figures cover these; the others are unmeasured'),
    worstBoundMs: nonNegative('The largest clock bound of a merged shard: a latency figure is known only to within it'),
    maxBoundMs: nonNegative('The bound past which a shard was left out (pushbench merge --max-clock-bound)'),
    rows: Type.Array(ShardRowSchema),
  },
  'How a run measured in shards on several hosts was merged (pushbench merge): what the figures cover and each shard on its own',
);

export const ResultsFileSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    tool: closed({ name: Type.Literal('pushbench'), version: Type.String() }),
    createdAt: Type.String({ format: 'date-time', description: 'ISO time the run started' }),
    state: literalUnion(RUN_STATES, { description: '`completed` unless the run was interrupted (Ctrl-C) or a technique failed' }),
    command: Type.String({ description: 'The command line that reproduces this run' }),
    environment: EnvironmentSchema,
    headerProfiles: Type.Record(Type.String(), headerPairs, {
      description: "The poll request's header lines of each profile used, verbatim, keyed by profile name",
    }),
    headerProfileDetails: Type.Optional(
      Type.Record(Type.String(), HeaderProfileRecordSchema, {
        description: 'Every header set of each profile used, keyed by profile name',
      }),
    ),
    scenarios: Type.Array(ScenarioSchema),
    capacity: Type.Optional(CapacityResultSchema),
    capacityOtherWires: Type.Optional(
      Type.Array(CapacityResultSchema, {
        description:
          "The capacity probe on each further wire the run measured, in the run's order (`capacity` holds the first wire's); absent when the run had one wire",
      }),
    ),
    micro: Type.Optional(
      Type.Array(MicroResultSchema, { description: 'tinybench micro-benchmarks of per-message server work, when measured' }),
    ),
    runsPerTechnique: Type.Optional(
      Type.Integer({ minimum: 2, description: '`--runs N`: how many times each technique was measured, interleaved across techniques' }),
    ),
    suiteWallMs: Type.Optional(
      nonNegative('Wall time of the session (every measurement, capacity and micro-benchmarks), before the reports are rendered'),
    ),
    map: Type.Optional(MapSchema),

    shards: Type.Optional(ShardsSummarySchema),
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
export type WirePartsResult = Static<typeof WirePartsSchema>;
export type ScenarioParams = Static<typeof ScenarioParamsSchema>;
export type TechniqueResult = Static<typeof TechniqueResultSchema>;
export type CompletedResult = Static<typeof CompletedResultSchema>;
export type SessionResult = Static<typeof SessionResultSchema>;
export type FailedResult = Static<typeof FailedResultSchema>;
export type MessageCounts = Static<typeof MessageCountsSchema>;
export type LatencySummary = Static<typeof LatencySummarySchema>;
export type ServerCost = Static<typeof ServerCostSchema>;
export type MachineUse = Static<typeof MachineUseSchema>;
export type ServerProcessCost = Static<typeof ServerProcessCostSchema>;
export type ModelEstimate = Static<typeof ModelEstimateSchema>;
export type NetworkInfo = Static<typeof NetworkSchema>;
export type TargetInfo = Static<typeof TargetInfoSchema>;
export type KernelBytes = Static<typeof KernelBytesSchema>;
export type CapacityResult = Static<typeof CapacityResultSchema>;
export type CapacityRound = Static<typeof CapacityRoundSchema>;
export type CapacityCost = Static<typeof CapacityCostSchema>;
export type PublisherResult = Static<typeof PublisherResultSchema>;
export type HeaderProfileRecord = Static<typeof HeaderProfileRecordSchema>;
export type MicroResult = Static<typeof MicroResultSchema>;
export type RunSummary = Static<typeof RunSummarySchema>;
export type MapCriterion = Static<typeof MapCriterionSchema>;
export type MapRanking = Static<typeof MapRankingSchema>;
export type MapFigures = Static<typeof MapFiguresSchema>;
export type MapCell = Static<typeof MapCellSchema>;
export type DecisionMap = Static<typeof MapSchema>;
export type MapWinner = DecisionMap['winners'][number];
export type MapCrossover = DecisionMap['crossovers'][number];
export type MapClaim = DecisionMap['claims'][number];
export type ShardsSummary = Static<typeof ShardsSummarySchema>;
export type ShardRow = Static<typeof ShardRowSchema>;

// ---- the published JSON Schema ---------------------------------------------------------------

/** The published JSON Schema of results.json (core/schema-kit.ts: draft-07, `$id` subschemas under `definitions`). */
export function resultsJsonSchema(): Record<string, unknown> {
  return publishedJsonSchema(ResultsFileSchema, {
    id: 'https://github.com/pushbench/pushbench/core/results.schema.json',
    source: 'core/results.ts',
  });
}

/** The figure a map criterion compares (run/map.ts picks winners by it, reports/map-heatmap.ts prints it). */
export function figureOf(figures: MapFigures, criterion: MapCriterion): number | null {
  switch (criterion) {
    case 'bytes':
      return figures.bytesPerMessage;
    case 'bandwidth':
      return figures.bandwidthBytesPerSecond;
    case 'p50':
      return figures.p50Ms;
    case 'p99':
      return figures.p99Ms;
    case 'cpu':
      return figures.cpuMicrosPerMessage;
    case 'memory':
      return figures.memoryBytesPerConnection;
  }
}
