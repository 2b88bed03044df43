/**
 * Short polling's bytes per message do not move with the window edge: each exchange (request
 * and response) belongs to the window by its poll's due time, whole. Five clients poll every
 * 100 ms; two messages are published in a 1,000 ms window (at 250 and 750 ms), none before it.
 * Client 0's polls are due exactly on both edges, where snapshots of the sockets' counters
 * raced them and moved the figure by a whole request (about ±3.5% at 5 clients). Whatever the
 * phases, each client makes exactly 10 polls due in the window, 2 of which carry one message:
 *
 *   bytes per message = (10 × request + 2 × (head₁ + body₁) + 8 × (head₀ + 2)) ÷ 2,
 *
 * with head₁ the head of a response carrying one message (as received, plus its blank line),
 * body₁ = `[` + message + `]`, and head₀ the same head with a 1-digit Content-Length. Three
 * runs must each give exactly that figure, and the model's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTechnique } from '../../run/technique-run.ts';
import type { CompletedResult } from '../../core/results.ts';
import { tinyParams } from '../helpers/tiny-params.ts';
import { INTERVAL_POLL_TECHNIQUE as POLLING } from '../../core/techniques.ts';

const CLIENTS = 5;
const POLLS_PER_CLIENT = 10;
const MESSAGES = 2;

test('polling bytes per message equal the protocol arithmetic exactly, run after run', async () => {
  const params = tinyParams({ clients: CLIENTS, rate: 2, intervalMs: 100, durationMs: 1000, warmupMs: 200, headers: 'minimal' });
  for (let run = 0; run < 3; run++) {
    const result = await runTechnique(POLLING, params, { signal: new AbortController().signal, generators: null, progress: () => {} });
    assert.equal(result.state, 'completed', result.state === 'completed' ? '' : result.error);
    const r = result as CompletedResult;
    assert.equal(r.messages.published, MESSAGES);
    assert.equal(r.requests!.total, CLIENTS * POLLS_PER_CLIENT, `run ${run}: every client's 10 polls due in the window, no more, no fewer`);
    assert.equal(r.requests!.empty, CLIENTS * (POLLS_PER_CLIENT - MESSAGES));
    const request = r.model!.requestHeadBytes;
    assert.equal(r.bytes.up, CLIENTS * POLLS_PER_CLIENT * request, `run ${run}: every request in the window whole`);
    const body1 = params.messageBytes + 2;
    assert.equal(r.bytes.payload, CLIENTS * MESSAGES * params.messageBytes);
    const head1 = r.responseHead!.length + 4;
    const head0 = head1 - String(body1).length + 1;
    assert.equal(
      r.bytes.down,
      CLIENTS * (MESSAGES * (head1 + body1) + (POLLS_PER_CLIENT - MESSAGES) * (head0 + 2)),
      `run ${run}: every response in the window whole`,
    );
    const perMessage = (POLLS_PER_CLIENT * request + MESSAGES * (head1 + body1) + (POLLS_PER_CLIENT - MESSAGES) * (head0 + 2)) / MESSAGES;
    assert.equal(r.perMessage.totalBytes, perMessage, `run ${run}`);
    assert.equal(r.perMessage.totalBytes, r.model!.perMessage.totalBytes, `run ${run}: the model`);
    assert.ok(r.agreement?.agree, `run ${run}: server and clients agree to the byte: ${JSON.stringify(r.agreement)}`);
  }
});
