import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CURVE_PERCENTILES,
  MAX_LATENCY_MICROS,
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncoded,
  percentileCurve,
  recordLatency,
  summarize,
} from '../../core/histogram.ts';
import type { LatencyHistogram } from '../../core/histogram.ts';

/** 3 significant digits: every reported value is within 0.1% of the exact one. */
function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001, `${what}: ${actual} is not within 0.1% of ${expected}`);
}

/** Records `from`..`to` milliseconds, once each, as microseconds. */
function recordMs(h: LatencyHistogram, from: number, to: number): LatencyHistogram {
  for (let ms = from; ms <= to; ms++) recordLatency(h, ms * 1000);
  return h;
}

describe('summarize', () => {
  test('1..1000 ms once each: percentiles by hand', () => {
    const summary = summarize(recordMs(createLatencyHistogram(), 1, 1000));
    assert.equal(summary.count, 1000);
    // The p-th percentile of 1..1000 is the value with p% of the values at or below it.
    assertClose(summary.p50, 500, 'p50');
    assertClose(summary.p90, 900, 'p90');
    assertClose(summary.p99, 990, 'p99');
    assertClose(summary.p999, 999, 'p99.9');
    assertClose(summary.max, 1000, 'max');
    assertClose(summary.min, 1, 'min');
    assertClose(summary.mean, 500.5, 'mean');
    // Reported values are bucket tops, never below the exact value.
    assert.ok(summary.p50 >= 500 && summary.max >= 1000);
    assert.ok(summary.p50 <= summary.p90 && summary.p90 <= summary.p99 && summary.p99 <= summary.p999 && summary.p999 <= summary.max);
    assert.equal(typeof summary.histogram, 'string');
  });

  test('one value: every figure is that value (within precision) and p50 never exceeds max', () => {
    const h = createLatencyHistogram();
    recordLatency(h, 1_000_000);
    const summary = summarize(h);
    for (const key of ['p50', 'p90', 'p99', 'p999', 'max', 'min', 'mean'] as const) assertClose(summary[key], 1000, key);
    assert.equal(summary.p50, summary.max);
  });

  test('small values are exact', () => {
    const h = createLatencyHistogram();
    for (const micros of [1, 2, 3, 4]) recordLatency(h, micros);
    const summary = summarize(h);
    assert.equal(summary.min, 0.001);
    assert.equal(summary.max, 0.004);
    assert.equal(summary.p50, 0.002);
    assert.equal(summary.mean, 0.0025);
  });

  test('an empty histogram gives zeros, not NaN', () => {
    const summary = summarize(createLatencyHistogram());
    assert.deepEqual(
      { ...summary, histogram: '' },
      {
        p50: 0,
        p90: 0,
        p99: 0,
        p999: 0,
        max: 0,
        min: 0,
        mean: 0,
        count: 0,
        histogram: '',
      },
    );
    assert.equal(decodeHistogram(summary.histogram).totalCount, 0);
  });
});

describe('recordLatency', () => {
  test('clamps to 1 µs .. 1 h', () => {
    const h = createLatencyHistogram();
    recordLatency(h, 0);
    recordLatency(h, -5);
    recordLatency(h, MAX_LATENCY_MICROS * 10);
    recordLatency(h, Number.POSITIVE_INFINITY);
    const summary = summarize(h);
    assert.equal(summary.count, 4);
    assert.equal(summary.min, 0.001);
    assertClose(summary.max, MAX_LATENCY_MICROS / 1000, 'max');
  });

  test('rounds fractions of a microsecond and refuses NaN', () => {
    const h = createLatencyHistogram();
    recordLatency(h, 2.4);
    assert.equal(summarize(h).max, 0.002);
    assert.throws(() => recordLatency(h, Number.NaN), RangeError);
    assert.equal(h.totalCount, 1);
  });
});

describe('encode, decode, merge', () => {
  test('encode then decode keeps every count', () => {
    const h = recordMs(createLatencyHistogram(), 1, 1000);
    recordLatency(h, 7);
    recordLatency(h, 7);
    const decoded = decodeHistogram(encodeHistogram(h));
    assert.equal(decoded.totalCount, h.totalCount);
    const original = summarize(h);
    assert.deepEqual(summarize(decoded), original);
    assert.deepEqual(percentileCurve(decoded), percentileCurve(h));
  });

  test('merging 1..500 and 501..1000 equals one histogram of 1..1000', () => {
    const low = encodeHistogram(recordMs(createLatencyHistogram(), 1, 500));
    const high = encodeHistogram(recordMs(createLatencyHistogram(), 501, 1000));
    const merged = summarize(mergeEncoded([low, high]));
    const whole = summarize(recordMs(createLatencyHistogram(), 1, 1000));
    assert.deepEqual({ ...merged, histogram: '' }, { ...whole, histogram: '' });
    assert.equal(merged.count, 1000);
    // Averaging the two p99s (≈495 and ≈995) would give ≈745 instead of the true ≈990.
    assertClose(merged.p99, 990, 'merged p99');
  });

  test('merging nothing gives an empty histogram', () => {
    assert.equal(summarize(mergeEncoded([])).count, 0);
  });
});

describe('percentileCurve', () => {
  test('default points, ascending latency', () => {
    const curve = percentileCurve(recordMs(createLatencyHistogram(), 1, 1000));
    assert.deepEqual(
      curve.map((point) => point.percentile),
      [...CURVE_PERCENTILES],
    );
    for (let i = 1; i < curve.length; i++) assert.ok((curve[i]?.ms ?? 0) >= (curve[i - 1]?.ms ?? 0));
    assertClose(curve.find((point) => point.percentile === 50)?.ms ?? 0, 500, 'p50');
  });

  test('chosen points; empty histogram gives no points; bad percentile throws', () => {
    const h = recordMs(createLatencyHistogram(), 1, 100);
    const curve = percentileCurve(h, [50, 100]);
    assert.equal(curve.length, 2);
    assertClose(curve[1]?.ms ?? 0, 100, 'p100');
    assert.deepEqual(percentileCurve(createLatencyHistogram()), []);
    assert.throws(() => percentileCurve(h, [101]), RangeError);
  });
});
