/**
 * IPC between perf-servers.ts and its bare baseline servers. Shaped like the pushbench
 * server's own IPC (servers/protocol.ts): `ready`, then `stats` replies whose
 * `stats.process` comes from the same sampleProcess() the pushbench server uses.
 */
import type { ProcessSample } from '../core/protocol.ts';

export interface BareStats {
  /** Messages published since start (WebSocket baseline; 0 for HTTP). */
  published: number;
  /** Requests answered since start (HTTP baseline; 0 for WebSocket). */
  requests: number;
  process: ProcessSample;
}

export type BareToParent =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'stats'; id: number; stats: BareStats }
  | { type: 'error'; message: string };

export type ParentToBare =
  | { type: 'stats'; id: number }
  | { type: 'publish'; rate: number; startAt: number }
  | { type: 'stop-publish' }
  | { type: 'close' };

/** What the bare HTTP server answers to every request (the head lines node:http does not add itself). */
export interface BareHttpResponse {
  status: number;
  headers: Array<[string, string]>;
  bodyBase64: string;
  /** What carries it: node:http (absent), node:https, or node:http2 over TLS; the TLS wires with a self-signed certificate made at start. */
  wire?: 'http' | 'https' | 'h2';
  /**
   * How the node:http2 server ends a response (h2 only). `trailers` (absent): Node's compatibility
   * API as written, which asks for trailers on every response and so ends the stream with an empty
   * DATA frame sent apart, a tick after the body. `data`: the same API, its respond() told not to
   * wait for trailers, so END_STREAM rides on the DATA frame with the body: the frames pushbench's
   * server sends (servers/transports.ts).
   */
  h2End?: H2End;
}

export type H2End = 'trailers' | 'data';

/** The bare WebSocket server's broadcast: payload size of the messages it publishes. */
export interface BareWsOptions {
  payloadBytes: number;
}
