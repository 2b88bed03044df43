/**
 * The shape of a header profile: the header lines a client sends per kind of request and,
 * optionally, the response lines pushbench's server writes on poll answers. load/headers.ts
 * builds the bundled profiles and reads the user's files; the shape is here, at the bottom,
 * because a load generator's IPC spec (core/ipc.ts) carries a profile whole.
 */

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The bundled profiles, in the order help texts list them: the one list that load/headers.ts
 * builds, the results schema describes and `--headers` accepts. A `--headers FILE` profile is
 * named `file:NAME` instead.
 */
export const BUILTIN_PROFILE_NAMES = ['browser', 'browser-cookie', 'minimal', 'kaazing-2010'] as const;
export type BuiltinProfileName = (typeof BUILTIN_PROFILE_NAMES)[number];

/** What each bundled profile is, in a few words (the `--headers` help). */
export const BUILTIN_PROFILE_SUMMARIES: Readonly<Record<BuiltinProfileName, string>> = {
  browser: 'what Chromium sends, captured',
  'browser-cookie': 'the same with a 174-byte cookie',
  minimal: 'what the HTTP client sends',
  'kaazing-2010': 'the 2010 example, response lines too',
};

/** The kinds of request a client makes, each with its own header list. */
export const REQUEST_KINDS = ['poll', 'longPoll', 'eventSource', 'publish', 'upgrade'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** The header sets of one profile, per kind of request a client makes. */
export interface HeaderProfile {
  /** One of BUILTIN_PROFILE_NAMES, or `file:NAME` for a `--headers FILE`. */
  readonly name: string;
  /** Where the set came from, in one sentence (the report shows it). */
  readonly source: string;
  /** Whether the requests carry a cookie. */
  readonly cookie: boolean;
  /** A poll (a fetch() of JSON). */
  readonly poll: HeaderList;
  /** A long poll (the same fetch(), held by the server). */
  readonly longPoll: HeaderList;
  /** The GET that opens an event stream (what EventSource sends). */
  readonly eventSource: HeaderList;
  /** POST /publish (a fetch() with a JSON body; content-length is added by the client). */
  readonly publish: HeaderList;
  /**
   * A WebSocket upgrade request (the client adds Sec-WebSocket-Key, -Version, Connection,
   * Upgrade and Host itself). A `Sec-WebSocket-Extensions` line here is the client's
   * permessage-deflate offer: see wsUpgradeHeaders in load/headers.ts.
   */
  readonly upgrade: HeaderList;
  /**
   * Response lines pushbench's server writes on poll and long-poll answers instead of its
   * own (status line first, then these; `Content-Length` and `Date` get their real values,
   * Content-Length is added at the end when absent); null: the server's own lines.
   */
  readonly response: HeaderList | null;
}
