/**
 * A lean reader of the frames a server sends to an open `ws` client, for the load generator's
 * WebSocket driver (issue 19: the generator's CPU per received message against a bare ws client
 * that only counts). ws reads every frame through its Receiver, a Writable stream with a state
 * machine, fragment buffers and an event per message: a CPU profile of 1,000 clients at 50
 * msgs/s put it at about 3 µs of the driver's 8 per message. A server's frames are unmasked and,
 * without an extension, simple to split (RFC 6455 §5.2): this reader takes over the socket's
 * 'data' events from ws once the connection is open and hands each complete text or binary
 * message (fragments joined) to the driver, answers a ping with a pong through ws's sender, and
 * gives everything from a close frame on (or anything it does not take: reserved bits, a masked
 * frame, an oversize length) back to ws, which then closes as it always does. ws's other socket
 * listeners ('end', 'close', 'error') stay, so a connection that drops is reported as before.
 *
 * With permessage-deflate agreed (RFC 7692) it still reads the frames the server sends
 * uncompressed (RSV1 clear), and hands the socket back to ws, for good, at the first compressed
 * one (RSV1 set): ws's inflater then starts that message with an empty window, which is right, as
 * no compressed byte came before it. A server may agree to the extension and never compress:
 * Nginx+Nchan answers Chromium's offer and sends every message as is, and ws's reader for all of
 * them was 1.7-1.8 times the generator's work per message (docs/results/2026-12-07-one-box.md).
 *
 * It declines (and ws keeps reading) where its assumptions fail: an extension other than
 * permessage-deflate was negotiated, or the WebSocket is not on a net.Socket (an HTTP/2 stream,
 * RFC 8441).
 */
import net from 'node:net';
import type WebSocket from 'ws';

const EMPTY = Buffer.alloc(0);
const OPCODE = { continuation: 0x0, close: 0x8, ping: 0x9 } as const;
/** The largest message taken here (ws's default maxPayload); a larger one goes back to ws, which refuses it. */
const MAX_PAYLOAD_BYTES = 100 * 1024 * 1024;

/** The one extension this reader reads beside: its frames are told apart by RSV1 (RFC 7692 §6). */
const DEFLATE = 'permessage-deflate';

/** ws's private members this reader uses (ws 8: lib/websocket.js setSocket). */
interface WsInternals {
  _socket?: unknown;
  _extensions?: Record<string, unknown>;
}

/**
 * Takes over reading `ws`'s frames, calling `onMessage` with each data message's payload as the
 * bytes `[start, end)` of `data` (read in place, no view made per message: this runs ~50,000
 * times a second; `data` is valid during the call only). Call it from the 'open' event. Returns
 * false, changing nothing, where it cannot (see the top of this file).
 */
export function readFramesLean(ws: WebSocket, onMessage: (data: Buffer, start: number, end: number) => void): boolean {
  const internals = ws as unknown as WsInternals;
  const socket = internals._socket;
  if (!(socket instanceof net.Socket) || Object.keys(internals._extensions ?? {}).some((name) => name !== DEFLATE)) return false;
  const wsOnData = socket.listeners('data').find((listener) => listener.name === 'socketOnData') as
    | ((this: net.Socket, chunk: Buffer) => void)
    | undefined;
  if (wsOnData === undefined) return false;

  let pending: Buffer = EMPTY;
  let fragments: Buffer[] = [];
  const handBack = (rest: Buffer): void => {
    socket.removeListener('data', onData);
    pending = EMPTY;
    fragments = [];
    socket.on('data', wsOnData);
    if (rest.length > 0) wsOnData.call(socket, rest);
  };
  const onData = (chunk: Buffer): void => {
    const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (data.length - offset >= 2) {
      const first = data[offset]!;
      const second = data[offset + 1]!;
      const opcode = first & 0x0f;
      // Reserved bits (RSV1: a compressed message, for ws to inflate; others: no extension uses them),
      // a masked frame (a server never masks), a close: ws's to read from here on.
      if ((first & 0x70) !== 0 || (second & 0x80) !== 0 || opcode === OPCODE.close) return handBack(data.subarray(offset));
      let length = second & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        const high = data.readUInt32BE(offset + 2);
        length = high * 2 ** 32 + data.readUInt32BE(offset + 6);
        header = 10;
      }
      if (length > MAX_PAYLOAD_BYTES) return handBack(data.subarray(offset));
      if (data.length - offset < header + length) break;
      const payloadStart = offset + header;
      const payloadEnd = payloadStart + length;
      offset = payloadEnd;
      if (opcode >= 0x8) {
        // A ping is answered as ws answers it (autoPong); a pong needs nothing.
        if (opcode === OPCODE.ping) ws.pong(Buffer.from(data.subarray(payloadStart, payloadEnd)));
        continue;
      }
      const fin = (first & 0x80) !== 0;
      if (fin && fragments.length === 0 && opcode !== OPCODE.continuation) {
        onMessage(data, payloadStart, payloadEnd);
      } else {
        fragments.push(Buffer.from(data.subarray(payloadStart, payloadEnd)));
        if (fin) {
          const whole = Buffer.concat(fragments);
          fragments = [];
          onMessage(whole, 0, whole.length);
        }
      }
    }
    // A partial frame waits for the rest (copied: the chunk it lies in is not kept whole).
    pending = offset === data.length ? EMPTY : Buffer.from(data.subarray(offset));
  };
  socket.removeListener('data', wsOnData);
  socket.on('data', onData);
  return true;
}
