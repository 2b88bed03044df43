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

/** How the polls of one client fall in time: the mean gap between them, the mean wait of a message for the next one, and the longest gap. */
export interface PollCycle {
  meanGapMs: number;
  meanWaitMs: number;
  maxGapMs: number;
}

/**
 * The poll cycle the driver (load/drivers/polling.ts) produces with an interval T and a response
 * time R. R <= T: a poll every T, a message waits T/2 on average. R > T: a poll whose answer
 * comes after the next was due goes out at once and takes the next grid point after it as its
 * due time; the poll after it waits for that grid point + T if it is still ahead. So with
 * T < R < 1.5T the gaps alternate R and 3T - R (102 and 198 ms for T 100, R 102), not R: the
 * polls are fewer than 1/R and a message waits longer than R/2. The schedule is deterministic,
 * so it is followed for a few hundred polls; a message arriving at a random time waits the mean
 * residual gap, E[X²] / 2E[X].
 */
export function pollCycle(intervalMs: number, responseMs: number): PollCycle {
  if (responseMs <= intervalMs) return { meanGapMs: intervalMs, meanWaitMs: intervalMs / 2, maxGapMs: intervalMs };
  let sent = 0;
  let due = 0;
  let sum = 0;
  let sumSquares = 0;
  let maxGap = 0;
  const POLLS = 400;
  for (let i = 0; i < POLLS; i++) {
    const answered = sent + responseMs;
    let next = due + intervalMs;
    let at: number;
    if (next <= answered) {
      // Late: out at once; its due time is the first grid point not before now.
      next += Math.ceil((answered - next) / intervalMs) * intervalMs;
      at = answered;
    } else {
      at = next;
    }
    const gap = at - sent;
    sum += gap;
    sumSquares += gap * gap;
    maxGap = Math.max(maxGap, gap);
    sent = at;
    due = next;
  }
  return { meanGapMs: sum / POLLS, meanWaitMs: sumSquares / (2 * sum), maxGapMs: maxGap };
}

function model(ctx: ModelContext): DownModel {
  // A client sends its next poll only once the last answer is back: with a round trip longer
  // than the interval the polls follow the driver's late-poll rule (pollCycle).
  const cycle = pollCycle(ctx.params.intervalMs, ctx.measured.rttMs);
  const paced = cycle.meanGapMs > ctx.params.intervalMs;
  const p = 1000 / cycle.meanGapMs;
  const requestBytes = ctx.terms.request(getRequestBytes(clientPath('polling', ctx.params, ctx.seq), ctx.wire.host, ctx.profile.poll));
  const traffic = pollTraffic(ctx.rate, p, requestBytes, ctx.m, ctx.profile.response, ctx.terms);
  const trip = ctx.measured.rttMs / 2;
  return {
    bytes: traffic.bytesPerSecond / ctx.rate,
    requestHeadBytes: requestBytes,
    responseHeadBytes: traffic.responseHeadBytes,
    // A message waits for the next poll to reach the server (each client's phase is random, so
    // the mean residual gap: half an interval when polls keep the grid), then the answer travels one way.
    latencyMs: { mean: cycle.meanWaitMs + trip, max: cycle.maxGapMs + trip },
    text: `(${traffic.text}) ÷ ${fmt(ctx.rate)} msg/s`,
    latencyText: paced
      ? `latency mean ${fmt(cycle.meanWaitMs)} ms (the RTT, ${fmt(ctx.measured.rttMs)} ms, is longer than the ${fmt(ctx.params.intervalMs)} ms interval: a late poll goes out at once and the next keeps the grid, so polls come every ${fmt(cycle.meanGapMs)} ms on average and a message waits E[gap²]/2E[gap]) + ${fmt(trip)} ms one-way trip (half the measured RTT), max ${fmt(cycle.maxGapMs + trip)} ms`
      : `latency mean ${fmt(cycle.meanWaitMs)} ms (half the interval; the clients' poll phases are random) + ${fmt(trip)} ms one-way trip (half the measured RTT), max ${fmt(cycle.maxGapMs + trip)} ms`,
  };
}

export default {
  id: 'polling',
  model,
  requires: ['intervalMs'],
  repeatedRequest: (params, profile, since) => ({ path: clientPath('polling', params, since), headers: profile.poll }),
  micro: jsonResponseCase('encodeForWire + [json] body + 200 head via http.ServerResponse'),
} satisfies RunTechnique;
