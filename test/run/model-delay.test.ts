/**
 * The model's network term against a measurement: every technique run through the delaying
 * TCP proxy (load/delay-proxy.ts, `delayMs` of the runner) with a few clients and a tiny window.
 * The assertions are about accuracy, not speed: the model's mean latency (the publisher's
 * measured lateness + the technique's waits + half the RTT probed before the window) within
 * 10% of the measured mean, its bytes within 1% of the measured bytes. The delay is large
 * against what a loaded 2-core machine's scheduling adds to a mean (a few ms: the probe's
 * median leaves that out), so the machine does not decide the outcome.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runTechnique } from '../../run/runner.ts';
import type { CompletedResult, TechniqueResult } from '../../core/results.ts';
import { TECHNIQUES } from '../../core/protocol.ts';
import { TECHNIQUE_META } from '../../core/techniques.ts';
import { RTT_PROBE_REQUESTS } from '../../run/rtt-probe.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

const DELAY_MS = 50;
// 10 clients x 5 msg/s x 4 s = 200 latency samples per technique. Messages (200 ms apart) and
// polls (150 ms) come further apart than the ~100 ms round trip, the regime the test is about;
// the interval is no multiple of the message gap, so each poller's offset to the publish grid moves.
const PARAMS = tinyParams({ clients: 10, rate: 5, intervalMs: 150, durationMs: 4000, warmupMs: 300 });

function completed(result: TechniqueResult): CompletedResult {
  assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
  return result as CompletedResult;
}

describe(`model against a ${DELAY_MS} ms one-way delay (a delaying proxy between the clients and the server)`, () => {
  for (const technique of TECHNIQUES) {
    test(`${technique}: model mean within 10%, bytes within 1%, the RTT includes both delays`, async () => {
      const result = completed(await runTechnique(technique, PARAMS, { signal: new AbortController().signal, generators: null, progress: () => {}, delayMs: DELAY_MS }));
      const network = result.network!;
      assert.equal(network.injectedDelayMs, DELAY_MS);
      assert.equal(network.rttSamplesMs.length, RTT_PROBE_REQUESTS);
      // The proxy holds every chunk DELAY_MS in each direction: no round trip can be shorter.
      assert.ok(network.rttMs >= 2 * DELAY_MS - 0.5, `rtt ${network.rttMs} ms through a ${DELAY_MS} ms proxy`);
      assert.equal(result.agreement?.agree, true, 'the proxy forwards every byte: server and clients agree');
      assert.ok(result.latencyMs.count >= 200, `samples ${result.latencyMs.count}`);
      const model = result.model!;
      const latencyGap = Math.abs(result.latencyMs.mean - model.latencyMs.mean) / result.latencyMs.mean;
      assert.ok(latencyGap <= 0.1, `${technique}: measured mean ${result.latencyMs.mean} ms, model ${model.latencyMs.mean} ms (${(latencyGap * 100).toFixed(1)}% apart): ${model.formula}`);
      const bytesGap = Math.abs(result.perMessage.totalBytes - model.perMessage.totalBytes) / result.perMessage.totalBytes;
      // A request-per-poll technique's window edges fall between a request and its answer, which
      // moves a whole request per client at each edge (issue 9 item 7); until that attribution
      // lands, those two requests per client are allowed on top of the 1%.
      const requests = result.requests?.total ?? 0;
      const edges = TECHNIQUE_META[technique].delivery === 'request' && requests > result.messages.delivered ? (2 * PARAMS.clients) / requests : 0;
      // A compressing technique's bytes depend on the data itself: its model compresses
      // messages built like the feed's, which test/run/websocket-deflate.test.ts holds to 8%.
      const allowed = TECHNIQUE_META[technique].compression === 'none' ? 0.01 + edges : 0.08;
      assert.ok(bytesGap <= allowed, `${technique}: measured ${result.perMessage.totalBytes} B/msg, model ${model.perMessage.totalBytes} B/msg (${(bytesGap * 100).toFixed(2)}% apart; allowed ${(allowed * 100).toFixed(2)}%)`);
    });
  }
});
