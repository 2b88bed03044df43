/**
 * What the micro-benchmark cases share (run/techniques/<id>.ts): a socket stand-in that keeps
 * only a byte count, a GET request and a keep-alive response bound to it as node:http's server
 * would create them, ws's frame encoder, and a source of successive encoded messages.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import * as wsModule from 'ws';
import { arrayBody, encodeForWire, type EncodedMessage } from '../core/encoded-message.ts';
import { filler, nowMicros } from '../core/protocol.ts';
import type { MicroSpec } from './techniques/types.ts';

/** The server's keep-alive timeout, so that responses carry the same `Keep-Alive: timeout=65`. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
// @types/ws does not declare Sender, which ws exports (ESM wrapper included).
export const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
export const TEXT_FRAME: FrameOptions = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true };

/** A socket stand-in that accepts writes synchronously and keeps nothing but a byte count. */
export class DiscardSocket extends Duplex {
  bytes = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    callback();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.bytes += chunk.length;
    callback();
  }

  override _read(): void {}
}

/** A GET /poll request as the server's handlers see it, on the dummy socket. */
export function fakeRequest(socket: DiscardSocket): http.IncomingMessage {
  const req = new http.IncomingMessage(socket as unknown as Socket);
  req.method = 'GET';
  req.url = '/poll?since=0';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  return req;
}

/** A keep-alive response, as node:http's server would create it for `req`. */
export function newResponse(req: http.IncomingMessage, socket: DiscardSocket): http.ServerResponse {
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = true;
  // The server sets this from its keepAliveTimeout; it is what writes `Keep-Alive: timeout=65`.
  (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  res.assignSocket(socket as unknown as Socket);
  return res;
}

/** Successive messages every case encodes: a realistic seq and a monotonic-clock `t`. */
export class MessageSource {
  private seq = 100_000;
  private readonly t = nowMicros();
  private readonly data: string;
  lastBytes = 0;

  constructor(payloadBytes: number) {
    this.data = filler(payloadBytes);
  }

  next(): EncodedMessage {
    const encoded = encodeForWire({ seq: ++this.seq, t: this.t, data: this.data });
    this.lastBytes = encoded.json.length;
    return encoded;
  }
}

/** Poll and long-poll answer with the same `send()`: head + `[json]` body, Content-Length. */
export function jsonResponseCase(name: string): MicroSpec {
  return {
    name,
    setup(payloadBytes) {
      const socket = new DiscardSocket();
      const req = fakeRequest(socket);
      const source = new MessageSource(payloadBytes);
      return {
        call() {
          const body = arrayBody([source.next()]);
          const res = newResponse(req, socket);
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
          res.end(body);
          res.detachSocket(socket as unknown as Socket);
        },
        bytesWritten: () => socket.bytes,
        lastMessageBytes: () => source.lastBytes,
      };
    },
  };
}
