/**
 * The one interface every technique's server side implements. The HTTP server routes
 * a technique's path to it and never asks which technique it holds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FeedRegistry } from '../feed.ts';
import type { SocketAccounting } from '../accounting.ts';
import type { HttpError, Query } from '../http-util.ts';
import type { TechniqueCounters } from '../../core/protocol.ts';
import type { TechniqueFile } from '../../core/techniques.ts';

/** What a technique handler may use from the server around it. */
export interface ServerContext {
  readonly feeds: FeedRegistry;
  readonly accounting: SocketAccounting;
  /** The TCP socket under a request, whatever the wire (TLS, HTTP/2): where bytes are counted (servers/transports.ts). */
  connectionOf(req: IncomingMessage): Socket;
  readonly holdMs: number;
  readonly maxMessageBytes: number;
  /** Response lines for poll and long-poll answers instead of the server's own (a header profile's), or null. */
  readonly responseHeaders: ReadonlyArray<readonly [string, string]> | null;
  /** Counts the rejection and answers it with a JSON error. */
  fail(res: ServerResponse, error: HttpError): void;
  /** Counts a rejection answered some other way (a WebSocket close code). */
  countRejection(kind: HttpError['kind']): void;
}

export interface TechniqueHandler {
  readonly counters: TechniqueCounters;
  /** Answers a GET on the technique's path. */
  handle(req: IncomingMessage, res: ServerResponse, query: Query): void;
  /** Takes over an HTTP Upgrade on the technique's path, if the technique upgrades. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, query: Query): void;
  /** Takes over an HTTP/2 extended CONNECT (RFC 8441) on the technique's path: the request's stream becomes the connection. */
  extendedConnect?(req: IncomingMessage, res: ServerResponse, query: Query): void;
  /** Releases held requests, open streams and timers. */
  close(): void;
}

export type TechniqueFactory = (ctx: ServerContext) => TechniqueHandler;

export function newCounters(): TechniqueCounters {
  return { requests: 0, emptyResponses: 0, messagesWritten: 0, open: 0 };
}

/** What the live demo page says about a technique in its pane (servers/demo-page.ts). */
export interface DemoPaneText {
  /** The request the browser client makes, shown as code. */
  readonly wire: string;
  /** How a message reaches the page, in plain words. */
  readonly how: string;
}

/** The default export of `servers/techniques/<id>.ts`: the technique's server side. */
export interface ServerTechnique extends TechniqueFile {
  readonly create: TechniqueFactory;
  readonly demo: DemoPaneText;
}
