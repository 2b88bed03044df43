/** A generator process's spec for a test: broadcast at 1 msg/s, minimal headers; the test names what it measures. */
import type { GeneratorSpec } from '../../core/ipc.ts';
import { nowMicros } from '../../core/protocol.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';

export function broadcastSpec(
  fields: Pick<GeneratorSpec, 'technique' | 'origin' | 'toClient' | 'payloadBytes' | 'subscription'> & Partial<GeneratorSpec>,
): GeneratorSpec {
  return {
    fromClient: 0,
    workload: 'broadcast',
    roomSize: 1,
    startSeq: 0,
    intervalMs: 1000,
    holdMs: 1000,
    headers: HEADER_PROFILES.minimal,
    rate: 1,
    connectConcurrency: 8,
    notBeforeT: nowMicros(),
    ...fields,
  };
}
