/**
 * The lean GET client writes byte-for-byte what undici writes for the same request, and
 * reads responses framed every way HTTP/1.1 allows.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Client } from 'undici';
import { HEADER_PROFILES, flatHeaders } from '../../load/headers.ts';
import { KeepAliveGet, parseHead, type GetResponse } from '../../load/keepalive-get.ts';
import { SocketCounter } from '../../core/socket-counter.ts';

/** A raw server that records what it reads and answers each request head with the next scripted bytes. */
let server: net.Server;
let port: number;
let received = '';
let answers: string[] = [];
let connections = 0;
const sockets = new Set<net.Socket>();
before(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket);
    connections++;
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      buffer += chunk.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
        const answer = answers.shift() ?? 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]';
        if (answer.endsWith('<close>')) socket.end(answer.slice(0, -'<close>'.length));
        else if (answer.includes('<pause>')) writePieces(socket, answer.split('<pause>'));
        else socket.write(answer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
after(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

/** Writes `pieces` 20 ms apart, so that the client reads them one by one. */
function writePieces(socket: net.Socket, pieces: string[]): void {
  const [first, ...rest] = pieces;
  socket.write(first ?? '');
  if (rest.length > 0) setTimeout(() => writePieces(socket, rest), 20);
}

function reset(...scripted: string[]): void {
  received = '';
  answers = scripted;
}

test("the request bytes are exactly undici's for the same path and headers", async () => {
  const headers = HEADER_PROFILES.browser.poll;
  reset();
  const undici = new Client(`http://127.0.0.1:${port}`);
  await undici.request({ method: 'GET', path: '/poll?since=7', headers: flatHeaders(headers) }).then((r) => r.body.text());
  const fromUndici = received;
  await undici.close();

  reset();
  const counter = new SocketCounter();
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, headers, counter);
  const response = await lean.get('/poll?since=7');
  assert.equal(response.status, 200);
  assert.equal(response.body.toString(), '[]');
  assert.equal(received, fromUndici);
  assert.equal(counter.totals().up, Buffer.byteLength(fromUndici, 'latin1'), 'every byte written is counted');
  lean.destroy();
});

test('Content-Length, chunked, 204 and close-delimited bodies; keep-alive reuse and reconnection', async () => {
  const counter = new SocketCounter();
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, [], counter);
  const connectionsBefore = connections;
  reset(
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n',
    'HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n',
    'HTTP/1.1 410 Gone\r\nConnection: close\r\nContent-Length: 4\r\n\r\ngone',
    'HTTP/1.0 200 OK\r\n\r\nuntil the end<close>',
  );
  assert.deepEqual(await lean.get('/a').then((r) => [r.status, r.body.toString()]), [200, 'hello']);
  assert.deepEqual(await lean.get('/b').then((r) => [r.status, r.body.toString()]), [200, 'abcdefg']);
  assert.deepEqual(await lean.get('/c').then((r) => [r.status, r.body.toString()]), [204, '']);
  assert.deepEqual(await lean.get('/d').then((r) => [r.status, r.body.toString()]), [410, 'gone']);
  // The server asked to close: the next request opens a new connection.
  assert.deepEqual(await lean.get('/e').then((r) => [r.status, r.body.toString()]), [200, 'until the end']);
  assert.equal(received.match(/^GET \//gm)?.length, 5);
  assert.equal(connections - connectionsBefore, 2, 'four requests on one kept-alive connection, then a new one after Connection: close');
  lean.destroy();
});

test('a server that closes mid-response, or a client destroyed mid-request, rejects the request', async () => {
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, [], new SocketCounter());
  reset('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort<close>');
  await assert.rejects(lean.get('/x'), /the server closed the connection/);
  reset('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nnever-done');
  const pending = lean.get('/y');
  lean.destroy();
  await assert.rejects(pending, /the client was closed/);
  await assert.rejects(lean.get('/z'), /the client was closed/);
});

test('a malformed response is an error naming it', async () => {
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, [], new SocketCounter());
  reset('SMTP ready\r\n\r\n');
  await assert.rejects(lean.get('/'), /malformed response status line: "SMTP ready"/);
  lean.destroy();
});

test('each exchange carries its own request and response bytes; an exchange-attributed socket stays out of the edge snapshots', async () => {
  const counter = new SocketCounter();
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, [], counter, [], 'exchange');
  const first = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
  const second = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]';
  reset(first, second);
  const a = await lean.get('/a');
  const b = await lean.get('/since=10');
  // `GET /a HTTP/1.1\r\n` (17) + `host: 127.0.0.1:PORT\r\n` + `connection: keep-alive\r\n` (24) + `\r\n` (2).
  const host = `host: 127.0.0.1:${port}\r\n`.length;
  assert.deepEqual(a.bytes, { up: 17 + host + 24 + 2, down: first.length });
  assert.deepEqual(b.bytes, { up: 24 + host + 24 + 2, down: second.length });
  assert.deepEqual(counter.totals(), { up: a.bytes.up + b.bytes.up, down: a.bytes.down + b.bytes.down }, 'the whole run counts every byte');
  assert.deepEqual(
    counter.snapshotTotals(),
    { up: 0, down: 0 },
    'the edge snapshots leave the exchange-attributed socket to the exchanges',
  );
  lean.destroy();
});

test('a repeated GET writes the same bytes again; a moved cursor or new cursor lines change only what they say', async () => {
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, HEADER_PROFILES.browser.poll, new SocketCounter());
  reset();
  await lean.get('/poll?since=7');
  const first = received;
  await lean.get('/poll?since=7');
  await lean.get('/poll?since=10');
  await lean.get('/poll?since=10', 'last-event-id: 10\r\n');
  const moved = first.replace('GET /poll?since=7 ', 'GET /poll?since=10 ');
  assert.equal(received, `${first}${first}${moved}${moved.slice(0, -2)}last-event-id: 10\r\n\r\n`);
  lean.destroy();
});

test('getThen hands the response to a callback; a second request while one is in flight is refused on a later turn', async () => {
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, [], new SocketCounter());
  reset('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
  let refusedAt: 'sync' | 'later' | null = null;
  let phase: 'sync' | 'later' = 'sync';
  const response = await new Promise<GetResponse>((resolve, reject) => {
    lean.getThen('/a', '', (error, got) => (error === null ? resolve(got!) : reject(error)));
    lean.getThen('/b', '', (error) => {
      assert.match(String(error), /a request is already in flight/);
      refusedAt = phase;
    });
    phase = 'later';
  });
  assert.deepEqual([response.status, response.body.toString(), refusedAt], [200, 'hello', 'later']);
  lean.destroy();
});

test('a response that arrives in pieces (head split, body split) is read whole, and the next one after it', async () => {
  const counter = new SocketCounter();
  const lean = new KeepAliveGet(`http://127.0.0.1:${port}`, [], counter, [], 'exchange');
  const split = 'HTTP/1.1 200 OK\r\nCont<pause>ent-Length: 12\r\n\r<pause>\n[{"a"<pause>:1}]   ';
  reset(split, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1,2<pause>\r\n1\r\n]\r\n0\r<pause>\n\r\n');
  const a = await lean.get('/a');
  assert.deepEqual([a.status, a.body.toString(), a.bytes.down], [200, '[{"a":1}]   ', split.replaceAll('<pause>', '').length]);
  const b = await lean.get('/b');
  assert.deepEqual([b.status, b.body.toString()], [200, '[1,2]']);
  lean.destroy();
});

test('the head parser reads the framing headers in any case and hands back only the captured ones', () => {
  const head =
    'HTTP/1.1 200 OK\r\nDate: Mon, 07 Dec 2026 03:00:00 GMT\r\nCONTENT-LENGTH: 12\r\nKeep-Alive: timeout=5\r\nConnection: Close\r\nX-Cursor:  abc ';
  const captured = parseHead(head, new Set(['x-cursor', 'date']));
  assert.deepEqual(
    [captured.status, captured.reason, captured.remaining, captured.keepAlive, [...captured.headers]],
    [
      200,
      'OK',
      12,
      false,
      [
        ['date', 'Mon, 07 Dec 2026 03:00:00 GMT'],
        ['x-cursor', 'abc'],
      ],
    ],
  );
  const plain = parseHead(head);
  assert.deepEqual([plain.remaining, plain.keepAlive, plain.headers.size], [12, false, 0]);
  assert.equal(parseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked').remaining, -1);
  assert.equal(parseHead('HTTP/1.0 200 OK\r\nconnection: keep-alive').keepAlive, true);
  assert.deepEqual([parseHead('HTTP/1.0 200 OK').remaining, parseHead('HTTP/1.0 200 OK').keepAlive], [-2, false]);
});
