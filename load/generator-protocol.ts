/** IPC messages between the runner and a load-generator child process. */
import type { TechniqueId } from '../core/protocol.ts';
import type { ClientLoadFields } from '../core/scenario-fields.ts';
import type { DeliveryCounts } from './delivery.ts';
import type { ClientBytes } from '../core/socket-counter.ts';

/**
 * What one generator process simulates: the scenario's client load (core/scenario-fields.ts;
 * in chat, client i is in room floor(i / roomSize) and `rate` is what each client publishes),
 * and which clients of which technique against which origin.
 */
export interface GeneratorSpec extends ClientLoadFields {
  technique: TechniqueId;
  origin: string;
  /** Client ids [from, to) this process simulates. */
  fromClient: number;
  toClient: number;
  /** Broadcast: the seq clients start after. Chat rooms start at 0. */
  startSeq: number;
  /** Connections opened at once while connecting. */
  connectConcurrency: number;
}

export interface GeneratorWindowResult {
  counts: DeliveryCounts;
  /** Encoded HDR histogram of latencies (µs). */
  histogram: string;
  /** Client bytes between the window's start and end snapshots. */
  bytes: ClientBytes;
  /** Actual time between the two snapshots (µs). */
  windowMicros: number;
  requests: { total: number; empty: number; late: number };
  /** Upstream message bodies sent in the window (chat), and their bytes. */
  sent: number;
  sentPayload: number;
  errors: { count: number; first: string[] };
}

export type RunnerToGenerator =
  | { type: 'start'; spec: GeneratorSpec }
  | { type: 'window'; startT: number; endT: number; beginAt: number; publishUntil: number | null }
  | { type: 'collect' }
  | { type: 'close' };

export type GeneratorToRunner =
  | { type: 'connected'; connected: number; failed: number; firstError: string | null; errorCode: string | null }
  | { type: 'result'; result: GeneratorWindowResult }
  | { type: 'closed'; totals: ClientBytes }
  | { type: 'fatal'; message: string }
  /** A client met an answer that refuses it (error status, refused connection, rejected handshake): sent once, at once. */
  | { type: 'refused'; message: string };
