/**
 * WebSocket with permessage-deflate (RFC 7692), negotiated as current Chromium offers it:
 * the client sends `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits`
 * and this server accepts with `permessage-deflate` (ws's defaults: both sides keep their
 * compression context between messages, 15-bit windows, zlib level 6, memLevel 8).
 *
 * This variant cannot keep the rule "encode once, write to every socket": with context
 * takeover a message's compressed bytes depend on everything that socket carried before, so
 * ws deflates the same pre-encoded JSON once per socket (in zlib's thread pool, 10 at a time
 * per process) and holds a deflate context (up to 256 KiB) per connection, plus an inflate
 * context for what clients send. Every message is compressed, whatever its size: ws's
 * 1,024-byte threshold applies only without context takeover.
 */
import { TECHNIQUE_META } from '../../core/techniques.ts';
import type { ServerTechnique } from './types.ts';
import { webSocketHandler } from './websocket.ts';

export default {
  id: 'websocket-deflate',
  create: webSocketHandler({ perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false } }),
  demo: {
    wire: `new WebSocket('ws://host${TECHNIQUE_META['websocket-deflate'].path}'), permessage-deflate`,
    how: 'The same WebSocket, but the browser’s offer of permessage-deflate is accepted: each frame carries the message compressed against everything sent on this socket before, so repeated words cost a few bits. The server compresses every message once per socket.',
  },
} satisfies ServerTechnique;
