import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildCharts } from '../../reports/charts.ts';
import { renderAll, type OutputFile } from '../../reports/index.ts';
import { loadFixture } from './helpers.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let files: OutputFile[] = [];

before(async () => {
  files = await renderAll(loadFixture(), ['png']);
});

/** Width and height from the IHDR chunk, which must directly follow the signature. */
function pngSize(buffer: Buffer): { width: number; height: number } {
  assert.ok(buffer.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  assert.equal(buffer.readUInt32BE(8), 13, 'IHDR length');
  assert.equal(buffer.toString('latin1', 12, 16), 'IHDR');
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}

test('one PNG per chart, named charts/<id>.png', () => {
  const expected = buildCharts(loadFixture()).map((c) => `charts/${c.id}.png`);
  assert.deepEqual(
    files.map((f) => f.file),
    expected,
  );
});

test('every PNG decodes as 900×500', () => {
  for (const file of files) {
    assert.ok(Buffer.isBuffer(file.content), file.file);
    assert.deepEqual(pngSize(file.content), { width: 900, height: 500 }, file.file);
    // A chart with axes, labels and bars compresses to well over a blank canvas's few hundred bytes.
    assert.ok(file.content.length > 10_000, `${file.file} has content (${file.content.length} bytes)`);
  }
});
