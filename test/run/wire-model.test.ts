/**
 * The model's wire terms (run/wire-model.ts): hand-worked sizes of one WebSocket message on
 * each wire, the HPACK request block from Node's encoder (run/hpack-sizes.ts) against the block
 * a real HTTP/2 poll carries, and every technique on every wire end to end in a tiny run: the
 * model within 1% of the measured bytes, and the counted parts adding up to the total.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SocketCounter } from '../../core/socket-counter.ts';
import { techniquesOn, WIRES } from '../../core/wires.ts';
import type { CompletedResult, TechniqueResult } from '../../core/results.ts';
import { h2Headers } from '../../load/h2-tab.ts';
import { HEADER_PROFILES, profileOrigins } from '../../load/headers.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';
import { requestBlockBytes } from '../../run/hpack-sizes.ts';
import { modelFor } from '../../run/model.ts';
import { runTechnique } from '../../run/technique-run.ts';
import { wireTerms } from '../../run/wire-model.ts';
import { startServer } from '../../servers/server.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

describe('wire terms by hand', () => {
  // A 99-byte message: 64 bytes of payload in its JSON envelope while the monotonic clock's `t` has
  // 10 digits (the host up less than 10,000 s), fewer bytes of payload once it has more.
  const params = tinyParams({ payloadBytes: 64 + 99 - tinyParams({ payloadBytes: 64 }).messageBytes });
  const m = params.messageBytes;
  assert.equal(m, 99);

  test('a WebSocket message: + 22 (one TLS record) on https, + 9 (DATA frame) on h2c, + 9 + 22 on h2', () => {
    const model = (wire: 'http' | 'https' | 'h2' | 'h2c'): number =>
      modelFor('websocket', params, { host: '127.0.0.1:1', wire }).perMessage.totalBytes;
    assert.equal(model('http'), m + 2);
    assert.equal(model('https'), m + 2 + 22);
    assert.equal(model('h2c'), m + 2 + 9);
    assert.equal(model('h2'), m + 2 + 9 + 22);
  });

  test('the 99-byte message of the issue: 99 + 2 + 22 on https, 99 + 2 + 9 + 22 on h2', () => {
    assert.equal(wireTerms('https', null).pushed(99 + 2, 99 + 2), 99 + 2 + 22);
    assert.equal(wireTerms('h2', null).pushed(99 + 2, 99 + 2), 99 + 2 + 9 + 22);
  });

  test('an SSE event on HTTP/2 loses its chunk framing and gains a DATA frame', () => {
    const h1 = modelFor('sse', params, { host: '127.0.0.1:1', wire: 'http' }).perMessage.totalBytes;
    const h2c = modelFor('sse', params, { host: '127.0.0.1:1', wire: 'h2c' }).perMessage.totalBytes;
    // `id: N\ndata: JSON\n\n` of 100 to 255 bytes is chunked as `XX\r\n` + event + `\r\n`: 6 bytes.
    assert.equal(h1 - h2c, 6 - 9);
  });

  test('a poll on h2: request = 9 + block (+ 22), answer head = 9 + block + 9 (+ 22): HEADERS and the DATA that ends the stream, one record', () => {
    const blocks = { requestBlockBytes: 26, firstRequestBlockBytes: 308, responseBlockBytes: 7, responseBlockSource: 'test' };
    const h2 = wireTerms('h2', blocks);
    assert.equal(h2.request(500), 9 + 26 + 22);
    assert.equal(h2.answerHead(180), 9 + 7 + 9 + 22);
    const h2c = wireTerms('h2c', blocks);
    assert.equal(h2c.request(500), 9 + 26);
    assert.equal(h2c.answerHead(180), 9 + 7 + 9);
  });
});

test("HPACK: the encoder's steady-state request block equals the block a real poll on h2c carries", async () => {
  const server = await startServer({ wire: 'h2c', rate: 0, techniques: ['polling'], allowedOrigins: profileOrigins() });
  const counter = new SocketCounter();
  const get = CLIENT_WIRES.h2c(server.url, counter).gets(HEADER_PROFILES.browser.poll, [], 'exchange');
  try {
    const host = new URL(server.url).host;
    const path = '/poll?since=12';
    const headers = { ':path': path, ...h2Headers(HEADER_PROFILES.browser.poll) };
    const encoded = await requestBlockBytes(`http://${host}`, [headers, headers, headers]);
    await get.connect();
    const counted: number[] = [];
    for (let i = 0; i < 3; i++) counted.push((await get.get(path)).parts!.up.h2HeaderBlockBytes);
    assert.deepEqual(counted, encoded);
    assert.ok(encoded[0]! > 200 && encoded[2]! < 40, `first ${encoded[0]} B, steady ${encoded[2]} B`);
  } finally {
    get.destroy();
    await server.close();
  }
});

function completed(result: TechniqueResult): CompletedResult {
  assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
  return result as CompletedResult;
}

describe('every technique on every wire: the model within 1% of the measured bytes, the parts adding up', () => {
  // Two messages per poll interval: every poll carries two (none comes back empty), so the bytes per message do not hang on the poll phases.
  const params = tinyParams({ clients: 3, rate: 10, intervalMs: 200, durationMs: 1000, warmupMs: 200 });
  for (const wire of WIRES) {
    for (const technique of techniquesOn(wire, ['polling', 'longpoll', 'sse', 'websocket'])) {
      test(`${technique} on ${wire}`, async () => {
        const result = completed(
          await runTechnique(technique, { ...params, wire }, { signal: new AbortController().signal, generators: 1, progress: () => {} }),
        );
        assert.equal(result.agreement?.agree, true);
        const measured = result.perMessage.totalBytes;
        const model = result.model!.perMessage.totalBytes;
        if (technique === 'polling') {
          // Short polling's model carries rate / polls-per-second messages per answer; a tiny window
          // holds a message more or less per client wherever a late publish meets a poll's due time,
          // which moves bytes per message by a few % on any wire. What the wire decides is the
          // overhead of one exchange, whatever it carried: compared per answer, within 1%.
          const answersPerMessage = 1000 / params.intervalMs / params.rate;
          const measuredPerAnswer = (result.bytes.up + result.bytes.down - result.bytes.payload) / result.requests!.total;
          const modelPerAnswer = result.model!.perMessage.overheadBytes / answersPerMessage;
          assert.ok(
            Math.abs(measuredPerAnswer - modelPerAnswer) <= modelPerAnswer * 0.01,
            `overhead per answer: measured ${measuredPerAnswer} B, model ${modelPerAnswer} B: ${result.model!.formula}`,
          );
        } else assert.ok(Math.abs(measured - model) <= model * 0.01, `measured ${measured} B, model ${model} B: ${result.model!.formula}`);
        // Without --server-parts the server does not tap: the clients' parts only (test/servers/wire-setup.test.ts compares both ends).
        assert.equal(result.wireParts?.ends, undefined);
        if (wire === 'http') {
          // Cleartext HTTP/1.1 has parts only for a WebSocket's handshake: the Upgrade request and the 101.
          if (technique !== 'websocket') assert.equal(result.wireParts, undefined);
          else assert.ok(result.wireParts!.setupPerConnection.upgradeBytes! > 0);
          return;
        }
        const parts = result.wireParts!.perMessage;
        assert.ok(
          Math.abs(parts.payloadBytes + parts.tlsBytes + parts.h2FramingBytes + parts.headerBlockBytes + parts.httpBytes - measured) < 1e-6,
        );
        // TLS: 22 B per record, and at least one record per message down.
        if (wire === 'https' || wire === 'h2') {
          assert.equal(result.wireParts!.perMessage.tlsBytes * result.messages.delivered > 0, true);
          assert.ok(parts.tlsBytes >= 22);
        } else assert.equal(parts.tlsBytes, 0);
        if (wire === 'h2' || wire === 'h2c') assert.ok(parts.h2FramingBytes >= 9);
        else assert.equal(parts.h2FramingBytes, 0);
      });
    }
  }
});
