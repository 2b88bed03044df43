/**
 * A client-supplied `t` (the send time latency is measured from) is accepted on a chat or a
 * broadcast message, never from the future and at most
 * MAX_CLIENT_STAMP_AGE_MICROS old, so a stamp cannot fake a latency; over HTTP and WebSocket.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { nowMicros } from '../../core/protocol.ts';
import { FeedRegistry } from '../../servers/feed.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { MAX_CLIENT_STAMP_AGE_MICROS, parsePublishBody } from '../../servers/upstream.ts';
import { openRaw, parseResponses } from '../helpers/wire.ts';

test('the stamp rule at its exact edges', () => {
  const rooms = new FeedRegistry({ rooms: 4 });
  const now = 1_000_000_000;
  assert.equal(MAX_CLIENT_STAMP_AGE_MICROS, 60_000_000);
  const parse = (body: Record<string, unknown>): ReturnType<typeof parsePublishBody> => parsePublishBody(JSON.stringify(body), rooms, now);
  assert.deepEqual(parse({ room: 1, t: now, data: 'x' }), { room: 1, t: now, data: 'x' });
  assert.deepEqual(parse({ room: 1, t: now - 60_000_000, data: 'x' }), { room: 1, t: now - 60_000_000, data: 'x' });
  assert.equal(
    parse({ room: 1, t: now + 1, data: 'x' }),
    `"t" must not lie in the future: received ${now + 1}, the server's clock reads ${now}`,
  );
  assert.equal(
    parse({ room: 1, t: now - 60_000_001, data: 'x' }),
    `"t" must be at most 60 s old: received ${now - 60_000_001}, the server's clock reads ${now}`,
  );
  // A broadcast message keeps an honest stamp too (pushbench's publisher sends the due time), within the same bounds.
  assert.deepEqual(parse({ seq: 7, t: now - 25_000, data: 'x' }), { room: undefined, t: now - 25_000, data: 'x' });
  assert.equal(parse({ t: now + 1, data: 'x' }), `"t" must not lie in the future: received ${now + 1}, the server's clock reads ${now}`);
  assert.equal(parse({ room: 1, t: 1.5, data: 'x' }), '"t" must be a positive integer (monotonic microseconds); received 1.5');
  // Without a stamp the server's clock stamps it.
  assert.deepEqual(parse({ data: 'x' }), { room: undefined, t: now, data: 'x' });
  assert.deepEqual(parse({ room: 3, data: 'x' }), { room: 3, t: now, data: 'x' });
});

describe('stamps on a real server', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, rooms: 2 });
  });
  after(() => server.close());

  async function post(body: Record<string, unknown>): Promise<{ status: number; body: string }> {
    const text = JSON.stringify(body);
    const client = await openRaw(server.port);
    client.send(
      `POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
    );
    const received = await client.waitFor((t) => parseResponses(t).length === 1, 'the answer');
    client.close();
    return parseResponses(received)[0]!;
  }

  test('POST /publish: an honest stamp is kept as sent (chat or broadcast); a future or stale one is a 400', async () => {
    const t = nowMicros() - 5000;
    assert.equal((await post({ room: 1, t, data: 'honest' })).status, 204);
    const poll = await openRaw(server.port);
    poll.send(`GET /poll?room=1&since=0 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    const [answer] = parseResponses(await poll.waitFor((text) => parseResponses(text).length === 1, 'the poll'));
    poll.close();
    assert.equal(answer!.body, `[{"seq":1,"t":${t},"room":1,"data":"honest"}]`);

    for (const [body, message] of [
      [{ room: 1, t: nowMicros() + 10_000_000, data: 'x' }, /^"t" must not lie in the future/],
      [{ room: 1, t: nowMicros() - 120_000_000, data: 'x' }, /^"t" must be at most 60 s old/],
      [{ t: nowMicros() + 10_000_000, data: 'x' }, /^"t" must not lie in the future/],
    ] as const) {
      const response = await post(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(JSON.parse(response.body).error, message);
    }
    assert.equal(server.stats().published, 1, 'nothing refused was published');
  });

  test('WebSocket: a frame with a future stamp closes with 1007 naming it', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?room=0`);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ room: 0, t: nowMicros() + 10_000_000, data: 'x' }));
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.once('close', (c: number, r: Buffer) => resolve([c, r.toString()])),
    );
    assert.equal(code, 1007);
    assert.match(reason, /^"t" must not lie in the future/);
  });
});
