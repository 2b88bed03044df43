/**
 * WebSocket client with permessage-deflate, offering it as current Chromium does
 * (`permessage-deflate; client_max_window_bits`, which is ws's default offer): frames arrive
 * compressed and are inflated by ws; the message handed over, and counted as payload, is the
 * uncompressed JSON, while the socket counter sees the compressed bytes. Chat messages go up
 * compressed with the client's own context.
 */
import type { DriverTechnique } from './types.ts';
import { webSocketDriver } from './websocket.ts';

export default {
  id: 'websocket-deflate',
  create: webSocketDriver('websocket-deflate', { perMessageDeflate: { clientNoContextTakeover: false, serverNoContextTakeover: false } }),
} satisfies DriverTechnique;
