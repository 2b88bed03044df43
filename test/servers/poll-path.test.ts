/**
 * The GET /poll path's shortcuts (servers/http-util.ts, servers/feed.ts): each one answers what
 * the long way answers, and each memory it keeps is bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrayBody, Feed, FeedRegistry } from '../../servers/feed.ts';
import { feedCursorOf, isHttpError, jsonHead, ONE_WRITE_MAX_BYTES, parseCount, splitUrl, UrlMemo } from '../../servers/http-util.ts';
import { startServer } from '../../servers/server.ts';
import { exchangeRaw } from '../helpers/wire.ts';

test('pollBody is the body arrayBody builds, for every cursor in the ring, also after publishes and evictions', () => {
  const feed = new Feed(5);
  for (let round = 0; round < 4; round++) {
    feed.publish([
      { t: round, data: `a${round}` },
      { t: round, data: `b${round}` },
      { t: round, data: `c${round}` },
    ]);
    for (let since = feed.oldest - 1; since <= feed.head; since++) {
      const expected = feed.since(since);
      assert.equal(expected.kind, 'ok');
      if (expected.kind !== 'ok') continue;
      assert.deepEqual(feed.pollBody(since), arrayBody(expected.messages), `since ${since} at head ${feed.head}`);
    }
  }
  assert.equal(feed.pollBody(feed.head).toString(), '[]');
});

test('pollBody shares one body of several messages per cursor until the next publish, and keeps only the last', () => {
  const feed = new Feed(100);
  feed.publish([
    { t: 1, data: 'one' },
    { t: 2, data: 'two' },
    { t: 3, data: 'three' },
  ]);
  const first = feed.pollBody(0);
  assert.equal(feed.pollBody(0), first, 'the same cursor at the same head: the same Buffer');
  assert.equal(feed.pollBody(2), feed.pollBody(2), 'one message: its own [json], shared already');
  const other = feed.pollBody(1);
  const again = feed.pollBody(0);
  assert.notEqual(again, first, 'only the last body of several is kept');
  assert.deepEqual(again, first);
  assert.notEqual(other, again);
  feed.publish([{ t: 4, data: 'four' }]);
  const after = feed.pollBody(0);
  assert.equal(JSON.parse(after.toString()).length, 4, 'a publish makes the kept body stale');
  const expected = feed.since(0);
  assert.ok(expected.kind === 'ok');
  assert.deepEqual(after, arrayBody(expected.messages));
});

test('parseCount accepts exactly what /^(0|[1-9][0-9]{0,15})$/ accepts, up to 2^53 - 1, with the same messages', () => {
  const pattern = /^(0|[1-9][0-9]{0,15})$/;
  const values = ['0', '7', '22', '4096', '9007199254740991', '9007199254740992', '9999999999999999', '00', '01', '', '-1', '+1'];
  values.push(' 1', '1 ', '1e3', '0x1', '1.0', '١', '12345678901234567', '99999999999999999');
  for (const raw of values) {
    const parsed = parseCount('since', raw);
    if (!pattern.test(raw)) {
      assert.ok(isHttpError(parsed), raw);
      assert.equal(parsed.body.error, `invalid since: received ${JSON.stringify(raw)}; expected a non-negative integer`);
    } else if (!Number.isSafeInteger(Number(raw))) {
      assert.ok(isHttpError(parsed), raw);
      assert.equal(parsed.body.error, `invalid since: received ${JSON.stringify(raw)}; too large`);
    } else assert.equal(parsed, Number(raw), raw);
  }
});

test('query.get finds what URLSearchParams finds, for queries without escapes', () => {
  const pieces = ['since', 'room', 's', 'x', '=', '=', '&', '&', '1', '22', '+'];
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    let text = '';
    for (let k = next(9); k > 0; k--) text += pieces[next(pieces.length)];
    const query = splitUrl(`/poll?${text}`).query;
    const reference = new URLSearchParams(text);
    for (const name of ['since', 'room', 's', 'x']) assert.equal(query.get(name), reference.get(name), `${name} in ?${text}`);
  }
  assert.equal(splitUrl('/poll').query.get('since'), null);
});

test('jsonHead: the header list of a JSON answer, one frozen list per length below 4096, a new one above', () => {
  assert.deepEqual(jsonHead(2), ['Content-Type', 'application/json', 'Content-Length', '2']);
  assert.equal(jsonHead(157), jsonHead(157));
  assert.ok(Object.isFrozen(jsonHead(157)));
  assert.deepEqual(jsonHead(5000), ['Content-Type', 'application/json', 'Content-Length', '5000']);
  assert.notEqual(jsonHead(5000), jsonHead(5000));
});

test('UrlMemo derives once per URL kept, and stays bounded in URLs and in their length', () => {
  let derived = 0;
  const memo = new UrlMemo((url) => ({ url, n: ++derived }), 4, 20);
  const first = memo.get('/poll?since=1');
  assert.equal(memo.get('/poll?since=1'), first);
  assert.equal(derived, 1);
  for (let i = 0; i < 50; i++) memo.get(`/poll?since=${i}`);
  assert.ok(memo.size <= 4, `kept ${memo.size}`);
  const long = `/poll?since=1&x=${'y'.repeat(30)}`;
  const before = derived;
  memo.get(long);
  memo.get(long);
  assert.equal(derived, before + 2, 'a URL over the length limit is derived every time, never kept');
  assert.ok(memo.size <= 4);
});

test('feedCursorOf reads a query once per registry, and keeps a refusal as well as a feed', () => {
  const feeds = new FeedRegistry({ rooms: 2 });
  const query = splitUrl('/poll?room=1&since=3').query;
  const cursor = feedCursorOf(feeds, query);
  assert.equal(cursor.feed, feeds.get(1));
  assert.equal(cursor.since, 3);
  assert.equal(feedCursorOf(feeds, query), cursor);
  const other = new FeedRegistry({ rooms: 2 });
  assert.equal(feedCursorOf(other, query).feed, other.get(1), 'another server reads it again');
  const refused = feedCursorOf(feeds, splitUrl('/poll?room=9').query);
  assert.ok(isHttpError(refused.feed));
  assert.equal(refused.feed.status, 400);
});

test('a server answers a repeated poll URL from its memory with the same bytes as a fresh one, before and after a publish', async () => {
  const server = await startServer({ rate: 0, techniques: ['polling'] });
  try {
    for (const data of ['one', 'two', 'three']) server.publish(data, 1);
    const a = await exchangeRaw(server.port, `GET /poll?since=0 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    const b = await exchangeRaw(server.port, `GET /poll?since=0 HTTP/1.1\r\nHost: localhost:${server.port}\r\n\r\n`);
    assert.equal(a.status, 200);
    assert.equal(b.body, a.body);
    assert.deepEqual(
      (JSON.parse(a.body) as Array<{ seq: number }>).map((m) => m.seq),
      [1, 2, 3],
    );
    server.publish('four', 1);
    const c = await exchangeRaw(server.port, `GET /poll?since=0 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    assert.deepEqual(
      (JSON.parse(c.body) as Array<{ seq: number }>).map((m) => m.seq),
      [1, 2, 3, 4],
    );
    const ahead = await exchangeRaw(server.port, `GET /poll?since=9 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    assert.equal(ahead.status, 400, 'a cursor ahead of the head is checked on every request, also for a kept URL');
    const forbidden = await exchangeRaw(server.port, `GET /poll?since=0 HTTP/1.1\r\nHost: evil.example:${server.port}\r\n\r\n`);
    assert.equal(forbidden.status, 403, 'the Host check runs on every request, also for a kept URL');
  } finally {
    await server.close();
  }
});

test('an HTTP/1.1 answer handed to node:http as latin1 text is its body bytes one for one: UTF-8 payloads, short and past the one-write size', async () => {
  const server = await startServer({ rate: 0, techniques: ['polling'] });
  try {
    const data = `héllo ✓ ${'ü'.repeat(3000)}`;
    server.publish('plain', 1);
    server.publish(data, 1);
    const small = await exchangeRaw(server.port, `GET /poll?since=0 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    // exchangeRaw reads latin1: the text's bytes are the wire's bytes.
    const smallBody = Buffer.from(small.body, 'latin1');
    const large = await exchangeRaw(server.port, `GET /poll?since=1 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    const largeBody = Buffer.from(large.body, 'latin1');
    assert.ok(largeBody.length > ONE_WRITE_MAX_BYTES, `${largeBody.length} bytes: past the one-write size`);
    assert.equal(Number(/content-length: (\d+)/i.exec(large.head)?.[1]), largeBody.length);
    const messages = JSON.parse(smallBody.toString('utf8')) as Array<{ seq: number; data: string }>;
    assert.deepEqual(
      messages.map((m) => m.data),
      ['plain', data],
    );
    assert.deepEqual(JSON.parse(largeBody.toString('utf8')), [messages[1]]);
  } finally {
    await server.close();
  }
});
