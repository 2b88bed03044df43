/**
 * A WebSocket client process for perf/servers.ts's many-client case: opens `clients` plain `ws`
 * clients to one URL from one loopback source address (run/scale-plan.ts spreads processes over
 * 127.0.0.x past one address's ports), counts the frames each receives, and answers over IPC.
 * The parent marks a round's start and asks, after it, how many messages arrived since the mark
 * and how many clients got fewer than expected. Exits when its parent goes away.
 *
 * Runs as `node --import tsx perf/ws-clients.ts '<WsClientsSpec JSON>'`.
 */
import WebSocket from 'ws';
import { EXIT } from '../cli/exit-codes.ts';

export interface WsClientsSpec {
  url: string;
  clients: number;
  /** Source address of every connection; null: the kernel's choice (127.0.0.1). */
  localAddress: string | null;
}

export type ParentToWsClients = { type: 'open' } | { type: 'mark' } | { type: 'count'; id: number; expected: number } | { type: 'close' };

export type WsClientsToParent =
  | { type: 'opened'; clients: number }
  | { type: 'count'; id: number; delivered: number; short: number }
  | { type: 'fatal'; message: string };

/** Clients opened at once; the next batch waits for this one's handshakes. */
const BATCH = 250;

const spec = JSON.parse(process.argv[2] ?? 'null') as WsClientsSpec | null;
if (spec === null || process.send === undefined) {
  process.stderr.write('perf/ws-clients.ts must be forked with an IPC channel and a spec\n');
  process.exit(EXIT.badInput);
}

const sockets: WebSocket[] = [];
const counts = new Uint32Array(spec.clients);
let marks = new Uint32Array(spec.clients);

function reply(message: WsClientsToParent): void {
  process.send?.(message);
}

async function openAll(): Promise<void> {
  for (let start = 0; start < spec!.clients; start += BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let i = start; i < Math.min(spec!.clients, start + BATCH); i++) {
      const ws = new WebSocket(spec!.url, {
        perMessageDeflate: false,
        ...(spec!.localAddress === null ? {} : { localAddress: spec!.localAddress }),
      });
      sockets.push(ws);
      ws.on('message', () => counts[i]!++);
      batch.push(
        new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        }),
      );
    }
    await Promise.all(batch);
  }
}

process.on('message', (message: ParentToWsClients) => {
  switch (message.type) {
    case 'open':
      openAll().then(
        () => reply({ type: 'opened', clients: sockets.length }),
        (error: Error) => reply({ type: 'fatal', message: `opening ${spec!.clients} clients to ${spec!.url}: ${error.message}` }),
      );
      break;
    case 'mark':
      marks = counts.slice();
      break;
    case 'count': {
      let delivered = 0;
      let short = 0;
      for (let i = 0; i < counts.length; i++) {
        const got = counts[i]! - marks[i]!;
        delivered += got;
        if (got < message.expected) short++;
      }
      reply({ type: 'count', id: message.id, delivered, short });
      break;
    }
    case 'close':
      for (const ws of sockets) ws.terminate();
      process.disconnect?.();
      break;
  }
});
process.on('disconnect', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(EXIT.ok);
});
