/**
 * The kernel's own byte counters of a server's sockets, for a server pushbench cannot ask: `ss
 * -tin` prints every TCP socket's tcp_info, whose bytes_sent and bytes_received (RFC 4898) count
 * the TCP payload each socket sent and received. Summed over the sockets on the server's port
 * (its side of every connection), minus the connections of pushbench's own publisher, they are
 * what the clients must have counted, so "bytes agree" means something for a foreign server too.
 *
 * Both sides are read at the same quiet moments, the window's edges (quietPair), so the two counts
 * describe one state of every socket and must agree to the byte. A socket that closes between two
 * snapshots takes its counters with it, and an edge where bytes never stopped moving leaves the
 * two reads at different states: the comparison then says which instead of pretending.
 */
import { execFile } from 'node:child_process';
import type { ClientBytes } from '../core/socket-counter.ts';

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

/** `127.0.0.1:41234`, `[::1]:41234` or `[::ffff:127.0.0.1]:41234` to its address, `127.0.0.1` or `::1`. */
function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host.startsWith('::ffff:') ? host.slice(7) : host;
}

/**
 * Parses `ss -tinHa` output: a socket line (state, queues, local, peer) followed by an indented
 * info line. Listening sockets and sockets whose local port is not `port` are skipped, and so are
 * connections from `excludePeers` (the publisher's, as ss writes a peer: `127.0.0.1:50000`).
 * With `host` (the server's address), a socket whose local address is another is skipped too: it
 * is a client that happens to have the server's port number as its own source port, on another
 * address (127.0.0.2, ...: a run's own clients past 28,000, or another program's).
 */
export function parseSs(output: string, port: number, excludePeers: ReadonlySet<string>, host?: string): KernelSnapshot {
  const server = host === undefined ? undefined : hostOf(`${host}:0`);
  const sockets: KernelSnapshot = new Map();
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line.startsWith('\t') || line.startsWith(' ')) continue;
    const fields = line.trim().split(/\s+/);
    const [state, , , local, peer] = fields;
    // A listening socket is no connection; a TIME-WAIT one is a connection already closed (no counters left).
    if (state === undefined || local === undefined || peer === undefined || state === 'LISTEN' || state === 'TIME-WAIT') continue;
    if (portOf(local) !== port || excludePeers.has(peer)) continue;
    if (server !== undefined && hostOf(local) !== server) continue;
    const info = lines[i + 1] ?? '';
    const number = (name: string): number => Number(new RegExp(`\\b${name}:(\\d+)`).exec(info)?.[1] ?? 0);
    sockets.set(peer, { sent: number('bytes_sent'), received: number('bytes_received') });
  }
  return sockets;
}

/** A snapshot of the server's sockets on `port` (and address `host`, on this host), or null when `ss` is not there. */
export function kernelSnapshot(port: number, excludePeers: ReadonlySet<string>, host?: string): Promise<KernelSnapshot | null> {
  return new Promise((resolve) => {
    // Outside the measured window, so it may take its time: 100,000 sockets on a saturated 2-core machine take seconds.
    execFile('ss', ['-tinHa', `( sport = :${port} )`], { maxBuffer: 512 * 1024 * 1024, timeout: 60_000 }, (error, stdout) => {
      resolve(error === null ? parseSs(stdout, port, excludePeers, host) : null);
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

/** The clients' counters and the kernel's read at one state of every socket, and whether that state was quiet. */
export interface QuietPair {
  kernel: KernelSnapshot;
  client: ClientBytes;
  /** False when no quiet moment was found in time: the last reads, taken while bytes moved. */
  quiet: boolean;
}

/** A pause between two tries, so that a busy edge is not read in a tight loop. */
const QUIET_RETRY_MS = 3;

function totals(snapshot: KernelSnapshot): { sent: number; received: number; sockets: number } {
  let sent = 0;
  let received = 0;
  for (const s of snapshot.values()) {
    sent += s.sent;
    received += s.received;
  }
  return { sent, received, sockets: snapshot.size };
}

/**
 * The first quiet moment from now: reads the clients' counters, the kernel's, the clients' again
 * and the kernel's again; when neither side moved between its two reads, no byte was in flight
 * across them, so the second pair describes one state and the counts must be equal. Tries again
 * until that holds or `searchMs` passes (then `quiet` is false and the last pair is returned).
 * Quietness is judged on each side alone, never on the two agreeing, so a real disagreement
 * cannot be retried away. Null when the kernel cannot be read.
 */
export async function quietPair(
  readClients: () => Promise<ClientBytes>,
  readKernel: () => Promise<KernelSnapshot | null>,
  searchMs: number,
  now: () => number = Date.now,
): Promise<QuietPair | null> {
  const deadline = now() + searchMs;
  for (;;) {
    const c1 = await readClients();
    const k1 = await readKernel();
    const c2 = await readClients();
    const k2 = await readKernel();
    if (k1 === null || k2 === null) return null;
    const a = totals(k1);
    const b = totals(k2);
    const quiet = c1.up === c2.up && c1.down === c2.down && a.sent === b.sent && a.received === b.received && a.sockets === b.sockets;
    if (quiet || now() >= deadline) return { kernel: k2, client: c2, quiet };
    await new Promise((resolve) => setTimeout(resolve, QUIET_RETRY_MS));
  }
}
