/**
 * A keep-alive HTTP/1.1 connection on undici's `Client`, for SSE streams and the chat
 * workload's POSTs. Requests go through `dispatch` with a plain handler object: no
 * stream or promise per chunk. (Repeated poll GETs use keepalive-get.ts.)
 */
import { Client } from 'undici';
import type { SecureDial, SocketCounter } from '../core/socket-counter.ts';

export interface HttpResponse {
  status: number;
  body: Buffer;
}

export interface StreamHandlers {
  /** The response started: its status, reason phrase and head (status line and header lines as received). */
  onStart(status: number, reason: string, head: string): void;
  onChunk(chunk: Buffer): void;
  onEnd(error: Error | null): void;
  /**
   * The request waits for a connection: the simulated browser has all its connections to the
   * origin busy (HTTP/1.1 allows 6 per origin, load/wire-clients.ts `browsers`); onStart follows
   * once one is free, if ever. EventSource is then in CONNECTING state.
   */
  onQueued?(): void;
}

const EMPTY = Buffer.alloc(0);

export class HttpConnection {
  private readonly client: Client;

  /** `secure`: TLS over the connection (the `https` wire), or null for cleartext. */
  constructor(origin: string, counter: SocketCounter, timeoutMs: number, secure: SecureDial | null = null) {
    this.client = new Client(origin, {
      connect: counter.undiciConnector(secure),
      pipelining: 1,
      keepAliveTimeout: 600_000,
      keepAliveMaxTimeout: 600_000,
      // A held long poll or an SSE stream is silent for long stretches: only the caller decides when to give up.
      headersTimeout: timeoutMs,
      bodyTimeout: 0,
    });
    // Connection errors surface on the request; this keeps an idle socket's reset from throwing.
    this.client.on('connectionError', () => {});
  }

  /** Sends a request and buffers the whole response body. */
  request(method: 'GET' | 'POST' | 'PUT', path: string, headers: string[], body?: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let status = 0;
      this.client.dispatch(
        { method, path, headers, body },
        {
          onConnect() {},
          onHeaders(statusCode: number) {
            status = statusCode;
            return true;
          },
          onData(chunk: Buffer) {
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            resolve({ status, body: chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
          },
          onError: reject,
        },
      );
    });
  }

  /** Opens a streaming response (SSE): chunks are handed over as they arrive. */
  stream(path: string, headers: string[], handlers: StreamHandlers, method: 'GET' | 'POST' = 'GET'): void {
    this.client.dispatch(
      // A POST without a body (SockJS's xhr_streaming) goes with content-length: 0, as an XHR's does.
      { method, path, headers, ...(method === 'POST' ? { body: '' } : {}) },
      {
        onConnect() {},
        onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string) {
          handlers.onStart(statusCode, statusText ?? '', responseHead(statusCode, statusText ?? '', rawHeaders));
          return true;
        },
        onData(chunk: Buffer) {
          handlers.onChunk(chunk);
          return true;
        },
        onComplete() {
          handlers.onEnd(null);
        },
        onError(error: Error) {
          handlers.onEnd(error);
        },
      },
    );
  }

  /** Closes at once, abandoning anything in flight (a held long poll never ends by itself). */
  async destroy(): Promise<void> {
    await this.client.destroy().catch(() => {});
  }
}

/** A response head from undici's raw headers: the status line and each header line, names and values as received. */
export function responseHead(status: number, reason: string, rawHeaders: ReadonlyArray<Buffer | string>): string {
  let head = `HTTP/1.1 ${status}${reason === '' ? '' : ` ${reason}`}`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `\r\n${rawHeaders[i]!.toString()}: ${rawHeaders[i + 1]!.toString()}`;
  return head;
}
