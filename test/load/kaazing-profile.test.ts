/**
 * The `kaazing-2010` profile: the 2010 example's lines add up to the published 871 characters
 * (909 with line ends), the clients send its request lines, pushbench's server answers polls
 * with its response lines, and the bytes on the wire are what the model says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HEADER_PROFILES, KAAZING_2010, headerListBytes } from '../../load/headers.ts';
import { KeepAliveGet } from '../../load/keepalive-get.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { encodeMessage, nowMicros } from '../../core/protocol.ts';
import { jsonResponseHeadBytes, modelFor, typicalSeq } from '../../run/model.ts';
import type { ScenarioParams } from '../../core/results.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { dataForMessageSize, openRaw, parseResponses } from '../helpers/wire.ts';

const chars = (lines: readonly string[]): number => lines.reduce((n, line) => n + line.length, 0);

test('the 2010 example: 692 + 179 = 871 characters without line ends, 909 with them', () => {
  assert.equal(chars(KAAZING_2010.request), 692);
  assert.equal(chars(KAAZING_2010.response), 179);
  assert.equal(chars(KAAZING_2010.request) + chars(KAAZING_2010.response), 871);
  // Each of the 17 lines ends in CRLF, and each head ends with a blank line: 19 line ends.
  const withLineEnds = (lines: readonly string[]): number => `${lines.join('\r\n')}\r\n\r\n`.length;
  assert.equal(withLineEnds(KAAZING_2010.request) + withLineEnds(KAAZING_2010.response), 909);
});

test("the profile: the example's lines less Host and Connection (the client writes its own), its response lines for the server", () => {
  const profile = HEADER_PROFILES['kaazing-2010'];
  assert.deepEqual(
    profile.poll.map(([name]) => name),
    ['User-Agent', 'Accept', 'Accept-Language', 'Accept-Encoding', 'Accept-Charset', 'Keep-Alive', 'Referer', 'Cookie'],
  );
  // 692 - the request line (40) - Host (20) - Connection (22) = 610 characters in 8 lines, each ending in CRLF.
  assert.equal(headerListBytes(profile.poll), 610 + 8 * 2);
  assert.deepEqual(
    profile.response?.map(([name]) => name),
    ['X-Powered-By', 'Server', 'Content-Type', 'Content-Length', 'Date'],
  );
  assert.equal(profile.cookie, true);
  // Status line (HTTP/1.1 200 OK, as long as 2010's HTTP/1.x 200 OK) + the five lines + blank line, Content-Length: 66.
  assert.equal(jsonResponseHeadBytes(66, profile.response), 17 + 27 + 51 + 39 + 20 + 37 + 2);
  assert.equal(jsonResponseHeadBytes(66, profile.response), 193);
});

describe("pushbench's server with the kaazing-2010 response lines", () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({
      techniques: ['polling', 'longpoll'],
      rate: 0,
      responseHeaders: HEADER_PROFILES['kaazing-2010'].response!.map(([k, v]) => [k, v]),
    });
    for (let seq = 1; seq <= 4; seq++) {
      const t = nowMicros();
      server.publish(dataForMessageSize(64, seq, t), t);
    }
  });
  after(() => server.close());

  test('the server answers a poll with exactly the 2010 response lines, real Content-Length and Date, and keeps the connection', async () => {
    const raw = await openRaw(server.port);
    const host = `127.0.0.1:${server.port}`;
    raw.send(`GET /poll?since=3 HTTP/1.1\r\nHost: ${host}\r\n\r\nGET /longpoll?since=3 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const text = await raw.waitFor((t) => parseResponses(t).length === 2, 'two answers on one connection');
    raw.close();
    for (const response of parseResponses(text)) {
      const lines = response.head.split('\r\n').slice(0, -2);
      assert.deepEqual(
        lines.map((line) => line.slice(0, line.indexOf(':') + 1 || undefined)),
        ['HTTP/1.1 200 OK', 'X-Powered-By:', 'Server:', 'Content-Type:', 'Content-Length:', 'Date:'],
      );
      assert.equal(lines[1], 'X-Powered-By: Servlet/2.5');
      assert.equal(lines[2], 'Server: Sun Java System Application Server 9.1_02');
      assert.equal(lines[3], 'Content-Type: text/html;charset=UTF-8');
      assert.equal(lines[4], 'Content-Length: 66');
      assert.match(lines[5]!, /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.equal(response.head.length, 193);
      assert.equal(response.body.length, 66);
    }
  });

  test('a poll with the profile costs what the model says, request and response, byte for byte', async () => {
    const host = `127.0.0.1:${server.port}`;
    const params: ScenarioParams = {
      workload: 'broadcast',
      clients: 1,
      rate: 1,
      payloadBytes: 10,
      messageBytes: 64,
      intervalMs: 1000,
      holdMs: 30_000,
      durationMs: 6000,
      warmupMs: 0,
      headers: 'kaazing-2010',
      roomSize: 1,
      target: null,
    };
    assert.equal(typicalSeq(params), 3);
    const model = modelFor('polling', params, { host });
    // GET /poll?since=3 HTTP/1.1 (28) + host (6 + host + 2) + connection: keep-alive (24) + the profile's 626 + blank line.
    assert.equal(model.requestHeadBytes, 28 + 6 + host.length + 2 + 24 + 626 + 2);
    assert.equal(model.responseHeadBytes, 193);
    const counter = new SocketCounter();
    const client = new KeepAliveGet(server.url, HEADER_PROFILES['kaazing-2010'].poll, counter);
    const before = server.stats().bytes;
    const response = await client.get('/poll?since=3');
    client.destroy();
    const [message] = JSON.parse(response.body.toString()) as Array<{ seq: number; t: number }>;
    assert.equal(response.body.toString(), `[${encodeMessage({ seq: 4, t: message!.t, data: dataForMessageSize(64, 4, message!.t) })}]`);
    const after = server.stats().bytes;
    assert.equal(after.up - before.up, model.requestHeadBytes);
    assert.equal(after.down - before.down, model.responseHeadBytes + 66);
    assert.deepEqual(
      counter.totals(),
      { up: model.requestHeadBytes, down: model.responseHeadBytes + 66 },
      'the client counted the same bytes',
    );
    assert.equal(model.perMessage.totalBytes, model.requestHeadBytes + 193 + 66);
  });
});
