/**
 * WebSocket (ws, no compression): one HTTP Upgrade, then one text frame per message,
 * the pre-encoded JSON buffer sent as is. Upstream chat messages arrive as text frames.
 * A bad `since` closes with 4400, a `since` older than the ring with 4410 (reason:
 * `{"oldest":N}`), an oversize message with 1009 (ws's maxPayload). WebSocket variants
 * (permessage-deflate) build their handler with `webSocketHandler(options)`.
 */
import { WebSocketServer, type PerMessageDeflateOptions, type ServerOptions, type WebSocket } from 'ws';
import type { EncodedMessage, Feed } from '../feed.ts';
import { isHttpError, resolveFeedAndSince, type Query } from '../http-util.ts';
import { attachStream, detachedWebSocket } from '../../core/ws-stream.ts';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { WS_CLOSE_BAD_REQUEST, WS_CLOSE_GONE } from '../../core/protocol.ts';
import { parsePublishBody, publishUpstream } from '../upstream.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { newCounters, type ServerContext, type ServerTechnique, type TechniqueFactory, type TechniqueHandler } from './types.ts';

/** RFC 6455 1007: the payload is not what the endpoint accepts. */
const WS_CLOSE_INVALID_PAYLOAD = 1007;
/**
 * ws answers every ping with a pong; a ping arriving while this many pongs are still
 * unwritten terminates the connection (ws's own guard, 60 by default, stated here because
 * the server relies on it): a ping flood cannot make the server queue pongs without end.
 */
export const MAX_PENDING_PONGS = 60;
const TEXT = { binary: false } as const;
const OPEN = 1;

/** What of ws's internals the broadcast reads: the socket it writes to and its Sender's state (ws 8: 0 = idle). */
interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean } | null;
  _sender?: { _state?: unknown; _queue?: unknown[] } | null;
}

/**
 * `payload` as one unmasked text frame (RFC 6455 §5.2: FIN and opcode 1, then the length in 7, 7+16
 * or 7+64 bits), header and payload in one buffer: the broadcast frames a message once for all its
 * sockets, where ws's send() frames it again for each (a header buffer, then cork, two writes, uncork).
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (head === 2) frame[1] = n;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

/**
 * Sends the pre-framed `frame` (of `payload`) on `ws`: straight to its socket when ws would write it
 * at once (open, its Sender idle with nothing queued: the bytes are those send() writes), else
 * through send(), which keeps ws's order behind a frame it is still deflating or reading.
 */
function sendFramed(ws: WebSocket, payload: Buffer, frame: Buffer): void {
  const inner = ws as unknown as WsInternals;
  const sender = inner._sender;
  if (ws.readyState === OPEN && sender?._state === 0 && sender._queue?.length === 0 && inner._socket != null) inner._socket.write(frame);
  else ws.send(payload, TEXT);
}

/** How a WebSocket variant's server differs: the permessage-deflate it accepts (false: none). */
export interface WebSocketHandlerOptions {
  perMessageDeflate: false | PerMessageDeflateOptions;
}

/** A WebSocket handler with `options`; the frames, close codes and counters are the same for every variant. */
export function webSocketHandler(options: WebSocketHandlerOptions): TechniqueFactory {
  return (ctx) => createHandler(ctx, options);
}

export const createWebSocketHandler: TechniqueFactory = webSocketHandler({ perMessageDeflate: false });

function createHandler(ctx: ServerContext, options: WebSocketHandlerOptions): TechniqueHandler {
  const counters = newCounters();
  // @types/ws does not know maxPendingAutoPongs (ws 8.18+) yet.
  const serverOptions: ServerOptions & { maxPendingAutoPongs: number } = {
    noServer: true,
    perMessageDeflate: options.perMessageDeflate,
    maxPayload: ctx.maxMessageBytes,
    clientTracking: false,
    maxPendingAutoPongs: MAX_PENDING_PONGS,
  };
  const wss = new WebSocketServer(serverOptions);
  // The same limits for a WebSocket on an extended CONNECT stream as ws's server gives its own.
  const streamOptions = { maxPayload: ctx.maxMessageBytes, maxPendingAutoPongs: MAX_PENDING_PONGS };
  const deflates = options.perMessageDeflate !== false;
  const socketsByFeed = new Map<Feed, Set<WebSocket>>();

  function socketsFor(feed: Feed): Set<WebSocket> {
    const sockets = socketsByFeed.get(feed);
    if (sockets !== undefined) return sockets;
    const created = new Set<WebSocket>();
    socketsByFeed.set(feed, created);
    feed.subscribe((batch: readonly EncodedMessage[]) => {
      if (deflates) {
        // Each frame is deflated in zlib's thread pool and written when that is done: the feed
        // holds the write until ws calls back, so that the fan-out figure includes the queue.
        for (const ws of created) for (const msg of batch) ws.send(msg.json, TEXT, feed.holdWrite());
      } else if (batch.length === 1) {
        // The usual batch is one message: framed once, and the per-socket loop free of an inner loop.
        const json = batch[0]!.json;
        const frame = textFrame(json);
        for (const ws of created) sendFramed(ws, json, frame);
      } else {
        for (const ws of created) for (const msg of batch) ws.send(msg.json, TEXT);
      }
      counters.messagesWritten += created.size * batch.length;
    });
    return created;
  }

  /** A WebSocket whose handshake is done (an Upgrade or an extended CONNECT): its catch-up, the feed, upstream frames. */
  function adopt(ws: WebSocket, query: Query): void {
    ws.on('error', () => {}); // a reset socket must not crash the server; 'close' follows
    const cursor = resolveFeedAndSince(ctx.feeds, query);
    if (isHttpError(cursor)) {
      const error = cursor;
      ctx.countRejection(error.kind);
      const code = error.kind === 'gone' ? WS_CLOSE_GONE : WS_CLOSE_BAD_REQUEST;
      const reason = error.kind === 'gone' ? JSON.stringify({ oldest: error.body.oldest }) : String(error.body.error).slice(0, 120);
      ws.close(code, reason);
      return;
    }
    const { feed, since } = cursor;
    const catchUp = feed.since(since);
    if (catchUp.kind === 'ok') {
      for (const msg of catchUp.messages) ws.send(msg.json, TEXT);
      counters.messagesWritten += catchUp.messages.length;
    }
    const sockets = socketsFor(feed);
    sockets.add(ws);
    counters.open++;
    ws.on('message', (data) => onUpstream(ws, data));
    ws.once('close', () => {
      if (sockets.delete(ws)) counters.open--;
    });
  }

  function onUpstream(ws: WebSocket, data: Buffer | ArrayBuffer | Buffer[]): void {
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const msg = parsePublishBody(raw, ctx.feeds);
    if (typeof msg === 'string') {
      ctx.countRejection('badRequest');
      ws.close(WS_CLOSE_INVALID_PAYLOAD, msg.slice(0, 120));
      return;
    }
    publishUpstream(ctx.feeds, msg);
  }

  return {
    counters,
    handle(_req, res) {
      ctx.fail(res, { status: 426, kind: 'badRequest', body: { error: 'this endpoint speaks WebSocket: send an Upgrade request' } });
    },
    upgrade(req, socket, head, query) {
      counters.requests++;
      const connection = ctx.connectionOf(req);
      const writtenBefore = connection.bytesWritten;
      // The handshake's heads, plaintext (the socket HTTP speaks over): on a fresh connection it has read the request head and `head`.
      const plain = socket as Socket;
      const upgradeUp = plain.bytesRead - head.length;
      const plainWrittenBefore = plain.bytesWritten;
      wss.handleUpgrade(req, socket, head, (ws) => {
        ctx.accounting.countSetup(connection, req, connection.bytesWritten - writtenBefore, head.length);
        const parts = ctx.accounting.partsOf(connection);
        parts?.upgradeHead('up', upgradeUp);
        parts?.upgradeHead('down', plain.bytesWritten - plainWrittenBefore);
        adopt(ws, query);
      });
    },
    extendedConnect(req, res, query) {
      counters.requests++;
      // RFC 8441 §4: the handshake is the CONNECT and its 2xx; the version must still be 13 (RFC 6455 §4.1).
      const version = req.headers['sec-websocket-version'];
      if (version !== '13') {
        return ctx.fail(res, {
          status: 400,
          kind: 'badRequest',
          body: { error: `Sec-WebSocket-Version must be 13; received ${JSON.stringify(version ?? null)}` },
        });
      }
      if (deflates) {
        return ctx.fail(res, {
          status: 501,
          kind: 'badRequest',
          body: { error: 'permessage-deflate is negotiated on the HTTP/1.1 Upgrade only; use a WebSocket without compression on HTTP/2' },
        });
      }
      const connection = ctx.connectionOf(req);
      const writtenBefore = connection.bytesWritten;
      // The CONNECT's HEADERS (read already) and its 200's are the handshake: setup, as the client counts them.
      const streamId = (req as unknown as { stream: { id?: number } }).stream.id;
      if (streamId !== undefined) ctx.accounting.partsOf(connection)?.upgradeStream(streamId);
      res.writeHead(200);
      res.flushHeaders();
      ctx.accounting.countSetup(connection, req, connection.bytesWritten - writtenBefore);
      const stream = (req as unknown as { stream: Duplex }).stream;
      const ws = detachedWebSocket('server', streamOptions);
      attachStream(ws, stream, streamOptions);
      adopt(ws, query);
    },
    close() {
      for (const sockets of socketsByFeed.values()) {
        for (const ws of sockets) ws.terminate();
        sockets.clear();
      }
      counters.open = 0;
      wss.close();
    },
  };
}

export default {
  id: 'websocket',
  create: createWebSocketHandler,
  demo: {
    wire: `new WebSocket('ws://host${TECHNIQUE_META.websocket.path}')`,
    how: 'One HTTP request upgrades the connection to WebSocket. After that each message is one frame whose header is 2 bytes, and either side may send at any time.',
  },
} satisfies ServerTechnique;
