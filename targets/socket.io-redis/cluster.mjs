// Socket.IO 4.8 as deployed on several processes, as Socket.IO's "Using Node.js Cluster" guide
// sets it up: a Node cluster of two workers behind one port, each a Socket.IO server with the
// Redis adapter (@socket.io/redis-adapter over node-redis), so an emit on one worker reaches the
// sockets of the other through Redis; and sticky sessions (@socket.io/sticky), because Engine.IO's
// polling transport needs every request of a session on the worker that holds it. The primary
// listens, reads each new connection's first request and hands the connection to a worker: the
// worker that owns the `sid` in it, or the next in turn for a new session. @socket.io/sticky turns
// HTTP keep-alive off (`Connection: close` on every response) so that no connection carries two
// sessions: every poll is a new TCP connection, as in production with this setup. A request with a
// body (a POST) stays with the primary, which relays it to the worker over IPC.
// A publish (POST /publish/ROOM) lands on one worker, subscribers are on both.
// The engine.io session id starts with the worker's pid, so a test can see where a client is; it
// is 20 characters long, the form @socket.io/sticky looks for.
// Run: node cluster.mjs PORT REDIS_SOCKET [PING_INTERVAL_MS]
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { setupMaster, setupWorker } from '@socket.io/sticky';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const [port, redisSocket, pingInterval = '25000'] = process.argv.slice(2);
const WORKERS = 2;

if (cluster.isPrimary) {
  const server = http.createServer();
  server.on('connection', (socket) => socket.setNoDelay(true));
  setupMaster(server, { loadBalancingMethod: 'round-robin' });
  // The first request's bytes go to the worker with the connection: as a Buffer only with the
  // advanced (structured clone) serialization, as Socket.IO's cluster guide sets it.
  cluster.setupPrimary({ serialization: 'advanced' });
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  // Listening (and so ready) only once every worker has its Redis connections: before that a
  // client handed to a worker would wait on it.
  let ready = 0;
  cluster.on('message', (_worker, message) => {
    if (message === 'worker-ready' && ++ready === WORKERS) server.listen(Number(port), '127.0.0.1');
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
    if (req.url === '/ready') return void res.writeHead(200).end('ok');
    if (!req.url?.startsWith('/socket.io/')) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const io = new Server(httpServer, {
    pingInterval: Number(pingInterval),
    serveClient: false,
    adapter: createAdapter(pub, sub),
  });
  io.engine.generateId = () => {
    const sid = `${process.pid}-${crypto.randomBytes(16).toString('base64url')}`.slice(0, 20);
    // Bind the session to this worker in the primary now, before the handshake's answer is
    // written: @socket.io/sticky does it on the session's 'connection' event, after the answer,
    // and a client that POSTs at once (socket.io-client does) raced it to the other worker
    // ("Session ID unknown") in 4 of 100 connects at 10 msg/s here.
    process.send({ type: 'sticky:connection', data: sid });
    return sid;
  };
  io.on('connection', (socket) => {
    const room = String(socket.handshake.query.room ?? 'broadcast');
    socket.join(room);
    socket.on('publish', (message) => io.to(room).emit('msg', message));
  });
  httpServer.on('connection', (socket) => socket.setNoDelay(true));
  setupWorker(io);
  process.send('worker-ready');
  process.on('SIGTERM', () => process.exit(0));
}
