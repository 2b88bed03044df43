// A Socket.IO 4 server of a few lines, as a team would write one: one room per pushbench room
// (the handshake's `room` query, `broadcast` in the broadcast workload), publish by HTTP POST
// /publish/ROOM (the body, the stamped message JSON, emitted as the event "msg"), and chat by an
// event "publish" on the subscriber's own socket, emitted to its room, the sender included.
// A client of room "refuse" is disconnected at once (pushbench's test of a session the server ends).
// Run: node server.mjs PORT [PING_INTERVAL_MS]
import http from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);
const pingInterval = Number(process.argv[3] ?? 25000);

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
  // socket.io answers its own path; everything else is not found.
  if (!req.url?.startsWith('/socket.io/')) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
});
httpServer.keepAliveTimeout = 5000;

const io = new Server(httpServer, { pingInterval, serveClient: false, cors: undefined });
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'broadcast');
  if (room === 'refuse') return void socket.disconnect(true);
  socket.join(room);
  socket.on('publish', (message) => io.to(room).emit('msg', message));
});

httpServer.on('connection', (socket) => socket.setNoDelay(true));
httpServer.listen(port, '127.0.0.1');
process.on('SIGTERM', () => io.close(() => process.exit(0)));
