/**
 * Bad input gets a clear answer and the server keeps serving: invalid parameters,
 * unknown paths, wrong methods, malformed or oversize bodies and frames, garbage
 * bytes, and clients that vanish mid-request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startServer, type PushServer } from '../../servers/server.ts';
import { WS_CLOSE_BAD_REQUEST, WS_CLOSE_TOO_BIG } from '../../core/protocol.ts';
import { eventually, getRequest, openRaw, parseResponses } from '../helpers/wire.ts';

const LIMIT = 1024;

describe('bad input', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, maxMessageBytes: LIMIT, holdMs: 60_000 });
    for (let i = 0; i < 3; i++) server.publish(`m${i}`);
  });
  after(() => server.close());
  const host = (): string => `Host: 127.0.0.1:${server.port}`;

  async function exchange(raw: string): Promise<{ status: number; body: string; head: string }> {
    const client = await openRaw(server.port);
    client.send(raw);
    const text = await client.waitFor((t) => parseResponses(t).length === 1, `an answer to ${JSON.stringify(raw.slice(0, 40))}`);
    client.close();
    return parseResponses(text)[0]!;
  }

  for (const [path, since] of [
    ['/poll', 'abc'],
    ['/poll', '-1'],
    ['/poll', '1.5'],
    ['/longpoll', 'x'],
    ['/sse', '01'],
  ] as const) {
    test(`${path}?since=${since} is a 400 naming the value`, async () => {
      const response = await exchange(getRequest(server.port, `${path}?since=${since}`));
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), { error: `invalid since: received "${since}"; expected a non-negative integer` });
    });
  }

  test('since ahead of the newest seq is a 400 with the head', async () => {
    const response = await exchange(getRequest(server.port, '/poll?since=99'));
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.body), { error: 'invalid since: received 99; newest seq is 3', head: 3 });
  });

  test('a room the server was not configured with is a 400 naming the rooms it has', async () => {
    for (const room of [16, 100_000]) {
      const response = await exchange(getRequest(server.port, `/poll?room=${room}`));
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(response.body), { error: `invalid room: received ${room}; allowed 0..15`, rooms: 16 });
    }
  });

  test('unknown path is a 404, wrong method a 405 with Allow', async () => {
    const missing = await exchange(getRequest(server.port, '/nope'));
    assert.equal(missing.status, 404);
    assert.match(JSON.parse(missing.body).error, /no such path: \/nope/);
    const wrong = await exchange(`DELETE /poll HTTP/1.1\r\n${host()}\r\n\r\n`);
    assert.equal(wrong.status, 405);
    assert.match(wrong.head, /\r\nAllow: GET\r\n/);
    const get = await exchange(getRequest(server.port, '/publish'));
    assert.equal(get.status, 405);
    assert.match(get.head, /\r\nAllow: POST\r\n/);
  });

  test('a plain GET on /ws is a 426 Upgrade Required', async () => {
    const response = await exchange(getRequest(server.port, '/ws'));
    assert.equal(response.status, 426);
    assert.match(response.head, /\r\nUpgrade: websocket\r\n/);
  });

  test('POST /publish with malformed JSON or a bad shape is a 400', async () => {
    for (const [body, message] of [
      ['{"data":', /not valid JSON/],
      ['[1,2]', /must be a JSON object/],
      ['{"data":5}', /"data" must be a string; received number/],
      ['{"data":"x","room":-1}', /"room" must be one of this server's rooms \(allowed 0\.\.15\); received -1/],
      ['{"data":"x","room":16}', /"room" must be one of this server's rooms \(allowed 0\.\.15\); received 16/],
      ['{"data":"x","room":1,"t":"soon"}', /"t" must be a positive integer/],
    ] as const) {
      const response = await exchange(
        `POST /publish HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      assert.equal(response.status, 400, body);
      assert.match(JSON.parse(response.body).error, message);
    }
  });

  test('a declared body over the limit is refused with 413 before it is read', async () => {
    const client = await openRaw(server.port);
    client.send(`POST /publish HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT * 1000}\r\n\r\n`);
    const text = await client.waitFor((t) => parseResponses(t).length === 1, 'the 413');
    const response = parseResponses(text)[0]!;
    assert.equal(response.status, 413);
    assert.match(response.head, /\r\nConnection: close\r\n/);
    assert.deepEqual(JSON.parse(response.body), { error: `body of ${LIMIT * 1000} bytes exceeds the limit of ${LIMIT}`, limit: LIMIT });
    await client.closed;
  });

  test('a chunked body that grows past the limit is refused with 413', async () => {
    const client = await openRaw(server.port);
    client.send(`POST /publish HTTP/1.1\r\n${host()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'y'.repeat(600);
    client.send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    client.send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const text = await client.waitFor((t) => parseResponses(t).length === 1, 'the 413');
    assert.equal(parseResponses(text)[0]!.status, 413);
    client.close();
  });

  test('a WebSocket message over the limit closes with 1009; a bad since with 4400', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('z'.repeat(LIMIT + 1));
    const code = await new Promise<number>((resolve) => ws.once('close', resolve));
    assert.equal(code, WS_CLOSE_TOO_BIG);

    const bad = new WebSocket(`${server.url.replace('http', 'ws')}/ws?since=zz`);
    const [badCode, reason] = await new Promise<[number, string]>((resolve) =>
      bad.once('close', (c: number, r: Buffer) => resolve([c, r.toString()])),
    );
    assert.equal(badCode, WS_CLOSE_BAD_REQUEST);
    assert.match(reason, /invalid since: received "zz"/);
  });

  test('a malformed WebSocket publish closes with 1007 naming the problem', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('not json');
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.once('close', (c: number, r: Buffer) => resolve([c, r.toString()])),
    );
    assert.equal(code, 1007);
    assert.match(reason, /not valid JSON/);
  });

  test('garbage bytes get a 400 and a closed socket; the server keeps serving', async () => {
    const client = await openRaw(server.port);
    client.send('\x00\x01\x02 NOT HTTP AT ALL\r\n\r\n');
    await client.closed;
    assert.match(client.text(), /^HTTP\/1\.1 400 Bad Request\r\n/);
    const ok = await exchange(getRequest(server.port, '/poll?since=0'));
    assert.equal(ok.status, 200);
  });

  test('oversize request headers get a 431', async () => {
    const client = await openRaw(server.port);
    client.send(`GET /poll HTTP/1.1\r\n${host()}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await client.closed;
    assert.match(client.text(), /^HTTP\/1\.1 431 /);
  });

  test('a client that vanishes during a held long poll or an open stream releases everything', async () => {
    const base = server.stats().connections.open;
    const clients = await Promise.all([openRaw(server.port), openRaw(server.port), openRaw(server.port)]);
    clients[0]!.send(getRequest(server.port, '/longpoll'));
    clients[1]!.send(getRequest(server.port, '/sse'));
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    await new Promise((resolve) => ws.once('open', resolve));
    await eventually(() => {
      const t = server.stats().techniques;
      return t.longpoll!.open === 1 && t.sse!.open === 1 && t.websocket!.open === 1;
    }, 'the long poll to be held and the streams open');
    for (const c of clients) c.socket.resetAndDestroy();
    ws.terminate();
    await eventually(
      () => {
        const s = server.stats();
        return (
          s.techniques.longpoll!.open === 0 &&
          s.techniques.sse!.open === 0 &&
          s.techniques.websocket!.open === 0 &&
          s.connections.open <= base
        );
      },
      () =>
        `every held request, stream and socket to be released (base ${base}): ${JSON.stringify(server.stats().techniques)} open=${server.stats().connections.open}`,
    );
    // The long-poll hold timer was cleared: publishing now answers nobody and throws nothing.
    server.publish('after the client left');
  });
});

test('a request head that never completes is answered 408 and closed: idle half-open requests cannot pile up', async () => {
  const server = await startServer({ rate: 0, headersTimeoutMs: 300, requestTimeoutMs: 600 });
  try {
    const client = await openRaw(server.port);
    client.send(`GET /poll?since=0 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`); // no blank line: the head never ends
    await client.closed;
    assert.match(client.text(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    await eventually(() => server.stats().connections.open === 0, 'the half-open connection to be gone');
    // A held long poll is a complete request: the same timeouts do not cut it.
    const held = await openRaw(server.port);
    held.send(getRequest(server.port, '/longpoll'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(server.stats().techniques.longpoll!.open, 1, 'still held after the request timeout');
    held.close();
  } finally {
    await server.close();
  }
});
