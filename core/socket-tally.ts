/**
 * Byte tallying over a set of sockets, the one piece the server's accounting and the
 * load generator's counter share: every tracked socket's `bytesRead`/`bytesWritten`
 * (the exact TCP payload) summed, open ones on demand and closed ones folded into
 * running totals when they close, so counting costs nothing on the hot path.
 */
import type { Socket } from 'node:net';

/** Bytes in each direction: `up` is client to server, `down` server to client. */
export interface ClientBytes {
  up: number;
  down: number;
}

/**
 * Which end of the connection this process is: a server reads what goes up, a client
 * writes it. It decides which of a socket's two counters is `up`.
 */
export type TallySide = 'server' | 'client';

/** Called once per socket as it closes, with its final byte counts. */
export type SocketClosedListener = (socket: Socket, up: number, down: number) => void;

/** Open sockets summed on demand, closed ones folded into running totals. */
export class SocketTally {
  private readonly open = new Set<Socket>();
  private closedUp = 0;
  private closedDown = 0;
  /** Sockets ever tracked. */
  total = 0;

  constructor(
    private readonly side: TallySide,
    private readonly onClosed?: SocketClosedListener,
  ) {}

  /** Starts counting a socket (once; a second call is a no-op); its bytes stay counted after it closes. */
  track(socket: Socket): void {
    if (this.open.has(socket)) return;
    this.open.add(socket);
    this.total++;
    socket.once('close', () => {
      const up = this.upOf(socket);
      const down = this.downOf(socket);
      this.closedUp += up;
      this.closedDown += down;
      this.open.delete(socket);
      this.onClosed?.(socket, up, down);
    });
  }

  /** Bytes this socket carried from client to server so far. */
  upOf(socket: Socket): number {
    return this.side === 'server' ? socket.bytesRead : socket.bytesWritten;
  }

  /** Bytes this socket carried from server to client so far. */
  downOf(socket: Socket): number {
    return this.side === 'server' ? socket.bytesWritten : socket.bytesRead;
  }

  get openCount(): number {
    return this.open.size;
  }

  sockets(): IterableIterator<Socket> {
    return this.open.values();
  }

  /** Bytes of every socket ever tracked, open or closed. */
  totals(): ClientBytes {
    let up = this.closedUp;
    let down = this.closedDown;
    for (const socket of this.open) {
      up += this.upOf(socket);
      down += this.downOf(socket);
    }
    return { up, down };
  }
}
