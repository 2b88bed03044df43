/**
 * Long polling, in the run layer: its model (one request and one answer per batch of messages:
 * one message when they come further apart than the next request takes, more when they do not;
 * plus the empty rounds a hold timeout shorter than the gap between messages adds) and its
 * micro-benchmark case.
 */
import { clientPath, fmt, getRequestBytes, jsonResponseHeadBytes, pollBodyBytes } from '../wire-sizes.ts';
import { jsonResponseCase } from '../micro-kit.ts';
import type { DownModel, ModelContext, RunTechnique } from './types.ts';

/** How messages share answers: messages per answer that carried any, and the share of messages that waited for a request. */
export interface LongPollBatching {
  perAnswer: number;
  waitedShare: number;
}

/**
 * What the RTT predicts. After an answer the client's next request is in flight for one round
 * trip (the answer's way down, the request's way up); a message published meanwhile waits for
 * it, half a round trip on average, and rides in one answer with the others that came then.
 * - Broadcast, a message every g = 1/rate: g >= RTT, every message finds a held request (one per
 *   answer, no wait); g < RTT, an answer leaves every RTT with RTT/g messages, all of which waited.
 * - Chat, roomSize senders on random phases (arrivals close to Poisson, x = rate × roomSize × RTT):
 *   a message that finds a held request opens a run of RTT-long spells that goes on while a spell
 *   has arrivals, e^x spells on average: e^-x + x messages per answer; x e^x / (1 + x e^x) waited.
 */
export function predictedBatching(workload: 'broadcast' | 'chat', feedRate: number, rttMs: number): LongPollBatching {
  const x = (feedRate * rttMs) / 1000;
  if (x <= 0) return { perAnswer: 1, waitedShare: 0 };
  if (workload === 'broadcast') return x < 1 ? { perAnswer: 1, waitedShare: 0 } : { perAnswer: x, waitedShare: 1 };
  const spells = Math.exp(x);
  return { perAnswer: 1 / spells + x, waitedShare: (x * spells) / (1 + x * spells) };
}

function model(ctx: ModelContext): DownModel {
  const { holdMs } = ctx.params;
  const rtt = ctx.measured.rttMs;
  const requestBytes = ctx.terms.request(getRequestBytes(clientPath('longpoll', ctx.params, ctx.seq), ctx.wire.host, ctx.profile.longPoll));
  const predicted = predictedBatching(ctx.params.workload, ctx.rate, rtt);
  // The clients count the messages each answer carried: under load the next request is in flight
  // longer than an idle round trip (a fan-out of the answers, then of the requests), so more
  // messages batch than the RTT predicts. Bytes then follow from that count by protocol arithmetic.
  const k = Math.max(1, ctx.measured.messagesPerAnswer ?? predicted.perAnswer);
  const kText =
    ctx.measured.messagesPerAnswer === null
      ? `${fmt(k)} msgs per answer (predicted from the RTT)`
      : `${fmt(k)} msgs per answer (as the clients counted; the RTT alone predicts ${fmt(predicted.perAnswer)})`;
  const body = pollBodyBytes(k, ctx.m);
  const head = ctx.terms.answerHead(jsonResponseHeadBytes(body, ctx.profile.response));
  const emptyHead = ctx.terms.answerHead(jsonResponseHeadBytes(pollBodyBytes(0, ctx.m), ctx.profile.response));
  // A hold that ends before the next message comes back `[]` and is re-requested.
  const gapMs = 1000 / ctx.rate;
  const emptyRounds = Math.floor(gapMs / holdMs);
  const emptyText =
    emptyRounds > 0
      ? ` + ${fmt(emptyRounds)} empty round${emptyRounds === 1 ? '' : 's'} × (${fmt(requestBytes)} B request + ${fmt(emptyHead)} B head + 2 B body)`
      : '';
  const perAnswer = requestBytes + head + body;
  const answerText =
    k === 1
      ? `${fmt(requestBytes)} B request + ${fmt(head)} B head + ${fmt(body)} B body`
      : `(${fmt(requestBytes)} B request + ${fmt(head)} B head + ${fmt(body)} B body) ÷ ${kText}`;
  const trip = rtt / 2;
  const wait = predicted.waitedShare * (rtt / 2);
  return {
    bytes: perAnswer / k + emptyRounds * (requestBytes + emptyHead + 2),
    requestHeadBytes: requestBytes,
    responseHeadBytes: head,
    latencyMs: { mean: trip + wait, max: trip + (predicted.waitedShare > 0 ? rtt : 0) },
    spreadOverlapMs: wait,
    text: `${answerText}${emptyText}`,
    latencyText:
      predicted.waitedShare > 0
        ? `latency ${fmt(trip)} ms one-way trip + ${fmt(predicted.waitedShare * 100)}% of messages × ${fmt(rtt / 2)} ms waiting for the next request (one published within an RTT of the last finds none held)`
        : `latency ${fmt(trip)} ms, one one-way trip (half the measured RTT: the held answer carries the message at once; messages come further apart than an RTT)`,
  };
}

export default {
  id: 'longpoll',
  model,
  requires: ['holdMs'],
  repeatedRequest: (params, profile, since) => ({ path: clientPath('longpoll', params, since), headers: profile.longPoll }),
  micro: jsonResponseCase('encodeForWire + [json] body + 200 head to a held request via http.ServerResponse'),
} satisfies RunTechnique;
