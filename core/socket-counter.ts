/**
 * Client-side byte counting: every socket a generator process opens is tracked, and
 * its `bytesRead`/`bytesWritten` (the exact TCP payload) summed, open or closed.
 * The tallying itself is core/socket-tally.ts, shared with the server's accounting.
 */
import net from 'node:net';
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

  /** An undici `connect` function whose sockets are counted here (Nagle off, as on the server). */
  undiciConnector(): buildConnector.connector {
    const connect = buildConnector({ noDelay: true } as buildConnector.BuildOptions);
    return (options, callback) =>
      connect(this.localAddress === undefined ? options : { ...options, localAddress: this.localAddress }, (error, socket) => {
        // On a failed connect undici passes no socket (undefined, not null).
        if (error === null && socket != null) this.track(socket as net.Socket);
        (callback as (e: Error | null, s: unknown) => void)(error, socket);
      });
  }

  /** A `createConnection` for the ws client whose socket is counted here. */
  netConnection(): (options: net.NetConnectOpts) => net.Socket {
    return (options) => {
      const socket = net.connect(this.localAddress === undefined ? options : { ...options, localAddress: this.localAddress });
      socket.setNoDelay(true);
      this.track(socket);
      return socket;
    };
  }
}
