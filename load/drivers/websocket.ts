/**
 * WebSocket client (ws): one socket; messages arrive as text frames, upstream messages go
 * out as masked text frames on the same socket. WebSocket variants (permessage-deflate)
 * build their driver with `webSocketDriver(id, options)`. A variant that offers nothing
 * itself makes the header profile's permessage-deflate offer (Chromium makes one) the way
 * ws makes it, so the server's answer decides: pushbench's `websocket` server declines it,
 * and nothing is compressed.
 */
import WebSocket from 'ws';
import {
  refusal,
  subscriptionPath,
  TargetRefusedError,
  type ClientDriver,
  type DriverContext,
  type DriverFactory,
  type DriverTechnique,
} from './types.ts';
import { responseHead } from '../http-connection.ts';
import { readFramesLean } from '../ws-frames.ts';
import { withTargetHeaders, wsUpgradeHeaders } from '../headers.ts';
import { fillTemplate } from '../../core/targets.ts';
import { TECHNIQUE_META, techniqueUrl, type TechniqueId } from '../../core/techniques.ts';

/** How a WebSocket variant's client differs: the permessage-deflate it offers (false: none). */
export interface WebSocketDriverOptions {
  perMessageDeflate: false | WebSocket.PerMessageDeflateOptions;
}

/** How long an opening handshake may take before the client gives up naming the URL. */
export const HANDSHAKE_TIMEOUT_MS = 5000;

/**
 * The handshake timeout of a run of `clients`: 5 s, or 1 ms per client of the run past that, 60 s
 * at most. A run of many clients connects in a burst that waits in the server's accept queue: at
 * 100,000 clients on 2 cores, 5,053 handshakes took longer than 5 s and failed the run, though
 * every server process was accepting (docs/results/2026-12-07-one-box.md).
 */
export function handshakeTimeoutFor(clients: number): number {
  return Math.min(60_000, Math.max(HANDSHAKE_TIMEOUT_MS, clients));
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
  const upgrade = wsUpgradeHeaders(withTargetHeaders(ctx.headers.upgrade, ctx.subscription.headers));

  return {
    connect() {
      return new Promise((resolve, reject) => {
        const path = subscriptionPath(ctx.subscription, ctx.room, ctx.startSeq);
        // The technique's scheme (ws for an upgrade from http) on the target's origin, with the target's path.
        const base = techniqueUrl(id, ctx.origin);
        const url = `${base.slice(0, base.length - TECHNIQUE_META[id].path.length)}${path}`;
        // Through the wire: an Upgrade on a connection of its own (TLS under wss), or a stream of the tab's HTTP/2 session.
        const socket = ctx.tab.openWebSocket(url, [...ctx.subscription.subprotocols], {
          perMessageDeflate: options.perMessageDeflate === false ? upgrade.perMessageDeflate : options.perMessageDeflate,
          headers: upgrade.headers,
          handshakeTimeout: ctx.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
        });
        ws = socket;
        // ws leaves CONNECTING before it emits 'error' for a failed handshake, so "open yet?" is tracked here.
        let opened = false;
        let settled = false;
        const fail = (error: Error): void => {
          if (settled) return;
          settled = true;
          reject(error);
        };
        socket.on('message', (data: Buffer) => {
          ctx.receive(data);
        });
        socket.once('upgrade', (response) => {
          ctx.sampleHead(responseHead(response.statusCode ?? 101, response.statusMessage ?? '', response.rawHeaders));
        });
        // A handshake answered with anything but 101: the status and the start of the answer name the cause.
        socket.once('unexpected-response', (request, response) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          response.on('data', (chunk: Buffer) => {
            if (bytes < 200) chunks.push(chunk);
            bytes += chunk.length;
          });
          const done = (): void => {
            const no = refusal(`WebSocket handshake GET ${url}`, response.statusCode ?? 0, Buffer.concat(chunks));
            fail(no);
            ctx.refuse(no);
            request.destroy();
          };
          response.once('end', done);
          response.once('error', done);
        });
        socket.once('open', () => {
          opened = true;
          settled = true;
          // From here the frames are split by load/ws-frames.ts where it can (no extension, a TCP or TLS socket), not by ws's Receiver.
          readFramesLean(socket, ctx.receive);
          for (const frame of ctx.subscription.onOpen)
            socket.send(fillTemplate(frame, { room: ctx.room === undefined ? 'broadcast' : String(ctx.room) }));
          resolve();
        });
        socket.on('error', (error: Error & { code?: string }) => {
          // A handshake that fails (a closed port, a timeout) is a refusal too: the run fails at once, naming it.
          if (!opened)
            fail(
              new TargetRefusedError(
                `WebSocket handshake GET ${url} failed: ${error.message}${error.code !== undefined && !error.message.includes(error.code) ? ` (${error.code})` : ''}`,
                { cause: error },
              ),
            );
          else ctx.fail(error);
        });
        socket.once('close', (code, reason) => {
          if (!opened)
            fail(
              new TargetRefusedError(
                `WebSocket handshake GET ${url} failed: the connection closed (${code}) before the handshake completed`,
              ),
            );
          else if (!stopped && code !== 1000)
            ctx.fail(new Error(`WebSocket closed by the server with ${code}${reason.length > 0 ? `: ${reason.toString()}` : ''}`));
        });
      });
    },
    begin() {},
    publish(body, onAccepted) {
      if (ws?.readyState !== WebSocket.OPEN) return;
      const { upstream } = ctx.subscription;
      const frame =
        upstream?.kind === 'frame'
          ? fillTemplate(upstream.template, { message: body, room: ctx.room === undefined ? 'broadcast' : String(ctx.room) })
          : body;
      // Accepted once the frame is written whole to the socket: a WebSocket has no answer to a frame.
      ws.send(frame, (error) => {
        if (error === undefined || error === null) onAccepted?.();
      });
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
