import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { toBencher, toGithubActionBenchmark } from '../../reports/compare-outputs.ts';
import { runCompareCommand } from '../../cli/compare.ts';
import { captureIo, FIXTURE_PATH, loadFixture, tempDir } from './helpers.ts';

let dir = '';
before(async () => {
  dir = await tempDir('compare-formats');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('github-action-benchmark: an array of { name, unit, value } for customSmallerIsBetter', () => {
  const entries = toGithubActionBenchmark(loadFixture());
  assert.ok(entries.length > 0);
  for (const entry of entries) {
    assert.deepEqual(Object.keys(entry).sort(), ['name', 'unit', 'value']);
    assert.equal(typeof entry.name, 'string');
    assert.equal(typeof entry.unit, 'string');
    assert.ok(Number.isFinite(entry.value));
  }
  assert.deepEqual(entries.find((e) => e.name === 'header-overhead/websocket bytes per message'), { name: 'header-overhead/websocket bytes per message', unit: 'bytes', value: 58 });
  assert.deepEqual(entries.find((e) => e.name === 'sparse/polling p99 latency'), { name: 'sparse/polling p99 latency', unit: 'ms', value: 988.159 });
  assert.equal(new Set(entries.map((e) => e.name)).size, entries.length, 'names are unique');
  assert.equal(entries.some((e) => e.name.startsWith('sweep-1000/longpoll')), false, 'a failed technique has no figures');
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

test('--format writes clean JSON to stdout and --out, with the verdict on stderr', async () => {
  const outFile = path.join(dir, 'bench.json');
  for (const format of ['github-action-benchmark', 'bencher']) {
    const out = captureIo();
    assert.equal(await runCompareCommand([FIXTURE_PATH, FIXTURE_PATH, '--format', format, '--out', outFile], out.io), 0);
    const parsed: unknown = JSON.parse(out.stdout());
    assert.equal(Array.isArray(parsed), format === 'github-action-benchmark');
    assert.equal(await readFile(outFile, 'utf8'), out.stdout());
    assert.match(out.stderr(), /^pushbench compare: ✅ no regression in \d+ comparisons\n$/);
  }
});
