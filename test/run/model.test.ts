/**
 * The analytic model: (a) reference values worked out by hand from the header lists and
 * the protocol's framing, (b) the model's head sizes against the bytes a real server
 * read and wrote for real undici and ws clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'undici';
import WebSocket from 'ws';
import { flatHeaders, HEADER_PROFILES, headerListBytes, profileOrigins, wsUpgradeHeaders } from '../../load/headers.ts';
import {
  getRequestBytes,
  jsonResponseHeadBytes,
  modelFor,
  ModelInputError,
  NO_CONTENT_RESPONSE_BYTES,
  publishRequestHeadBytes,
  sseChunkBytes,
  SSE_RESPONSE_HEAD_BYTES,
  typicalRoom,
  typicalSeq,
  upstreamBytes,
  wsUpgradeRequestBytes,
  WS_UPGRADE_RESPONSE_BYTES,
} from '../../run/model.ts';
import type { ScenarioParams } from '../../core/results.ts';
import { encodeMessage, filler, nowMicros } from '../../core/protocol.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { dataForMessageSize, eventually } from '../helpers/wire.ts';

const HOST = '127.0.0.1:41234';

/** warm-up 2 s + half of 6 s: the typical seq is 5 x the feed rate, one digit at 1 msg/s. */
const BROADCAST: ScenarioParams = {
  workload: 'broadcast',
  clients: 100,
  rate: 1,
  payloadBytes: 10,
  messageBytes: 64,
  intervalMs: 1000,
  holdMs: 30_000,
  durationMs: 6000,
  warmupMs: 2000,
  headers: 'browser',
  roomSize: 10,
  target: null,
};

// Header lines `name: value\r\n` of Chromium 156's fetch() (load/captures/chromium.json), counted by hand: name + 2 + value + 2.
const BROWSER_POLL_HEADERS =
  29 + // sec-ch-ua-platform: "Linux"            18 + 2 + 7 + 2
  115 + // User-Agent: Mozilla/5.0 (X11; ...) Chrome/156.0.0.0 Safari/537.36   10 + 2 + 101 + 2
  52 + // sec-ch-ua: "Not:A-Brand";v="8", "Chromium";v="156"   9 + 2 + 39 + 2
  22 + // sec-ch-ua-mobile: ?0                   16 + 2 + 2 + 2
  13 + // Accept: */*                            6 + 2 + 3 + 2
  29 + // Sec-Fetch-Site: same-origin            14 + 2 + 11 + 2
  22 + // Sec-Fetch-Mode: cors                   14 + 2 + 4 + 2
  23 + // Sec-Fetch-Dest: empty                  14 + 2 + 5 + 2
  44 + // Referer: https://app.example.com/dashboard   7 + 2 + 33 + 2
  42 + // Accept-Encoding: gzip, deflate, br, zstd    15 + 2 + 23 + 2
  33; // Accept-Language: en-US,en;q=0.9             15 + 2 + 14 + 2
// The ones the poll list lacks: content-type: application/json (12 + 2 + 16 + 2) and Origin: https://app.example.com (6 + 2 + 23 + 2).
const BROWSER_PUBLISH_HEADERS = BROWSER_POLL_HEADERS + 32 + 33;
// browser-cookie adds `Cookie: session_id=...` (6 + 2 + 164 + 2) to every list.
const COOKIE_LINE = 174;

// `host: 127.0.0.1:41234\r\n` and `connection: keep-alive\r\n`.
const HOST_LINE = 6 + 15 + 2;
const CONNECTION_LINE = 24;
// HTTP/1.1 200 OK (17) + Content-Type: application/json (32) + Content-Length: N (18 + digits)
// + Date: <29> (37) + Connection: keep-alive (24) + Keep-Alive: timeout=65 (24) + blank line (2).
const JSON_HEAD_BASE = 17 + 32 + 18 + 37 + 24 + 24 + 2;

describe('model: reference values computed by hand', () => {
  test('the browser header lists add up to the hand count', () => {
    assert.equal(BROWSER_POLL_HEADERS, 424);
    assert.equal(getRequestBytes('/poll?since=5', HOST, HEADER_PROFILES.browser.poll), 28 + HOST_LINE + CONNECTION_LINE + 424 + 2);
    assert.equal(
      getRequestBytes('/poll?since=5', HOST, HEADER_PROFILES['browser-cookie'].poll),
      28 + HOST_LINE + CONNECTION_LINE + 424 + COOKIE_LINE + 2,
    );
    // EventSource: Pragma: no-cache (18) and Cache-Control: no-cache (25) first, Accept: text/event-stream (27) for */* (13).
    assert.equal(headerListBytes(HEADER_PROFILES.browser.eventSource), 424 + 18 + 25 + 27 - 13);
    assert.equal(headerListBytes(HEADER_PROFILES.browser.longPoll), 424);
    assert.equal(headerListBytes(HEADER_PROFILES.browser.publish), BROWSER_PUBLISH_HEADERS);
    // The upgrade: Pragma (18), Cache-Control (25), User-Agent (115), Origin (33), Accept-Encoding (42), Accept-Language (33)
    // and the permessage-deflate offer `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits` (24 + 2 + 42 + 2).
    assert.equal(headerListBytes(HEADER_PROFILES.browser.upgrade), 18 + 25 + 115 + 33 + 42 + 33 + 70);
    assert.equal(jsonResponseHeadBytes(66), JSON_HEAD_BASE + 2);
    assert.equal(jsonResponseHeadBytes(2), JSON_HEAD_BASE + 1);
  });

  test('websocket: a 64-byte message costs 64 + 2 bytes of frame header', () => {
    const model = modelFor('websocket', BROADCAST, { host: HOST });
    assert.equal(model.perMessage.totalBytes, 64 + 2);
    assert.equal(model.perMessage.overheadBytes, 2);
    assert.deepEqual(model.latencyMs, { mean: 0, max: 0 });
    // Upgrade: GET /ws?since=0 HTTP/1.1 (26) + the profile's 336 B (its deflate offer included, which ws writes)
    // + Sec-WebSocket-Version: 13 (27) + Sec-WebSocket-Key: <24> (45) + Connection: Upgrade (21) + Upgrade: websocket (20) + Host: (23) + blank (2).
    assert.equal(model.requestHeadBytes, 26 + 336 + 27 + 45 + 21 + 20 + 23 + 2);
    // HTTP/1.1 101 Switching Protocols (34) + Upgrade: websocket (20) + Connection: Upgrade (21) + Sec-WebSocket-Accept: <28> (52) + blank (2).
    assert.equal(model.responseHeadBytes, 34 + 20 + 21 + 52 + 2);
  });

  test('sse: seq 5 with a 64-byte message is a 78-byte event in a chunk of 2 hex digits + 4', () => {
    // "id: 5\n" (6) + "data: " (6) + 64 + "\n\n" (2) = 78 = 0x4e; chunk "4e\r\n" ... "\r\n".
    assert.equal(sseChunkBytes(5, 64), 78 + 2 + 4);
    assert.equal(typicalSeq(BROADCAST), 5);
    const model = modelFor('sse', BROADCAST, { host: HOST });
    assert.equal(model.perMessage.totalBytes, 84);
    assert.equal(model.perMessage.overheadBytes, 20);
    // 200 OK (17) + Content-Type: text/event-stream (33) + Cache-Control: no-cache (25) + Date (37)
    // + Connection (24) + Keep-Alive (24) + Transfer-Encoding: chunked (28) + blank (2).
    assert.equal(model.responseHeadBytes, 17 + 33 + 25 + 37 + 24 + 24 + 28 + 2);
  });

  test('polling every 1000 ms at 1 msg/s with browser headers: one request and one 1-message response per message', () => {
    const model = modelFor('polling', BROADCAST, { host: HOST });
    // GET /poll?since=5 HTTP/1.1\r\n = 3 + 1 + 13 + 1 + 8 + 2 = 28
    const request = 28 + HOST_LINE + CONNECTION_LINE + BROWSER_POLL_HEADERS + 2;
    const head = JSON_HEAD_BASE + 2; // Content-Length: 66
    assert.equal(request, 501);
    assert.equal(model.requestHeadBytes, request);
    assert.equal(model.responseHeadBytes, head);
    assert.equal(model.perMessage.totalBytes, (1 * request + 1 * (head + 66)) / 1);
    assert.equal(model.perMessage.totalBytes, 723);
    assert.equal(model.perMessage.overheadBytes, 723 - 64);
    assert.deepEqual(model.latencyMs, { mean: 500, max: 1000 });
    assert.equal(
      model.formula.startsWith('(1 poll/s × 501 B request + 1 msg/s × (156 B head + 66 B body)) ÷ 1 msg/s = 723 B'),
      true,
      model.formula,
    );
  });

  test('polling every 250 ms at 1 msg/s with minimal headers: three of four polls come back []', () => {
    const model = modelFor('polling', { ...BROADCAST, intervalMs: 250, headers: 'minimal' }, { host: HOST });
    const request = 28 + HOST_LINE + CONNECTION_LINE + 2; // 77
    const full = JSON_HEAD_BASE + 2 + 66;
    const empty = JSON_HEAD_BASE + 1 + 2;
    assert.equal(model.perMessage.totalBytes, (4 * request + 1 * full + 3 * empty) / 1);
    assert.equal(model.perMessage.totalBytes, 1001);
    assert.deepEqual(model.latencyMs, { mean: 125, max: 250 });
  });

  test('polling slower than the feed: every poll carries rate/p messages in one array', () => {
    // 20 msg/s, 1 poll/s: k = 20, body 20 x 64 + 19 commas + 2 brackets = 1301; typical seq 100 (3 digits).
    const model = modelFor('polling', { ...BROADCAST, rate: 20, headers: 'minimal' }, { host: HOST });
    const request = 30 + HOST_LINE + CONNECTION_LINE + 2;
    const head = JSON_HEAD_BASE + 4;
    assert.equal(model.perMessage.totalBytes, (request + head + 1301) / 20);
  });

  test('long polling: one round per message, plus an empty round per hold that passes without news', () => {
    const quiet = { ...BROADCAST, rate: 0.01 }; // a message every 100 s, holds of 30 s: 3 empty rounds
    const model = modelFor('longpoll', quiet, { host: HOST });
    const request = 32 + HOST_LINE + CONNECTION_LINE + BROWSER_POLL_HEADERS + 2; // GET /longpoll?since=1 HTTP/1.1
    assert.equal(model.perMessage.totalBytes, request + (JSON_HEAD_BASE + 2) + 66 + 3 * (request + JSON_HEAD_BASE + 1 + 2));
    assert.deepEqual(model.latencyMs, { mean: 0, max: 0 });
    assert.match(model.formula, /one one-way trip/);
    const busy = modelFor('longpoll', BROADCAST, { host: HOST });
    assert.equal(busy.perMessage.totalBytes, 28 + 4 + HOST_LINE + CONNECTION_LINE + BROWSER_POLL_HEADERS + 2 + JSON_HEAD_BASE + 2 + 66);
  });

  test("chat: the down cost of one message plus the sender's upstream shared by the room", () => {
    const chat: ScenarioParams = { ...BROADCAST, workload: 'chat', messageBytes: 75, roomSize: 10 };
    // Room rate 10 msg/s: typical seq 50, so the publish body is 75 - `"seq":50,` (9) = 66 bytes.
    const ws = modelFor('websocket', chat, { host: HOST });
    assert.equal(ws.perMessage.totalBytes, 75 + 2 + (66 + 6) / 10);
    const polling = modelFor('polling', chat, { host: HOST });
    // GET /poll?room=0&since=50 HTTP/1.1: 3 + 1 + 21 + 1 + 8 + 2 = 36; one poll carries 10 messages: 10 x 75 + 9 + 2 = 761.
    const request = 36 + HOST_LINE + CONNECTION_LINE + BROWSER_POLL_HEADERS + 2;
    const down = (request + (JSON_HEAD_BASE + 3) + 761) / 10;
    // POST /publish HTTP/1.1 (24) + host + connection + 489 + content-length: 66 (20) + blank (2); 204: 25 + 37 + 24 + 24 + 2.
    const post = 24 + HOST_LINE + CONNECTION_LINE + BROWSER_PUBLISH_HEADERS + 20 + 2;
    assert.equal(NO_CONTENT_RESPONSE_BYTES, 112);
    assert.equal(polling.perMessage.totalBytes, down + (post + 66 + 112) / 10);
    assert.deepEqual(polling.latencyMs, { mean: 500, max: 1000 });
  });

  test('bad input is refused with the parameter, the value and what is allowed', () => {
    const refuses = (fn: () => unknown, message: string): void => {
      assert.throws(fn, (error: unknown) => {
        assert.ok(error instanceof ModelInputError);
        assert.equal(error.code, 'PUSHBENCH_MODEL_INPUT');
        assert.equal(error.message, message);
        return true;
      });
    };
    refuses(
      () => modelFor('sse', { ...BROADCAST, rate: 0 }, { host: HOST }),
      'invalid rate: received 0; the model needs a positive rate (messages/s)',
    );
    refuses(
      () => modelFor('polling', { ...BROADCAST, intervalMs: -1 }, { host: HOST }),
      'invalid intervalMs: received -1; the model needs a positive poll interval (ms)',
    );
    refuses(
      () => modelFor('longpoll', { ...BROADCAST, holdMs: Number.NaN }, { host: HOST }),
      'invalid holdMs: received NaN; the model needs a positive hold timeout (ms)',
    );
    refuses(
      () => modelFor('websocket', { ...BROADCAST, workload: 'chat', roomSize: 0 }, { host: HOST }),
      'invalid roomSize: received 0; the chat model needs an integer >= 1',
    );
    refuses(
      () => modelFor('websocket', BROADCAST, { host: '' }),
      'invalid host: received ""; expected the host header value, e.g. 127.0.0.1:41234',
    );
  });
});

describe('model: head sizes equal the bytes a real server reads and writes', () => {
  let server: PushServer;
  let host: string;
  const clients: Client[] = [];
  const sockets: WebSocket[] = [];

  before(async () => {
    // As the runner does: the server accepts the Origin the bundled browser profiles send.
    server = await startServer({ rate: 0, allowedOrigins: profileOrigins() });
    host = `127.0.0.1:${server.port}`;
    // Four 64-byte messages, so that a poll with since=3 (the model's typical seq + 1 digit) gets exactly one.
    for (let seq = 1; seq <= 4; seq++) {
      const t = nowMicros();
      server.publish(dataForMessageSize(64, seq, t), t);
    }
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await Promise.all(clients.map((client) => client.destroy()));
    await server.close();
  });

  function newClient(): Client {
    const client = new Client(server.url);
    clients.push(client);
    return client;
  }

  /** Runs `exchange` and returns what the server read and wrote meanwhile. */
  async function delta(exchange: () => Promise<unknown>): Promise<{ up: number; down: number; setupUp: number; setupDown: number }> {
    const before = server.stats().bytes;
    await exchange();
    const now = server.stats().bytes;
    return {
      up: now.up - before.up,
      down: now.down - before.down,
      setupUp: now.setupUp - before.setupUp,
      setupDown: now.setupDown - before.setupDown,
    };
  }

  const params: ScenarioParams = { ...BROADCAST, warmupMs: 0, durationMs: 6000 }; // typical seq 3

  for (const technique of ['polling', 'longpoll'] as const) {
    for (const profile of ['browser', 'minimal'] as const) {
      test(`${technique}, ${profile} headers: one undici request and its one-message response`, async () => {
        const model = modelFor(technique, { ...params, headers: profile }, { host });
        const path = technique === 'polling' ? '/poll' : '/longpoll';
        let body = '';
        const bytes = await delta(async () => {
          const res = await newClient().request({
            method: 'GET',
            path: `${path}?since=${typicalSeq(params)}`,
            headers: flatHeaders(HEADER_PROFILES[profile].poll),
          });
          body = await res.body.text();
        });
        assert.equal(body.length, 66);
        assert.equal(bytes.up, model.requestHeadBytes);
        assert.equal(bytes.down, model.responseHeadBytes + 66);
        assert.equal(
          bytes.up + bytes.down,
          model.perMessage.totalBytes,
          'one message per poll: the whole exchange is the per-message cost',
        );
      });
    }
  }

  test('sse: the request and response heads are the setup bytes, each catch-up event 84 bytes', async () => {
    const model = modelFor('sse', params, { host });
    const bytes = await delta(async () => {
      const res = await newClient().request({
        method: 'GET',
        path: '/sse?since=0',
        headers: flatHeaders(HEADER_PROFILES.browser.eventSource),
      });
      let received = 0;
      res.body.on('data', (chunk: Buffer) => (received += chunk.length));
      await eventually(() => received >= 4 * 78, 'the four catch-up events (78 bytes each once dechunked)');
    });
    assert.equal(bytes.setupUp, model.requestHeadBytes);
    assert.equal(bytes.setupDown, model.responseHeadBytes);
    assert.equal(model.responseHeadBytes, SSE_RESPONSE_HEAD_BYTES);
    assert.equal(bytes.up, model.requestHeadBytes);
    assert.equal(bytes.down, SSE_RESPONSE_HEAD_BYTES + 4 * sseChunkBytes(1, 64));
    assert.equal(sseChunkBytes(1, 64), 84);
  });

  const upgrades = [
    { name: 'browser profile, its permessage-deflate offer made by ws as the driver makes it', profile: 'browser', offersDeflate: false },
    { name: 'minimal profile, perMessageDeflate: false', profile: 'minimal', offersDeflate: false },
    { name: 'minimal profile, ws default (offering permessage-deflate)', profile: 'minimal', offersDeflate: true },
  ] as const;
  for (const { name, profile, offersDeflate } of upgrades) {
    test(`websocket upgrade (${name}): setup bytes equal the model`, async () => {
      const model = modelFor('websocket', { ...params, headers: profile }, { host, wsOffersDeflate: offersDeflate });
      const upgrade = wsUpgradeHeaders(HEADER_PROFILES[profile].upgrade);
      let frames = 0;
      const bytes = await delta(async () => {
        const ws = new WebSocket(`ws://${host}/ws?since=0`, {
          headers: upgrade.headers,
          ...(offersDeflate ? {} : { perMessageDeflate: upgrade.perMessageDeflate }),
        });
        sockets.push(ws);
        ws.on('message', () => frames++);
        await eventually(() => frames === 4, 'the four catch-up frames');
      });
      assert.equal(bytes.setupUp, model.requestHeadBytes);
      assert.equal(bytes.setupDown, model.responseHeadBytes);
      assert.equal(
        model.responseHeadBytes,
        WS_UPGRADE_RESPONSE_BYTES,
        'the server declines the offer: no Sec-WebSocket-Extensions in its 101',
      );
      assert.equal(bytes.down, WS_UPGRADE_RESPONSE_BYTES + 4 * model.perMessage.totalBytes, 'uncompressed frames');
      const offer = 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n'.length;
      assert.equal(
        model.requestHeadBytes - wsUpgradeRequestBytes(`/ws?since=0`, host, HEADER_PROFILES[profile].upgrade),
        offersDeflate ? offer : 0,
      );
    });
  }

  test('chat upstream: POST /publish and its 204, and a masked frame, as the model counts them', async () => {
    const chat: ScenarioParams = { ...BROADCAST, workload: 'chat', clients: 4, roomSize: 2, warmupMs: 0, durationMs: 4000 };
    const room = typicalRoom(chat)!;
    assert.equal(typicalSeq(chat), 4, 'one digit, like the seq 1 the first message of a fresh room gets');
    const t = nowMicros();
    const data = filler(chat.payloadBytes);
    const messageBytes = encodeMessage({ seq: 1, t, room, data }).length;
    const body = JSON.stringify({ room, t, data });
    const model = upstreamBytes('polling', { ...chat, messageBytes }, { host });

    const client = newClient();
    const bytes = await delta(async () => {
      const res = await client.request({ method: 'POST', path: '/publish', headers: flatHeaders(HEADER_PROFILES.browser.publish), body });
      assert.equal(res.statusCode, 204);
      await res.body.dump();
    });
    assert.equal(bytes.up, publishRequestHeadBytes(host, HEADER_PROFILES.browser.publish, body.length) + body.length);
    assert.equal(bytes.down, NO_CONTENT_RESPONSE_BYTES);
    assert.equal(bytes.up + bytes.down, model.bytes);

    // The message the room delivers has the size the model was given.
    const res = await client.request({ method: 'GET', path: `/poll?room=${room}&since=0` });
    assert.equal((await res.body.text()).length, messageBytes + 2);

    // WebSocket upstream: the same body in a masked text frame.
    const wsModel = upstreamBytes('websocket', { ...chat, messageBytes }, { host });
    const ws = new WebSocket(`ws://${host}/ws?room=${room}`, { perMessageDeflate: false });
    sockets.push(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let echoed = 0;
    ws.on('message', () => echoed++);
    const wsBytes = await delta(async () => {
      ws.send(JSON.stringify({ room, t, data }));
      await eventually(() => echoed === 1, 'the message back from the room');
    });
    assert.equal(wsBytes.up, wsModel.bytes);
  });
});
