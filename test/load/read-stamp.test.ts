import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readStamp } from '../../load/drivers/types.ts';
import { encodeMessage } from '../../core/protocol.ts';

test('readStamp reads seq and t from the canonical prefix, as Buffer or string', () => {
  const json = encodeMessage({ seq: 12345, t: 987654321012, data: 'payload, with "quotes"' });
  assert.deepEqual(readStamp(Buffer.from(json)), { seq: 12345, t: 987654321012 });
  assert.deepEqual(readStamp(json), { seq: 12345, t: 987654321012 });
  assert.deepEqual(readStamp(encodeMessage({ seq: 1, t: 2, room: 3, data: '' })), { seq: 1, t: 2 });
});

test('anything else falls back to a real JSON parse', () => {
  assert.deepEqual(readStamp('{"t":5,"seq":7,"data":"x"}'), { seq: 7, t: 5 }, 'another key order');
  assert.deepEqual(readStamp('{"seq":7, "t":5}'), { seq: 7, t: 5 }, 'whitespace');
  assert.deepEqual(readStamp('{"seq":7,"t":5.5}'), { seq: 7, t: 5.5 }, 'a t that is not an integer');
  assert.throws(() => readStamp('not json at all'), SyntaxError);
});
