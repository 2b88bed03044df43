/**
 * Hostile HTTP on a raw socket: request smuggling (Content-Length with
 * Transfer-Encoding, two Content-Lengths), 10,000 headers, and Last-Event-ID values
 * that are not a seq. Each gets its exact status, nothing smuggled is served, and the
 * server answers a normal request afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type PushServer } from '../../servers/server.ts';
import { getRequest, openRaw, parseResponses } from '../helpers/wire.ts';

describe('hostile HTTP on a real server', () => {
  let server: PushServer;
  let host: string;
  before(async () => {
    server = await startServer({ rate: 0, ringSize: 4 });
    for (let i = 1; i <= 6; i++) server.publish(`m${i}`); // the ring keeps 3..6
    host = `Host: 127.0.0.1:${server.port}`;
  });
  after(() => server.close());

  /** Sends `raw`, waits for the server to close, returns every response it wrote. */
  async function untilClosed(raw: string): Promise<ReturnType<typeof parseResponses>> {
    const client = await openRaw(server.port);
    client.send(raw);
    await client.closed;
    return parseResponses(client.text());
  }

  async function exchange(raw: string): Promise<{ status: number; body: string; head: string }> {
    const client = await openRaw(server.port);
    client.send(raw);
    const text = await client.waitFor(
      (t) => parseResponses(t).length === 1 || /^HTTP\/1\.1 200 OK\r\n[\s\S]*text\/event-stream[\s\S]*\r\n\r\n/.test(t),
      'an answer',
    );
    client.close();
    const [response] = parseResponses(text);
    return response!;
  }

  async function assertServes(): Promise<void> {
    const ok = await exchange(getRequest(server.port, '/poll?since=5'));
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^\[\{"seq":6,/);
  }

  test('Content-Length with Transfer-Encoding (CL.TE smuggling) is a 400; the smuggled request is never served', async () => {
    const publishedBefore = server.stats().published;
    const smuggled = `GET /nope HTTP/1.1\r\n${host}\r\n\r\n`;
    const body = `0\r\n\r\n${smuggled}`;
    const responses = await untilClosed(
      `POST /publish HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [400],
      'one answer, a 400; no 404 for the smuggled request',
    );
    assert.equal(server.stats().published, publishedBefore);
    // And TE.CL: a chunked body carrying a second request, with a Content-Length header after it.
    const teFirst = await untilClosed(
      `POST /publish HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n${body}`,
    );
    assert.deepEqual(
      teFirst.map((r) => r.status),
      [400],
    );
    await assertServes();
  });

  test('two different Content-Lengths are a 400; an obfuscated Transfer-Encoding too', async () => {
    const twoLengths = await untilClosed(
      `POST /publish HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nContent-Length: 13\r\nContent-Length: 14\r\n\r\n{"data":"x"} `,
    );
    assert.deepEqual(
      twoLengths.map((r) => r.status),
      [400],
    );
    const obfuscated = await untilClosed(
      `POST /publish HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nContent-Length: 13\r\nTransfer-Encoding: xchunked\r\n\r\n{"data":"x"}`,
    );
    assert.deepEqual(
      obfuscated.map((r) => r.status),
      [400],
    );
    await assertServes();
  });

  test('10,000 headers are a 431 and a closed connection', async () => {
    const headers = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: ${i}\r\n`).join('');
    const client = await openRaw(server.port);
    client.send(`GET /poll?since=0 HTTP/1.1\r\n${host}\r\n${headers}\r\n`);
    await client.closed;
    assert.match(client.text(), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.equal(parseResponses(client.text()).length, 1);
    await assertServes();
  });

  for (const [value, status, error] of [
    ['abc', 400, { error: 'invalid since: received "abc"; expected a non-negative integer' }],
    ['-1', 400, { error: 'invalid since: received "-1"; expected a non-negative integer' }],
    ['1e3', 400, { error: 'invalid since: received "1e3"; expected a non-negative integer' }],
    ['0x05', 400, { error: 'invalid since: received "0x05"; expected a non-negative integer' }],
    ['5.0', 400, { error: 'invalid since: received "5.0"; expected a non-negative integer' }],
    ['99999999999999999999', 400, { error: 'invalid since: received "99999999999999999999"; expected a non-negative integer' }],
    ['9007199254740993', 400, { error: 'invalid since: received "9007199254740993"; too large' }],
    ['7', 400, { error: 'invalid since: received 7; newest seq is 6', head: 6 }],
    ['1', 410, { error: 'since 1 is older than the ring', oldest: 3 }],
  ] as const) {
    test(`Last-Event-ID: ${value} is a ${status}`, async () => {
      const response = await exchange(getRequest(server.port, '/sse', { 'Last-Event-ID': value }));
      assert.equal(response.status, status);
      assert.deepEqual(JSON.parse(response.body), error);
      await assertServes();
    });
  }

  test('an empty Last-Event-ID starts from now; a valid one resumes after it', async () => {
    for (const [value, expected] of [
      ['', ''],
      ['4', 'id: 5\ndata: {"seq":5,'],
    ] as const) {
      const client = await openRaw(server.port);
      client.send(getRequest(server.port, '/sse', { 'Last-Event-ID': value }));
      const text = await client.waitFor(
        (t) => t.includes('\r\n\r\n') && (expected === '' || t.includes(expected)),
        `the stream for ${JSON.stringify(value)}`,
      );
      client.close();
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      if (expected === '') assert.equal(text.slice(text.indexOf('\r\n\r\n') + 4), '', 'nothing from the ring');
    }
  });
});
