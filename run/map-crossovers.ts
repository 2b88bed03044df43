/**
 * Where one technique overtakes another on the decision map, from the model's own formulas in
 * closed form (run/techniques/<id>.ts and run/wire-sizes.ts hold the arithmetic they solve):
 *
 * - long polling vs short polling, bytes, along the rate at an interval T (poll rate p = 1/T):
 *   polling pays p·Q + r·(H1 + b1) + (p − r)·(H0 + 2) per second, long polling r·(Q' + H1 + b1);
 *   equal at r* = p·(Q + H0 + 2) / (Q' + H0 + 2) (Q, Q' the two requests, H0 an empty answer's
 *   head): one message per poll, give or take the longer long-poll path;
 * - short polling vs a stream, bytes, along the interval at a rate r: k = r·T messages per poll
 *   cost (Q + H + 1)/k + m + 1 each, a stream m + e; polling costs more below k* = (Q + H + 1)/(e − 1),
 *   T* = k* ÷ r (H, the answer's head, depends on the body's digits: iterated to a fixed point);
 * - long polling vs a stream, bytes, along the rate: an answer carries k = r·RTT messages once
 *   they come within a round trip, so it costs more below r* = k* ÷ RTT with the same k*;
 * - server CPU per message (calibrated: polling a·p/r + b, the others a constant C): polling
 *   costs more below r* = a·p / (C − b);
 * - memory: the held connections pass the user's `--max-memory` L at N* = L / (bytes per connection).
 */
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import type { MapCell, MapCrossover } from '../core/results.ts';
import { headerProfile } from '../load/headers.ts';
import { clientPath, getRequestBytes, jsonResponseHeadBytes, pollBodyBytes, typicalSeq } from './wire-sizes.ts';
import { modelFor } from './model.ts';
import type { Calibration, H2RequestBlocks, MapConfig } from './map.ts';
import { MAP_WIRE, mapWires, modelFigures, runParams } from './map.ts';
import { DEFAULT_WIRE, WIRE_META, type WireId } from '../core/wires.ts';

/** The short-polling technique (its pickup waits for the next poll). */
export function pollingTechnique(techniques: readonly TechniqueId[] = TECHNIQUES): TechniqueId | undefined {
  return techniques.find((t) => TECHNIQUE_META[t].pickup === 'interval');
}

/** The long-polling technique (a request per answer, answered at once). */
export function longPollTechnique(techniques: readonly TechniqueId[] = TECHNIQUES): TechniqueId | undefined {
  return techniques.find((t) => TECHNIQUE_META[t].delivery === 'request' && TECHNIQUE_META[t].pickup === 'immediate');
}

/** The stream techniques (SSE, WebSocket and its variants). */
export function streamTechniques(techniques: readonly TechniqueId[] = TECHNIQUES): TechniqueId[] {
  return techniques.filter((t) => TECHNIQUE_META[t].delivery === 'stream');
}

const round = (value: number, digits = 4): number => Number(value.toPrecision(digits));

/** Long polling and short polling cost the same bytes per message at this rate (msg/s), for poll interval `intervalMs`. */
export function longPollPollingCrossoverRate(
  pollRequestBytes: number,
  longPollRequestBytes: number,
  emptyHeadBytes: number,
  intervalMs: number,
): number {
  const p = 1000 / intervalMs;
  return (p * (pollRequestBytes + emptyHeadBytes + 2)) / (longPollRequestBytes + emptyHeadBytes + 2);
}

/**
 * Messages per answer above which a batched answer costs fewer bytes per message than a stream
 * whose per-message overhead is `streamOverheadBytes`: k* = (Q + H(k*) + 1) / (e − 1); H depends
 * on the body length's digits, so it is iterated. Infinity when the stream's overhead is 1 byte or less.
 */
export function breakEvenMessagesPerAnswer(
  requestBytes: number,
  messageBytes: number,
  streamOverheadBytes: number,
  response: Parameters<typeof jsonResponseHeadBytes>[1] = null,
): number {
  if (streamOverheadBytes <= 1) return Infinity;
  let k = 1;
  for (let i = 0; i < 8; i++) {
    const head = jsonResponseHeadBytes(pollBodyBytes(Math.max(1, Math.round(k)), messageBytes), response);
    k = (requestBytes + head + 1) / (streamOverheadBytes - 1);
  }
  return k;
}

/**
 * Where `f` (increasing in x on a log axis from `lo` to `hi`... or decreasing) changes sign, by
 * bisection on the log of x; null when it has one sign over the whole range.
 */
export function bisectLog(f: (x: number) => number, lo: number, hi: number): number | null {
  let a = lo;
  let b = hi;
  const fa = f(a);
  const fb = f(b);
  if (fa === 0) return a;
  if (fb === 0) return b;
  if (Math.sign(fa) === Math.sign(fb)) return null;
  for (let i = 0; i < 60; i++) {
    const mid = Math.sqrt(a * b);
    const fm = f(mid);
    if (fm === 0) return mid;
    if (Math.sign(fm) === Math.sign(fa)) a = mid;
    else b = mid;
  }
  return Math.sqrt(a * b);
}

/**
 * The bytes crossovers on a wire other than HTTP/1.1 cleartext: the same three questions, found by
 * bisection on the map's own model on that wire (TLS records, HTTP/2 frames, HPACK blocks), since
 * the closed forms above are HTTP/1.1's heads.
 */
function wireBytesCrossovers(
  config: MapConfig,
  calibration: Calibration,
  wire: WireId,
  h2RequestBlocks: H2RequestBlocks | undefined,
): MapCrossover[] {
  const out: MapCrossover[] = [];
  const polling = pollingTechnique(config.techniques);
  const longPoll = longPollTechnique(config.techniques);
  const streams = streamTechniques(config.techniques);
  const clients = config.clients[0] ?? 1;
  const label = WIRE_META[wire].label;
  const bytes = (technique: TechniqueId, rate: number, intervalMs: number): number =>
    modelFigures(technique, runParams(config, { rate, intervalMs, clients }, 1, wire), calibration, h2RequestBlocks).bytesPerMessage;
  const search = `bisection on the model's bytes per message on ${label}${calibration.target === undefined ? '' : ` (fitted from the measured cells at target ${calibration.target.name})`}`;
  if (polling !== undefined && longPoll !== undefined) {
    for (const intervalMs of config.intervalsMs) {
      const rate = bisectLog((r) => bytes(longPoll, r, intervalMs) - bytes(polling, r, intervalMs), 1e-4, 1e4);
      out.push({
        id: `longpoll-vs-polling-bytes@${intervalMs}`,
        criterion: 'bytes',
        techniques: [longPoll, polling],
        axis: 'rate',
        value: rate === null ? null : round(rate),
        at: { intervalMs, clients },
        formula:
          rate === null
            ? `${search}: no crossing from 0.0001 to 10,000 msg/s`
            : `${search}: equal at ${round(rate)} msg/s (${round(bytes(longPoll, rate, intervalMs))} B each)`,
        text:
          rate === null
            ? `On ${label} at ${intervalMs} ms polls, long polling and short polling do not cross between 0.0001 and 10,000 msg/s.`
            : `On ${label} at ${intervalMs} ms polls, long polling costs fewer bytes per message than short polling below ${round(rate)} msg/s and more above it.`,
      });
    }
  }
  for (const stream of streams) {
    if (polling !== undefined) {
      for (const rate of config.rates) {
        const intervalMs = bisectLog((t) => bytes(polling, rate, t) - bytes(stream, rate, t), 1, 1e8);
        out.push({
          id: `polling-vs-${stream}-bytes@${rate}`,
          criterion: 'bytes',
          techniques: [polling, stream],
          axis: 'intervalMs',
          value: intervalMs === null ? null : round(intervalMs),
          at: { rate, clients },
          formula:
            intervalMs === null
              ? `${search}: no crossing for intervals from 1 ms to 10^8 ms`
              : `${search}: equal at ${round(intervalMs)} ms polls, ${round((rate * intervalMs) / 1000)} messages per poll (${round(bytes(stream, rate, intervalMs))} B each)`,
          text:
            intervalMs === null
              ? `On ${label} at ${rate} msg/s, short polling costs more bytes per message than ${TECHNIQUE_META[stream].label} at every interval.`
              : `On ${label} at ${rate} msg/s, short polling costs more bytes per message than ${TECHNIQUE_META[stream].label} at any interval below ${round(intervalMs / 1000)} s (fewer than ${round((rate * intervalMs) / 1000, 3)} messages per poll).`,
        });
      }
    }
    if (longPoll !== undefined) {
      const intervalMs = config.intervalsMs[0]!;
      const rate = bisectLog((r) => bytes(longPoll, r, intervalMs) - bytes(stream, r, intervalMs), 1e-4, 1e6);
      out.push({
        id: `longpoll-vs-${stream}-bytes`,
        criterion: 'bytes',
        techniques: [longPoll, stream],
        axis: 'rate',
        value: rate === null ? null : round(rate),
        at: { clients },
        formula: rate === null ? `${search}: no crossing from 0.0001 to 10^6 msg/s` : `${search}: equal at ${round(rate)} msg/s`,
        text:
          rate === null
            ? `On ${label}, long polling costs more bytes per message than ${TECHNIQUE_META[stream].label} at every rate up to 10^6 msg/s (its re-request is paid per answer).`
            : `On ${label}, long polling's re-request costs more bytes per message than ${TECHNIQUE_META[stream].label} at every rate below ${round(rate)} msg/s.`,
      });
    }
  }
  return out;
}

/** All the crossovers of a map on its (first) wire (cells are used only to find the fewest clients and the measured points around each). */
export function mapCrossovers(
  config: MapConfig,
  calibration: Calibration,
  cells: readonly MapCell[],
  h2RequestBlocks?: H2RequestBlocks,
): MapCrossover[] {
  const wire = mapWires(config)[0] ?? DEFAULT_WIRE;
  // The closed forms are the built-in servers' HTTP/1.1 heads: on another wire, or a target's fitted bytes, bisection on the model.
  const closedForm = wire === DEFAULT_WIRE && calibration.target === undefined;
  const out: MapCrossover[] = closedForm ? [] : wireBytesCrossovers(config, calibration, wire, h2RequestBlocks);
  const polling = pollingTechnique(config.techniques);
  const longPoll = longPollTechnique(config.techniques);
  const streams = streamTechniques(config.techniques);
  const clients = config.clients[0] ?? 1;
  const profile = headerProfile(config.headers);
  const rtt = calibration.rttMs;
  const measuredNear = (axis: 'rate' | 'intervalMs', value: number, fixed: Partial<Record<'rate' | 'intervalMs', number>>): string => {
    const near = cells.filter(
      (c) =>
        c.measured &&
        c.clients === clients &&
        (fixed.rate === undefined || c.rate === fixed.rate) &&
        (fixed.intervalMs === undefined || c.intervalMs === fixed.intervalMs) &&
        Math.abs(Math.log(c[axis] / value)) <= Math.log(10),
    );
    const points = [...new Set(near.map((c) => `${c.rate} msg/s, ${c.intervalMs} ms`))];
    return points.length === 0
      ? ' No measured point within a factor of 10 of it.'
      : ` Measured points within a factor of 10: ${points.join('; ')}.`;
  };

  // 1. Long polling vs short polling, bytes, along the rate, per interval (HTTP/1.1 cleartext's closed forms).
  if (closedForm && polling !== undefined && longPoll !== undefined) {
    for (const intervalMs of config.intervalsMs) {
      const params = runParams(config, { rate: 1000 / intervalMs, intervalMs, clients }, 1);
      const seq = typicalSeq(params);
      const q = getRequestBytes(clientPath(polling, params, seq), MAP_WIRE.host, profile.poll);
      const qLong = getRequestBytes(clientPath(longPoll, params, seq), MAP_WIRE.host, profile.longPoll);
      const h0 = jsonResponseHeadBytes(pollBodyBytes(0, params.messageBytes), profile.response);
      const pollMs = Math.max(intervalMs, rtt);
      const rate = longPollPollingCrossoverRate(q, qLong, h0, pollMs);
      const holdNote =
        1000 / rate > config.holdMs ? ` (beyond the ${config.holdMs} ms hold, long polling also pays empty rounds there)` : '';
      out.push({
        id: `longpoll-vs-polling-bytes@${intervalMs}`,
        criterion: 'bytes',
        techniques: [longPoll, polling],
        axis: 'rate',
        value: round(rate),
        at: { intervalMs, clients },
        formula: `r* = p·(Q + H0 + 2)/(Q' + H0 + 2) = ${round(1000 / pollMs)}/s × (${q} + ${h0} + 2)/(${qLong} + ${h0} + 2) = ${round(rate)} msg/s`,
        text:
          `At ${intervalMs} ms polls, long polling costs fewer bytes per message than short polling below ${round(rate)} msg/s and more above it (about one message per poll)${holdNote}.` +
          measuredNear('rate', rate, { intervalMs }),
      });
    }
  }

  // 2. and 3. Short polling and long polling vs each stream, bytes.
  for (const stream of closedForm ? streams : []) {
    const streamBytes = (rate: number): number =>
      modelFor(stream, runParams(config, { rate, intervalMs: config.intervalsMs[0]!, clients }, 1), MAP_WIRE).perMessage.totalBytes;
    if (polling !== undefined) {
      for (const rate of config.rates) {
        const params = runParams(config, { rate, intervalMs: config.intervalsMs[0]!, clients }, 1);
        const q = getRequestBytes(clientPath(polling, params, typicalSeq(params)), MAP_WIRE.host, profile.poll);
        const e = streamBytes(rate) - params.messageBytes;
        const k = breakEvenMessagesPerAnswer(q, params.messageBytes, e, profile.response);
        const intervalMs = (1000 * k) / rate;
        const finite = Number.isFinite(intervalMs);
        out.push({
          id: `polling-vs-${stream}-bytes@${rate}`,
          criterion: 'bytes',
          techniques: [polling, stream],
          axis: 'intervalMs',
          value: finite ? round(intervalMs) : null,
          at: { rate, clients },
          formula: finite
            ? `k* = (Q + H + 1)/(e − 1) = (${q} + H + 1)/(${round(e)} − 1) = ${round(k)} messages per poll; T* = k* ÷ r = ${round(intervalMs)} ms`
            : `the stream's overhead is ${round(e)} B per message: a batched poll never catches up`,
          text: finite
            ? `At ${rate} msg/s, short polling costs more bytes per message than ${TECHNIQUE_META[stream].label} at any interval below ${round(intervalMs / 1000)} s (fewer than ${round(k, 3)} messages per poll).` +
              measuredNear('intervalMs', intervalMs, { rate })
            : `At ${rate} msg/s, short polling costs more bytes per message than ${TECHNIQUE_META[stream].label} at every interval.`,
        });
      }
    }
    if (longPoll !== undefined) {
      const params = runParams(config, { rate: 1, intervalMs: config.intervalsMs[0]!, clients }, 1);
      const q = getRequestBytes(clientPath(longPoll, params, typicalSeq(params)), MAP_WIRE.host, profile.longPoll);
      const e = streamBytes(1) - params.messageBytes;
      const k = breakEvenMessagesPerAnswer(q, params.messageBytes, e, profile.response);
      const rate = rtt > 0 && Number.isFinite(k) ? (1000 * k) / rtt : null;
      out.push({
        id: `longpoll-vs-${stream}-bytes`,
        criterion: 'bytes',
        techniques: [longPoll, stream],
        axis: 'rate',
        value: rate === null ? null : round(rate),
        at: { clients },
        formula: !Number.isFinite(k)
          ? `the stream's overhead is ${round(e)} B per message: a batched answer never catches up`
          : `k* = (Q + H + 1)/(e − 1) = ${round(k)} messages per answer; an answer batches r·RTT of them, so r* = k* ÷ RTT = ${round(k)}/${round(rtt)} ms${rate === null ? ' (no RTT measured)' : ` = ${round(rate)} msg/s`}`,
        text:
          rate === null
            ? `Long polling costs more bytes per message than ${TECHNIQUE_META[stream].label} at every rate (its re-request is paid per answer).`
            : `Long polling's re-request costs more bytes per message than ${TECHNIQUE_META[stream].label} at every rate below ${round(rate)} msg/s (${rate > Math.max(...config.rates) ? 'everywhere on this map' : 'within this map'}): only when ${round(k, 3)} messages share an answer, at a round trip of ${round(rtt, 3)} ms, does it catch up.`,
      });
    }
  }

  // 4. Server CPU per message: polling vs each other technique, along the rate, per interval.
  const pollCpu = polling === undefined ? undefined : calibration.cpu[polling];
  if (polling !== undefined && pollCpu !== undefined) {
    for (const other of config.techniques) {
      const otherCpu = calibration.cpu[other];
      if (other === polling || otherCpu === undefined) continue;
      // The other's CPU per message is constant in the rate where it answers one request per message or none.
      const constant = otherCpu.perMessageMicros + (TECHNIQUE_META[other].delivery === 'request' ? otherCpu.perRequestMicros : 0);
      for (const intervalMs of config.intervalsMs) {
        const p = 1000 / Math.max(intervalMs, rtt);
        const gap = constant - pollCpu.perMessageMicros;
        const rate = gap > 0 && pollCpu.perRequestMicros > 0 ? (pollCpu.perRequestMicros * p) / gap : null;
        out.push({
          id: `polling-vs-${other}-cpu@${intervalMs}`,
          criterion: 'cpu',
          techniques: [polling, other],
          axis: 'rate',
          value: rate === null ? null : round(rate),
          at: { intervalMs, clients },
          formula: `r* = a·p/(C − b) = ${round(pollCpu.perRequestMicros)} µs × ${round(p)}/s ÷ (${round(constant)} − ${round(pollCpu.perMessageMicros)}) µs${rate === null ? ': no crossing (C <= b or a = 0)' : ` = ${round(rate)} msg/s`}`,
          text:
            rate === null
              ? `At ${intervalMs} ms polls, short polling's server CPU per message does not cross ${TECHNIQUE_META[other].label}'s (calibrated costs).`
              : `At ${intervalMs} ms polls, short polling costs the server more CPU per message than ${TECHNIQUE_META[other].label} below ${round(rate)} msg/s and less above (calibrated costs from the measured points).`,
        });
      }
    }
  }

  // 5. Memory of the held connections against the user's limit.
  if (config.maxMemoryBytes !== null) {
    for (const technique of config.techniques) {
      const perConnection = calibration.memoryBytesPerConnection[technique];
      const value = perConnection === undefined || perConnection <= 0 ? null : Math.floor(config.maxMemoryBytes / perConnection);
      out.push({
        id: `memory-limit-${technique}`,
        criterion: 'memory',
        techniques: [technique],
        axis: 'clients',
        value,
        at: {},
        formula:
          value === null
            ? 'memory per connection not measured (RSS must grow by 4 MB: measure more clients)'
            : `N* = L / m = ${config.maxMemoryBytes} B / ${Math.round(perConnection!)} B = ${value} clients`,
        text:
          value === null
            ? `${TECHNIQUE_META[technique].label}: memory per connection was not measured, so where its held connections pass ${config.maxMemoryBytes} B is not known.`
            : `${TECHNIQUE_META[technique].label}'s held connections pass ${config.maxMemoryBytes} B of server memory at ${value} clients.`,
      });
    }
  }
  return out;
}
