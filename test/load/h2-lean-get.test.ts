/**
 * The capacity probe's HTTP/2 client (load/h2-lean-get.ts) against pushbench's own server on
 * h2c and h2 (TLS, ALPN h2): statuses and bodies as the server sent them, the request bytes by
 * HPACK arithmetic (the first request adds the fields to the table, later ones index them), and
 * the probe's load (load/poll-load.ts) on h2 counted alike by the load and the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SocketCounter } from '../../core/socket-counter.ts';
import { H2LeanGet } from '../../load/h2-lean-get.ts';
import { h2Headers } from '../../load/h2-tab.ts';
import { PollLoad } from '../../load/poll-load.ts';
import { startServer, type PushServer } from '../../servers/server.ts';

const HEADERS: Array<[string, string]> = [
  ['Accept', '*/*'],
  ['X-Probe', '1'],
];

describe('H2LeanGet over h2c', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ wire: 'h2c', techniques: ['polling'], rate: 0 });
  });
  after(() => server.close());

  test('statuses and bodies: an empty poll, one message, a 404', async () => {
    const client = new H2LeanGet(server.url, HEADERS, new SocketCounter(), null);
    await client.connect();
    const empty = await client.get('/poll');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.toString(), '[]');
    server.publish('hello');
    const one = await client.get('/poll?since=0');
    assert.equal(one.status, 200);
    const messages = JSON.parse(one.body.toString()) as Array<{ seq: number; data: string }>;
    assert.deepEqual(
      messages.map((m) => [m.seq, m.data]),
      [[1, 'hello']],
    );
    const missing = await client.get('/nope');
    assert.equal(missing.status, 404);
    await client.close(1000);
  });

  test('a later request is one byte per indexed field: 9 + 2 + path literal + fields', async () => {
    const client = new H2LeanGet(server.url, HEADERS, new SocketCounter(), null);
    await client.connect();
    await client.get('/poll');
    const path = '/poll?since=0';
    const second = await client.get(path);
    // Frame header 9; :method GET and :scheme http, one static index each; :path as 0x04, a length byte and the path;
    // :authority and each profile field (h2Headers: lower case, no connection fields) one dynamic-table index each.
    const fields = 1 + Object.keys(h2Headers(HEADERS)).length;
    assert.equal(second.bytes.up, 9 + 2 + 2 + path.length + fields);
    await client.close(1000);
  });
});

describe('the probe load over h2 (TLS, ALPN h2)', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ wire: 'h2', techniques: ['polling'], rate: 0 });
  });
  after(() => server.close());

  test('closed loop: the responses the load counted are the polls the server answered', async () => {
    const before = server.stats().techniques.polling!.requests;
    const load = new PollLoad({ origin: server.url, wire: 'h2', path: '/poll', headers: HEADERS, connections: 2, ratePerSecond: null });
    await load.connect();
    load.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await load.stop();
    const sample = load.sample();
    assert.ok(sample.responses > 2, `responses ${sample.responses}`);
    assert.equal(sample.non200, 0);
    assert.equal(sample.errors, 0);
    assert.equal(server.stats().techniques.polling!.requests - before, sample.responses);
  });
});
