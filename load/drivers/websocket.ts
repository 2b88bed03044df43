/**
 * WebSocket client (ws): one socket; messages arrive as text frames, upstream messages go
 * out as masked text frames on the same socket. WebSocket variants (permessage-deflate)
 * build their driver with `webSocketDriver(id, options)`. A variant that offers nothing
 * itself makes the header profile's permessage-deflate offer (Chromium makes one) the way
 * ws makes it, so the server's answer decides: pushbench's `websocket` server declines it,
 * and nothing is compressed.
 */
import WebSocket from 'ws';
import { wsUpgradeHeaders } from '../headers.ts';
import { cursorQuery, readStamp, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';
import { techniqueUrl, type TechniqueId } from '../../core/techniques.ts';

/** How a WebSocket variant's client differs: the permessage-deflate it offers (false: none). */
export interface WebSocketDriverOptions {
  perMessageDeflate: false | WebSocket.PerMessageDeflateOptions;
}

/** A WebSocket driver for technique `id` (its path) with `options`; everything else is the same for every variant. */
export function webSocketDriver(id: TechniqueId, options: WebSocketDriverOptions): DriverFactory {
  return (ctx) => createDriver(ctx, id, options);
}

export const createWebSocketDriver: DriverFactory = webSocketDriver('websocket', { perMessageDeflate: false });

function createDriver(ctx: DriverContext, id: TechniqueId, options: WebSocketDriverOptions): ClientDriver {
  let ws: WebSocket | undefined;
  let stopped = false;
  // The profile's extensions line becomes ws's offer (a variant's own offer wins), never a second header.
  const upgrade = wsUpgradeHeaders(ctx.headers.upgrade);

  return {
    connect() {
      return new Promise((resolve, reject) => {
        const url = `${techniqueUrl(id, ctx.origin)}${cursorQuery(ctx.room, ctx.startSeq)}`;
        const socket = new WebSocket(url, {
          perMessageDeflate: options.perMessageDeflate === false ? upgrade.perMessageDeflate : options.perMessageDeflate,
          headers: upgrade.headers,
          createConnection: ctx.counter.netConnection() as unknown as WebSocket.ClientOptions['createConnection'],
        });
        ws = socket;
        socket.on('message', (data: Buffer) => {
          const { seq, t } = readStamp(data);
          ctx.deliver(seq, t, data.length);
        });
        socket.once('open', () => resolve());
        socket.on('error', (error) => {
          if (socket.readyState === WebSocket.CONNECTING) reject(error);
          else ctx.fail(error);
        });
        socket.once('close', (code, reason) => {
          if (!stopped && code !== 1000) ctx.fail(new Error(`WebSocket closed by the server with ${code}${reason.length > 0 ? `: ${reason.toString()}` : ''}`));
        });
      });
    },
    begin() {},
    publish(body) {
      if (ws?.readyState === WebSocket.OPEN) ws.send(body);
    },
    async stop() {
      stopped = true;
    },
    async close() {
      stopped = true;
      const socket = ws;
      if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
      // A clean close handshake, so both ends have counted every byte; bounded in case the server is gone.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socket.terminate();
          resolve();
        }, 2000);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.close(1000);
      });
    },
  };
}

export default { id: 'websocket', create: createWebSocketDriver } satisfies DriverTechnique;
