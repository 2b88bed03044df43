/**
 * Micro-benchmark wiring: one result per technique on a tiny time budget, and each case
 * puts exactly the bytes the server would on the wire (so it times the real work).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MICRO_CASES, MicroBenchmarkError, runMicroBenchmarks } from '../../run/micro.ts';
import { jsonResponseHeadBytes, sseChunkBytes, wsFrameBytes } from '../../run/model.ts';
import { TECHNIQUES } from '../../core/protocol.ts';

describe('runMicroBenchmarks', () => {
  test('one result per technique, in TECHNIQUES order, with ops/s > 0', async () => {
    const results = await runMicroBenchmarks({ time: 20 });
    assert.deepEqual(
      results.map((r) => r.technique),
      [...TECHNIQUES],
    );
    for (const result of results) {
      assert.ok(result.opsPerSecond > 0, `${result.technique}: ${result.opsPerSecond} ops/s`);
      assert.ok(result.meanNs > 0);
      assert.ok(Number.isFinite(result.rme));
      assert.ok(Math.abs(result.opsPerSecond * result.meanNs - 1e9) < 1e-3 * 1e9, 'ops/s and mean ns describe the same mean');
      assert.ok(result.name.length > 0);
    }
  });

  test('each case writes what the server writes for one message', () => {
    const written = new Map(
      MICRO_CASES.map((micro) => {
        const run = micro.setup(64);
        run.call();
        return [micro.technique, { bytes: run.bytesWritten(), m: run.lastMessageBytes() }] as const;
      }),
    );
    for (const technique of ['polling', 'longpoll'] as const) {
      const { bytes, m } = written.get(technique)!;
      assert.equal(bytes, jsonResponseHeadBytes(m + 2) + m + 2, technique);
    }
    const sse = written.get('sse')!;
    assert.equal(sse.bytes, sseChunkBytes(100_001, sse.m));
    const ws = written.get('websocket')!;
    assert.equal(ws.bytes, wsFrameBytes(ws.m, false));
  });

  test('bad options are refused with the exact reason', async () => {
    await assert.rejects(runMicroBenchmarks({ time: 0 }), (error: unknown) => {
      assert.ok(error instanceof MicroBenchmarkError);
      assert.equal(error.code, 'PUSHBENCH_MICRO');
      assert.equal(error.message, 'invalid time: received 0; expected a positive number of ms');
      return true;
    });
    await assert.rejects(runMicroBenchmarks({ payloadBytes: -1 }), {
      message: 'invalid payloadBytes: received -1; expected an integer >= 0',
    });
  });
});
