/**
 * WebSocket with permessage-deflate, in the run layer: its model and its micro-benchmark case.
 *
 * What one message costs depends on the data and on what the socket carried before (context
 * takeover), so the model does not guess a ratio: it compresses the scenario's own messages,
 * built the way the feed builds them (the same filler, seqs and stamps on the same schedule),
 * with zlib at ws's settings. A message sent on a context-takeover stream after a sync flush
 * can refer back to the last 32 KiB the stream carried, which is what a preset dictionary
 * holding those bytes gives a fresh stream; the sync flush's `00 00 ff ff` tail is dropped, as
 * RFC 7692 says. Payload stays the uncompressed JSON (what every technique delivers), so the
 * measured and modelled "overhead" is negative when compression saves more than the frame
 * header costs.
 */
import zlib from 'node:zlib';
import { encodeForWire } from '../../core/encoded-message.ts';
import { encodeMessage, filler, wsFrameHeaderBytes } from '../../core/protocol.ts';
import { clientPath, fmt, oneWayTrip, SETUP_SINCE, typicalRoom, wsUpgradeRequestBytes, WS_UPGRADE_RESPONSE_BYTES } from '../wire-sizes.ts';
import { Sender, type FrameOptions } from '../micro-kit.ts';
import type { DownModel, MicroSpec, ModelContext, RunTechnique, UpstreamModel } from './types.ts';

/** The server's answer names the extension it accepted (ws drops the valueless client_max_window_bits). */
export const DEFLATE_UPGRADE_RESPONSE_BYTES = WS_UPGRADE_RESPONSE_BYTES + 'Sec-WebSocket-Extensions: permessage-deflate\r\n'.length;
/** ws's zlib settings: 15-bit window, memLevel 8, level 6 (zlib's default). */
const ZLIB_OPTIONS = { windowBits: 15, memLevel: 8, level: zlib.constants.Z_DEFAULT_COMPRESSION } as const;
const WINDOW_BYTES = 1 << ZLIB_OPTIONS.windowBits;
/** Messages of the measured window the model averages over. */
const SAMPLES = 16;
/** RFC 7692 §7.2.1: the sender removes the 4 octets 00 00 ff ff a sync flush ends with. */
const SYNC_TAIL_BYTES = 4;

/** Bytes of `message` deflated after `history` on one context-takeover stream, tail removed. */
export function deflatedBytes(message: Buffer, history: Buffer): number {
  const window = history.length > WINDOW_BYTES ? history.subarray(history.length - WINDOW_BYTES) : history;
  const out = zlib.deflateRawSync(message, {
    ...ZLIB_OPTIONS,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
    ...(window.length > 0 ? { dictionary: window } : {}),
  });
  return out.length - SYNC_TAIL_BYTES;
}

/**
 * The seqs a client's counter sees in the measured window when `rate` messages/s arrive from
 * the start of the warm-up: at most SAMPLES of them, spread evenly over the window.
 */
function windowSamples(rate: number, warmupMs: number, durationMs: number): number[] {
  const first = Math.max(1, Math.floor((rate * warmupMs) / 1000) + 1);
  const last = Math.max(first, Math.floor((rate * (warmupMs + durationMs)) / 1000));
  const count = Math.min(SAMPLES, last - first + 1);
  return Array.from({ length: count }, (_, i) => (count === 1 ? first : Math.round(first + ((last - first) * i) / (count - 1))));
}

/**
 * Mean compressed size of item `n` for each sampled `n`, each after the items before it (as
 * much of them as a window holds). `item(n)` builds the n-th item the socket carries (n >= 1).
 */
function meanDeflated(samples: readonly number[], itemBytes: number, item: (n: number) => Buffer): number {
  const span = Math.ceil(WINDOW_BYTES / Math.max(1, itemBytes)) + 1;
  let total = 0;
  for (const n of samples) {
    const history: Buffer[] = [];
    for (let k = Math.max(1, n - span); k < n; k++) history.push(item(k));
    total += deflatedBytes(item(n), Buffer.concat(history));
  }
  return total / samples.length;
}

/**
 * The n-th message a client of this scenario's feed receives, as the feed encodes it: `data` is
 * the filler salted as the publisher (by seq) or a chat sender (by client and stamp) salts it;
 * stamps follow the feed's schedule, with as many digits as the scenario's message size leaves.
 */
function feedMessage(ctx: ModelContext): (seq: number) => Buffer {
  const { params } = ctx;
  const room = typicalRoom(params);
  const periodMicros = 1e6 / ctx.rate;
  const envelope = encodeMessage({ seq: ctx.seq, t: 0, room, data: filler(params.payloadBytes) }).length;
  const stampBase = 10 ** Math.max(0, ctx.m - envelope);
  return (seq) => {
    const t = stampBase + Math.round(seq * periodMicros);
    const salt = room === undefined ? seq : (seq % params.roomSize) + t;
    return Buffer.from(encodeMessage({ seq, t, room, data: filler(params.payloadBytes, salt) }));
  };
}

function model(ctx: ModelContext): DownModel {
  const samples = windowSamples(ctx.rate, ctx.params.warmupMs, ctx.params.durationMs);
  const compressed = meanDeflated(samples, ctx.m, feedMessage(ctx));
  const header = wsFrameHeaderBytes(Math.round(compressed), false);
  return {
    bytes: compressed + header,
    requestHeadBytes: wsUpgradeRequestBytes(
      clientPath('websocket-deflate', ctx.params, SETUP_SINCE),
      ctx.wire.host,
      ctx.profile.upgrade,
      true,
    ),
    responseHeadBytes: DEFLATE_UPGRADE_RESPONSE_BYTES,
    latencyMs: oneWayTrip(ctx),
    text: `${fmt(compressed)} B deflated message (${fmt(ctx.m)} B of JSON, zlib against what the socket carried before, mean of ${samples.length} messages of the window) + ${fmt(header)} B frame header`,
    latencyText: `latency one one-way trip, ${fmt(ctx.measured.rttMs / 2)} ms (half the measured RTT: the frame is written when published, after each socket deflates it in turn in zlib’s thread pool); the upgrade is setup, not counted per message`,
  };
}

/** Chat: one client's publish bodies, compressed against the ones it sent before, in masked frames. */
function upstream(ctx: ModelContext, bodyBytes: number): UpstreamModel {
  const { params } = ctx;
  const room = typicalRoom(params) ?? 0;
  const stampBase = 10 ** Math.max(0, bodyBytes - JSON.stringify({ room, t: 0, data: filler(params.payloadBytes) }).length);
  const body = (n: number): Buffer => {
    const t = stampBase + Math.round((n * 1e6) / params.rate);
    return Buffer.from(`{"room":${room},"t":${t},"data":"${filler(params.payloadBytes, t)}"}`);
  };
  const compressed = meanDeflated(windowSamples(params.rate, params.warmupMs, params.durationMs), bodyBytes, body);
  const header = wsFrameHeaderBytes(Math.round(compressed), true);
  return {
    bytes: compressed + header,
    text: `${fmt(compressed)} B deflated body (of ${fmt(bodyBytes)} B) + ${fmt(header)} B masked frame header`,
  };
}

const COMPRESSED_TEXT_FRAME: FrameOptions = { fin: true, rsv1: true, opcode: 1, mask: false, readOnly: false };
/** Distinct payloads the micro case cycles through: more than a 32 KiB window holds, so no message finds itself in the history. */
const MICRO_RING = 1024;

/**
 * One socket's share of a message: deflate it on that socket's context-takeover stream and
 * frame it with RSV1 set, as ws does (zlib runs in the thread pool, so this is asynchronous
 * and its time per message is wall time, the hand-off to zlib's thread and back included).
 */
const micro: MicroSpec = {
  name: 'encodeForWire + deflate on one socket’s zlib stream (sync flush, thread pool) + ws Sender.frame (text, RSV1)',
  asynchronous: true,
  setup(payloadBytes) {
    const deflate = zlib.createDeflateRaw(ZLIB_OPTIONS);
    const texts = Array.from({ length: MICRO_RING }, (_, i) => filler(payloadBytes, i + 1));
    const t = 1_000_000_000_000;
    let chunks: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    let seq = 0;
    let bytes = 0;
    let last = 0;
    return {
      async call() {
        seq++;
        const json = encodeForWire({ seq, t, data: texts[seq % MICRO_RING]! }).json;
        last = json.length;
        deflate.write(json);
        await new Promise<void>((resolve) => deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
        const out = Buffer.concat(chunks);
        chunks = [];
        for (const part of Sender.frame(out.subarray(0, out.length - SYNC_TAIL_BYTES), COMPRESSED_TEXT_FRAME)) bytes += part.length;
      },
      bytesWritten: () => bytes,
      lastMessageBytes: () => last,
    };
  },
};

export default { id: 'websocket-deflate', model, upstream, micro } satisfies RunTechnique;
