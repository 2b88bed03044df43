/**
 * Host and Origin: the server answers only requests whose Host names it (a loopback name
 * or its bound address, with its port), so a web page cannot read it through DNS
 * rebinding; a request carrying a foreign Origin is refused (a page elsewhere cannot
 * publish, open the WebSocket or pass a preflight); POST /publish takes only JSON.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startServer, type PushServer } from '../../servers/server.ts';
import { RequestGuard } from '../../servers/request-guard.ts';
import { exchangeRaw, openRaw, parseResponses } from '../helpers/wire.ts';

const PAGE_ORIGIN = 'https://app.example.com';

describe('Host and Origin against a real server', () => {
  let server: PushServer;
  let allowed: string[];
  before(async () => {
    server = await startServer({ rate: 0, rooms: 2, allowedOrigins: [PAGE_ORIGIN] });
    server.publish('m1');
    allowed = [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`];
  });
  after(() => server.close());

  const exchange = (raw: string): ReturnType<typeof exchangeRaw> => exchangeRaw(server.port, raw);

  /** A refusal: the server answers and then closes the connection itself. */
  async function refused(raw: string): Promise<{ status: number; body: string; head: string }> {
    const client = await openRaw(server.port);
    client.send(raw);
    await client.closed;
    const responses = parseResponses(client.text());
    assert.equal(responses.length, 1, `one answer to ${JSON.stringify(raw.slice(0, 60))}`);
    assert.match(responses[0]!.head, /\r\nConnection: close\r\n/);
    return responses[0]!;
  }

  const get = (path: string, host: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
  const publish = (host: string, headers: string, body = '{"data":"hi"}'): string =>
    `POST /publish HTTP/1.1\r\nHost: ${host}\r\n${headers}Content-Length: ${body.length}\r\n\r\n${body}`;

  async function assertServes(): Promise<void> {
    const ok = await exchange(get('/poll?since=0', `127.0.0.1:${server.port}`));
    assert.equal(ok.status, 200);
  }

  test('every loopback name with the port is served, in any letter case', async () => {
    for (const host of [...allowed, `LOCALHOST:${server.port}`]) {
      const response = await exchange(get('/poll?since=0', host));
      assert.equal(response.status, 200, host);
      assert.match(response.head, /\r\nConnection: keep-alive\r\n/);
    }
  });

  for (const path of ['/poll?since=0', '/stats', '/', '/demo', '/sse', '/longpoll?since=0', '/nope']) {
    test(`a foreign Host is a 403 on ${path}, and the connection is closed`, async () => {
      for (const host of [
        'attacker.example',
        `attacker.example:${server.port}`,
        '127.0.0.1',
        `127.0.0.1:${server.port + 1}`,
        `127.0.0.1:${server.port}.attacker.example`,
      ]) {
        const response = await refused(get(path, host));
        assert.equal(response.status, 403, `${path} with Host ${host}`);
        assert.deepEqual(JSON.parse(response.body), {
          error: `Host ${JSON.stringify(host)} is not this server's; allowed: ${allowed.join(', ')}`,
          allowed,
        });
      }
      await assertServes();
    });
  }

  test('two Host headers are a 400; an HTTP/1.0 request without Host a 403', async () => {
    const doubled = await refused(`GET /poll HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nHost: attacker.example\r\n\r\n`);
    assert.equal(doubled.status, 400);
    const none = await refused('GET /stats HTTP/1.0\r\n\r\n');
    assert.equal(none.status, 403);
    assert.match(JSON.parse(none.body).error, /^Host null is not this server's/);
    await assertServes();
  });

  test('POST /publish takes application/json only (415 otherwise), with or without parameters', async () => {
    const host = `127.0.0.1:${server.port}`;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      const response = await refused(publish(host, `Content-Type: ${type}\r\n`));
      assert.equal(response.status, 415, type);
      assert.deepEqual(JSON.parse(response.body), {
        error: `POST /publish needs Content-Type: application/json; received ${JSON.stringify(type)}`,
      });
    }
    const untyped = await refused(publish(host, ''));
    assert.equal(untyped.status, 415);
    assert.deepEqual(JSON.parse(untyped.body), { error: 'POST /publish needs Content-Type: application/json; received null' });
    const before = server.stats().published;
    for (const type of ['application/json', 'Application/JSON; charset=utf-8']) {
      assert.equal((await exchange(publish(host, `Content-Type: ${type}\r\n`))).status, 204, type);
    }
    assert.equal(server.stats().published, before + 2, 'only the JSON posts were published');
  });

  test('a foreign Origin cannot publish, a preflight is refused; the own and the configured origins can publish', async () => {
    const host = `127.0.0.1:${server.port}`;
    const json = 'Content-Type: application/json\r\n';
    const before = server.stats().published;
    for (const origin of ['http://attacker.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`]) {
      const response = await refused(publish(host, `${json}Origin: ${origin}\r\n`));
      assert.equal(response.status, 403, origin);
      assert.match(
        JSON.parse(response.body).error,
        new RegExp(`^Origin ${JSON.stringify(origin).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} may not use this server`),
      );
    }
    const preflight = await refused(
      `OPTIONS /publish HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://attacker.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n`,
    );
    assert.equal(preflight.status, 403);
    assert.doesNotMatch(preflight.head, /access-control-allow/i, 'nothing in the answer lets a browser go on');
    assert.equal(server.stats().published, before, 'nothing was published');

    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`, PAGE_ORIGIN]) {
      assert.equal((await exchange(publish(host, `${json}Origin: ${origin}\r\n`))).status, 204, origin);
    }
    assert.equal(server.stats().published, before + 3);
  });

  test('the WebSocket upgrade: a foreign Host or Origin is a 403; the own origin and the configured one connect', async () => {
    const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
    const status = (options: WebSocket.ClientOptions): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(wsUrl, options);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.terminate();
        });
        ws.on('error', () => {});
      });
    assert.equal(await status({ headers: { Host: 'attacker.example' } }), 403);
    assert.equal(await status({ origin: 'http://attacker.example' }), 403);
    assert.equal(await status({ origin: 'null' }), 403);
    assert.equal(await status({}), 101, 'no Origin: not a browser');
    assert.equal(await status({ origin: `http://127.0.0.1:${server.port}` }), 101);
    assert.equal(await status({ origin: PAGE_ORIGIN }), 101);

    // The refusal is a complete HTTP answer naming the reason.
    const client = await openRaw(server.port);
    client.send(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nOrigin: http://attacker.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await client.closed;
    const [refusal] = parseResponses(client.text());
    assert.equal(refusal!.status, 403);
    assert.match(JSON.parse(refusal!.body).error, /^Origin "http:\/\/attacker\.example" may not use this server/);
    assert.ok(server.stats().rejected.forbidden > 0);
    await assertServes();
  });
});

describe('RequestGuard: the hosts a bind address allows', () => {
  const request = (...rawHeaders: string[]): IncomingMessage => ({ rawHeaders }) as unknown as IncomingMessage;

  test('a named bind address is allowed beside the loopback names; port 80 may be left out', () => {
    const guard = new RequestGuard({ host: 'bench.internal', port: 80, allowedOrigins: [] });
    assert.deepEqual(guard.allowedHosts, [
      '127.0.0.1:80',
      '127.0.0.1',
      'localhost:80',
      'localhost',
      '[::1]:80',
      '[::1]',
      'bench.internal:80',
      'bench.internal',
    ]);
    assert.equal(guard.check(request('host', 'bench.internal')), undefined);
    assert.equal(guard.check(request('Host', 'localhost')), undefined);
    assert.equal(guard.check(request('host', 'bench.internal', 'origin', 'http://bench.internal')), undefined);
    assert.equal(guard.check(request('host', 'other.internal'))?.status, 403);
  });

  test('an IPv6 bind address is bracketed; a wildcard bind allows the addresses of this machine', () => {
    const v6 = new RequestGuard({ host: '::1', port: 8080, allowedOrigins: [] });
    assert.deepEqual(v6.allowedHosts, ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080']);
    const wildcard = new RequestGuard({ host: '0.0.0.0', port: 8080, allowedOrigins: [] });
    assert.ok(wildcard.allowedHosts.includes('127.0.0.1:8080'));
    assert.ok(
      wildcard.allowedHosts.every((host) => /^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.%a-z]+\]|localhost):8080$/i.test(host)),
      wildcard.allowedHosts.join(),
    );
    assert.equal(wildcard.check(request('host', 'attacker.example:8080'))?.status, 403, 'never a name the machine does not own');
  });
});
