/** The registry of server-side techniques: adding one is a file and a line here. */
import type { TechniqueId } from '../../core/protocol.ts';
import { createLongPollHandler } from './longpoll.ts';
import { createPollingHandler } from './polling.ts';
import { createSseHandler } from './sse.ts';
import type { TechniqueFactory } from './types.ts';
import { createWebSocketHandler } from './websocket.ts';

export const SERVER_TECHNIQUES: Readonly<Record<TechniqueId, TechniqueFactory>> = {
  polling: createPollingHandler,
  longpoll: createLongPollHandler,
  sse: createSseHandler,
  websocket: createWebSocketHandler,
};

export { createPublishHandler } from './publish.ts';
export type { ServerContext, TechniqueFactory, TechniqueHandler } from './types.ts';
