/**
 * Long polling, in the run layer: its model (one request and one response per delivered
 * message, plus the empty rounds a hold timeout shorter than the gap between messages adds)
 * and its micro-benchmark case.
 */
import { clientPath, fmt, getRequestBytes, jsonResponseHeadBytes, pollBodyBytes } from '../wire-sizes.ts';
import { jsonResponseCase } from '../micro-kit.ts';
import type { DownModel, ModelContext, RunTechnique } from './types.ts';

function model(ctx: ModelContext): DownModel {
  const { holdMs } = ctx.params;
  const requestBytes = getRequestBytes(clientPath('longpoll', ctx.params, ctx.seq), ctx.wire.host, ctx.profile.longPoll);
  const body = pollBodyBytes(1, ctx.m);
  const head = jsonResponseHeadBytes(body, ctx.profile.response);
  const emptyHead = jsonResponseHeadBytes(pollBodyBytes(0, ctx.m), ctx.profile.response);
  // A hold that ends before the next message comes back `[]` and is re-requested.
  const gapMs = 1000 / ctx.rate;
  const emptyRounds = Math.floor(gapMs / holdMs);
  const emptyText = emptyRounds > 0 ? ` + ${fmt(emptyRounds)} empty round${emptyRounds === 1 ? '' : 's'} × (${fmt(requestBytes)} B request + ${fmt(emptyHead)} B head + 2 B body)` : '';
  return {
    bytes: requestBytes + head + body + emptyRounds * (requestBytes + emptyHead + 2),
    requestHeadBytes: requestBytes,
    responseHeadBytes: head,
    latencyMs: { mean: 0, max: 0 },
    text: `${fmt(requestBytes)} B request + ${fmt(head)} B head + ${fmt(body)} B body${emptyText}`,
    latencyText: 'latency 0 beyond one network trip (the held response carries the message at once)',
  };
}

export default {
  id: 'longpoll',
  model,
  requires: ['holdMs'],
  micro: jsonResponseCase('encodeForWire + [json] body + 200 head to a held request via http.ServerResponse'),
} satisfies RunTechnique;
