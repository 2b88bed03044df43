/**
 * Settling at the window edges: both sides' byte counters read at a quiet moment when the
 * window opens and closes (the kernel cross-check), the wait until the clients have read
 * everything the server wrote ("bytes agree"), and the wait until the server has seen every
 * connection close.
 */
import { nowMicros } from '../core/protocol.ts';
import type { SettledBytes } from './result-builder.ts';
import type { CountedBytes } from '../core/socket-counter.ts';
import { addParts, emptyParts, type WireParts } from '../core/wire-parts.ts';
import type { GeneratorProcess } from './generator-process.ts';
import type { FeedServerHandle, StatsReply } from './server-process.ts';
import { isLoopbackHost } from '../core/loopback.ts';
import { kernelSnapshot, quietPair, type QuietPair } from './kernel-bytes.ts';

/** How long the search for a quiet moment at a window edge may take. */
export const QUIET_SEARCH_MS = 1500;
/** Time between two samples while waiting for the bytes in flight. */
const SETTLE_POLL_MS = 20;

/** The port of a server on this host whose sockets the kernel can count, or null (a remote server). */
export function localPort(origin: string): number | null {
  const url = new URL(origin);
  if (!isLoopbackHost(url.hostname)) return null;
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** The clients' byte counters now (`withParts`: with their parts where tapped), summed over the generator processes and `others`. */
async function clientBytesOf(
  generators: ReadonlyArray<Pick<GeneratorProcess, 'bytes'>>,
  others: readonly CountedBytes[] = [],
  withParts = false,
): Promise<CountedBytes> {
  const list: CountedBytes[] = [...(await Promise.all(generators.map((g) => g.bytes(undefined, withParts)))), ...others];
  const tapped = list.filter((b) => b.parts !== undefined);
  return {
    up: list.reduce((n, b) => n + b.up, 0),
    down: list.reduce((n, b) => n + b.down, 0),
    ...(tapped.length > 0 ? { parts: tapped.reduce((into, b) => addParts(into, b.parts!), emptyParts()) } : {}),
  };
}

/**
 * Both sides' byte counters at the first quiet moment from now (a window edge), see
 * quietPair; null for a server not on this host, or without `ss`.
 */
export function edgeSnapshot(
  port: number | null,
  host: string,
  generators: readonly GeneratorProcess[],
  publisherPorts: () => Promise<ReadonlySet<string>>,
  searchMs: number,
): Promise<QuietPair | null> {
  if (port === null) return Promise.resolve(null);
  return quietPair(
    () => clientBytesOf(generators),
    async () => kernelSnapshot(port, await publisherPorts(), host),
    searchMs,
  );
}

/** How long the runner waits for the last bytes in flight to land: 5 s, plus 1 ms per client (a fan-out to 20,000 sockets on a loaded machine). */
export function settleTimeoutMs(clients: number): number {
  return 5000 + clients;
}

/**
 * Waits until both ends' byte counters are equal, or `timeoutMs` has passed: after publishing
 * and requests have stopped nothing new is sent, so the clients' counts can only catch up with
 * the server's, and equal counts mean nothing is in flight. A fan-out that outlasts the drain
 * (thousands of sockets on a busy machine) is waited for here instead of being read as a
 * disagreement; counts that never meet are reported with what was still missing.
 */
export async function settleBytes(
  server: Pick<FeedServerHandle, 'stats'>,
  generators: ReadonlyArray<Pick<GeneratorProcess, 'bytes'>>,
  timeoutMs: number,
  /** Bytes of the server's other clients, closed by now (the RTT probe's connection). */
  otherClients: CountedBytes = { up: 0, down: 0 },
): Promise<SettledBytes> {
  const started = nowMicros();
  let inFlightAtDrain: number | null = null;
  const read = async (withParts: boolean): Promise<{ server: CountedBytes; client: CountedBytes }> => {
    const [reply, client] = await Promise.all([server.stats(), clientBytesOf(generators, [otherClients], withParts)]);
    const { up, down, parts } = reply.stats.bytes;
    return { server: { up, down, ...(parts === undefined ? {} : { parts }) }, client };
  };
  for (;;) {
    const { server: serverBytes, client } = await read(false);
    const missing = Math.abs(serverBytes.down - client.down) + Math.abs(serverBytes.up - client.up);
    inFlightAtDrain ??= missing;
    const waitedMs = (nowMicros() - started) / 1000;
    if (missing === 0 || waitedMs >= timeoutMs) {
      const settled = { server: serverBytes, client, settled: missing === 0, waitedMs, inFlightAtDrainBytes: inFlightAtDrain };
      return missing === 0 ? settleParts(settled, () => read(true)) : settled;
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** How long the parts may take to meet once the TCP bytes have. */
const PARTS_SETTLE_MS = 1000;

/**
 * Once the TCP bytes have met, waits (bounded) for the parts to meet too: a record that has
 * reached a TCP socket may not have been decrypted yet, and a frame an HTTP/2 session has handed
 * to TLS may not have been written to TCP yet, so a layer above TCP can lag its socket's counters
 * by a moment on either end. The bytes stay those of the settled reading; the parts are the last
 * read (the clients count theirs only when asked: summing every connection's parts is work the
 * readings before the bytes met do not need).
 */
async function settleParts(
  settled: SettledBytes,
  read: () => Promise<{ server: CountedBytes; client: CountedBytes }>,
): Promise<SettledBytes> {
  const deadline = nowMicros() + PARTS_SETTLE_MS * 1000;
  let { server, client } = await read();
  while (
    server.parts !== undefined &&
    client.parts !== undefined &&
    !samePartCounts(server.parts, client.parts) &&
    nowMicros() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    ({ server, client } = await read());
  }
  return {
    ...settled,
    server: { ...settled.server, ...(server.parts === undefined ? {} : { parts: server.parts }) },
    client: { ...settled.client, ...(client.parts === undefined ? {} : { parts: client.parts }) },
  };
}

function samePartCounts(a: WireParts, b: WireParts): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Waits (bounded) until the server has seen every client's connection close, then samples it. */
export async function waitForIdle(server: FeedServerHandle): Promise<StatsReply> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const reply = await server.stats();
    if (reply.stats.connections.open === 0 || Date.now() > deadline) return reply;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}
