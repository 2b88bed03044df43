/**
 * Self-stamped chat seqs (chat against a target, where no server assigns seqs): unique in the
 * room, increasing per sender, the sender read back from the seq; and per-sender continuity with
 * a stride of the room size (a gap is a missing message of that sender, filled later as late).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatSender, chatSeq } from '../../load/generator.ts';
import { ClientTracker } from '../../load/delivery.ts';

test('seq k * roomSize + i + 1: unique in the room, the sender read back', () => {
  const roomSize = 10;
  assert.equal(chatSeq(0, 0, roomSize), 1);
  assert.equal(chatSeq(0, 9, roomSize), 10);
  assert.equal(chatSeq(3, 9, roomSize), 40);
  const seen = new Set<number>();
  for (let k = 0; k < 20; k++) {
    for (let i = 0; i < roomSize; i++) {
      const seq = chatSeq(k, i, roomSize);
      assert.ok(!seen.has(seq), `seq ${seq} once`);
      seen.add(seq);
      assert.equal(chatSender(seq, roomSize), i);
    }
  }
});

test("one sender's feed steps by the room size: in order is new, a gap filled later is late, a repeat a duplicate", () => {
  // Sender 2 of a room of 10: seqs 3, 13, 23, 33, ...; the tracker starts one step before 3.
  const tracker = new ClientTracker('0', 3 - 10, 10);
  assert.equal(tracker.classify(3), 'new');
  assert.equal(tracker.classify(13), 'new');
  assert.equal(tracker.classify(33), 'new');
  assert.equal(tracker.classify(23), 'late');
  assert.equal(tracker.classify(23), 'duplicate');
  assert.equal(tracker.classify(13), 'duplicate');
});
