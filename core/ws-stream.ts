/**
 * A `ws` WebSocket over a stream that is not a socket: an HTTP/2 stream opened by RFC 8441
 * extended CONNECT, where the handshake is the CONNECT request and its 200, not an Upgrade. ws
 * has no public call for this (websockets/ws#1458); its server does exactly this after its own
 * handshake (`new WebSocket(null, undefined, options)`, then `setSocket(socket, head, options)`),
 * and so does this module, for both ends: a client end only differs in masking its frames and
 * expecting unmasked ones (`_isServer`). Kept to this one file so that a ws change breaks one
 * place, and test/servers/wires.test.ts notices.
 */
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';

/** The options ws's server gives both calls (WebSocketServer#completeUpgrade). */
export interface StreamWebSocketOptions {
  readonly maxPayload: number;
  /** ws 8.18+: answer pings automatically, at most this many pongs pending. */
  readonly autoPong?: boolean;
  readonly maxPendingAutoPongs?: number;
  /** How long a close handshake may take before the stream is destroyed. */
  readonly closeTimeout?: number;
  readonly allowSynchronousEvents?: boolean;
  readonly skipUTF8Validation?: boolean;
}

type WithStream = WebSocket & {
  _isServer: boolean;
  setSocket(socket: Duplex, head: Buffer, options: StreamWebSocketOptions): void;
};

const NO_HEAD = Buffer.alloc(0);
/** ws's default close timeout (lib/constants.js CLOSE_TIMEOUT); without it ws would destroy the stream at once on close(). */
const CLOSE_TIMEOUT_MS = 30_000;

/** A WebSocket in CONNECTING state for `role`, to be given its stream by `attachStream` once the handshake is done. */
export function detachedWebSocket(role: 'server' | 'client', options: StreamWebSocketOptions): WebSocket {
  const ws = new (WebSocket as unknown as new (address: null, protocols: undefined, options: object) => WithStream)(null, undefined, {
    autoPong: true,
    closeTimeout: CLOSE_TIMEOUT_MS,
    ...options,
  });
  ws._isServer = role === 'server';
  return ws;
}

/** Hands `stream` to `ws`: it becomes OPEN and emits 'open' now. */
export function attachStream(ws: WebSocket, stream: Duplex, options: StreamWebSocketOptions): void {
  (ws as WithStream).setSocket(stream, NO_HEAD, { allowSynchronousEvents: true, skipUTF8Validation: false, ...options });
}
