/**
 * Baseline for perf-servers: a bare node:http, node:https or node:http2 (TLS, ALPN h2) server
 * that answers every request with one fixed response (the bytes of a real pushbench /poll
 * answer), with the same server settings as pushbench (keep-alive 65 s, header and request
 * timeouts, Nagle off; on TLS the same TLS 1.3 floor and a P-256 certificate made the same way;
 * on HTTP/2 the same SETTINGS). None of pushbench's routing, guards, accounting or HTTP/2
 * session limits: what it costs is what the bare Node server costs. On HTTP/2 it ends its streams
 * as Node's compatibility API does by default, or (`h2End: 'data'`) as pushbench's server does.
 * Runs as a child process:
 * `node --import tsx bare-http.ts '<BareHttpResponse JSON>'`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { H2_SERVER_SETTINGS, TLS_MIN_VERSION } from '../core/wires.ts';
import { sampleProcess } from '../servers/accounting.ts';
import { selfSignedIdentity } from '../servers/tls-cert.ts';
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
const wire = spec.wire ?? 'http';
let requests = 0;

function answer(_req: unknown, res: http.ServerResponse | http2.Http2ServerResponse): void {
  requests++;
  res.writeHead(spec!.status, headers);
  res.end(body);
}

const h1 = { keepAliveTimeout: 65_000, headersTimeout: 10_000, requestTimeout: 30_000, noDelay: true };
const tlsIdentity = wire === 'http' ? null : { ...selfSignedIdentity(), minVersion: TLS_MIN_VERSION as 'TLSv1.3' };
/** `h2End: 'data'`: the compatibility API's response, its head sent by respond() without asking for trailers. */
class NoTrailersResponse extends http2.Http2ServerResponse {
  override writeHead(statusCode: number, fields?: unknown): this {
    this.stream.respond({ ...(fields as http2.OutgoingHttpHeaders), ':status': statusCode }, { endStream: false, waitForTrailers: false });
    return this;
  }
}
const h2Response = spec.h2End === 'data' ? { Http2ServerResponse: NoTrailersResponse as typeof http2.Http2ServerResponse } : {};
const server: Server =
  wire === 'h2'
    ? (http2.createSecureServer(
        { ...tlsIdentity!, settings: { ...H2_SERVER_SETTINGS }, allowHTTP1: false, ...h2Response },
        answer,
      ) as unknown as Server)
    : wire === 'https'
      ? https.createServer({ ...h1, ...tlsIdentity!, ALPNProtocols: ['http/1.1'] }, answer)
      : http.createServer(h1, answer);
server.on('connection', (socket: Socket) => socket.setNoDelay(true));
const sessions = new Set<http2.ServerHttp2Session>();
server.on('session', (session: http2.ServerHttp2Session) => {
  sessions.add(session);
  session.on('error', () => {});
  session.once('close', () => sessions.delete(session));
});

function shutdown(): void {
  server.close();
  if (server instanceof http.Server) server.closeAllConnections();
  for (const session of sessions) session.destroy();
  process.disconnect?.();
}
process.on('disconnect', () => process.exit(EXIT.ok));
process.on('message', (message: ParentToBare) => {
  if (message.type === 'stats') reply({ type: 'stats', id: message.id, stats: { published: 0, requests, process: sampleProcess() } });
  else if (message.type === 'close') shutdown();
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  reply({ type: 'ready', url: `${wire === 'http' ? 'http' : 'https'}://127.0.0.1:${port}`, pid: process.pid });
});
