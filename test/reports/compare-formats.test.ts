import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toBencher, toGithubActionBenchmark } from '../../reports/compare-outputs.ts';
import { loadFixture } from './helpers.ts';

test('github-action-benchmark: an array of { name, unit, value } for customSmallerIsBetter', () => {
  const entries = toGithubActionBenchmark(loadFixture());
  assert.ok(entries.length > 0);
  for (const entry of entries) {
    assert.deepEqual(Object.keys(entry).sort(), ['name', 'unit', 'value']);
    assert.equal(typeof entry.name, 'string');
    assert.equal(typeof entry.unit, 'string');
    assert.ok(Number.isFinite(entry.value));
  }
  assert.deepEqual(
    entries.find((e) => e.name === 'header-overhead/websocket bytes per message'),
    { name: 'header-overhead/websocket bytes per message', unit: 'bytes', value: 58 },
  );
  assert.deepEqual(
    entries.find((e) => e.name === 'sparse/polling p99 latency'),
    { name: 'sparse/polling p99 latency', unit: 'ms', value: 988.159 },
  );
  assert.equal(new Set(entries.map((e) => e.name)).size, entries.length, 'names are unique');
  assert.equal(
    entries.some((e) => e.name.startsWith('sweep-1000/longpoll')),
    false,
    'a failed technique has no figures',
  );
});

test('bencher: { benchmark: { measure: { value } } }', () => {
  const bmf = toBencher(loadFixture());
  assert.deepEqual(bmf['header-overhead/websocket']?.['bytes-per-message'], { value: 58 });
  assert.deepEqual(bmf['chat/polling']?.['lost-messages'], { value: 3 });
  for (const measures of Object.values(bmf)) {
    for (const measure of Object.values(measures)) {
      assert.deepEqual(Object.keys(measure), ['value']);
      assert.ok(Number.isFinite(measure.value));
    }
  }
});
