/**
 * WebSocket client (ws): one socket; messages arrive as text frames, upstream messages go
 * out as masked text frames on the same socket. A permessage-deflate offer in the header
 * profile (Chromium makes one) is made the way ws makes it, so the server's answer decides:
 * pushbench's `websocket` server declines, and nothing is compressed.
 */
import WebSocket from 'ws';
import { PATHS } from '../../core/protocol.ts';
import { wsUpgradeHeaders } from '../headers.ts';
import { cursorQuery, readStamp, type ClientDriver, type DriverContext, type DriverFactory } from './types.ts';

export const createWebSocketDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  let ws: WebSocket | undefined;
  let stopped = false;
  const upgrade = wsUpgradeHeaders(ctx.headers.websocket);

  return {
    connect() {
      return new Promise((resolve, reject) => {
        const url = `${ctx.origin.replace(/^http/, 'ws')}${PATHS.websocket}${cursorQuery(ctx.room, ctx.startSeq)}`;
        const socket = new WebSocket(url, {
          perMessageDeflate: upgrade.perMessageDeflate,
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
};
