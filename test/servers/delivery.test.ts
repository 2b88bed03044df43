/**
 * Every technique delivers every published message exactly once and in order,
 * resumes from `since`, and signals a `since` older than the ring.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startServer, type PushServer } from '../../servers/server.ts';
import { WS_CLOSE_GONE } from '../../core/protocol.ts';
import { eventually, getRequest, openRaw, parseResponses } from '../helpers/wire.ts';

const N = 20;

/** Polls (short or long) over one keep-alive socket until `count` messages arrived. */
async function pollUntil(server: PushServer, path: string, since: number, count: number): Promise<number[]> {
  const client = await openRaw(server.port);
  const seqs: number[] = [];
  let last = since;
  try {
    while (seqs.length < count) {
      const before = parseResponses(client.text()).length;
      client.send(getRequest(server.port, `${path}?since=${last}`));
      const text = await client.waitFor((t) => parseResponses(t).length > before, `response to ${path}`);
      const response = parseResponses(text)[before]!;
      assert.equal(response.status, 200, response.raw);
      for (const msg of JSON.parse(response.body) as Array<{ seq: number }>) {
        seqs.push(msg.seq);
        last = msg.seq;
      }
    }
  } finally {
    client.close();
  }
  return seqs;
}

async function sseUntil(server: PushServer, query: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const client = await openRaw(server.port);
  client.send(getRequest(server.port, `/sse${query}`, headers));
  const ids = (t: string): number[] =>
    [...t.matchAll(/id: (\d+)\ndata: (\{[^\n]*\})\n\n/g)].map((m) => {
      assert.equal(JSON.parse(m[2]!).seq, Number(m[1]), 'the event id is the message seq');
      return Number(m[1]);
    });
  const text = await client.waitFor((t) => ids(t).length >= count, `${count} SSE events`);
  client.close();
  return ids(text);
}

async function wsUntil(server: PushServer, query: string, count: number): Promise<number[]> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws${query}`);
  const seqs: number[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    assert.equal(isBinary, false, 'messages are text frames');
    seqs.push((JSON.parse(data.toString()) as { seq: number }).seq);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await eventually(() => seqs.length >= count, `${count} WebSocket messages`);
  ws.terminate();
  return seqs;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Publishes `count` messages, 2 ms apart, while a client is listening. */
async function publishSlowly(server: PushServer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    server.publish(`message-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('delivery: every message exactly once, in order', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, ringSize: 1024 });
  });
  after(() => server.close());

  test('polling', async () => {
    const since = server.stats().published;
    const [seqs] = await Promise.all([pollUntil(server, '/poll', since, N), publishSlowly(server, N)]);
    assert.deepEqual(seqs, range(since + 1, since + N));
  });

  test('longpoll', async () => {
    const since = server.stats().published;
    const [seqs] = await Promise.all([pollUntil(server, '/longpoll', since, N), publishSlowly(server, N)]);
    assert.deepEqual(seqs, range(since + 1, since + N));
  });

  test('sse', async () => {
    const since = server.stats().published;
    const [seqs] = await Promise.all([sseUntil(server, `?since=${since}`, N), publishSlowly(server, N)]);
    assert.deepEqual(seqs, range(since + 1, since + N));
  });

  test('websocket', async () => {
    const since = server.stats().published;
    const [seqs] = await Promise.all([wsUntil(server, `?since=${since}`, N), publishSlowly(server, N)]);
    assert.deepEqual(seqs, range(since + 1, since + N));
  });
});

describe('catch-up from since', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, ringSize: 64 });
    for (let i = 0; i < 5; i++) server.publish(`early-${i}`);
  });
  after(() => server.close());

  test('polling returns every message after since at once', async () => {
    assert.deepEqual(await pollUntil(server, '/poll', 2, 3), [3, 4, 5]);
  });
  test('longpoll answers at once when newer messages exist', async () => {
    assert.deepEqual(await pollUntil(server, '/longpoll', 1, 4), [2, 3, 4, 5]);
  });
  test('sse resumes from ?since= and from Last-Event-ID (which wins)', async () => {
    assert.deepEqual(await sseUntil(server, '?since=3', 2), [4, 5]);
    assert.deepEqual(await sseUntil(server, '?since=0', 3, { 'Last-Event-ID': '2' }), [3, 4, 5]);
  });
  test('websocket sends the missed messages first', async () => {
    assert.deepEqual(await wsUntil(server, '?since=0', 5), [1, 2, 3, 4, 5]);
  });
  test('messages sent together arrive in one long-poll response', async () => {
    const client = await openRaw(server.port);
    client.send(getRequest(server.port, '/longpoll?since=5'));
    await eventually(() => server.stats().techniques.longpoll!.open === 1, 'the request to be held');
    // A schedule started 10 ms in the past at 1,000 msgs/s has ~10 messages due on its first tick: one batch.
    server.startPublishing(1000, Number(process.hrtime.bigint() / 1000n) - 10_000);
    const text = await client.waitFor((t) => parseResponses(t).length === 1, 'the held response');
    server.stopPublishing();
    const seqs = (JSON.parse(parseResponses(text)[0]!.body) as Array<{ seq: number }>).map((m) => m.seq);
    assert.ok(seqs.length >= 10, `one response carries the whole batch (got ${seqs.length})`);
    assert.deepEqual(seqs, range(6, 5 + seqs.length));
    client.close();
  });
});

describe('a since older than the ring is signalled, never skipped silently', () => {
  let server: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, ringSize: 4 });
    for (let i = 0; i < 10; i++) server.publish(`m${i}`);
  });
  after(() => server.close());

  for (const path of ['/poll', '/longpoll', '/sse']) {
    test(`${path} answers 410 with the oldest seq available`, async () => {
      const client = await openRaw(server.port);
      client.send(getRequest(server.port, `${path}?since=1`));
      const text = await client.waitFor((t) => parseResponses(t).length === 1, 'the 410');
      const response = parseResponses(text)[0]!;
      assert.equal(response.status, 410);
      assert.deepEqual(JSON.parse(response.body), { error: 'since 1 is older than the ring', oldest: 7 });
      client.close();
    });
  }

  test('websocket closes with 4410 and the oldest seq as reason', async () => {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?since=1`);
    const [code, reason] = await new Promise<[number, string]>((resolve) =>
      ws.once('close', (c: number, r: Buffer) => resolve([c, r.toString()])),
    );
    assert.equal(code, WS_CLOSE_GONE);
    assert.deepEqual(JSON.parse(reason), { oldest: 7 });
    assert.equal(server.stats().rejected.gone >= 4, true);
  });
});
