/**
 * Server-Sent Events, in the run layer: its model (each message one `id:`/`data:` event in a
 * chunk of its own; the stream head is setup) and its micro-benchmark case.
 */
import { chunkFramingBytes } from '../../core/protocol.ts';
import { clientPath, fmt, oneWayTrip, getRequestBytes, SETUP_SINCE, SSE_RESPONSE_HEAD_BYTES, sseEventBytes } from '../wire-sizes.ts';
import { DiscardSocket, fakeRequest, MessageSource, newResponse } from '../micro-kit.ts';
import type { DownModel, MicroSpec, ModelContext, RunTechnique } from './types.ts';

function model(ctx: ModelContext): DownModel {
  const event = sseEventBytes(ctx.seq, ctx.m);
  const framing = chunkFramingBytes(event);
  return {
    bytes: ctx.terms.pushed(event + framing, event),
    requestHeadBytes: getRequestBytes(clientPath('sse', ctx.params, SETUP_SINCE), ctx.wire.host, ctx.profile.eventSource),
    responseHeadBytes: SSE_RESPONSE_HEAD_BYTES,
    latencyMs: oneWayTrip(ctx),
    text: `${fmt(ctx.m)} B message + ${fmt(event - ctx.m)} B id:/data: lines${ctx.terms.chunked ? ` + ${fmt(framing)} B chunk framing` : ' (no chunk framing on HTTP/2)'}`,
    latencyText: `latency one one-way trip, ${fmt(ctx.measured.rttMs / 2)} ms (half the measured RTT: the event is written when published); the stream head is setup, not counted per message`,
  };
}

const micro: MicroSpec = {
  name: 'encodeForWire + event written as one chunk via http.ServerResponse',
  setup(payloadBytes) {
    const socket = new DiscardSocket();
    const res = newResponse(fakeRequest(socket), socket);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    const headBytes = socket.bytes;
    const source = new MessageSource(payloadBytes);
    return {
      call() {
        res.write(source.next().sse);
        // node:http corks the socket and uncorks on the next tick; doing it here keeps
        // the chunk framing and the flush inside the timed call.
        socket.uncork();
      },
      bytesWritten: () => socket.bytes - headBytes,
      lastMessageBytes: () => source.lastBytes,
    };
  },
};

export default { id: 'sse', model, micro } satisfies RunTechnique;
