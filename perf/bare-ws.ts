/**
 * Baseline for perf-servers: the textbook `ws` broadcast loop. A WebSocketServer (no
 * compression) publishes on the same open-loop schedule as pushbench's Publisher
 * (message i due at startAt + i/rate, late ones sent together, each stamped with its
 * due time), encodes each message once with the same encodeMessage and filler, and
 * sends the one Buffer to every open client. Runs as a child process with IPC.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { sampleProcess } from '../servers/accounting.ts';
import { encodeMessage, filler, nowMicros } from '../core/protocol.ts';
import type { BareToParent, BareWsOptions, ParentToBare } from './bare-protocol.ts';
import { EXIT } from '../cli/exit-codes.ts';

function reply(message: BareToParent): void {
  process.send?.(message);
}

const options = JSON.parse(process.argv[2] ?? 'null') as BareWsOptions | null;
if (options === null || process.send === undefined) {
  process.stderr.write('bare-ws.ts must be forked with an IPC channel and options\n');
  process.exit(EXIT.badInput);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('error', () => {}));
let published = 0;
let timer: NodeJS.Timeout | undefined;

function broadcast(data: Buffer): void {
  for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(data, { binary: false });
}

function startPublishing(rate: number, startAt: number): void {
  stopPublishing();
  const periodMicros = 1e6 / rate;
  let index = 0;
  const dueAt = (i: number): number => Math.round(startAt + i * periodMicros);
  const tick = (): void => {
    const now = nowMicros();
    while (dueAt(index) <= now) {
      const seq = ++published;
      broadcast(Buffer.from(encodeMessage({ seq, t: dueAt(index), data: filler(options!.payloadBytes, seq) })));
      index++;
    }
    timer = setTimeout(tick, Math.max(0, (dueAt(index) - nowMicros()) / 1000));
  };
  timer = setTimeout(tick, Math.max(0, (dueAt(0) - nowMicros()) / 1000));
}

function stopPublishing(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
}

process.on('disconnect', () => process.exit(EXIT.ok));
process.on('message', (message: ParentToBare) => {
  switch (message.type) {
    case 'stats':
      reply({ type: 'stats', id: message.id, stats: { published, requests: 0, process: sampleProcess() } });
      break;
    case 'publish':
      startPublishing(message.rate, message.startAt);
      break;
    case 'stop-publish':
      stopPublishing();
      break;
    case 'close':
      stopPublishing();
      for (const client of wss.clients) client.terminate();
      wss.close();
      process.disconnect?.();
      break;
  }
});

wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  reply({ type: 'ready', url: `http://127.0.0.1:${port}`, pid: process.pid });
});
