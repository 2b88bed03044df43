import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBitsPerSecond,
  formatByteSize,
  formatBytes,
  formatChangePercent,
  formatFactor,
  formatInteger,
  formatMbps,
  formatMs,
  formatPercent,
} from '../../reports/format.ts';

test('bytes keep one decimal and a thousands separator', () => {
  assert.equal(formatBytes(1043.25), '1,043.3 B');
  assert.equal(formatBytes(58), '58 B');
  assert.equal(formatBytes(437.4), '437.4 B');
  assert.equal(formatByteSize(16_771_862_528), '16.8 GB');
  assert.equal(formatByteSize(512), '512 B');
});

test('bit rates use SI prefixes', () => {
  assert.equal(formatBitsPerSecond(638_400), '638 kbit/s');
  assert.equal(formatBitsPerSecond(8_000_000), '8.00 Mbit/s');
  assert.equal(formatBitsPerSecond(34_992_000), '35.0 Mbit/s');
  assert.equal(formatBitsPerSecond(999), '999 bit/s');
});

test('milliseconds keep three significant digits down to the microsecond', () => {
  assert.equal(formatMs(0.203), '0.203 ms');
  assert.equal(formatMs(1.625), '1.63 ms');
  assert.equal(formatMs(23.14), '23.1 ms');
  assert.equal(formatMs(989.183), '989 ms');
  assert.equal(formatMs(1234.5), '1,235 ms');
});

test('Mbps, percentages, factors and counts', () => {
  assert.equal(formatMbps(8), '8.00');
  assert.equal(formatMbps(80), '80.0');
  assert.equal(formatMbps(800), '800');
  assert.equal(formatMbps(0.464), '0.464');
  assert.equal(formatPercent(80), '80%');
  assert.equal(formatPercent(0.06, 3), '0.06%');
  assert.equal(formatChangePercent(10.54), '+10.5%');
  assert.equal(formatChangePercent(-3), '-3%');
  assert.equal(formatFactor(13.79), '14×');
  assert.equal(formatFactor(6.14), '6.1×');
  assert.equal(formatFactor(Infinity), '∞×');
  assert.equal(formatInteger(206_150), '206,150');
  assert.equal(formatInteger(Number.NaN), '—');
});
