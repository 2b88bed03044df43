/**
 * The feed's filler: deterministic, exactly the size asked, JSON-safe ASCII (bytes ==
 * characters), different per salt, and realistic for compression. The old filler, a sliding
 * window over a repeated alphabet, deflated 1,000 consecutive 64-byte payloads about 100-fold;
 * text made of words and numbers deflates 2- to 3-fold, as a feed of small updates does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { filler } from '../../core/protocol.ts';

test('filler is JSON-safe printable ASCII of exactly the size asked, the same in every call', () => {
  for (const salt of [0, 1, 41, 2 ** 32 + 5, 1_764_029_841_123_456]) {
    for (const size of [0, 1, 2, 7, 64, 4096]) {
      const text = filler(size, salt);
      assert.equal(text.length, size);
      assert.match(text, /^[\x20-\x7e]*$/);
      assert.doesNotMatch(text, /["\\]/);
      assert.equal(text, filler(size, salt));
    }
  }
});

test('each salt gives its own text (a seq, or a client id plus a microsecond stamp)', () => {
  const texts = new Set<string>();
  for (let seq = 1; seq <= 1000; seq++) texts.add(filler(64, seq));
  assert.equal(texts.size, 1000);
  assert.notEqual(filler(64, 2 ** 40), filler(64, 2 ** 40 + 1));
});

test('a feed of filler payloads compresses like text, not like a repeated pattern', () => {
  let feed = '';
  for (let seq = 1; seq <= 1000; seq++) feed += filler(64, seq);
  const ratio = feed.length / zlib.deflateRawSync(feed).length;
  assert.ok(ratio > 1.5 && ratio < 4, `1,000 payloads of 64 B deflate ${ratio.toFixed(2)}-fold`);
  // One 64-byte payload alone barely compresses: deflate needs history to find repeats.
  assert.ok(zlib.deflateRawSync(filler(64, 7)).length > 48);
});
