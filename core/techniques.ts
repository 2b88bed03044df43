/**
 * The techniques pushbench measures: one row each, and the only place in the project that
 * lists them. Everything every layer needs to know about a technique without running it
 * (its path, transport, whether it is made of requests, how long a message waits for
 * pickup, how a chat client publishes, its label and colour, the fairness rule it cannot
 * keep) is a field of its row; `TECHNIQUES` and `TechniqueId` derive from the rows.
 *
 * What a technique *does* lives in its own files, one per layer, found by name:
 *   servers/techniques/<id>.ts   the server handler (and its demo pane text)
 *   load/drivers/<id>.ts         the client driver
 *   run/techniques/<id>.ts       the analytic model and the micro-benchmark case
 *   reports/lessons/<id>.ts      the lesson: how it works on the wire, its sequence diagram
 * Each layer's index loads `<id>.ts` (or `.js` when compiled) for every row with
 * `loadTechniqueFiles`, so adding a technique is its row plus those four files.
 */

/** How a technique's bytes travel. `h2` is reserved for HTTP/2 variants. */
export type Transport = 'http1' | 'h2' | 'ws';

/** What a transport means for URLs and the HTTP upgrade. */
export interface TransportInfo {
  /** The URL scheme a client connects with (`ws` for an upgrade from `http`). */
  readonly scheme: 'http' | 'ws';
  /** The `Upgrade` header token the handshake names, or null when there is no upgrade. */
  readonly upgradeToken: string | null;
}

export const TRANSPORTS = {
  http1: { scheme: 'http', upgradeToken: null },
  h2: { scheme: 'http', upgradeToken: null },
  // RFC 6455 §4.1: the token is `websocket` for every WebSocket variant, compressed or not.
  ws: { scheme: 'ws', upgradeToken: 'websocket' },
} as const satisfies Readonly<Record<Transport, TransportInfo>>;

export interface TechniqueMeta {
  readonly id: string;
  /** The endpoint its clients request, e.g. `/poll`. */
  readonly path: `/${string}`;
  readonly transport: Transport;
  /**
   * `request`: every message travels in the response to a request the client made (request
   * counters and empty answers apply). `stream`: one connection stays open and the server
   * writes each message into it.
   */
  readonly delivery: 'request' | 'stream';
  /**
   * How long a published message may wait before the client can see it: `interval` (it
   * waits for the next poll, up to one poll interval) or `immediate`. The runner warms up
   * and drains at least this long.
   */
  readonly pickup: 'interval' | 'immediate';
  /** How a chat client publishes: `POST /publish` on a connection of its own, or a frame on its socket. */
  readonly upstream: 'post' | 'socket';
  /** Sockets one client holds in the chat workload (a POSTing client needs a second connection). */
  readonly socketsPerChatClient: number;
  /** Short label for tables, legends and axes. */
  readonly label: string;
  /** Chart colour (Okabe–Ito palette, readable by colour-blind readers and in greyscale print). */
  readonly color: string;
  /** Compression applied to messages on the wire. */
  readonly compression: 'none' | 'permessage-deflate';
  /**
   * The rule of fairness this technique cannot keep, as one sentence for the report and the
   * README, or null when it keeps them all (DESIGN.md, "Rules of fairness").
   */
  readonly breaks: string | null;
}

/** One row per technique, in the order reports show them. */
const ROWS = [
  {
    id: 'polling',
    path: '/poll',
    transport: 'http1',
    delivery: 'request',
    pickup: 'interval',
    upstream: 'post',
    socketsPerChatClient: 2,
    label: 'Short polling',
    color: '#E69F00',
    compression: 'none',
    breaks: null,
  },
  {
    id: 'longpoll',
    path: '/longpoll',
    transport: 'http1',
    delivery: 'request',
    pickup: 'immediate',
    upstream: 'post',
    socketsPerChatClient: 2,
    label: 'Long polling',
    color: '#CC79A7',
    compression: 'none',
    breaks: null,
  },
  {
    id: 'sse',
    path: '/sse',
    transport: 'http1',
    delivery: 'stream',
    pickup: 'immediate',
    upstream: 'post',
    socketsPerChatClient: 2,
    label: 'Server-Sent Events',
    color: '#009E73',
    compression: 'none',
    breaks: null,
  },
  {
    id: 'websocket',
    path: '/ws',
    transport: 'ws',
    delivery: 'stream',
    pickup: 'immediate',
    upstream: 'socket',
    socketsPerChatClient: 1,
    label: 'WebSocket',
    color: '#0072B2',
    compression: 'none',
    breaks: null,
  },
  {
    id: 'websocket-deflate',
    path: '/ws-deflate',
    transport: 'ws',
    delivery: 'stream',
    pickup: 'immediate',
    upstream: 'socket',
    socketsPerChatClient: 1,
    label: 'WebSocket + deflate',
    color: '#56B4E9',
    compression: 'permessage-deflate',
    breaks:
      'encode once, write to every socket: with permessage-deflate and context takeover each socket compresses every message again against its own history, so the bytes differ per socket and so does the CPU',
  },
] as const satisfies readonly TechniqueMeta[];

export type TechniqueId = (typeof ROWS)[number]['id'];

/** Every technique id, in the order reports show them. */
export const TECHNIQUES: readonly TechniqueId[] = Object.freeze(ROWS.map((row) => row.id));

/** The row of each technique. */
export const TECHNIQUE_META: Readonly<Record<TechniqueId, TechniqueMeta & { readonly id: TechniqueId }>> = Object.freeze(
  Object.fromEntries(ROWS.map((row) => [row.id, Object.freeze(row)])) as unknown as Record<
    TechniqueId,
    TechniqueMeta & { readonly id: TechniqueId }
  >,
);

/** True when `value` names a technique. */
export function isTechniqueId(value: unknown): value is TechniqueId {
  return typeof value === 'string' && (TECHNIQUES as readonly string[]).includes(value);
}

/** How long a message may wait for pickup in a scenario (one poll interval, or 0), ms. */
export function pickupMs(id: TechniqueId, params: { intervalMs: number }): number {
  return TECHNIQUE_META[id].pickup === 'interval' ? params.intervalMs : 0;
}

/** The techniques whose row matches `predicate`, in report order. */
export function techniquesWhere(predicate: (meta: TechniqueMeta) => boolean): TechniqueId[] {
  return TECHNIQUES.filter((id) => predicate(TECHNIQUE_META[id]));
}

/** The one technique whose row matches `predicate`; throws when none or several do. */
export function techniqueWhere(what: string, predicate: (meta: TechniqueMeta) => boolean): TechniqueId {
  const found = techniquesWhere(predicate);
  if (found.length !== 1)
    throw new Error(`expected exactly one technique that is ${what}; found ${found.length === 0 ? 'none' : found.join(', ')}`);
  return found[0]!;
}

/**
 * The techniques the capacity probe and the perf scripts measure against bare baselines, picked
 * by what they are rather than by name: the one polled on an interval (autocannon drives its
 * endpoint; a bare node:http handler answers the same bytes) and the WebSocket without
 * compression (a bare `ws` loop sends the same buffer).
 */
export const INTERVAL_POLL_TECHNIQUE = techniqueWhere(
  'polled on an interval',
  (meta) => meta.delivery === 'request' && meta.pickup === 'interval',
);
export const PLAIN_WS_TECHNIQUE = techniqueWhere(
  'a WebSocket without compression',
  (meta) => meta.transport === 'ws' && meta.compression === 'none',
);

/** The URL a client of `id` opens on a server at `origin` (`http://host:port`), with the scheme its transport needs. */
export function techniqueUrl(id: TechniqueId, origin: string): string {
  const { scheme } = TRANSPORTS[TECHNIQUE_META[id].transport];
  return `${origin.replace(/^http/, scheme)}${TECHNIQUE_META[id].path}`;
}

/** What a technique's own file in one layer exports (as its default export): at least the id it is for. */
export interface TechniqueFile {
  readonly id: TechniqueId;
}

/**
 * Loads one layer's per-technique files: for every row, `<id>.ts` (or `<id>.js` when running
 * compiled) next to `indexUrl`, whose default export must be that technique's entry. A missing
 * file or a wrong export fails at load time, naming the file and what it must export.
 */
export async function loadTechniqueFiles<T extends TechniqueFile>(
  indexUrl: string,
  what: string,
): Promise<Readonly<Record<TechniqueId, T>>> {
  const extension = /\.[cm]?ts$/.test(new URL(indexUrl).pathname) ? '.ts' : '.js';
  const entries = await Promise.all(
    TECHNIQUES.map(async (id) => {
      const url = new URL(`./${id}${extension}`, indexUrl);
      let module: { default?: unknown };
      try {
        module = (await import(url.href)) as { default?: unknown };
      } catch (error) {
        throw new Error(`technique ${id} has no ${what}: cannot load ${url.pathname} (${(error as Error).message})`, { cause: error });
      }
      const entry = module.default as Partial<T> | undefined;
      if (typeof entry !== 'object' || entry === null || entry.id !== id) {
        throw new Error(
          `${url.pathname} must export default the ${what} of technique ${id} (an object with id ${JSON.stringify(id)}); its default export has id ${JSON.stringify(entry?.id)}`,
        );
      }
      return [id, entry as T] as const;
    }),
  );
  return Object.freeze(Object.fromEntries(entries) as Record<TechniqueId, T>);
}

/** A technique's code in the map's tables: the capitals of its label's words (SP, LP, SSE, WS, WSD). */
export function techniqueCode(technique: TechniqueId): string {
  return TECHNIQUE_META[technique].label
    .split(/[\s-]+/)
    .filter((word) => /[A-Za-z]/.test(word))
    .map((word) => (/[A-Z]/.test(word) ? word.replace(/[^A-Z]/g, '') : word[0]!.toUpperCase()))
    .join('');
}
