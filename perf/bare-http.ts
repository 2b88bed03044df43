/**
 * Baseline for perf-servers: a bare node:http server that answers every request with
 * one fixed response (the bytes of a real pushbench /poll answer), with the same
 * server settings as pushbench (keep-alive 65 s, header and request timeouts, Nagle
 * off). Runs as a child process: `node --import tsx bare-http.ts '<BareHttpResponse JSON>'`.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sampleProcess } from '../servers/accounting.ts';
import type { BareHttpResponse, BareToParent, ParentToBare } from './bare-protocol.ts';
import { EXIT } from '../cli/exit-codes.ts';

function reply(message: BareToParent): void {
  process.send?.(message);
}

const spec = JSON.parse(process.argv[2] ?? 'null') as BareHttpResponse | null;
if (spec === null || process.send === undefined) {
  process.stderr.write('bare-http.ts must be forked with an IPC channel and a response spec\n');
  process.exit(EXIT.badInput);
}
const body = Buffer.from(spec.bodyBase64, 'base64');
const headers = Object.fromEntries(spec.headers);
let requests = 0;

const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 10_000, requestTimeout: 30_000, noDelay: true }, (_req, res) => {
  requests++;
  res.writeHead(spec.status, headers);
  res.end(body);
});
server.on('connection', (socket: Socket) => socket.setNoDelay(true));

function shutdown(): void {
  server.close();
  server.closeAllConnections();
  process.disconnect?.();
}
process.on('disconnect', () => process.exit(EXIT.ok));
process.on('message', (message: ParentToBare) => {
  if (message.type === 'stats') reply({ type: 'stats', id: message.id, stats: { published: 0, requests, process: sampleProcess() } });
  else if (message.type === 'close') shutdown();
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  reply({ type: 'ready', url: `http://127.0.0.1:${port}`, pid: process.pid });
});
