/**
 * The analytic model: what each technique should cost on the wire and in latency for a
 * scenario, computed from the exact bytes the clients and servers write (request lines,
 * header lists, status lines, chunk and frame headers). Pure: no I/O, no clock. The
 * runner prints it next to the measurement; a gap between the two is a finding or a bug.
 *
 * Every size below was taken from captured bytes (see test/run/model.test.ts, which
 * checks them against a real server):
 * - undici `Client.dispatch` GET: `GET path HTTP/1.1`, `host`, `connection: keep-alive`,
 *   then the caller's headers in order; a POST adds `content-length: N` after them.
 * - node:http responses: `Content-Type`, `Content-Length`, `Date` (29 chars),
 *   `Connection: keep-alive`, `Keep-Alive: timeout=65` (the server's keep-alive timeout).
 * - ws client upgrade: the caller's headers, then `Sec-WebSocket-Version`,
 *   `Sec-WebSocket-Key` (24 chars), `Connection`, `Upgrade`, optionally
 *   `Sec-WebSocket-Extensions` (the permessage-deflate offer), then `Host`.
 */
import { wsFrameHeaderBytes } from '../core/protocol.ts';
import { TECHNIQUE_META, TECHNIQUES, type TechniqueId } from '../core/techniques.ts';
import { headerProfile } from '../load/headers.ts';
import type { ModelEstimate, ScenarioParams } from '../core/results.ts';
import {
  NO_MEASUREMENTS,
  RUN_TECHNIQUES,
  type ModelContext,
  type ModelMeasurements,
  type UpstreamModel,
  type WireContext,
} from './techniques/index.ts';
import { feedRate, fmt, NO_CONTENT_RESPONSE_BYTES, publishBodyBytes, publishRequestHeadBytes, typicalSeq } from './wire-sizes.ts';
import { PushbenchError } from '../core/errors.ts';
import { DEFAULT_WIRE } from '../core/wires.ts';
import { wireTerms } from './wire-model.ts';

// The byte arithmetic lives in run/wire-sizes.ts and each technique's model in
// run/techniques/<id>.ts; this module combines them. Re-exported for the callers and tests.
export * from './wire-sizes.ts';
export { NO_MEASUREMENTS } from './techniques/index.ts';
export type { ModelMeasurements, WireContext } from './techniques/index.ts';

/** A scenario the model cannot describe; the message names the parameter, the value and what is allowed. */
export class ModelInputError extends PushbenchError<'PUSHBENCH_MODEL_INPUT'> {
  constructor(message: string) {
    super('PUSHBENCH_MODEL_INPUT', message);
  }
}

function modelContext(params: ScenarioParams, wire: WireContext, measured: ModelMeasurements = NO_MEASUREMENTS): ModelContext {
  const terms = wireTerms(wire.wire ?? DEFAULT_WIRE, wire.h2 ?? null);
  return {
    params,
    wire,
    measured,
    profile: headerProfile(params.headers),
    m: params.messageBytes,
    rate: feedRate(params),
    seq: typicalSeq(params),
    terms,
  };
}

/** Chat: bytes one sent message costs upstream, and how the formula states it. */
export function upstreamBytes(technique: TechniqueId, params: ScenarioParams, wire: WireContext): UpstreamModel {
  const body = publishBodyBytes(params.messageBytes, typicalSeq(params));
  const own = RUN_TECHNIQUES[technique].upstream;
  if (own !== undefined) return own(modelContext(params, wire), body);
  if (TECHNIQUE_META[technique].upstream === 'socket') {
    const header = wsFrameHeaderBytes(body, true);
    return { bytes: body + header, text: `${fmt(body)} B body + ${fmt(header)} B masked frame header` };
  }
  const head = publishRequestHeadBytes(wire.host, headerProfile(params.headers).publish, body);
  return {
    bytes: head + body + NO_CONTENT_RESPONSE_BYTES,
    text: `${fmt(head)} B POST head + ${fmt(body)} B body + ${fmt(NO_CONTENT_RESPONSE_BYTES)} B 204`,
  };
}

/**
 * The analytic cost of `technique` in the scenario `params`, per delivered message; `measured`
 * brings the network and the harness of the same run (the RTT, the publisher's lateness, the
 * fan-out's queue).
 */
export function modelFor(
  technique: TechniqueId,
  params: ScenarioParams,
  wire: WireContext,
  measured: ModelMeasurements = NO_MEASUREMENTS,
): ModelEstimate {
  validate(technique, params, wire);
  const ctx = modelContext(params, wire, measured);
  const down = RUN_TECHNIQUES[technique].model(ctx);
  let totalBytes = down.bytes;
  let payload = ctx.m;
  let text = down.text + ctx.terms.text;
  if (params.workload === 'chat') {
    // Every sent message reaches roomSize members: its upstream cost is shared among them.
    // The published body is payload too (as the runner counts it); its framing is overhead.
    const up = upstreamBytes(technique, params, wire);
    totalBytes += up.bytes / params.roomSize;
    payload += publishBodyBytes(params.messageBytes, typicalSeq(params)) / params.roomSize;
    text = `${text} + (${up.text}) ÷ ${fmt(params.roomSize)} room member${params.roomSize === 1 ? '' : 's'}`;
  }
  // Latency counts from the due time: the publisher's lateness comes first; in chat the message
  // also travels one way up to the server before it goes down.
  const extras: string[] = [];
  let extraMs = 0;
  if (measured.publisherLatenessMs > 0) {
    extraMs += measured.publisherLatenessMs;
    extras.push(`${fmt(measured.publisherLatenessMs)} ms publisher lateness (measured)`);
  }
  const publishHop = measured.publishHopMs ?? 0;
  if (publishHop > 0) {
    extraMs += publishHop;
    extras.push(
      `${fmt(publishHop)} ms the publish hop (pushbench's POST to the server: its measured round trip less the answer's way back)`,
    );
  }
  const proxyExtra = measured.proxyExtraMs ?? 0;
  if (proxyExtra > 0) {
    // Down to the client, and in chat up to the server too: each hop through the proxy.
    const hops = params.workload === 'chat' ? 2 : 1;
    extraMs += hops * proxyExtra;
    extras.push(
      `${fmt(hops * proxyExtra)} ms the delaying proxy's own lateness in the window (measured, ${hops} hop${hops === 1 ? '' : 's'})`,
    );
  }
  if (params.workload === 'chat') {
    extraMs += measured.rttMs / 2;
    extras.push(`${fmt(measured.rttMs / 2)} ms one-way trip up`);
  }
  // A message the server writes as it is published is written to one client after another, and
  // the clients of a generator process read one after another: on one host that queue, not the
  // wire, is most of a push latency. Both halves are measured in the same run (the server's
  // fan-out by the publisher, the arrival spread by the clients), not predicted; a poll waits
  // for its own phase instead, so interval polling has neither.
  // The spread behind the first arrival also holds any wait the technique's model already added
  // (long polling's wait for the next request differs from client to client): that part is not added twice.
  const overlapMs = Math.min(measured.arrivalSpreadMs, down.spreadOverlapMs ?? 0);
  const spreadMs = measured.arrivalSpreadMs - overlapMs;
  if (TECHNIQUE_META[technique].pickup === 'immediate' && measured.fanOutMs + spreadMs > 0) {
    extraMs += measured.fanOutMs + spreadMs;
    const overlapText =
      overlapMs > 0 ? ` (${fmt(measured.arrivalSpreadMs)} ms measured less the ${fmt(overlapMs)} ms wait for a request counted above)` : '';
    extras.push(
      `${fmt(measured.fanOutMs)} ms the server's fan-out to ${fmt(params.clients)} clients + ${fmt(spreadMs)} ms the clients' mean arrival behind the first${overlapText} (the queue of serving them one by one; both measured)`,
    );
  }
  const latencyMs = { mean: down.latencyMs.mean + extraMs, max: down.latencyMs.max + extraMs };
  const rttText = `RTT ${fmt(measured.rttMs)} ms (measured: the fastest probe)`;
  const latencyText =
    extras.length === 0 ? down.latencyText : `${down.latencyText}, + ${extras.join(' + ')} = mean ${fmt(latencyMs.mean)} ms`;
  return {
    requestHeadBytes: down.requestHeadBytes,
    responseHeadBytes: down.responseHeadBytes,
    perMessage: { totalBytes, overheadBytes: totalBytes - payload },
    latencyMs,
    formula: `${text} = ${fmt(totalBytes)} B per delivered message (${fmt(payload)} B of it payload); ${rttText}; ${latencyText}`,
  };
}

/**
 * The publish hop of a foreign server from the publisher's measured round trip: the POST's way up
 * and the server's work before it answers; the answer's way back (half the loopback round trip,
 * which is the probe's without the proxy's injected delay both ways) is taken off.
 */
export function publishHopMs(publishRoundTripMeanMs: number, rttMs: number, injectedDelayMs: number): number {
  const loopbackRttMs = Math.max(0, rttMs - 2 * injectedDelayMs);
  return Math.max(publishRoundTripMeanMs / 2, publishRoundTripMeanMs - loopbackRttMs / 2);
}

function validate(technique: TechniqueId, params: ScenarioParams, wire: WireContext): void {
  if (!(TECHNIQUES as readonly string[]).includes(technique)) {
    throw new ModelInputError(`invalid technique: received ${JSON.stringify(technique)}; expected one of ${TECHNIQUES.join(', ')}`);
  }
  const positive = (name: string, value: number, unit: string): void => {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new ModelInputError(`invalid ${name}: received ${value}; the model needs a positive ${unit}`);
    }
  };
  positive('rate', params.rate, 'rate (messages/s)');
  positive('messageBytes', params.messageBytes, 'message size (bytes)');
  const units = { intervalMs: 'poll interval (ms)', holdMs: 'hold timeout (ms)' } as const;
  for (const name of RUN_TECHNIQUES[technique].requires ?? []) positive(name, params[name], units[name]);
  if (params.workload === 'chat' && !(Number.isInteger(params.roomSize) && params.roomSize >= 1)) {
    throw new ModelInputError(`invalid roomSize: received ${params.roomSize}; the chat model needs an integer >= 1`);
  }
  if (wire.host === '') throw new ModelInputError('invalid host: received ""; expected the host header value, e.g. 127.0.0.1:41234');
}
