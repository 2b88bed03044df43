import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileVerdict, sampleNote } from '../../core/evidence.ts';

test('p99 needs 100 samples and p99.9 1,000: below that the verdict is a reason, not a number', () => {
  assert.deepEqual(percentileVerdict('p99', 4.2, 100), { shown: true, value: 4.2 });
  assert.deepEqual(percentileVerdict('p99', 4.2, 99), { shown: false, reason: 'p99 needs ≥ 100 samples, has 99' });
  assert.deepEqual(percentileVerdict('p999', 9, 999), { shown: false, reason: 'p99.9 needs ≥ 1,000 samples, has 999' });
  assert.equal(percentileVerdict('p999', 9, 1000).shown, true);
  assert.equal(percentileVerdict('p50', 1, 1).shown, false);
  assert.equal(percentileVerdict('p50', 1, 2).shown, true);
});

test('sample note names samples and messages', () => {
  assert.equal(sampleNote(1200, 12), 'n = 1,200 from 12 messages');
  assert.equal(sampleNote(5, 1), 'n = 5 from 1 message');
  assert.equal(sampleNote(5, undefined), 'n = 5');
});
