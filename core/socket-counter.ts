/**
 * Client-side byte counting: every socket a generator process opens is tracked, and
 * its `bytesRead`/`bytesWritten` (the exact TCP payload) summed, open or closed.
 * The tallying itself is core/socket-tally.ts, shared with the server's accounting.
 */
import net from 'node:net';
import tls from 'node:tls';
import { buildConnector } from 'undici';
import { SocketTally, type ClientBytes } from './socket-tally.ts';
import { addParts, ConnectionParts, emptyParts, tlsTap, type PartsRole, type WireParts } from './wire-parts.ts';

export type { ClientBytes } from './socket-tally.ts';

/** Whole-run bytes and, where connections were tapped, their parts (core/wire-parts.ts), read together. */
export interface CountedBytes extends ClientBytes {
  parts?: WireParts;
}

/**
 * How a socket's bytes are attributed to the measured window: `snapshot` by the counters read
 * at the window's edges; `exchange` by whole request/response exchanges, each attributed by
 * its own instant (a poll's due time) by the generator, so that an edge falling inside an
 * exchange never splits it.
 */
export type ByteAttribution = 'snapshot' | 'exchange';

/** The parts counter of each TLS or HTTP/2 connection, by its TCP socket. */
const partsByTcp = new WeakMap<net.Socket, ConnectionParts>();

/** The parts counter of the connection on TCP socket `tcp` (one `dial` made), or undefined on a connection nobody taps. */
export function partsOf(tcp: net.Socket): ConnectionParts | undefined {
  return partsByTcp.get(tcp);
}

/** The parts counter of each connection by the socket HTTP speaks over (the TLS socket, or the TCP one on a cleartext wire). */
const partsByPlaintext = new WeakMap<net.Socket, ConnectionParts>();

/**
 * Counts an HTTP/1.1 WebSocket handshake on the client: called when the HTTP parser has found
 * the end of the 101's head (`head` is what came after it), on a fresh connection, before
 * anything else was written. The plaintext socket's counters are then exactly the request head
 * (up) and the 101's head plus `head` (down).
 */
export function countUpgradeHeads(socket: net.Socket, head: Buffer): void {
  const parts = partsByPlaintext.get(socket);
  if (parts === undefined) return;
  parts.upgradeHead('up', socket.bytesWritten);
  parts.upgradeHead('down', socket.bytesRead - head.length);
}

/** The parts counter of `tcp`, made (and kept with the socket) on first ask. */
export function ensureParts(tcp: net.Socket, role: PartsRole = 'client'): ConnectionParts {
  let parts = partsByTcp.get(tcp);
  if (parts === undefined) partsByTcp.set(tcp, (parts = new ConnectionParts(role)));
  return parts;
}

export class SocketCounter {
  /**
   * @param localAddress the loopback source address every socket of this counter connects from
   *   (127.0.0.2, ...): one address has only as many ports to one server port as the ephemeral
   *   range holds (about 28,000), so a large run spreads its generator processes over several.
   *   Undefined: the kernel picks (127.0.0.1 to a loopback server).
   */
  constructor(readonly localAddress?: string) {}

  private readonly tally = new SocketTally('client');
  /** Parts counters of every tapped connection, and of those whose window bytes come from the edge snapshots. */
  private readonly allParts: ConnectionParts[] = [];
  private readonly snapshotParts: ConnectionParts[] = [];
  /** The sockets whose window bytes come from the edge snapshots (every one not attributed by exchange). */
  private readonly snapshotTally = new SocketTally('client');

  /** Counts a socket's bytes (whole run), and in the edge snapshots unless attributed by exchange. */
  track(socket: net.Socket, attribution: ByteAttribution = 'snapshot'): void {
    this.tally.track(socket);
    if (attribution === 'snapshot') this.snapshotTally.track(socket);
  }

  /** Parts of the tapped connections attributed by snapshot (per-message parts for the window's edges). */
  snapshotPartTotals(): WireParts {
    const out = emptyParts();
    for (const parts of this.snapshotParts) addParts(out, parts.snapshot());
    return out;
  }

  /** Parts of every tapped connection over the whole run (setup per connection comes from here). */
  partTotals(): WireParts {
    const out = emptyParts();
    for (const parts of this.allParts) addParts(out, parts.snapshot());
    return out;
  }

  /** Counts the parts of the connection on `tcp` from now on (TLS records, HTTP/2 frames its taps see). */
  trackParts(tcp: net.Socket, attribution: ByteAttribution): ConnectionParts {
    const parts = ensureParts(tcp);
    if (!this.allParts.includes(parts)) {
      this.allParts.push(parts);
      if (attribution === 'snapshot') this.snapshotParts.push(parts);
    }
    return parts;
  }

  /** Bytes of the sockets attributed by snapshot: what the window's edge snapshots read. */
  snapshotTotals(): ClientBytes {
    return this.snapshotTally.totals();
  }

  get openSockets(): number {
    return this.tally.openCount;
  }

  totals(): ClientBytes {
    return this.tally.totals();
  }

  /**
   * Opens a TCP connection to `host`:`port` (Nagle off, as on the server), counted here, and
   * with `secure` the TLS session over it: `socket` is what to speak over, `tcp` the socket
   * under it whose counters are the TCP payload. Under TLS the TCP socket, not the TLS one, is
   * counted, so that handshakes and record overhead are in the bytes as on the server's side.
   * Under TLS a tap between the two counts the records (core/wire-parts.ts), unless `tapParts`
   * is false: the tap is a JavaScript stream between TLS and TCP, and a client that needs no
   * record counts (the capacity probe's) speaks TLS straight over the TCP socket, as Node does.
   * `onread` (cleartext only: TLS reads the TCP socket as a stream) hands what arrives to a
   * callback in a caller's buffer instead of 'data' events; the socket's counters are the same.
   */
  dial(
    host: string,
    port: number,
    secure: SecureDial | null,
    attribution: ByteAttribution = 'snapshot',
    tapParts = true,
    onread?: net.OnReadOpts,
  ): { socket: net.Socket; tcp: net.Socket } {
    const tcp = net.connect({ port, host, ...this.source(), ...(secure === null && onread !== undefined ? { onread } : {}) });
    tcp.setNoDelay(true);
    this.track(tcp, attribution);
    if (secure === null) return { socket: tcp, tcp };
    if (!tapParts) return { socket: tls.connect(secureOptions(host, secure, tcp)), tcp };
    const parts = this.trackParts(tcp, attribution);
    const socket = tls.connect(secureOptions(host, secure, tlsTap(tcp, parts) as unknown as net.Socket));
    partsByPlaintext.set(socket, parts);
    socket.once('secureConnect', () => parts.secureConnected());
    socket.on('session', () => parts.ticket());
    return { socket, tcp };
  }

  /** An undici `connect` function whose sockets are counted here (Nagle off, as on the server); with `secure`, TLS over them. */
  undiciConnector(secure: SecureDial | null = null): buildConnector.connector {
    if (secure !== null) {
      return (options, callback) => {
        const { socket } = this.dial(options.hostname, Number(options.port), secure);
        let done = false;
        const settle = (error: Error | null): void => {
          if (done) return;
          done = true;
          (callback as (e: Error | null, s: unknown) => void)(error, error === null ? socket : null);
        };
        socket.once('secureConnect', () => settle(null));
        socket.once('error', settle);
      };
    }
    const connect = buildConnector({ noDelay: true } as buildConnector.BuildOptions);
    return (options, callback) =>
      connect({ ...options, ...this.source() }, (error, socket) => {
        // On a failed connect undici passes no socket (undefined, not null).
        if (error === null && socket != null) this.track(socket as net.Socket);
        (callback as (e: Error | null, s: unknown) => void)(error, socket);
      });
  }

  /** The connect options that set the source address, if any. */
  private source(): { localAddress?: string } {
    return this.localAddress === undefined ? {} : { localAddress: this.localAddress };
  }

  /**
   * A `createConnection` for the ws client whose socket is counted here; with `secure`, TLS over
   * it (wss). Its parts are counted too (cleartext: the upgrade heads only, see countUpgradeHeads).
   */
  netConnection(secure: SecureDial | null = null): (options: net.NetConnectOpts) => net.Socket {
    return (options) => {
      if (secure !== null) {
        const { host, port } = options as net.TcpNetConnectOpts;
        return this.dial(host ?? 'localhost', port, secure).socket;
      }
      const socket = net.connect({ ...options, ...this.source() });
      socket.setNoDelay(true);
      this.track(socket);
      partsByPlaintext.set(socket, this.trackParts(socket, 'snapshot'));
      return socket;
    };
  }
}

/** How a client opens TLS over a counted TCP socket. */
export interface SecureDial {
  /** The ALPN protocol to offer (`h2`, `http/1.1`). */
  readonly alpn: string;
  /** Which server certificates the client accepts (core/ipc.ts TlsTrust). */
  readonly trust: TlsTrust;
}

/**
 * Which certificates a TLS client accepts: `any` (pushbench's own server, whose self-signed
 * certificate is made in another process, or a target run with `--insecure`), `ca` (only a
 * certificate signed by, or equal to, this PEM: a target whose certificate pushbench made), or
 * `system` (Node's bundled CA store, as a browser verifies: the default for a target pushbench
 * did not start). Names are checked against the host in every mode but `any`.
 */
export type TlsTrust = { readonly kind: 'any' } | { readonly kind: 'ca'; readonly pem: string } | { readonly kind: 'system' };

/** TLS options of `trust` for Node's tls.connect and undici's connector. */
export function trustOptions(trust: TlsTrust): { rejectUnauthorized: false } | { ca: string } | Record<string, never> {
  if (trust.kind === 'any') return { rejectUnauthorized: false };
  return trust.kind === 'ca' ? { ca: trust.pem } : {};
}

function secureOptions(host: string, secure: SecureDial, tcp: net.Socket): tls.ConnectionOptions {
  return {
    socket: tcp,
    ALPNProtocols: [secure.alpn],
    // SNI carries host names only (RFC 6066 §3), never an address literal.
    ...(net.isIP(host.replace(/^\[|\]$/g, '')) === 0 ? { servername: host } : {}),
    ...trustOptions(secure.trust),
  };
}
