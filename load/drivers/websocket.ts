/**
 * WebSocket client (ws, no compression): one socket; messages arrive as text frames,
 * upstream messages go out as masked text frames on the same socket.
 */
import WebSocket from 'ws';
import { cursorQuery, readStamp, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';
import { techniqueUrl } from '../../core/techniques.ts';

export const createWebSocketDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  let ws: WebSocket | undefined;
  let stopped = false;

  return {
    connect() {
      return new Promise((resolve, reject) => {
        const url = `${techniqueUrl('websocket', ctx.origin)}${cursorQuery(ctx.room, ctx.startSeq)}`;
        const socket = new WebSocket(url, {
          perMessageDeflate: false,
          headers: Object.fromEntries(ctx.headers.upgrade),
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

export default { id: 'websocket', create: createWebSocketDriver } satisfies DriverTechnique;
