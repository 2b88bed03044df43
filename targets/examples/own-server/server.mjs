// A server of one's own, as a new user would bring it: its own message ids ("m1", "m2", ...),
// long polling at /lp?after=ID answering {"messages": [{"id", "body"}], "next": ID}, a WebSocket
// at /ws sending {"id", "body"} and publishing what a client sends, and POST /publish.
// Run: node server.mjs PORT (the walk-through in docs/targets.md measures it step by step).
import http from 'node:http';
import { WebSocketServer } from 'ws';

const log = []; // every message, in order: { id, body }
let waiting = []; // held long polls: { at (log index), res }
const HOLD_MS = 25_000;

// The index in the log after message `id`; no id: from now on.
function from(id) {
  return id === null ? log.length : log.findIndex((m) => m.id === id) + 1;
}
function answer(res, messages, next) {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages, next }));
}
function publish(body) {
  const message = { id: `m${log.length + 1}`, body };
  log.push(message);
  for (const { res, at } of waiting) answer(res, log.slice(at), message.id);
  waiting = [];
  const frame = JSON.stringify(message);
  for (const ws of sockets.clients) ws.send(frame);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/publish') {
    const chunks = [];
    req
      .on('data', (c) => chunks.push(c))
      .on('end', () => {
        publish(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(204).end();
      });
  } else if (url.pathname === '/lp') {
    // No `after`: the client starts now, and waits for the next message.
    const at = from(url.searchParams.get('after'));
    if (at < log.length) return answer(res, log.slice(at), log.at(-1).id);
    const entry = { at, res };
    waiting.push(entry);
    setTimeout(() => {
      if (!waiting.includes(entry)) return;
      waiting = waiting.filter((e) => e !== entry);
      answer(res, [], log.at(-1)?.id ?? null);
    }, HOLD_MS).unref();
  } else res.writeHead(url.pathname === '/ready' ? 200 : 404).end();
});
const sockets = new WebSocketServer({ server, path: '/ws' });
sockets.on('connection', (ws) => ws.on('message', (data) => publish(JSON.parse(data.toString()))));
server.on('connection', (socket) => socket.setNoDelay(true));
server.listen(Number(process.argv[2]), '127.0.0.1');
