/** IPC between the capacity probe (run/capacity.ts) and its load processes (load/poll-load-main.ts). */
import type { PollLoadSample, PollLoadSpec } from './poll-load.ts';

export type ProbeToLoad =
  | { type: 'start'; spec: PollLoadSpec /** Open loop: monotonic µs of the schedule's start; null = now. */; startAt: number | null }
  | { type: 'sample'; id: number }
  | { type: 'stop' }
  | { type: 'close' };

export type LoadToProbe =
  | { type: 'started' }
  | { type: 'sample'; id: number; sample: PollLoadSample }
  | { type: 'stopped' }
  | { type: 'fatal'; message: string };
