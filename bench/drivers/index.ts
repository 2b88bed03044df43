/** The registry of client drivers: adding a technique is a file and a line here. */
import type { TechniqueId } from '../../servers/protocol.ts';
import { createLongPollDriver } from './longpoll.ts';
import { createPollingDriver } from './polling.ts';
import { createSseDriver } from './sse.ts';
import type { DriverFactory } from './types.ts';
import { createWebSocketDriver } from './websocket.ts';

export interface DriverEntry {
  create: DriverFactory;
  /** Sockets one client holds in the chat workload (HTTP techniques publish on a second connection). */
  socketsPerChatClient: number;
  /** True when the technique is made of requests (request counters apply). */
  requestBased: boolean;
}

export const DRIVERS: Readonly<Record<TechniqueId, DriverEntry>> = {
  polling: { create: createPollingDriver, socketsPerChatClient: 2, requestBased: true },
  longpoll: { create: createLongPollDriver, socketsPerChatClient: 2, requestBased: true },
  sse: { create: createSseDriver, socketsPerChatClient: 2, requestBased: false },
  websocket: { create: createWebSocketDriver, socketsPerChatClient: 1, requestBased: false },
};

export type { ClientDriver, DriverContext, DriverFactory } from './types.ts';
