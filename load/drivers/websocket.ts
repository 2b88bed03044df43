/**
 * WebSocket client (ws): one socket; messages arrive as text frames, upstream messages go
 * out as masked text frames on the same socket. WebSocket variants (permessage-deflate)
 * build their driver with `webSocketDriver(id, options)`. A variant that offers nothing
 * itself makes the header profile's permessage-deflate offer (Chromium makes one) the way
 * ws makes it, so the server's answer decides: pushbench's `websocket` server declines it,
 * and nothing is compressed.
 */
import WebSocket from 'ws';
import { TargetRefusedError } from '../../core/errors.ts';
import { wsUpgradeHeaders } from '../headers.ts';
import { cursorQuery, readStamp, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';
import { techniqueUrl, type TechniqueId } from '../../core/techniques.ts';

/** How a WebSocket variant's client differs: the permessage-deflate it offers (false: none). */
export interface WebSocketDriverOptions {
  perMessageDeflate: false | WebSocket.PerMessageDeflateOptions;
}

/** A WebSocket driver for technique `id` (its path) with `options`; everything else is the same for every variant. */
/** How long an opening handshake may take before the client gives up naming the URL. */
export const HANDSHAKE_TIMEOUT_MS = 5000;
/** The bytes of a refused handshake's answer quoted in the error. */
const QUOTED_BYTES = 200;

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
          handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          headers: upgrade.headers,
          createConnection: ctx.counter.netConnection() as unknown as WebSocket.ClientOptions['createConnection'],
        });
        ws = socket;
        // ws leaves CONNECTING (for CLOSING) before it emits the handshake's 'error': track the
        // outcome here, so a refused or timed-out handshake always rejects connect().
        let opened = false;
        let settled = false;
        const refuse = (error: Error): void => {
          if (settled) return;
          settled = true;
          reject(error);
        };
        // Any answer but 101: read (a bounded part of) its body so the error can quote it.
        socket.once('unexpected-response', (_request, response) => {
          const chunks: Buffer[] = [];
          let length = 0;
          const done = (): void => {
            const body = Buffer.concat(chunks).subarray(0, QUOTED_BYTES).toString('utf8');
            refuse(new TargetRefusedError(`WebSocket handshake GET ${url} answered ${response.statusCode ?? 'no status'}${body.length > 0 ? `: ${body}` : ''}`));
            socket.terminate();
          };
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            length += chunk.length;
            if (length >= QUOTED_BYTES) done();
          });
          response.once('end', done);
          response.once('error', done);
          setTimeout(done, 1000).unref();
        });
        socket.on('message', (data: Buffer) => {
          const { seq, t } = readStamp(data);
          ctx.deliver(seq, t, data.length);
        });
        socket.once('open', () => {
          opened = true;
          settled = true;
          resolve();
        });
        socket.on('error', (error: Error & { code?: string }) => {
          if (!opened) refuse(new TargetRefusedError(`WebSocket handshake GET ${url} failed: ${error.message}${error.code !== undefined && !error.message.includes(error.code) ? ` (${error.code})` : ''}`, { cause: error }));
          else ctx.fail(error);
        });
        socket.once('close', (code, reason) => {
          if (!opened) refuse(new TargetRefusedError(`WebSocket handshake GET ${url} failed: the connection closed (${code}) before the handshake completed`));
          else if (!stopped && code !== 1000) ctx.fail(new Error(`WebSocket closed by the server with ${code}${reason.length > 0 ? `: ${reason.toString()}` : ''}`));
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
