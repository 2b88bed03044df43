/**
 * The model's wire terms: what TLS and HTTP/2 add to what a technique writes on HTTP/1.1
 * cleartext. Pure arithmetic over counts that hold for pushbench's servers and clients, each
 * checked against counted bytes (test/run/wire-model.test.ts):
 * - TLS 1.3: every write the peer makes is one record, 22 B more than its plaintext
 *   (core/wires.ts TLS13_RECORD_OVERHEAD_BYTES). An HTTP/1.1 request, a JSON answer (head and
 *   body written together), an SSE event and a WebSocket frame are each one write.
 * - HTTP/2: a request is one HEADERS frame (9 B + its HPACK block, END_STREAM set); a JSON
 *   answer is a HEADERS frame and a DATA frame with the body that ends the stream (END_STREAM on
 *   it: pushbench's server asks for no trailers, servers/transports.ts), written together, in one
 *   TLS record; an SSE event or a WebSocket frame is one DATA frame of its stream,
 *   no chunk framing. HPACK blocks: the request's is the encoder's output for the profile
 *   (run/hpack-sizes.ts), the response's, whose `date` changes every second and evicts table
 *   entries, is the mean of the blocks the clients counted in the window, and the formula says so.
 */
import { TLS13_RECORD_OVERHEAD_BYTES, WIRE_META, type WireId } from '../core/wires.ts';
import { H2_FRAME_HEADER_BYTES } from '../core/wire-parts.ts';

/** HPACK block sizes on an HTTP/2 wire. */
export interface H2Blocks {
  /** A repeated request's block (steady state), from the encoder. */
  readonly requestBlockBytes: number;
  /** The first request's block (the profile in full). */
  readonly firstRequestBlockBytes: number;
  /** A response's block, and where the figure comes from. */
  readonly responseBlockBytes: number;
  readonly responseBlockSource: string;
}

/** What a wire adds to each thing a technique writes. */
export interface WireTerms {
  readonly wire: WireId;
  /** A GET whose HTTP/1.1 form is `h1Bytes`, as it travels. */
  request(h1Bytes: number): number;
  /** A JSON answer's head as it travels, everything but the body (`h1HeadBytes` on HTTP/1.1). */
  answerHead(h1HeadBytes: number): number;
  /** One pushed unit (an SSE event, a WebSocket frame) of `bareBytes`, whose HTTP/1.1 form (chunk framing included) is `h1Bytes`. */
  pushed(h1Bytes: number, bareBytes: number): number;
  /** Whether a streamed body is chunked (HTTP/1.1); HTTP/2 frames it in DATA frames instead. */
  readonly chunked: boolean;
  /** The terms in words, for the formula; empty on HTTP/1.1 cleartext. */
  readonly text: string;
}

const F = H2_FRAME_HEADER_BYTES;

function fmtBytes(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The terms of `wire`; `h2` is needed on an HTTP/2 wire (else the request and response blocks count 0 and the text says so). */
export function wireTerms(wire: WireId, h2: H2Blocks | null): WireTerms {
  const meta = WIRE_META[wire];
  const record = meta.tls ? TLS13_RECORD_OVERHEAD_BYTES : 0;
  if (meta.httpVersion === '1.1') {
    return {
      wire,
      request: (h1) => h1 + record,
      answerHead: (h1) => h1 + record,
      pushed: (h1) => h1 + record,
      chunked: true,
      text: meta.tls ? `; on ${meta.label} + ${record} B TLS record per request, answer, event or frame` : '',
    };
  }
  const requestBlock = h2?.requestBlockBytes ?? 0;
  const responseBlock = h2?.responseBlockBytes ?? 0;
  const exchangeText =
    h2 === null
      ? ''
      : `a request is a ${F} B HEADERS frame + ${requestBlock} B HPACK block (the encoder's steady state; the first request's is ${h2.firstRequestBlockBytes} B), ` +
        `an answer ${F} B HEADERS + ${fmtBytes(responseBlock)} B HPACK block (${h2.responseBlockSource}) + ${F} B DATA that ends the stream${meta.tls ? `, in one ${record} B TLS record` : ''}; `;
  return {
    wire,
    request: () => F + requestBlock + record,
    answerHead: () => F + responseBlock + F + record,
    pushed: (_h1, bare) => bare + F + record,
    chunked: false,
    text: `; on ${meta.label}: ${exchangeText}an event or frame is one ${F} B DATA frame${meta.tls ? ` in one ${record} B TLS record` : ''}`,
  };
}
