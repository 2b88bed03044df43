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

test('HTTP/1.1 wires carry every technique; HTTP/2 wires every one but a compressed WebSocket (deflate is negotiated on the Upgrade only)', () => {
  for (const id of TECHNIQUES) {
    const compressedWebSocket = TECHNIQUE_META[id].transport === 'ws' && TECHNIQUE_META[id].compression !== 'none';
    assert.ok(wireCarries('http', id) && wireCarries('https', id), id);
    assert.equal(wireCarries('h2', id), !compressedWebSocket, id);
    assert.equal(wireCarries('h2c', id), !compressedWebSocket, id);
  }
  assert.deepEqual(wiresCarrying('websocket'), ['http', 'https', 'h2', 'h2c']);
  assert.deepEqual(wiresCarrying('websocket-deflate'), ['http', 'https']);
  assert.deepEqual(
    WIRES.map((wire) => WIRE_META[wire].webSocket),
    ['upgrade', 'upgrade', 'extended-connect', 'extended-connect'],
  );
});

test('a refused pair names the technique, the wire, why, and the wires that carry it', () => {
  assert.equal(wireRefusal('polling', 'h2'), null);
  assert.equal(wireRefusal('websocket', 'h2'), null);
  assert.equal(
    wireRefusal('websocket-deflate', 'h2'),
    'technique websocket-deflate cannot run on wire h2 (HTTP/2 + TLS): permessage-deflate is negotiated on the HTTP/1.1 Upgrade only so far, not on an RFC 8441 extended CONNECT; wires that carry websocket-deflate: http, https',
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
