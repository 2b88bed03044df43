import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coefficientOfVariation, intervalsOverlap, median, spreadOf, UNSTABLE_CV } from '../../core/spread.ts';

test('median: the middle value, or the mean of the middle two', () => {
  assert.equal(median([7]), 7);
  // Odd: sorted 1, 3, 5 -> the 2nd. Even: sorted 1, 2, 3, 4 -> (2 + 3) / 2, not the upper middle 3.
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([10, 2]), 6);
  // Numeric order, not string order: sorted 2, 9, 10, 100 -> (9 + 10) / 2 (as strings 10, 100, 2, 9 would give 51).
  assert.equal(median([100, 9, 2, 10]), 9.5);
  assert.equal(median([-3, -1, -2]), -2);
  assert.equal(median([2, 2, 2, 5]), 2);
});

test('median: the input is left as it was', () => {
  const values = [3, 1, 2];
  median(values);
  assert.deepEqual(values, [3, 1, 2]);
});

test('median of no values throws (a caller with no rounds has a bug; no 0 or NaN is printed as a figure)', () => {
  assert.throws(() => median([]), { name: 'RangeError', message: 'median of no values' });
});

test('coefficient of variation: sample standard deviation over the mean, worked by hand', () => {
  // [1,2,3,4]: mean 2.5; squared deviations 2.25+0.25+0.25+2.25 = 5; /3 = 1.6667; sqrt = 1.290994; /2.5
  assert.ok(Math.abs(coefficientOfVariation([1, 2, 3, 4]) - 0.5163978) < 1e-6);
  assert.equal(coefficientOfVariation([7]), 0);
  assert.equal(coefficientOfVariation([0, 0]), 0);
});

test('five runs: min–max, with its true coverage 1 - 2/32 = 93.75%', () => {
  const s = spreadOf([10, 12, 11, 30, 9]);
  assert.equal(s.median, 11);
  assert.equal(s.low, 9);
  assert.equal(s.high, 30);
  assert.equal(s.confidence, 0.9375);
  assert.equal(s.n, 5);
  assert.equal(s.mean, 14.4);
  assert.ok(s.unstable, 'cv of [9..30] is far above 10%');
});

test('nine runs: ranks 2 and 8 (coverage 1 - 2·(1+9)/512 = 96.09%), not min–max', () => {
  const s = spreadOf([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(s.low, 2);
  assert.equal(s.high, 8);
  assert.ok(Math.abs(s.confidence - (1 - 20 / 512)) < 1e-12);
  // eight runs: ranks 2 and 7 would cover 1 - 2·9/256 = 92.97% < 95%, so min–max (99.2%) stays
  const e = spreadOf([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([e.low, e.high], [1, 8]);
  assert.ok(Math.abs(e.confidence - (1 - 2 / 256)) < 1e-12);
});

test('unstable exactly above 10%: [9, 11] has cv 1.4142/10 = 14.1%, [99, 101] 1.41%', () => {
  assert.equal(UNSTABLE_CV, 0.1);
  assert.equal(spreadOf([9, 11]).unstable, true);
  assert.equal(spreadOf([99, 101]).unstable, false);
  assert.equal(spreadOf([5]).confidence, 0);
});

test('intervals overlap when they share a value, touching ends included', () => {
  assert.equal(intervalsOverlap({ low: 1, high: 2 }, { low: 3, high: 4 }), false);
  assert.equal(intervalsOverlap({ low: 1, high: 3 }, { low: 3, high: 4 }), true);
  assert.equal(intervalsOverlap({ low: 5, high: 6 }, { low: 1, high: 5.5 }), true);
});
