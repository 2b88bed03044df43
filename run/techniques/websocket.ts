/**
 * WebSocket, in the run layer: its model (one unmasked text frame per message down, one masked
 * frame per chat message up; the upgrade is setup) and its micro-benchmark case.
 */
import { wsFrameHeaderBytes } from '../../core/protocol.ts';
import { clientPath, fmt, oneWayTrip, SETUP_SINCE, wsUpgradeRequestBytes, WS_UPGRADE_RESPONSE_BYTES } from '../wire-sizes.ts';
import { MessageSource, Sender, TEXT_FRAME } from '../micro-kit.ts';
import type { DownModel, MicroSpec, ModelContext, RunTechnique } from './types.ts';

function model(ctx: ModelContext): DownModel {
  const header = wsFrameHeaderBytes(ctx.m, false);
  return {
    bytes: ctx.terms.pushed(ctx.m + header, ctx.m + header),
    requestHeadBytes: wsUpgradeRequestBytes(
      clientPath('websocket', ctx.params, SETUP_SINCE),
      ctx.wire.host,
      ctx.profile.upgrade,
      ctx.wire.wsOffersDeflate,
    ),
    responseHeadBytes: WS_UPGRADE_RESPONSE_BYTES,
    latencyMs: oneWayTrip(ctx),
    text: `${fmt(ctx.m)} B message + ${fmt(header)} B frame header`,
    latencyText: `latency one one-way trip, ${fmt(ctx.measured.rttMs / 2)} ms (half the measured RTT: the frame is written when published); the upgrade is setup, not counted per message`,
  };
}

const micro: MicroSpec = {
  name: 'encodeForWire + ws Sender.frame (text, unmasked)',
  setup(payloadBytes) {
    const source = new MessageSource(payloadBytes);
    let bytes = 0;
    return {
      call() {
        for (const part of Sender.frame(source.next().json, TEXT_FRAME)) bytes += part.length;
      },
      bytesWritten: () => bytes,
      lastMessageBytes: () => source.lastBytes,
    };
  },
};

export default { id: 'websocket', model, micro } satisfies RunTechnique;
