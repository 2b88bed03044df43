// A SockJS server of a few lines (npm sockjs, sockjs-node 0.3), as a team would write one: one
// room per pushbench room (the session URL's `room` query, `broadcast` in the broadcast
// workload), publish by HTTP POST /publish/ROOM (the body, the stamped message JSON, written as
// a string to every session of the room), and chat by a message on the subscriber's own session,
// written to its room, the sender included. A client of room "refuse" is closed at once with
// c[3000,"Go away!"] (pushbench's test of a session the server ends).
// Heartbeats: sockjs-node's heartbeat_delay, 25 s unless the second argument says otherwise; a
// streaming response (eventsource, xhr_streaming) ends after sockjs-node's response_limit, 128 KiB
// unless the third says otherwise, and the client reopens it on the same session.
// Bound to 127.0.0.1; a request whose Host is not a loopback name is refused (403), as a guard
// against DNS rebinding.
// SOCKJS_WEBSOCKET=off turns the websocket transport off (its /info then says "websocket": false).
// Run: node server.mjs PORT [HEARTBEAT_MS] [RESPONSE_LIMIT_BYTES]
import http from 'node:http';
import sockjs from 'sockjs';

const port = Number(process.argv[2]);
const heartbeatMs = Number(process.argv[3] ?? 25000);
const responseLimit = Number(process.argv[4] ?? 128 * 1024);

/** Sessions by room. */
const rooms = new Map();
function publish(room, text) {
  for (const conn of rooms.get(room) ?? []) conn.write(text);
}

const service = sockjs.createServer({
  prefix: '/sockjs',
  heartbeat_delay: heartbeatMs,
  response_limit: responseLimit,
  websocket: process.env.SOCKJS_WEBSOCKET !== 'off',
  log: () => {},
});
service.on('connection', (conn) => {
  const room = new URL(conn.url, 'http://127.0.0.1').searchParams.get('room') ?? 'broadcast';
  if (room === 'refuse') return void conn.close(3000, 'Go away!');
  let members = rooms.get(room);
  if (members === undefined) rooms.set(room, (members = new Set()));
  members.add(conn);
  conn.on('data', (message) => publish(room, message));
  conn.on('close', () => members.delete(conn));
});
const handle = service.listener().getHandler();

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const httpServer = http.createServer((req, res) => {
  if (!LOOPBACK.test(req.headers.host ?? '')) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('loopback Host only');
  const match = /^\/publish\/([^/?]+)$/.exec(req.url ?? '');
  if (req.method === 'POST' && match) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      publish(match[1], Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
    return;
  }
  if (req.url === '/ready') return void res.writeHead(200).end('ok');
  // SockJS answers its own prefix (a 404 of its own for what it does not know); everything else is not found.
  if (!handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
});
httpServer.on('upgrade', (req, socket, head) => {
  if (!LOOPBACK.test(req.headers.host ?? '') || !handle(req, socket, head))
    socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
});
httpServer.keepAliveTimeout = 5000;
httpServer.on('connection', (socket) => socket.setNoDelay(true));
httpServer.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  for (const members of rooms.values()) for (const conn of members) conn.close();
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
});
