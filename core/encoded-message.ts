/**
 * A message encoded for the wire once: its JSON, its poll body and its SSE event, shared by
 * every technique and every client (servers/ and the micro-benchmarks both use it).
 */
import { encodeMessage, sseEvent, type FeedMessage } from './protocol.ts';

/**
 * A message with its encodings, each built at most once and shared by every writer: the
 * JSON at publish time, the poll body and the SSE event the first time a technique asks
 * (a server that only speaks WebSocket never builds them).
 */
export class EncodedMessage {
  /** The message JSON: what WebSocket sends as one text frame. */
  readonly json: Buffer;
  private arrayBuffer: Buffer | undefined;
  private sseBuffer: Buffer | undefined;

  constructor(
    readonly seq: number,
    readonly t: number,
    readonly room: number | undefined,
    private readonly text: string,
  ) {
    this.json = Buffer.from(text);
  }

  /** `[json]`: a poll or long-poll body carrying just this message. */
  get array(): Buffer {
    return (this.arrayBuffer ??= Buffer.from(`[${this.text}]`));
  }

  /** `id: SEQ\ndata: JSON\n\n`: the SSE event. */
  get sse(): Buffer {
    return (this.sseBuffer ??= Buffer.from(sseEvent(this.seq, this.text)));
  }
}

export const EMPTY_ARRAY = Buffer.from('[]');
const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** Encodes a message once; its other representations follow on first use. */
export function encodeForWire(msg: FeedMessage): EncodedMessage {
  return new EncodedMessage(msg.seq, msg.t, msg.room, encodeMessage(msg));
}

/** The JSON array body for a poll response, reusing the pre-encoded buffers. */
export function arrayBody(messages: readonly EncodedMessage[]): Buffer {
  if (messages.length === 0) return EMPTY_ARRAY;
  if (messages.length === 1) return messages[0]!.array;
  const parts: Buffer[] = [OPEN];
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(messages[i]!.json);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}
