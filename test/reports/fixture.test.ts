import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { FIXTURE_TECHNIQUES as TECHNIQUES } from '../fixtures/make-fixture.ts';
import { FIXTURE_PATH, fixtureText } from '../fixtures/make-fixture.ts';
import { loadFixture } from './helpers.ts';

test('results.json is exactly what make-fixture.ts generates (reproducible)', () => {
  assert.equal(readFileSync(FIXTURE_PATH, 'utf8'), fixtureText(), 'run: node --import tsx test/fixtures/make-fixture.ts');
});

test('the fixture has the scenarios, techniques and failure the report tests rely on', () => {
  const results = loadFixture();
  const ids = results.scenarios.map((s) => s.id);
  assert.deepEqual(ids, ['header-overhead', 'sweep-10', 'sweep-100', 'sweep-1000', 'sparse', 'chat']);
  const headerOverhead = results.scenarios[0];
  assert.equal(headerOverhead?.group, 'header-overhead');
  assert.equal(headerOverhead?.params.clients, 100);
  assert.deepEqual(
    results.scenarios.filter((s) => s.group === 'sweep').map((s) => s.params.clients),
    [10, 100, 1000],
  );
  for (const s of results.scenarios) assert.deepEqual(Object.keys(s.results), [...TECHNIQUES]);
  const failed = results.scenarios.flatMap((s) =>
    Object.entries(s.results)
      .filter(([, r]) => r?.state === 'failed')
      .map(([t]) => `${s.id}/${t}`),
  );
  assert.deepEqual(failed, ['sweep-1000/longpoll']);
});

test('every stored histogram decodes and agrees with its summary', () => {
  for (const scenario of loadFixture().scenarios) {
    for (const result of Object.values(scenario.results)) {
      if (result?.state !== 'completed') continue;
      const h = decodeFromCompressedBase64(result.latencyMs.histogram, 64, false);
      assert.equal(h.totalCount, result.latencyMs.count);
      assert.equal(h.totalCount, result.messages.delivered);
      assert.equal(h.getValueAtPercentile(99) / 1000, result.latencyMs.p99);
      assert.equal(h.getValueAtPercentile(100) / 1000, result.latencyMs.max);
      assert.equal(h.getValueAtPercentile(0) / 1000, result.latencyMs.min);
      h.destroy();
    }
  }
});
