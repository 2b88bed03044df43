/**
 * Client-side byte counting: every socket a generator process opens is tracked, and
 * its `bytesRead`/`bytesWritten` (the exact TCP payload) summed, open or closed.
 * The tallying itself is core/socket-tally.ts, shared with the server's accounting.
 */
import net from 'node:net';
import tls from 'node:tls';
import { buildConnector } from 'undici';
import { SocketTally, type ClientBytes } from './socket-tally.ts';

export type { ClientBytes } from './socket-tally.ts';

/**
 * How a socket's bytes are attributed to the measured window: `snapshot` by the counters read
 * at the window's edges; `exchange` by whole request/response exchanges, each attributed by
 * its own instant (a poll's due time) by the generator, so that an edge falling inside an
 * exchange never splits it.
 */
export type ByteAttribution = 'snapshot' | 'exchange';

export class SocketCounter {
  /**
   * @param localAddress the loopback source address every socket of this counter connects from
   *   (127.0.0.2, ...): one address has only as many ports to one server port as the ephemeral
   *   range holds (about 28,000), so a large run spreads its generator processes over several.
   *   Undefined: the kernel picks (127.0.0.1 to a loopback server).
   */
  constructor(readonly localAddress?: string) {}

  private readonly tally = new SocketTally('client');
  /** The sockets whose window bytes come from the edge snapshots (every one not attributed by exchange). */
  private readonly snapshotTally = new SocketTally('client');

  /** Counts a socket's bytes (whole run), and in the edge snapshots unless attributed by exchange. */
  track(socket: net.Socket, attribution: ByteAttribution = 'snapshot'): void {
    this.tally.track(socket);
    if (attribution === 'snapshot') this.snapshotTally.track(socket);
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
   */
  dial(host: string, port: number, secure: SecureDial | null, attribution: ByteAttribution = 'snapshot'): { socket: net.Socket; tcp: net.Socket } {
    const tcp = net.connect({ port, host, ...this.source() });
    tcp.setNoDelay(true);
    this.track(tcp, attribution);
    if (secure === null) return { socket: tcp, tcp };
    return { socket: tls.connect(secureOptions(host, secure, tcp)), tcp };
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

  /** A `createConnection` for the ws client whose socket is counted here; with `secure`, TLS over it (wss). */
  netConnection(secure: SecureDial | null = null): (options: net.NetConnectOpts) => net.Socket {
    return (options) => {
      if (secure !== null) {
        const { host, port } = options as net.TcpNetConnectOpts;
        return this.dial(host ?? 'localhost', port, secure).socket;
      }
      const socket = net.connect({ ...options, ...this.source() });
      socket.setNoDelay(true);
      this.track(socket);
      return socket;
    };
  }
}

/** How a client opens TLS over a counted TCP socket. */
export interface SecureDial {
  /** The ALPN protocol to offer (`h2`, `http/1.1`). */
  readonly alpn: string;
  /**
   * Certificates to trust, PEM; null accepts any certificate. Phase 1 drives only pushbench's own
   * server on loopback, whose self-signed certificate is made at run time in another process.
   */
  readonly ca: string | null;
}

function secureOptions(host: string, secure: SecureDial, tcp: net.Socket): tls.ConnectionOptions {
  return {
    socket: tcp,
    ALPNProtocols: [secure.alpn],
    // SNI carries host names only (RFC 6066 §3), never an address literal.
    ...(net.isIP(host.replace(/^\[|\]$/g, '')) === 0 ? { servername: host } : {}),
    ...(secure.ca === null ? { rejectUnauthorized: false } : { ca: secure.ca }),
  };
}
