/**
 * Client-side byte counting: every socket a generator process opens is tracked, and
 * its `bytesRead`/`bytesWritten` (the exact TCP payload) summed, open or closed.
 * The tallying itself is core/socket-tally.ts, shared with the server's accounting.
 */
import net from 'node:net';
import { buildConnector } from 'undici';
import { SocketTally, type ClientBytes } from './socket-tally.ts';

export type { ClientBytes } from './socket-tally.ts';

export class SocketCounter {
  private readonly tally = new SocketTally('client');

  track(socket: net.Socket): void {
    this.tally.track(socket);
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
      connect(options, (error, socket) => {
        // On a failed connect undici passes no socket (undefined, not null).
        if (error === null && socket != null) this.track(socket as net.Socket);
        (callback as (e: Error | null, s: unknown) => void)(error, socket);
      });
  }

  /** A `createConnection` for the ws client whose socket is counted here. */
  netConnection(): (options: net.NetConnectOpts) => net.Socket {
    return (options) => {
      const socket = net.connect(options);
      socket.setNoDelay(true);
      this.track(socket);
      return socket;
    };
  }
}
