/**
 * The one interface every technique's run-layer file (`run/techniques/<id>.ts`) implements:
 * its analytic model and its micro-benchmark case. run/model.ts and run/micro.ts drive them
 * through the registry and never ask which technique they hold.
 */
import type { ScenarioParams } from '../../core/results.ts';
import type { TechniqueFile } from '../../core/techniques.ts';
import type { HeaderList, HeaderProfile } from '../../load/headers.ts';
import type { WireId } from '../../core/wires.ts';
import type { H2Blocks, WireTerms } from '../wire-model.ts';

/** Where the clients connect, as it appears on the wire. */
export interface WireContext {
  /** The `host` header value, e.g. `127.0.0.1:41234`. */
  host: string;
  /** Whether the ws client offers permessage-deflate in its upgrade (default false: pushbench's plain WebSocket client never does). */
  wsOffersDeflate?: boolean;
  /** The wire the clients spoke (default http: HTTP/1.1 cleartext). */
  wire?: WireId;
  /** On an HTTP/2 wire: the HPACK block sizes (run/hpack-sizes.ts, and the response's as counted). */
  h2?: H2Blocks;
}

/**
 * What the model takes from the same run besides the scenario: the network and the harness,
 * each measured (never assumed); every figure 0 or null when not measured.
 */
export interface ModelMeasurements {
  /** The network's round trip: the fastest of a few tiny requests on a client connection before the window, ms (run/rtt-probe.ts networkRttMs). */
  readonly rttMs: number;
  /** Mean lateness of the publisher against each due time in the window, ms (latency counts from the due time). */
  readonly publisherLatenessMs: number;
  /** Request-per-message techniques: messages per answer that carried any, as the clients counted them; null: predict from the RTT. */
  readonly messagesPerAnswer: number | null;
  /** Mean time the server's synchronous fan-out of a message took (left the publisher to the last write returned), ms; 0: not measured. */
  readonly fanOutMs: number;
  /** Mean delay of each arrival behind the first arrival of the same message in its generator process, ms; 0: not measured. */
  readonly arrivalSpreadMs: number;
  /**
   * A foreign server (`--target`), which pushbench publishes to by POST: the publish request's way
   * up and the server's handling before it sends the message on, ms (the measured publish round
   * trip less the answer's way back); 0: the server publishes by itself (pushbench's own).
   */
  readonly publishHopMs?: number;
  /**
   * With `--delay-ms`: the delaying proxy's mean lateness per chunk in the window (what it added
   * beyond its delay), ms; each hop through the proxy takes it once.
   */
  readonly proxyExtraMs?: number;
}

/** No measurement: a network without delay, an exact publisher and a fan-out that costs nothing. */
export const NO_MEASUREMENTS: ModelMeasurements = Object.freeze({
  rttMs: 0,
  publisherLatenessMs: 0,
  messagesPerAnswer: null,
  fanOutMs: 0,
  arrivalSpreadMs: 0,
  publishHopMs: 0,
});

/** What a technique model gets: the scenario and the figures every model uses. */
export interface ModelContext {
  readonly params: ScenarioParams;
  readonly wire: WireContext;
  readonly measured: ModelMeasurements;
  readonly profile: HeaderProfile;
  /** Message JSON bytes. */
  readonly m: number;
  /** Messages/s on the feed one client reads. */
  readonly rate: number;
  /** The seq of a typical message in the window. */
  readonly seq: number;
  /** What the wire adds to each request, answer and pushed unit (run/wire-model.ts). */
  readonly terms: WireTerms;
}

/** The request a technique repeats for every answer (polling, long polling), for its HPACK size on HTTP/2. */
export interface RepeatedRequest {
  readonly path: string;
  readonly headers: HeaderList;
}

/** What a technique costs per delivered message, before the chat upstream is added. */
export interface DownModel {
  /** Bytes per delivered message, up + down. */
  bytes: number;
  requestHeadBytes: number;
  responseHeadBytes: number;
  /** Latency from the message reaching the server to the client, without the publisher's lateness and the chat upstream trip (run/model.ts adds both). */
  latencyMs: { mean: number; max: number };
  /** The formula's arithmetic, producing `bytes`. */
  text: string;
  latencyText: string;
  /**
   * Mean latency the model adds that the clients' measured arrival spread holds too, ms: long
   * polling's wait for the next request differs from client to client, so the spread behind the
   * first arrival contains it. run/model.ts takes it off the spread rather than count it twice.
   */
  spreadOverlapMs?: number;
}

/** Chat: what one sent message costs upstream, and how the formula states it. */
export interface UpstreamModel {
  bytes: number;
  text: string;
}

/** A prepared micro-benchmark: the call to time, and what it wrote, to check it does the real work. */
export interface MicroRun {
  /** One message's work; a promise when the case is asynchronous (work handed to zlib's thread pool, say). */
  call(): void | Promise<void>;
  /** Bytes the calls so far put on the (dummy) wire. */
  bytesWritten(): number;
  /** JSON size of the last message encoded. */
  lastMessageBytes(): number;
}

/** The per-message server work of one technique: one call = one message to one client. */
export interface MicroSpec {
  name: string;
  /**
   * True when `call` returns a promise the runner must wait for, one call after the other:
   * the time is then wall time per message, hand-offs to other threads included.
   */
  asynchronous?: boolean;
  /** Builds the state the calls share. */
  setup(payloadBytes: number): MicroRun;
}

/** The default export of `run/techniques/<id>.ts`. */
export interface RunTechnique extends TechniqueFile {
  /** Bytes and latency per delivered message on the feed a client reads. */
  model(ctx: ModelContext): DownModel;
  /**
   * Chat: one sent message upstream, when it is not what the row's `upstream` implies
   * (a `POST /publish` with its 204, or one masked text frame of the publish body).
   */
  upstream?(ctx: ModelContext, bodyBytes: number): UpstreamModel;
  /** Scenario parameters the model divides by, which must be positive (e.g. the poll interval). */
  requires?: ReadonlyArray<'intervalMs' | 'holdMs'>;
  /** A request-per-answer technique: the request it repeats with seq `since`, whose HPACK size the model takes on HTTP/2. */
  repeatedRequest?(params: ScenarioParams, profile: HeaderProfile, since: number): RepeatedRequest;
  micro: MicroSpec;
}
