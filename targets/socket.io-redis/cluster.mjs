// Socket.IO 4.8 as deployed on several processes: a Node cluster of two workers on one port
// (the primary hands each connection to a worker in turn), each a Socket.IO server with the
// Redis adapter (@socket.io/redis-adapter over node-redis), so an emit on one worker reaches
// the sockets of the other through Redis. A publish (POST /publish/ROOM) lands on one worker,
// subscribers are on both. WebSocket transport only: Engine.IO's polling transport needs sticky
// sessions (every request of a session on the worker that holds it), which a bare cluster lacks.
// The engine.io session id starts with the worker's pid, so a test can see where a client is.
// Run: node cluster.mjs PORT REDIS_SOCKET [PING_INTERVAL_MS]
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const [port, redisSocket, pingInterval = '25000'] = process.argv.slice(2);
const WORKERS = 2;

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  // Ready only once every worker listens: before that the primary would hand every connection to the first one.
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === WORKERS) for (const worker of Object.values(cluster.workers ?? {})) worker?.send('all-listening');
  });
  // A worker that dies takes the deployment with it: no silent half-capacity run.
  cluster.on('exit', () => process.exit(1));
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const pub = createClient({ socket: { path: redisSocket } });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  let allListening = false;
  process.on('message', (message) => {
    if (message === 'all-listening') allListening = true;
  });
  const httpServer = http.createServer((req, res) => {
    const match = /^\/publish\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method === 'POST' && match) {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        io.to(match[1]).emit('msg', JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(204).end();
      });
      return;
    }
    // Not ready: no HTTP answer at all (pushbench's readiness check takes any status as ready).
    if (req.url === '/ready') return void (allListening ? res.writeHead(200).end('ok') : req.socket.destroy());
    if (!req.url?.startsWith('/socket.io/')) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const io = new Server(httpServer, {
    pingInterval: Number(pingInterval),
    serveClient: false,
    transports: ['websocket'],
    adapter: createAdapter(pub, sub),
  });
  io.engine.generateId = () => `${process.pid}-${crypto.randomBytes(8).toString('base64url')}`;
  io.on('connection', (socket) => {
    const room = String(socket.handshake.query.room ?? 'broadcast');
    socket.join(room);
    socket.on('publish', (message) => io.to(room).emit('msg', message));
  });
  httpServer.on('connection', (socket) => socket.setNoDelay(true));
  httpServer.listen(Number(port), '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
