/** The registry of client drivers: adding a technique is a file and a line here. */
import type { TechniqueId } from '../../core/protocol.ts';
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
  /**
   * How long a published message may wait before the client can see it (polling: one
   * interval). The runner warms up at least this long, so every measured poll covers a
   * full interval of news, and drains this long after the window.
   */
  pickupMs(params: { intervalMs: number }): number;
}

export const DRIVERS: Readonly<Record<TechniqueId, DriverEntry>> = {
  polling: { create: createPollingDriver, socketsPerChatClient: 2, requestBased: true, pickupMs: (p) => p.intervalMs },
  longpoll: { create: createLongPollDriver, socketsPerChatClient: 2, requestBased: true, pickupMs: () => 0 },
  sse: { create: createSseDriver, socketsPerChatClient: 2, requestBased: false, pickupMs: () => 0 },
  websocket: { create: createWebSocketDriver, socketsPerChatClient: 1, requestBased: false, pickupMs: () => 0 },
};

export type { ClientDriver, DriverContext, DriverFactory } from './types.ts';
