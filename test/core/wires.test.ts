/**
 * The wire registry: which technique each wire carries, and the sentence that refuses a pair
 * (naming the technique, the wire, and the wires that would carry it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TECHNIQUE_META, TECHNIQUES } from '../../core/techniques.ts';
import { isWireId, WIRE_META, wireCarries, wireOrigin, wireRefusal, wireRefusals, WIRES, wiresCarrying } from '../../core/wires.ts';

test('the four wires, in report order, with their TLS, HTTP version and ALPN', () => {
  assert.deepEqual(WIRES, ['http', 'https', 'h2', 'h2c']);
  assert.deepEqual(
    WIRES.map((wire) => [wire, WIRE_META[wire].tls, WIRE_META[wire].httpVersion, WIRE_META[wire].alpn, WIRE_META[wire].scheme]),
    [
      ['http', false, '1.1', null, 'http'],
      ['https', true, '1.1', 'http/1.1', 'https'],
      ['h2', true, '2', 'h2', 'https'],
      ['h2c', false, '2', null, 'http'],
    ],
  );
  assert.ok(isWireId('h2c'));
  assert.ok(!isWireId('h3'));
});

test('HTTP/1.1 wires carry every technique; HTTP/2 wires every technique but the WebSockets (RFC 8441 is not spoken yet)', () => {
  for (const id of TECHNIQUES) {
    assert.ok(wireCarries('http', id) && wireCarries('https', id), id);
    assert.equal(wireCarries('h2', id), TECHNIQUE_META[id].transport !== 'ws', id);
    assert.equal(wireCarries('h2c', id), TECHNIQUE_META[id].transport !== 'ws', id);
  }
  assert.deepEqual(wiresCarrying('websocket'), ['http', 'https']);
  assert.deepEqual(wiresCarrying('sse'), ['http', 'https', 'h2', 'h2c']);
});

test('a refused pair names the technique, the wire, why, and the wires that carry it', () => {
  assert.equal(wireRefusal('polling', 'h2'), null);
  assert.equal(
    wireRefusal('websocket', 'h2'),
    'technique websocket cannot run on wire h2 (HTTP/2 + TLS): a WebSocket over HTTP/2 needs RFC 8441 extended CONNECT, which pushbench does not speak yet; wires that carry websocket: http, https',
  );
  assert.deepEqual(
    wireRefusals(['sse', 'websocket-deflate'], ['http', 'h2c']).map((s) => s.slice(0, 50)),
    ['technique websocket-deflate cannot run on wire h2c'],
  );
});

test("a server's origin takes its wire's scheme", () => {
  assert.equal(wireOrigin('h2', 'http://127.0.0.1:8080'), 'https://127.0.0.1:8080');
  assert.equal(wireOrigin('h2c', 'https://127.0.0.1:8080'), 'http://127.0.0.1:8080');
});
