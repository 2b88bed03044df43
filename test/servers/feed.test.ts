import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrayBody, encodeForWire, Feed, FeedRegistry, retainedBytes } from '../../servers/feed.ts';
import { encodeMessage, filler } from '../../core/protocol.ts';
import { Publisher } from '../../servers/publisher.ts';

test('filler is deterministic, exactly the size asked, and needs no JSON escaping', () => {
  for (const size of [0, 1, 35, 36, 64, 1000, 70_000]) {
    const a = filler(size, 7);
    assert.equal(a.length, size);
    assert.equal(Buffer.byteLength(a), size);
    assert.equal(a, filler(size, 7));
    assert.equal(JSON.stringify(a).length, size + 2);
  }
  assert.notEqual(filler(10, 1), filler(10, 2));
});

test('a message is encoded once, canonically, into JSON, [JSON] and an SSE event', () => {
  const msg = encodeForWire({ seq: 12, t: 345, data: 'abc' });
  assert.equal(msg.json.toString(), '{"seq":12,"t":345,"data":"abc"}');
  assert.equal(msg.array.toString(), '[{"seq":12,"t":345,"data":"abc"}]');
  assert.equal(msg.sse.toString(), 'id: 12\ndata: {"seq":12,"t":345,"data":"abc"}\n\n');
  assert.equal(encodeMessage({ seq: 1, t: 2, room: 3, data: 'x' }), '{"seq":1,"t":2,"room":3,"data":"x"}');
  assert.equal(msg.sse, msg.sse, 'each representation is built once and then shared');
  assert.equal(msg.array, msg.array);
});

test('arrayBody joins pre-encoded messages without re-encoding them', () => {
  const a = encodeForWire({ seq: 1, t: 1, data: 'a' });
  const b = encodeForWire({ seq: 2, t: 2, data: 'b' });
  assert.equal(arrayBody([]).toString(), '[]');
  assert.equal(arrayBody([a]), a.array, 'a single message reuses its [JSON] buffer');
  assert.equal(arrayBody([a, b]).toString(), '[{"seq":1,"t":1,"data":"a"},{"seq":2,"t":2,"data":"b"}]');
});

test('seq increases by one and the ring serves catch-up, gone and ahead', () => {
  const feed = new Feed(4);
  assert.equal(feed.head, 0);
  assert.deepEqual(feed.since(0), { kind: 'ok', messages: [] });
  feed.publish([1, 2, 3, 4, 5, 6].map((t) => ({ t, data: `m${t}` })));
  assert.equal(feed.head, 6);
  assert.equal(feed.oldest, 3, 'a ring of 4 keeps seq 3..6');
  const ok = feed.since(3);
  assert.equal(ok.kind, 'ok');
  assert.deepEqual(ok.kind === 'ok' && ok.messages.map((m) => m.seq), [4, 5, 6]);
  assert.deepEqual(feed.since(2).kind, 'ok', 'since 2 needs 3.., still in the ring');
  assert.deepEqual(feed.since(1), { kind: 'gone', oldest: 3 });
  assert.deepEqual(feed.since(7), { kind: 'ahead', head: 6 });
});

test('listeners get each publish as one batch', () => {
  const feed = new Feed(8);
  const batches: number[][] = [];
  const off = feed.subscribe((batch) => batches.push(batch.map((m) => m.seq)));
  feed.publish([
    { t: 1, data: '' },
    { t: 2, data: '' },
  ]);
  feed.publish([{ t: 3, data: '' }]);
  feed.publish([]);
  off();
  feed.publish([{ t: 4, data: '' }]);
  assert.deepEqual(batches, [[1, 2], [3]]);
});

test('rooms have their own seq and are announced to onFeed listeners', () => {
  const feeds = new FeedRegistry({ ringSize: 8, rooms: 8 });
  const seen: Array<number | undefined> = [];
  feeds.onFeed((feed) => seen.push(feed.room));
  feeds.get(5).publish([{ t: 1, data: 'x' }]);
  feeds.get(5).publish([{ t: 2, data: 'y' }]);
  feeds.get(6).publish([{ t: 3, data: 'z' }]);
  assert.deepEqual(seen, [undefined, 5, 6]);
  assert.equal(feeds.get(5).head, 2);
  assert.equal(feeds.get(6).head, 1);
  assert.equal(feeds.broadcast.head, 0);
});

test('the publisher stamps each message with its scheduled time, not the time its timer fired', async () => {
  const feed = new Feed(64);
  const publisher = new Publisher(feed, 16);
  const startAt = Number(process.hrtime.bigint() / 1000n) - 1_000_000; // one second ago: 11 messages due now at 10/s
  const batches: number[][] = [];
  feed.subscribe((batch) => batches.push(batch.map((m) => m.t - startAt)));
  publisher.start(10, startAt);
  await new Promise((resolve) => setTimeout(resolve, 20));
  publisher.stop();
  // The first tick finds 11 messages overdue and publishes them at once, each with its own due time.
  assert.deepEqual(batches[0], [0, 100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000, 1_000_000]);
  assert.ok(publisher.stats.lateTicks >= 10, `overdue messages are counted as late (got ${publisher.stats.lateTicks})`);
  const all = feed.since(0);
  assert.equal(all.kind, 'ok');
  for (const msg of all.kind === 'ok' ? all.messages : []) {
    const parsed = JSON.parse(msg.json.toString()) as { data: string };
    assert.equal(parsed.data.length, 16);
  }
});

test('the ring is bounded in bytes too: the oldest messages go first, the newest always stays', () => {
  const one = retainedBytes(encodeForWire({ seq: 1, t: 1, data: 'x'.repeat(1000) }));
  // {"seq":N,"t":1,"data":"x…"}: 1,000 bytes of data and 25 of envelope for one-digit seqs.
  assert.equal(one, 5 * 1025 + 256);
  const feed = new Feed(1000, undefined, 3 * one);
  feed.publish([1, 2, 3, 4, 5].map(() => ({ t: 1, data: 'x'.repeat(1000) })));
  assert.equal(feed.head, 5);
  assert.equal(feed.heldCount, 3, 'the count (1,000) allows five; the bytes allow three');
  assert.equal(feed.oldest, 3);
  assert.deepEqual(feed.since(1), { kind: 'gone', oldest: 3 });
  const ok = feed.since(2);
  assert.deepEqual(ok.kind === 'ok' && ok.messages.map((m) => m.seq), [3, 4, 5]);
  assert.equal(feed.heldBytes, 3 * one);

  // A message larger than the whole budget evicts everything else but is kept itself.
  feed.publish([{ t: 1, data: 'y'.repeat(10_000) }]);
  assert.equal(feed.heldCount, 1);
  assert.equal(feed.oldest, 6);
  assert.equal(feed.since(5).kind, 'ok');
});

test('the ring holds what it is given in order across many evictions (storage is compacted, not lost)', () => {
  const feed = new Feed(100);
  for (let i = 0; i < 5000; i++) feed.publish([{ t: i + 1, data: String(i) }]);
  assert.equal(feed.heldCount, 100);
  assert.equal(feed.oldest, 4901);
  const ok = feed.since(4950);
  assert.deepEqual(
    ok.kind === 'ok' && ok.messages.map((m) => m.seq),
    Array.from({ length: 50 }, (_, i) => 4951 + i),
  );
  assert.deepEqual(feed.since(5000), { kind: 'ok', messages: [] });
});

test('only the configured rooms exist, and the byte budget is shared by the broadcast feed and the rooms', () => {
  const feeds = new FeedRegistry({ ringSize: 64, rooms: 3, ringBytes: 40_000 });
  assert.equal(feeds.ringBytesPerFeed, 10_000);
  assert.equal(feeds.hasRoom(2), true);
  assert.equal(feeds.hasRoom(3), false);
  assert.equal(feeds.hasRoom(-1), false);
  assert.equal(feeds.hasRoom(1.5), false);
  assert.throws(() => feeds.get(3), /no room 3: allowed 0\.\.2/);
  assert.equal(feeds.all().length, 1, 'a refused room allocates nothing');
  assert.equal(new FeedRegistry({ rooms: 0 }).describeRooms(), 'this server has no chat rooms');
  assert.throws(() => new FeedRegistry({ rooms: 100_001 }), /rooms must be an integer 0\.\.100000; received 100001/);
});

test('held writes: whenWritten runs at once with none pending, else when the last held write is done (each done once)', () => {
  const feed = new Feed(4);
  const calls: string[] = [];
  feed.whenWritten(() => calls.push('none pending'));
  assert.deepEqual(calls, ['none pending']);
  const a = feed.holdWrite();
  const b = feed.holdWrite();
  feed.whenWritten(() => calls.push('drained 1'));
  feed.whenWritten(() => calls.push('drained 2'));
  a();
  a(); // a second call of the same release changes nothing
  assert.deepEqual(calls, ['none pending'], 'b is still pending');
  b();
  assert.deepEqual(calls, ['none pending', 'drained 1', 'drained 2']);
  feed.whenWritten(() => calls.push('after'));
  assert.equal(calls.at(-1), 'after');
});

test('held writes: a write that never finishes keeps at most 1,024 waiters, the oldest dropped', () => {
  const feed = new Feed(4);
  const release = feed.holdWrite();
  const called: number[] = [];
  for (let i = 0; i < 1_030; i++) feed.whenWritten(() => called.push(i));
  release();
  assert.equal(called.length, 1_024);
  assert.equal(called[0], 6, 'waiters 0-5 were dropped');
  assert.equal(called.at(-1), 1_029);
});
