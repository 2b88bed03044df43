/**
 * Short polling, in the run layer: its model (a request every interval whatever happened; a
 * message waits for the next poll, half an interval on average, then one one-way trip) and its
 * micro-benchmark case.
 */
import { clientPath, fmt, getRequestBytes, jsonResponseHeadBytes, pollBodyBytes } from '../wire-sizes.ts';
import { jsonResponseCase } from '../micro-kit.ts';
import type { HeaderList } from '../../load/headers.ts';
import type { DownModel, ModelContext, RunTechnique } from './types.ts';
import type { WireTerms } from '../wire-model.ts';

/** Bytes/s one poller exchanges, given the feed rate `r` and the poll rate `p`. */
interface PollTraffic {
  bytesPerSecond: number;
  responseHeadBytes: number;
  /** The bracketed part of the formula, e.g. `1 poll/s × 1,243 B request + ...`. */
  text: string;
}

function pollTraffic(r: number, p: number, requestBytes: number, m: number, response: HeaderList | null, terms: WireTerms): PollTraffic {
  const emptyHead = terms.answerHead(jsonResponseHeadBytes(pollBodyBytes(0, m), response));
  const request = `${fmt(p)} poll${p === 1 ? '' : 's'}/s × ${fmt(requestBytes)} B request`;
  if (r <= p) {
    // Each message rides alone on one poll; the other polls come back `[]`.
    const body = pollBodyBytes(1, m);
    const head = terms.answerHead(jsonResponseHeadBytes(body, response));
    const empty = p - r;
    const emptyText = empty > 0 ? ` + ${fmt(empty)} empty/s × (${fmt(emptyHead)} B head + 2 B body)` : '';
    return {
      bytesPerSecond: p * requestBytes + r * (head + body) + empty * (emptyHead + 2),
      responseHeadBytes: head,
      text: `${request} + ${fmt(r)} msg/s × (${fmt(head)} B head + ${fmt(body)} B body)${emptyText}`,
    };
  }
  // More messages than polls: every poll carries k of them in one array.
  const k = r / p;
  const body = pollBodyBytes(k, m);
  const head = terms.answerHead(jsonResponseHeadBytes(body, response));
  return {
    bytesPerSecond: p * (requestBytes + head + body),
    responseHeadBytes: head,
    text: `${request} + ${fmt(p)} poll${p === 1 ? '' : 's'}/s × (${fmt(head)} B head + ${fmt(body)} B body of ${fmt(k)} msgs)`,
  };
}

function model(ctx: ModelContext): DownModel {
  // A client sends its next poll only once the last answer is back: with a round trip longer
  // than the interval the polls go out back to back, one RTT apart.
  const intervalMs = Math.max(ctx.params.intervalMs, ctx.measured.rttMs);
  const paced = intervalMs > ctx.params.intervalMs;
  const p = 1000 / intervalMs;
  const requestBytes = ctx.terms.request(getRequestBytes(clientPath('polling', ctx.params, ctx.seq), ctx.wire.host, ctx.profile.poll));
  const traffic = pollTraffic(ctx.rate, p, requestBytes, ctx.m, ctx.profile.response, ctx.terms);
  const trip = ctx.measured.rttMs / 2;
  return {
    bytes: traffic.bytesPerSecond / ctx.rate,
    requestHeadBytes: requestBytes,
    responseHeadBytes: traffic.responseHeadBytes,
    // A message waits for the next poll to reach the server (each client's phase is random, so
    // half an interval on average), then the answer travels one way.
    latencyMs: { mean: intervalMs / 2 + trip, max: intervalMs + trip },
    text: `(${traffic.text}) ÷ ${fmt(ctx.rate)} msg/s`,
    latencyText: `latency mean ${fmt(intervalMs / 2)} ms (half the ${paced ? `RTT, which is longer than the ${fmt(ctx.params.intervalMs)} ms interval: polls go out back to back` : 'interval'}; the clients' poll phases are random) + ${fmt(trip)} ms one-way trip (half the measured RTT), max ${fmt(intervalMs + trip)} ms`,
  };
}

export default {
  id: 'polling',
  model,
  requires: ['intervalMs'],
  repeatedRequest: (params, profile, since) => ({ path: clientPath('polling', params, since), headers: profile.poll }),
  micro: jsonResponseCase('encodeForWire + [json] body + 200 head via http.ServerResponse'),
} satisfies RunTechnique;
