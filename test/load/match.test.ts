/**
 * Finding pushbench's stamp in what a server sends, and splitting bodies into units: raw and
 * JSON-string-escaped stamps, several in one unit, none, and the body splits a target may name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage, filler } from '../../core/protocol.ts';
import {
  messageJsonBytes,
  multipartBoundary,
  scanStamps,
  splitBody,
  splitDelimited,
  splitJsonArray,
  splitMultipart,
} from '../../load/match.ts';

function stamps(text: string): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const count = scanStamps(Buffer.from(text), (seq, t) => found.push([seq, t]));
  assert.equal(count, found.length);
  return found;
}

test("a stamp at the start of pushbench's own message", () => {
  assert.deepEqual(stamps('{"seq":12345,"t":987654321012,"data":"x"}'), [[12345, 987654321012]]);
  assert.deepEqual(stamps(encodeMessage({ seq: 1, t: 2, room: 3, data: '' })), [[1, 2]]);
});

test('a stamp inside another envelope, raw or one level escaped (Django Channels\' {"message": "..."})', () => {
  assert.deepEqual(stamps('{"type":"msg","payload":{"seq":7,"t":55,"data":"x"}}'), [[7, 55]]);
  const channels = JSON.stringify({ message: encodeMessage({ seq: 8, t: 66, data: 'abc' }) });
  assert.equal(channels, '{"message":"{\\"seq\\":8,\\"t\\":66,\\"data\\":\\"abc\\"}"}');
  assert.deepEqual(stamps(channels), [[8, 66]]);
});

test('spaces after colons and commas (a server that re-encodes JSON) and several stamps in one unit', () => {
  assert.deepEqual(stamps('{"seq": 7, "t": 5}'), [[7, 5]]);
  assert.deepEqual(stamps('[{"seq":1,"t":10},{"seq":2,"t":20}] and {\\"seq\\":3,\\"t\\":30}'), [
    [1, 10],
    [2, 20],
    [3, 30],
  ]);
});

test('no stamp: other key order, a t that is not an integer, no t at all, plain text', () => {
  assert.deepEqual(stamps('{"t":5,"seq":7,"data":"x"}'), []);
  assert.deepEqual(stamps('{"seq":7,"data":"x"}'), []);
  assert.deepEqual(stamps('{"seq":"7","t":5}'), []);
  assert.deepEqual(stamps('hello'), []);
});

test('a range of a larger buffer (a frame read in place in its chunk): only the stamps inside it, none cut at its edges', () => {
  const found = (buffer: Buffer, start: number, end: number): Array<[number, number]> => {
    const list: Array<[number, number]> = [];
    assert.equal(
      scanStamps(buffer, (seq, t) => list.push([seq, t]), start, end),
      list.length,
    );
    return list;
  };
  // Three messages back to back; the middle one is bytes [19, 38): `{"seq":2,"t":20}` is 16 bytes after 3 of padding.
  const chunk = Buffer.from('{"seq":1,"t":10}xyz{"seq":2,"t":20}abc{"seq":3,"t":30}');
  assert.equal(chunk.toString('latin1', 19, 35), '{"seq":2,"t":20}');
  assert.deepEqual(found(chunk, 19, 35), [[2, 20]]);
  assert.deepEqual(found(chunk, 16, 38), [[2, 20]]);
  // The whole buffer by default, and by an explicit full range.
  assert.deepEqual(found(chunk, 0, chunk.length), [
    [1, 10],
    [2, 20],
    [3, 30],
  ]);
  // A range that ends inside t's digits reads only the digits inside it (2 of "20"), one that ends
  // before them finds no t, and one that starts inside the key finds no key.
  assert.deepEqual(found(chunk, 19, 34), [[2, 20]]);
  assert.deepEqual(found(chunk, 19, 33), [[2, 2]]);
  assert.deepEqual(found(chunk, 19, 32), []);
  assert.deepEqual(found(chunk, 21, 35), []);
  // An escaped stamp inside the range is found; one outside it is not.
  const escaped = Buffer.from('{\\"seq\\":4,\\"t\\":40}|{\\"seq\\":5,\\"t\\":50}');
  const cut = escaped.indexOf('|');
  assert.deepEqual(found(escaped, 0, cut), [[4, 40]]);
  assert.deepEqual(found(escaped, cut + 1, escaped.length), [[5, 50]]);
  // A key whose opening quote lies before the range is not a key inside it.
  assert.deepEqual(found(Buffer.from('"seq":9,"t":90'), 1, 14), []);
});

test('the payload of a delivered message is the JSON pushbench published, by arithmetic', () => {
  for (const [seq, t, room, size] of [
    [1, 2, undefined, 0],
    [9, 123456789, undefined, 64],
    [10, 99, 3, 100],
    [123456, 1, 0, 1],
  ] as const) {
    const json = encodeMessage({ seq, t, room, data: filler(size, seq) });
    assert.equal(messageJsonBytes(seq, t, room, size), Buffer.byteLength(json), json);
  }
});

test('a JSON array splits into its elements without parsing them; brackets and quotes inside strings do not confuse it', () => {
  const body = Buffer.from('[{"seq":1,"t":2,"data":"a],[b"},  {"seq":2,"t":3,"data":"q\\"}"} ,[1,[2]]]');
  assert.deepEqual(splitJsonArray(body).map(String), ['{"seq":1,"t":2,"data":"a],[b"}', '{"seq":2,"t":3,"data":"q\\"}"}', '[1,[2]]']);
  assert.deepEqual(splitJsonArray(Buffer.from('[]')), []);
  assert.deepEqual(splitJsonArray(Buffer.from(' [ ] ')), []);
  assert.deepEqual(splitJsonArray(Buffer.from('{"seq":1,"t":2}')).map(String), ['{"seq":1,"t":2}'], 'not an array: one unit');
});

test('a delimiter, a whole body, multipart/mixed', () => {
  assert.deepEqual(splitDelimited(Buffer.from('a\n\nb\nc\n'), Buffer.from('\n')).map(String), ['a', 'b', 'c']);
  assert.deepEqual(splitBody(Buffer.from('one message'), { kind: 'whole' }, undefined).map(String), ['one message']);
  assert.deepEqual(splitBody(Buffer.alloc(0), { kind: 'whole' }, undefined), []);
  assert.equal(multipartBoundary('multipart/mixed; boundary=abc123'), 'abc123');
  assert.equal(multipartBoundary('multipart/mixed; boundary="q r"'), 'q r');
  const body = '--b\r\nContent-Type: application/json\r\n\r\n{"seq":1,"t":2}\r\n--b\r\n\r\n{"seq":2,"t":3}\r\n--b--\r\n';
  assert.deepEqual(splitMultipart(Buffer.from(body), 'b').map(String), ['{"seq":1,"t":2}', '{"seq":2,"t":3}']);
  assert.deepEqual(splitBody(Buffer.from(body), { kind: 'multipart' }, 'multipart/mixed; boundary=b').map(String), [
    '{"seq":1,"t":2}',
    '{"seq":2,"t":3}',
  ]);
});
