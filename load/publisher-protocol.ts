/** IPC messages between the runner and the publisher child process (load/publisher-main.ts). */
import type { PublishSpec } from '../core/targets.ts';
import type { ClientBytes } from '../core/socket-counter.ts';

/** What the publisher posts, and where. */
export interface PublisherSpec {
  /** `http://host:port` of the target. */
  origin: string;
  publish: PublishSpec;
  /** Size of each message's `data` string. */
  payloadBytes: number;
}

/** The open-loop schedule: message i is due at `firstAt + i / rate`; publishing stops at `until`. Times are monotonic µs. */
export interface PublishSchedule {
  rate: number;
  firstAt: number;
  until: number;
  /** The measured window: publishes scheduled in [startT, endT) are counted. */
  startT: number;
  endT: number;
}

export interface PublisherResult {
  /** Publishes scheduled in the window, sent. */
  sent: number;
  /** Of those, answered with an accepted status. */
  accepted: number;
  /** Of those, refused (another status or an error). */
  refused: number;
  /** Encoded HDR histogram of the round trips (µs) of the publishes in the window. */
  roundTrip: string;
  /** Largest delay of a publish behind its scheduled time, µs. */
  maxLateMicros: number;
  /** Local ports of every connection the publisher opened: its sockets are left out of the kernel's count. */
  localPorts: number[];
  bytes: ClientBytes;
}

export type RunnerToPublisher =
  | { type: 'start'; spec: PublisherSpec }
  | { type: 'schedule'; schedule: PublishSchedule }
  | { type: 'ports' }
  | { type: 'collect' }
  | { type: 'close' };

export type PublisherToRunner =
  | { type: 'ready' }
  | { type: 'ports'; localPorts: number[] }
  | { type: 'result'; result: PublisherResult }
  /** Sent at once on the first refused publish, so that the runner fails the technique within seconds. */
  | { type: 'refused'; message: string }
  | { type: 'closed' }
  | { type: 'fatal'; message: string };
