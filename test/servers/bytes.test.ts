/**
 * Server-side byte counts equal client-side counts, and both equal the protocol's
 * arithmetic: RFC 6455 frame headers, SSE events inside chunked encoding, HTTP
 * status line + headers + body.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startServer, type PushServer } from '../../servers/server.ts';
import { chunkFramingBytes, encodeMessage, nowMicros, sseEvent, wsFrameHeaderBytes } from '../../core/protocol.ts';
import { eventually, getRequest, openRaw, parseResponses } from '../helpers/wire.ts';

/** Data that makes the message JSON exactly `size` bytes for the next seq of a fresh broadcast feed. */
function dataFor(size: number, seq: number, t: number): string {
  return 'x'.repeat(size - encodeMessage({ seq, t, data: '' }).length);
}

function down(server: PushServer): number {
  return server.stats().bytes.down;
}

describe('RFC 6455 arithmetic', () => {
  test('frame header sizes', () => {
    assert.equal(wsFrameHeaderBytes(64, false), 2);
    assert.equal(wsFrameHeaderBytes(125, false), 2);
    assert.equal(wsFrameHeaderBytes(126, false), 4);
    assert.equal(wsFrameHeaderBytes(65535, false), 4);
    assert.equal(wsFrameHeaderBytes(65536, false), 10);
    assert.equal(wsFrameHeaderBytes(64, true), 6, 'client frames carry a 4-byte mask');
  });
});

describe('websocket bytes', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, techniques: ['websocket'] });
  });
  after(() => server.close());

  test('a 64-byte text message costs exactly 2 bytes of frame header, on both ends', async () => {
    let clientSocket: Socket | undefined;
    const received: Buffer[] = [];
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    ws.on('upgrade', (res) => (clientSocket = res.socket as Socket));
    ws.on('message', (data: Buffer) => received.push(data));
    await new Promise((resolve) => ws.once('open', resolve));
    const socket = clientSocket!;
    const stats = server.stats();
    // The upgrade is setup: the request the client wrote and the 101 it read.
    assert.equal(stats.bytes.setupUp, socket.bytesWritten);
    assert.equal(stats.bytes.setupDown, socket.bytesRead);
    assert.equal(stats.bytes.up, socket.bytesWritten);
    assert.equal(stats.bytes.down, socket.bytesRead);

    const serverBefore = down(server);
    const clientBefore = socket.bytesRead;
    const t = nowMicros();
    server.publish(dataFor(64, 1, t), t);
    await eventually(() => received.length === 1, 'the message');
    assert.equal(received[0]!.length, 64);
    assert.equal(down(server) - serverBefore, 66, 'server wrote 2 + 64 bytes');
    assert.equal(socket.bytesRead - clientBefore, 66, 'client read 2 + 64 bytes');

    // A client frame is masked: 6 bytes of header for a short payload.
    const upBefore = server.stats().bytes.up;
    const body = JSON.stringify({ data: 'x'.repeat(40) });
    ws.send(body);
    await eventually(() => received.length === 2, 'the echoed upstream message');
    assert.equal(server.stats().bytes.up - upBefore, body.length + 6);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
    await eventually(() => server.stats().connections.open === 0, 'the server to see the close');
    const final = server.stats().bytes;
    assert.equal(final.up, socket.bytesWritten, 'server read what the client wrote, close frame included');
    assert.equal(final.down, socket.bytesRead, 'client read what the server wrote, close frame included');
  });
});

describe('sse bytes', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, techniques: ['sse'] });
  });
  after(() => server.close());

  test('an event costs its id:/data: lines plus chunk framing; the head is setup', async () => {
    const client = await openRaw(server.port);
    const request = getRequest(server.port, '/sse');
    client.send(request);
    const head = await client.waitFor((t) => t.includes('\r\n\r\n'), 'the response head');
    assert.match(
      head,
      /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/event-stream\r\nCache-Control: no-cache\r\n.*Transfer-Encoding: chunked\r\n\r\n$/s,
    );
    await eventually(() => server.stats().bytes.setupDown === head.length, 'the head to be counted as setup');
    assert.equal(server.stats().bytes.setupUp, request.length);

    const t = nowMicros();
    const data = dataFor(64, 1, t);
    server.publish(data, t);
    const event = sseEvent(1, encodeMessage({ seq: 1, t, data }));
    const expected = event.length + chunkFramingBytes(event.length);
    const text = await client.waitFor((x) => x.length >= head.length + expected, 'the event');
    assert.equal(text.slice(head.length), `${event.length.toString(16)}\r\n${event}\r\n`);
    // "id: 1\n" + "data: " + 64 + "\n\n" = 78 bytes, in a chunk "4e\r\n...\r\n": 84 bytes in all.
    assert.equal(event.length, 78);
    assert.equal(expected, 84);
    assert.equal(server.stats().bytes.down, head.length + 84);
    assert.equal(client.bytes(), server.stats().bytes.down);
    assert.equal(server.stats().bytes.up, request.length);
    client.close();
  });
});

describe('polling bytes', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, techniques: ['polling', 'longpoll'] });
  });
  after(() => server.close());

  for (const path of ['/poll', '/longpoll']) {
    test(`${path}: a response costs its status line, headers and body, nothing more`, async () => {
      const startBytes = server.stats().bytes;
      const t = nowMicros();
      const seq = server.stats().published + 1;
      const data = dataFor(64, seq, t);
      server.publish(data, t);
      const client = await openRaw(server.port);
      const request = getRequest(server.port, `${path}?since=${seq - 1}`);
      client.send(request);
      const text = await client.waitFor((x) => parseResponses(x).length === 1, 'the response');
      const response = parseResponses(text)[0]!;
      const body = `[${encodeMessage({ seq, t, data })}]`;
      assert.equal(response.body, body);
      assert.equal(body.length, 66, 'the 64-byte message plus the array brackets');
      assert.match(
        response.head,
        /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json\r\nContent-Length: 66\r\nDate: [A-Za-z]{3}, \d\d [A-Za-z]{3} \d{4} \d\d:\d\d:\d\d GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n$/,
      );
      const head =
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 66\r\nDate: Wed, 25 Nov 2026 00:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=65\r\n\r\n';
      assert.equal(response.raw.length, head.length + 66);
      const now = server.stats().bytes;
      assert.equal(now.down - startBytes.down, response.raw.length);
      assert.equal(now.up - startBytes.up, request.length);
      assert.equal(now.setupUp + now.setupDown, 0, 'plain requests are not setup');
      client.close();
    });
  }
});

describe('bytes per endpoint', () => {
  test('with every technique on one port, each connection is counted under the endpoint it served', async () => {
    const server = await startServer({ rate: 0 });
    try {
      const poll = await openRaw(server.port);
      poll.send(getRequest(server.port, '/poll?since=0'));
      const sse = await openRaw(server.port);
      sse.send(getRequest(server.port, '/sse'));
      const garbage = await openRaw(server.port);
      garbage.send('NOT HTTP\r\n\r\n');
      await garbage.closed;
      await poll.waitFor((t) => parseResponses(t).length === 1, 'the poll response');
      await sse.waitFor((t) => t.includes('\r\n\r\n'), 'the SSE head');
      server.publish('x');
      await sse.waitFor((t) => t.includes('data: '), 'the SSE event');
      await eventually(() => server.stats().bytesByRoute.sse?.down === sse.bytes(), 'the SSE bytes');
      const byRoute = server.stats().bytesByRoute;
      assert.deepEqual(byRoute.polling, { up: poll.socket.bytesWritten, down: poll.bytes() });
      assert.deepEqual(byRoute.sse, { up: sse.socket.bytesWritten, down: sse.bytes() });
      assert.deepEqual(byRoute.other, { up: garbage.socket.bytesWritten, down: garbage.bytes() });
      const total = server.stats().bytes;
      assert.equal(
        total.up,
        Object.values(byRoute).reduce((n, r) => n + r.up, 0),
        'the split adds up to the total',
      );
      poll.close();
      sse.close();
    } finally {
      await server.close();
    }
  });
});
