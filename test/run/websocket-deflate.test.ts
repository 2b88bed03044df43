/**
 * WebSocket with permessage-deflate through the whole tool, on tiny windows: the payload is the
 * uncompressed JSON (the same for every technique), the wire bytes are measured on both ends and
 * agree, so the overhead is negative; the model compresses the scenario's own messages and lands
 * next to the measurement; the micro case does the work one socket's message costs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { MICRO_CASES } from '../../run/micro.ts';
import { modelFor, wsFrameBytes } from '../../run/model.ts';
import { runTechnique } from '../../run/technique-run.ts';
import { messageBytesFor } from '../../run/scenarios.ts';
import { deflatedBytes, DEFLATE_UPGRADE_RESPONSE_BYTES } from '../../run/techniques/websocket-deflate.ts';
import type { CompletedResult, ScenarioParams } from '../../core/results.ts';
import { encodeMessage, filler } from '../../core/protocol.ts';

const ID = 'websocket-deflate';

function params(overrides: Partial<ScenarioParams> = {}): ScenarioParams {
  const base = {
    workload: 'broadcast' as const,
    clients: 5,
    rate: 40,
    payloadBytes: 64,
    intervalMs: 1000,
    holdMs: 30_000,
    durationMs: 500,
    warmupMs: 200,
    headers: 'minimal' as const,
    roomSize: 5,
    target: null,
    ...overrides,
  };
  return { ...base, messageBytes: messageBytesFor(base) };
}

async function completedRun(p: ScenarioParams): Promise<CompletedResult> {
  const result = await runTechnique(ID, p, { signal: new AbortController().signal, generators: null, progress: () => {} });
  assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
  return result as CompletedResult;
}

describe('a run of websocket-deflate', () => {
  test('broadcast: payload is the JSON delivered, the wire carries less, both ends agree, the model is close', async () => {
    const p = params();
    const r = await completedRun(p);
    assert.equal(r.messages.delivered, r.messages.expected);
    assert.equal(r.messages.lost, 0);
    assert.ok(r.agreement?.agree, JSON.stringify(r.agreement));
    // Payload is counted from the inflated messages (seqs of one or two digits within one run)
    // while the byte window is open, and delivered by publish time: on a loaded machine one or
    // two messages can fall on the other side of an edge, never the compressed size (about half).
    const expectedPayload = r.messages.delivered * p.messageBytes;
    const slack = 2 * p.messageBytes + 2 * r.messages.delivered;
    assert.ok(
      Math.abs(r.bytes.payload - expectedPayload) <= slack,
      `payload ${r.bytes.payload} B for ${r.messages.delivered} messages of ${p.messageBytes} B`,
    );
    assert.ok(
      r.perMessage.overheadBytes < 0,
      `compression saves more than the 2-byte frame header: overhead ${r.perMessage.overheadBytes}`,
    );
    assert.ok(
      r.perMessage.totalBytes < wsFrameBytes(p.messageBytes, false),
      `${r.perMessage.totalBytes} B on the wire against ${wsFrameBytes(p.messageBytes, false)} uncompressed`,
    );
    assert.equal(r.bytes.up, 0, 'nothing goes up in broadcast');
    assert.equal(r.model!.responseHeadBytes, DEFLATE_UPGRADE_RESPONSE_BYTES);
    const gap = Math.abs(r.perMessage.totalBytes - r.model!.perMessage.totalBytes) / r.model!.perMessage.totalBytes;
    assert.ok(gap < 0.08, `measured ${r.perMessage.totalBytes} B against a model of ${r.model!.perMessage.totalBytes} B`);
  });

  test('chat: upstream frames are compressed too, and the room still gets every message', async () => {
    // 1.5 s, 60 messages: the few the window's edges cut (and the first ones, which deflate compresses
    // worst) weigh less. With 600 ms (24 messages) a loaded CI run once measured 114 B against a model
    // of 102; four runs each beside two busy loops: 600 ms 0.0-8.1% apart, 1.5 s 2.1-5.8%.
    const p = params({ workload: 'chat', rate: 5, clients: 4, roomSize: 2, durationMs: 1500 });
    const r = await completedRun(p);
    assert.equal(r.messages.delivered, r.messages.expected);
    assert.ok(r.agreement?.agree, JSON.stringify(r.agreement));
    assert.ok(
      r.perMessage.upOverheadBytes < 3,
      `the masked header shared by 2 receivers, less what deflate saved: ${r.perMessage.upOverheadBytes}`,
    );
    assert.ok(r.perMessage.downOverheadBytes < 0, `down overhead ${r.perMessage.downOverheadBytes}`);
    const gap = Math.abs(r.perMessage.totalBytes - r.model!.perMessage.totalBytes) / r.model!.perMessage.totalBytes;
    assert.ok(gap < 0.1, `measured ${r.perMessage.totalBytes} B against a model of ${r.model!.perMessage.totalBytes} B`);
  });
});

describe('the websocket-deflate model', () => {
  test('offers deflate in its upgrade, and compresses later messages better than early ones', () => {
    const host = '127.0.0.1:41234';
    const early = modelFor(ID, params({ rate: 1, warmupMs: 0, durationMs: 3000 }), { host });
    const late = modelFor(ID, params({ rate: 100, warmupMs: 5000, durationMs: 3000 }), { host });
    assert.equal(
      early.requestHeadBytes,
      modelFor('websocket', params(), { host, wsOffersDeflate: true }).requestHeadBytes + '-deflate'.length,
    );
    assert.ok(
      late.perMessage.totalBytes < early.perMessage.totalBytes,
      `${late.perMessage.totalBytes} B with 32 KiB of history, ${early.perMessage.totalBytes} B with a few messages`,
    );
    assert.ok(late.perMessage.overheadBytes < 0);
    assert.match(late.formula, /deflated message/);
  });

  test('a preset dictionary of the history gives the bytes a context-takeover stream gives (within a byte a message)', async () => {
    const messages = Array.from({ length: 60 }, (_, i) =>
      Buffer.from(encodeMessage({ seq: i + 1, t: 5_000_000 + i * 25_000, data: filler(64, i + 1) })),
    );
    const stream = zlib.createDeflateRaw({ windowBits: 15, memLevel: 8 });
    for (let i = 0; i < messages.length; i++) {
      const chunks: Buffer[] = [];
      const onData = (chunk: Buffer): void => void chunks.push(chunk);
      stream.on('data', onData);
      stream.write(messages[i]!);
      await new Promise<void>((resolve) => stream.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
      stream.off('data', onData);
      const streamed = Buffer.concat(chunks).length - 4;
      const modelled = deflatedBytes(messages[i]!, Buffer.concat(messages.slice(0, i)));
      assert.ok(Math.abs(streamed - modelled) <= 1, `message ${i + 1}: stream ${streamed} B, model ${modelled} B`);
    }
  });

  test('the micro case writes deflated frames, smaller than the JSON once the context has history', async () => {
    const micro = MICRO_CASES.find((c) => c.technique === ID);
    assert.ok(micro);
    assert.equal(micro.asynchronous, true, 'zlib works in the thread pool: the runner awaits each call');
    const run = micro.setup(64);
    for (let i = 0; i < 200; i++) await run.call();
    const perMessage = run.bytesWritten() / 200;
    assert.ok(
      perMessage < wsFrameBytes(run.lastMessageBytes(), false),
      `${perMessage} B per frame for ${run.lastMessageBytes()} B of JSON`,
    );
    assert.ok(perMessage > 10, 'yet every message costs its own bytes: no message repeats inside the window');
  });
});
