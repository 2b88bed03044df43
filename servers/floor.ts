/**
 * The machine's floor: the textbook `ws` broadcast loop (a WebSocketServer without
 * compression, `for (client of wss.clients) client.send(buffer)`), none of pushbench's
 * technique code, fed by the same Publisher with the same precise wait and the same encoded
 * messages. The runner measures it exactly as it measures a technique (same generator,
 * same clients, same window), so its latency is what this host, Node, the kernel's
 * loopback and the harness cost before any technique adds its own. It speaks the server
 * child's IPC through the PushServer interface.
 */
import { DEFAULT_WIRE } from '../core/wires.ts';
import http from 'node:http';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { nowMicros, type ServerStats, type TechniqueCounters } from '../core/protocol.ts';
import { PLAIN_WS_TECHNIQUE, TRANSPORTS } from '../core/techniques.ts';
import { sampleProcess, SocketAccounting } from './accounting.ts';
import { Feed } from './feed.ts';
import { Publisher } from './publisher.ts';
import { listenOn } from './http-util.ts';
import { DEFAULT_SERVER_OPTIONS, type PushServer, type ServerOptions } from './server.ts';

const TEXT = { binary: false } as const;

/** Starts the bare broadcast server on `host:port`; any upgrade path is accepted, `since` is ignored. */
export async function startFloorServer(overrides: Partial<ServerOptions> = {}): Promise<PushServer> {
  const options: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...overrides };
  const feed = new Feed(options.ringSize);
  const publisher = new Publisher(feed, options.payloadBytes);
  const accounting = new SocketAccounting();
  const counters: TechniqueCounters = { requests: 0, emptyResponses: 0, messagesWritten: 0, open: 0 };
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { Upgrade: TRANSPORTS.ws.upgradeToken, 'Content-Length': 0 });
    res.end();
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    accounting.track(socket);
  });
  server.on('upgrade', (req, socket, head) => {
    counters.requests++;
    const writtenBefore = req.socket.bytesWritten;
    wss.handleUpgrade(req, socket, head, (ws) => {
      accounting.countSetup(req.socket, req, req.socket.bytesWritten - writtenBefore, head.length);
      ws.on('error', () => {});
      wss.emit('connection', ws, req);
    });
  });

  let window: { startT: number; endT: number } | undefined;
  let inWindow = 0;
  let published = 0;
  feed.subscribe((batch) => {
    for (const msg of batch) {
      for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(msg.json, TEXT);
      counters.messagesWritten += wss.clients.size;
      if (window !== undefined && msg.t >= window.startT && msg.t < window.endT) inWindow++;
    }
    published += batch.length;
  });

  const listening = await listenOn(server, options.port, options.host);

  function stats(): ServerStats {
    return {
      at: nowMicros(),
      bytes: accounting.counters(),
      bytesByRoute: accounting.countersByRoute(),
      techniques: { [PLAIN_WS_TECHNIQUE]: { ...counters, open: wss.clients.size } },
      connections: { open: accounting.openCount, total: accounting.total },
      published,
      lateTicks: publisher.stats.lateTicks,
      maxTickLateMs: publisher.stats.maxLateMs,
      publisher: publisher.sample(),
      rejected: { badRequest: 0, notFound: 0, methodNotAllowed: 0, gone: 0, tooLarge: 0, forbidden: 0 },
      process: sampleProcess(),
    };
  }

  return {
    url: listening.url,
    // The floor is a bare ws loop on cleartext HTTP/1.1 only: the machine's floor, not a wire's.
    wire: DEFAULT_WIRE,
    port: listening.port,
    techniques: [PLAIN_WS_TECHNIQUE],
    stats,
    startPublishing: (rate, startAt) => publisher.start(rate, startAt),
    stopPublishing: () => publisher.stop(),
    publish(data, t = nowMicros()) {
      return feed.publish([{ t, data }])[0]!.seq;
    },
    setWindow(startT, endT) {
      window = { startT, endT };
      inWindow = 0;
      publisher.setWindow(startT, endT);
    },
    windowCounts: () => ({ broadcast: inWindow }),
    async close() {
      publisher.stop();
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of accounting.sockets()) socket.destroy();
      await closed;
    },
  };
}
