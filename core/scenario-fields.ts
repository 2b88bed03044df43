/**
 * Field groups that several configs share, declared once here (low enough for every layer to
 * import) and composed where they are used, so that a field's name, unit and meaning cannot drift
 * between `pushbench serve`'s config, the server's options and the server child's spawn options,
 * or between `pushbench run`'s config, the scenario parameters in results.json and a load
 * generator's spec.
 */
import type { TechniqueId } from './protocol.ts';
import type { ScenarioParams } from './results.ts';

/** What a feed server serves: `ServeConfig`, `ServerOptions` and `ServerProcessOptions` are made of these. */
export interface FeedServerFields {
  readonly techniques: readonly TechniqueId[];
  /** Broadcast messages per second published from start; 0 publishes nothing until asked. */
  readonly rate: number;
  /** Size of each message's `data` string in bytes. */
  readonly payloadBytes: number;
  /** Long-poll hold timeout. */
  readonly holdMs: number;
  /** Recent messages kept for clients catching up from `since`. */
  readonly ringSize: number;
  /** Chat rooms 0..rooms-1 the server holds; any other room is refused (0: broadcast only). */
  readonly rooms: number;
  /** Bytes all message rings together may keep (servers/feed.ts `retainedBytes`), shared by the broadcast feed and the rooms. */
  readonly ringBytes: number;
  /** Largest upstream message (POST body or WebSocket frame) the server accepts. */
  readonly maxMessageBytes: number;
}

/** Where a server listens. */
export interface ListenFields {
  readonly host: string;
  /** 0 = any free port. */
  readonly port: number;
}

/**
 * The load each client applies, as results.json records it in ScenarioParams: `RunConfig` and
 * the load generator's `GeneratorSpec` pick these from the contract instead of redeclaring them.
 */
export type ClientLoadFields = Pick<
  ScenarioParams,
  'workload' | 'rate' | 'payloadBytes' | 'intervalMs' | 'holdMs' | 'headers' | 'roomSize'
>;

/** The measured window of a scenario and the warm-up before it. */
export type WindowFields = Pick<ScenarioParams, 'durationMs' | 'warmupMs'>;
