/**
 * The wires a technique can travel on: one row each, and the only place in the project that
 * lists them (as core/techniques.ts is for techniques). A wire is what carries HTTP between a
 * client and a server: TLS or not, HTTP/1.1 or HTTP/2. The server's listen seam
 * (servers/transports.ts) and the clients' connect seam (load/wire-clients.ts) each hold one
 * strategy per row; a technique's server handler and client driver never ask which wire they
 * are on.
 *
 * Which techniques a wire carries is said by transport, not by technique name: HTTP/1.1 opens a
 * WebSocket with the HTTP Upgrade (RFC 6455), HTTP/2 with extended CONNECT (RFC 8441: one stream
 * of the connection carries the WebSocket, as Chromium and Firefox do when the server offers it).
 * permessage-deflate is negotiated on the Upgrade only so far, so a compressed WebSocket on
 * HTTP/2 is refused before the run, naming the wires that would carry it.
 */
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId, type Transport } from './techniques.ts';

export interface WireMeta {
  readonly id: string;
  /** Whether the TCP connection carries TLS (1.3, see TLS_MIN_VERSION). */
  readonly tls: boolean;
  readonly httpVersion: '1.1' | '2';
  /** The ALPN protocol the client offers and the server picks, or null without TLS. */
  readonly alpn: 'http/1.1' | 'h2' | null;
  /** The scheme of the server's origin. */
  readonly scheme: 'http' | 'https';
  /** The technique transports this wire carries (core/techniques.ts `Transport`). */
  readonly carries: readonly Transport[];
  /** How a WebSocket opens on this wire: the HTTP/1.1 Upgrade (RFC 6455) or extended CONNECT (RFC 8441), one stream of the connection. */
  readonly webSocket: 'upgrade' | 'extended-connect';
  /** Short label for tables and messages. */
  readonly label: string;
}

/** One row per wire, in the order reports show them. */
const ROWS = [
  {
    id: 'http',
    tls: false,
    httpVersion: '1.1',
    alpn: null,
    scheme: 'http',
    carries: ['http1', 'ws'],
    webSocket: 'upgrade',
    label: 'HTTP/1.1',
  },
  {
    id: 'https',
    tls: true,
    httpVersion: '1.1',
    alpn: 'http/1.1',
    scheme: 'https',
    carries: ['http1', 'ws'],
    webSocket: 'upgrade',
    label: 'HTTP/1.1 + TLS',
  },
  // The HTTP/1.1 request techniques map onto HTTP/2 streams as they are; a WebSocket is a stream opened by extended CONNECT.
  {
    id: 'h2',
    tls: true,
    httpVersion: '2',
    alpn: 'h2',
    scheme: 'https',
    carries: ['http1', 'h2', 'ws'],
    webSocket: 'extended-connect',
    label: 'HTTP/2 + TLS',
  },
  {
    id: 'h2c',
    tls: false,
    httpVersion: '2',
    alpn: null,
    scheme: 'http',
    carries: ['http1', 'h2', 'ws'],
    webSocket: 'extended-connect',
    label: 'HTTP/2 cleartext',
  },
] as const satisfies readonly WireMeta[];

export type WireId = (typeof ROWS)[number]['id'];

/** Every wire id, in the order reports show them. */
export const WIRES: readonly WireId[] = Object.freeze(ROWS.map((row) => row.id));

/** The wire every run uses unless told otherwise: today's HTTP/1.1 cleartext. */
export const DEFAULT_WIRE: WireId = 'http';

/** The row of each wire. */
export const WIRE_META: Readonly<Record<WireId, WireMeta & { readonly id: WireId }>> = Object.freeze(
  Object.fromEntries(ROWS.map((row) => [row.id, Object.freeze(row)])) as unknown as Record<WireId, WireMeta & { readonly id: WireId }>,
);

/** True when `value` names a wire. */
export function isWireId(value: unknown): value is WireId {
  return typeof value === 'string' && (WIRES as readonly string[]).includes(value);
}

/** Why `wire` cannot carry technique `id` (the reason alone), or null when it can. */
function whyNot(wire: WireId, id: TechniqueId): string | null {
  const meta = TECHNIQUE_META[id];
  const row = WIRE_META[wire];
  if (!(row.carries as readonly Transport[]).includes(meta.transport)) return `${row.label} does not carry the ${meta.transport} transport`;
  // ws negotiates permessage-deflate in its Upgrade handshake only; on a CONNECT stream pushbench would have to do it itself.
  if (meta.transport === 'ws' && meta.compression !== 'none' && row.webSocket === 'extended-connect') {
    return `${meta.compression} is negotiated on the HTTP/1.1 Upgrade only so far, not on an RFC 8441 extended CONNECT`;
  }
  return null;
}

/** Whether `wire` carries technique `id`. */
export function wireCarries(wire: WireId, id: TechniqueId): boolean {
  return whyNot(wire, id) === null;
}

/** The wires that carry technique `id`, in report order. */
export function wiresCarrying(id: TechniqueId): WireId[] {
  return WIRES.filter((wire) => wireCarries(wire, id));
}

/**
 * Why `wire` cannot carry technique `id`, as one sentence naming both and the wires that would,
 * or null when it can.
 */
export function wireRefusal(id: TechniqueId, wire: WireId): string | null {
  const why = whyNot(wire, id);
  if (why === null) return null;
  return `technique ${id} cannot run on wire ${wire} (${WIRE_META[wire].label}): ${why}; wires that carry ${id}: ${wiresCarrying(id).join(', ')}`;
}

/** Every refused pair among `techniques` x `wires`, as sentences (empty when all can run). */
export function wireRefusals(techniques: readonly TechniqueId[], wires: readonly WireId[]): string[] {
  const out: string[] = [];
  for (const wire of wires)
    for (const id of techniques) {
      const refusal = wireRefusal(id, wire);
      if (refusal !== null) out.push(refusal);
    }
  return out;
}

/** `http://host:port` turned into the origin of `wire` (its scheme), for clients of a server listening there. */
export function wireOrigin(wire: WireId, origin: string): string {
  return origin.replace(/^https?:/, `${WIRE_META[wire].scheme}:`);
}

/** TLS 1.3 only, on every TLS wire: the record overhead is then fixed (5-byte header, 1-byte inner type, 16-byte AEAD tag). */
export const TLS_MIN_VERSION = 'TLSv1.3';
/** Bytes TLS 1.3 adds to every record with an AEAD cipher (AES-GCM, ChaCha20-Poly1305): 5 header + 1 inner content type + 16 tag. */
export const TLS13_RECORD_OVERHEAD_BYTES = 22;

/**
 * The HTTP/2 settings of pushbench's server, stated for the method section. The stream window is
 * Chromium's (6 MiB), so that an SSE stream is never throttled by flow control before the
 * connection is; 100 concurrent streams is the floor RFC 9113 §6.5.2 recommends and what nginx,
 * Apache and Chromium's own limits sit near.
 */
export const H2_SERVER_SETTINGS = Object.freeze({
  initialWindowSize: 6 * 1024 * 1024,
  maxConcurrentStreams: 100,
  // SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3): a WebSocket may open as a stream of the connection.
  enableConnectProtocol: true,
});

/** The HTTP/2 settings of pushbench's clients (a browser tab): Chromium's stream window, as a Chromium capture shows it. */
export const H2_CLIENT_SETTINGS = Object.freeze({
  initialWindowSize: 6 * 1024 * 1024,
  enablePush: false,
});

/** The connection-level receive window a client (a browser tab) opens at start with a WINDOW_UPDATE: Chromium's 15 MiB. */
export const H2_CLIENT_CONNECTION_WINDOW_BYTES = 15 * 1024 * 1024;

/** Techniques that `wire` carries, among `techniques` (which default to all). */
export function techniquesOn(wire: WireId, techniques: readonly TechniqueId[] = TECHNIQUES): TechniqueId[] {
  return techniques.filter((id) => wireCarries(wire, id));
}
