/**
 * Client-side byte counting: every socket a generator process opens is tracked, and
 * its `bytesRead`/`bytesWritten` (the exact TCP payload) summed, open or closed.
 */
import net from 'node:net';
import { buildConnector } from 'undici';

export interface ClientBytes {
  up: number;
  down: number;
}

export class SocketCounter {
  private readonly open = new Set<net.Socket>();
  private closedUp = 0;
  private closedDown = 0;

  track(socket: net.Socket): void {
    if (this.open.has(socket)) return;
    this.open.add(socket);
    socket.once('close', () => {
      this.closedUp += socket.bytesWritten;
      this.closedDown += socket.bytesRead;
      this.open.delete(socket);
    });
  }

  get openSockets(): number {
    return this.open.size;
  }

  totals(): ClientBytes {
    let up = this.closedUp;
    let down = this.closedDown;
    for (const socket of this.open) {
      up += socket.bytesWritten;
      down += socket.bytesRead;
    }
    return { up, down };
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
