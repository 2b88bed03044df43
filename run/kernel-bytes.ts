/**
 * The kernel's own byte counters of a server's sockets, for a server pushbench cannot ask: `ss
 * -tin` prints every TCP socket's tcp_info, whose bytes_sent and bytes_received (RFC 4898) count
 * the TCP payload each socket sent and received. Summed over the sockets on the server's port
 * (its side of every connection), minus the connections of pushbench's own publisher, they are
 * what the clients must have counted, so "bytes agree" means something for a foreign server too.
 *
 * A socket that closes between two snapshots takes its counters with it; the comparison then
 * says it is incomplete instead of pretending.
 */
import { execFile } from 'node:child_process';

/** One server-side socket's counters, keyed by the peer (the client's address and port). */
export interface SocketBytes {
  sent: number;
  received: number;
}

export type KernelSnapshot = Map<string, SocketBytes>;

/** `127.0.0.1:41234` or `[::1]:41234` to its port. */
function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/**
 * Parses `ss -tinHa` output: a socket line (state, queues, local, peer) followed by an indented
 * info line. Listening sockets and sockets whose local port is not `port` are skipped, and so are
 * connections from `excludePeerPorts` (the publisher's).
 */
export function parseSs(output: string, port: number, excludePeerPorts: ReadonlySet<number>): KernelSnapshot {
  const sockets: KernelSnapshot = new Map();
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line.startsWith('\t') || line.startsWith(' ')) continue;
    const fields = line.trim().split(/\s+/);
    const [state, , , local, peer] = fields;
    // A listening socket is no connection; a TIME-WAIT one is a connection already closed (no counters left).
    if (state === undefined || local === undefined || peer === undefined || state === 'LISTEN' || state === 'TIME-WAIT') continue;
    if (portOf(local) !== port || excludePeerPorts.has(portOf(peer))) continue;
    const info = lines[i + 1] ?? '';
    const number = (name: string): number => Number(new RegExp(`\\b${name}:(\\d+)`).exec(info)?.[1] ?? 0);
    sockets.set(peer, { sent: number('bytes_sent'), received: number('bytes_received') });
  }
  return sockets;
}

/** A snapshot of the sockets on `port` (on this host), or null when `ss` is not there. */
export function kernelSnapshot(port: number, excludePeerPorts: ReadonlySet<number>): Promise<KernelSnapshot | null> {
  return new Promise((resolve) => {
    execFile('ss', ['-tinHa', `( sport = :${port} )`], { maxBuffer: 256 * 1024 * 1024, timeout: 10_000 }, (error, stdout) => {
      resolve(error === null ? parseSs(stdout, port, excludePeerPorts) : null);
    });
  });
}

/** What the kernel counted between two snapshots, and which sockets could not be counted whole. */
export interface KernelDelta {
  up: number;
  down: number;
  /** Sockets counted: present at the second snapshot. */
  sockets: number;
  /** Sockets of the first snapshot gone by the second: their bytes after the first are unknown. */
  closed: number;
}

/** Bytes between `before` and `after`: a socket new in `after` counts from zero (it was opened in between). */
export function kernelDelta(before: KernelSnapshot, after: KernelSnapshot): KernelDelta {
  let up = 0;
  let down = 0;
  for (const [peer, now] of after) {
    const then = before.get(peer);
    up += now.received - (then?.received ?? 0);
    down += now.sent - (then?.sent ?? 0);
  }
  let closed = 0;
  for (const peer of before.keys()) if (!after.has(peer)) closed++;
  return { up, down, sockets: after.size, closed };
}
