/**
 * The clients' arrival spread: each delivered message counts how long after the first arrival
 * of the same message (room and seq) in this process it arrived; the sum, over the window's
 * messages, is what the model's fan-out queue takes (divided by the messages delivered).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientTracker, DeliveryRecorder } from '../../load/delivery.ts';

test('arrival spread: 0 for the first arrival of a message, then the delay behind it; rooms and seqs apart; outside the window nothing', () => {
  const recorder = new DeliveryRecorder();
  recorder.setWindow({ startT: 1_000, endT: 10_000 });
  const a = [new ClientTracker('broadcast', 0), new ClientTracker('broadcast', 0), new ClientTracker('broadcast', 0)];
  // seq 1 (due 2,000): arrivals at 2,500, 2,600 and 2,900: 0 + 100 + 400 = 500 µs.
  recorder.receive(a[0]!, 1, 2_000, 97, 2_500);
  recorder.receive(a[1]!, 1, 2_000, 97, 2_600);
  recorder.receive(a[2]!, 1, 2_000, 97, 2_900);
  // seq 2 (due 3,000) interleaved with a room of its own that also has a seq 2: each its own first.
  const room = new ClientTracker('7', 0);
  recorder.receive(a[1]!, 2, 3_000, 97, 3_200);
  recorder.receive(room, 2, 3_000, 97, 3_250);
  recorder.receive(a[0]!, 2, 3_000, 97, 3_300); // 100 behind 3,200
  // A duplicate is not a delivery and adds nothing.
  recorder.receive(a[0]!, 2, 3_000, 97, 3_900);
  // Due before the window: delivered outside it, no spread either.
  recorder.receive(a[2]!, 0, 500, 97, 3_400);
  assert.equal(recorder.counts.delivered, 6);
  assert.equal(recorder.counts.arrivalSpreadMicros, 500 + 100);
});

test('arrival spread: the first arrivals kept are bounded (1,024 messages per room), the oldest forgotten first', () => {
  const recorder = new DeliveryRecorder();
  recorder.setWindow({ startT: 0, endT: 1e12 });
  const first = new ClientTracker('broadcast', 0);
  for (let seq = 1; seq <= 1_025; seq++) recorder.receive(first, seq, seq, 97, seq * 10);
  // seq 1 was forgotten when seq 1,025 arrived: a late second arrival of it counts as a first (0).
  recorder.receive(new ClientTracker('broadcast', 0), 1, 1, 97, 50_000);
  assert.equal(recorder.counts.arrivalSpreadMicros, 0);
  // Remembering seq 1 again made seq 2 the oldest, and it went; seq 3 is remembered: 50,000 - 30.
  recorder.receive(new ClientTracker('broadcast', 2), 3, 3, 97, 50_000);
  assert.equal(recorder.counts.arrivalSpreadMicros, 49_970);
});

test('the seqs whose latency was recorded: each once per room, rooms interleaved, a message forgotten by the spread not listed twice', () => {
  const recorder = new DeliveryRecorder();
  recorder.setWindow({ startT: 0, endT: 1e12 });
  const broadcast = [new ClientTracker('broadcast', 0), new ClientTracker('broadcast', 0)];
  const room = new ClientTracker('7', 0);
  // Rooms alternate message by message: seq 1 and 2 in each, every broadcast message twice.
  for (const seq of [1, 2]) {
    recorder.receive(broadcast[0]!, seq, seq, 97, seq * 10);
    recorder.receive(room, seq, seq, 97, seq * 10 + 1);
    recorder.receive(broadcast[1]!, seq, seq, 97, seq * 10 + 2);
  }
  assert.deepEqual(recorder.counts.latencySeqs, { broadcast: [1, 2], '7': [1, 2] });
  assert.equal(recorder.counts.delivered, 6);
  // Spread: 2 µs behind the first arrival for each broadcast message, 0 in room 7.
  assert.equal(recorder.counts.arrivalSpreadMicros, 4);
  // 1,024 more broadcast messages push seq 1 out of the first arrivals; a late copy of it (a third
  // client) is a first arrival again for the spread, but its seq is already listed.
  for (let seq = 3; seq <= 1_026; seq++) recorder.receive(broadcast[0]!, seq, seq, 97, seq * 10);
  recorder.receive(new ClientTracker('broadcast', 0), 1, 1, 97, 99_999);
  assert.equal(recorder.counts.latencySeqs.broadcast!.length, 1_026);
  assert.deepEqual(recorder.counts.latencySeqs.broadcast!.slice(0, 3), [1, 2, 3]);
  assert.equal(recorder.counts.arrivalSpreadMicros, 4);
});
