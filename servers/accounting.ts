/**
 * Byte accounting per socket, as the kernel saw it: `bytesRead` and `bytesWritten`
 * are the exact TCP payload in each direction. Open sockets are summed on demand
 * and closed ones folded into running totals, so a snapshot costs nothing on the
 * hot path.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ByteCounters, ProcessSample } from './protocol.ts';

/** Where a socket's counters stood when its last plain HTTP response ended. */
const kSettled = Symbol('pushbench.settled');
interface SettledSocket extends Socket {
  [kSettled]?: { read: number; written: number };
}

export class SocketAccounting {
  private readonly open = new Set<Socket>();
  private closedUp = 0;
  private closedDown = 0;
  private setupUp = 0;
  private setupDown = 0;
  total = 0;

  /** Starts counting a new connection; its bytes stay counted after it closes. */
  track(socket: Socket): void {
    this.open.add(socket);
    this.total++;
    socket.once('close', () => {
      this.closedUp += socket.bytesRead;
      this.closedDown += socket.bytesWritten;
      this.open.delete(socket);
    });
  }

  get openCount(): number {
    return this.open.size;
  }

  sockets(): IterableIterator<Socket> {
    return this.open.values();
  }

  /** Marks the end of a plain request/response exchange on `socket`. */
  settle(socket: Socket): void {
    (socket as SettledSocket)[kSettled] = { read: socket.bytesRead, written: socket.bytesWritten };
  }

  /**
   * Counts what `socket` has carried since its last plain exchange as connection setup
   * (an SSE request and response head, or a WebSocket upgrade). `unreadBytes` were read
   * from the socket but belong to what follows (the upgrade's `head`).
   */
  countSetup(socket: Socket, unreadBytes = 0): void {
    const settled = (socket as SettledSocket)[kSettled] ?? { read: 0, written: 0 };
    this.setupUp += socket.bytesRead - unreadBytes - settled.read;
    this.setupDown += socket.bytesWritten - settled.written;
  }

  counters(): ByteCounters {
    let up = this.closedUp;
    let down = this.closedDown;
    for (const socket of this.open) {
      up += socket.bytesRead;
      down += socket.bytesWritten;
    }
    return { up, down, setupUp: this.setupUp, setupDown: this.setupDown };
  }
}

/** Cumulative CPU, memory and event-loop figures of this process. */
export function sampleProcess(): ProcessSample {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  return {
    cpuMicros: cpu.user + cpu.system,
    rssBytes: process.memoryUsage.rss(),
    eluIdleMs: elu.idle,
    eluActiveMs: elu.active,
  };
}
