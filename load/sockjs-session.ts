/**
 * SockJS (sockjs-node 0.3, the protocol sockjs-client 1.x speaks) at the client seam, as
 * load/sessions.ts speaks Engine.IO: a `ClientTab` whose connections speak SockJS over the
 * wire's own, so the drivers stay what they are.
 *
 * Every client first asks `GET PREFIX/info` (`{"websocket":true,...}`), then opens its session
 * at `PREFIX/{server}/{session}/TRANSPORT` (a 3-digit server id and a random session id of its
 * own; the target path's query, e.g. `?room=4`, goes after it). Frames, the same on every
 * transport: `o` (open), `h` (heartbeat), `a["...", ...]` (messages, each a JSON-encoded
 * string) and `c[code,"reason"]` (close). Transports:
 * - `websocket` (the websocket row): a frame per WebSocket text frame; sockjs-node 0.3 sends its
 *   heartbeat as a WebSocket ping (answered by a pong) rather than `h`; the client sends `["..."]`.
 * - `eventsource` (the sse row): `GET .../eventsource`, a `\r\n` prelude, then `data: FRAME\r\n\r\n`.
 * - `xhr_streaming` (the sse row too: pushbench has no separate streaming row): `POST
 *   .../xhr_streaming`, a 2049-byte prelude (2048 `h` and `\n`, setup), then `FRAME\n`.
 * - `xhr` (the longpoll row): `POST .../xhr` answers `o\n` at once, then each POST is held until
 *   a frame is due and answers it: `a[...]\n`, `h\n` after the heartbeat delay, or `c[...]\n`.
 * A stream the server ends once it has written its response limit (128 KiB by default) is
 * reopened on the same session, as sockjs-client does.
 *
 * Only `a[...]` frames reach the driver, whole: pushbench's stamp is found inside them (escaped,
 * as in any JSON string), and what surrounds the message JSON (`a["`, the escapes, `"]`, the
 * `\n` of the xhr transports) is the framework's envelope; the SSE and WebSocket framing around
 * a frame is the technique's. Heartbeats and the connect flow are counted here (SessionTally).
 * A `c[code,"reason"]` frame fails the technique, naming SockJS's code and reason.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { TargetRefusedError } from '../core/errors.ts';
import { chunkFramingBytes } from '../core/protocol.ts';
import type { ClientBytes, SocketCounter } from '../core/socket-counter.ts';
import { SOCKJS_URL_SEGMENTS, type SockJsTransport } from '../core/targets.ts';
import { flatHeaders } from './headers.ts';
import type { GetResponse } from './keepalive-get.ts';
import type { StreamHandlers } from './http-connection.ts';
import type { SessionContext } from './sessions.ts';
import { onRefusedHandshake, type ClientTab, type GetChannel, type RequestChannel } from './wire-clients.ts';

/** What sessions.ts lends this adapter (its per-client counter and helpers), passed in to keep the import one way. */
export interface SockJsParts {
  readonly counter: SocketCounter;
  readonly tab: ClientTab;
  readonly delta: (counter: SocketCounter, before: ClientBytes) => ClientBytes;
  readonly wsFrameBytes: (length: number, masked: boolean) => number;
}

/** xhr_streaming's prelude: 2048 `h` and a newline, so that old browsers start handing the body over. */
export const SOCKJS_XHR_STREAMING_PRELUDE_BYTES = 2049;

/** How long /info may take before the client gives up naming it. */
const INFO_TIMEOUT_MS = 5000;
const EMPTY = Buffer.alloc(0);
const SESSION_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `/{server}/{session}` as sockjs-client makes them: a server id of 3 digits, a session id of 8 random characters. */
export function sockJsSessionSegment(): string {
  const bytes = randomBytes(8);
  let session = '';
  for (const b of bytes) session += SESSION_ID_ALPHABET[b % SESSION_ID_ALPHABET.length];
  return `/${String(randomInt(1000)).padStart(3, '0')}/${session}`;
}

/** A target path (`/sockjs?room=4`) split into the prefix and the query that follows every SockJS URL. */
export function splitSockJsPath(path: string): { prefix: string; query: string } {
  const at = path.indexOf('?');
  const pathname = at === -1 ? path : path.slice(0, at);
  return { prefix: pathname.replace(/\/+$/, ''), query: at === -1 ? '' : path.slice(at) };
}

/**
 * The close frame `c[3000,"Go away!"]` as an error naming SockJS's code and reason; `2010`
 * ("Another connection still open") and `1002` are sockjs-node's own, others the application's.
 */
export function sockJsCloseError(frame: string, where: string): TargetRefusedError {
  let named = frame.slice(0, 200);
  try {
    const [code, reason] = JSON.parse(frame.slice(1)) as [unknown, unknown];
    if (typeof code === 'number') named = `code ${code} ${JSON.stringify(String(reason ?? ''))} (${frame.slice(0, 200)})`;
  } catch {
    // a malformed close frame is quoted as it came
  }
  return new TargetRefusedError(`sockjs: the server closed the session on ${where}: ${named}`);
}

/** A refused exchange: the status and the start of the answer (sockjs-node's `404 Error: Page not found`). */
function refused(what: string, status: number, body: Buffer): TargetRefusedError {
  const text = body.length === 0 ? '(empty body)' : body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return new TargetRefusedError(`sockjs: ${what} answered ${status}: ${text}`);
}

/** Checks /info's answer; for the websocket transport, that the server offers it. */
function checkInfo(path: string, status: number, body: Buffer, transport: SockJsTransport): void {
  if (status !== 200) throw refused(`GET ${path}`, status, body);
  const text = body.toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw new TargetRefusedError(
      `sockjs: GET ${path} answered no JSON (a SockJS server answers {"websocket":...}): ${body.subarray(0, 120)}`,
    );
  }
  if (transport === 'ws' && /"websocket"\s*:\s*false/.test(text))
    throw new TargetRefusedError(`sockjs: GET ${path} answered "websocket": false: the server offers no websocket transport`);
}

/** A tab that speaks SockJS's `transport` over the wire's own tab. */
export function sockJsTab(transport: SockJsTransport, ctx: SessionContext, parts: SockJsParts): ClientTab {
  const { tab } = parts;
  return {
    gets: (headers, capture, attribution) => new XhrPolling(tab.gets(headers, capture, attribution), ctx),
    requests: (timeoutMs) => {
      const inner = tab.requests(timeoutMs);
      if (transport !== 'eventsource' && transport !== 'xhr_streaming') return inner;
      let stream: SockJsStream | undefined;
      return {
        request: (method, path, headers, body) => inner.request(method, path, headers, body),
        stream: (path, headers, handlers) => {
          stream = new SockJsStream(inner, transport, path, headers, handlers, ctx, parts);
          void stream.start();
        },
        destroy: () => {
          stream?.stop();
          return inner.destroy();
        },
      };
    },
    openWebSocket: (url, protocols, options) => new SockJsSocket(url, protocols, options, ctx, parts) as unknown as WebSocket,
  };
}

/** `xhr` polling as a GetChannel: connect() asks /info and opens the session (`o`); each get() is one held POST, handing back `a[...]` frames alone. */
class XhrPolling implements GetChannel {
  private base = '';
  private query = '';

  constructor(
    private readonly inner: GetChannel,
    private readonly ctx: SessionContext,
  ) {}

  private poll(path: string, extraHeaders = ''): Promise<GetResponse> {
    if (this.inner.xhrPost === undefined)
      return Promise.reject(new TargetRefusedError('sockjs: xhr polling needs HTTP/1.1 (its POSTs are answered as held polls)'));
    return this.inner.xhrPost(path, '', extraHeaders);
  }

  async connect(): Promise<void> {
    await this.inner.connect();
    const { prefix, query } = splitSockJsPath(this.ctx.pollPath);
    this.query = query;
    const infoPath = `${prefix}/info${query}`;
    const info = await this.inner.get(infoPath);
    checkInfo(infoPath, info.status, info.body, 'xhr');
    this.ctx.tally.step('info: GET /info', info.bytes.up, info.bytes.down);
    this.base = `${prefix}${sockJsSessionSegment()}${SOCKJS_URL_SEGMENTS.xhr}`;
    const path = `${this.base}${query}`;
    const open = await this.poll(path);
    if (open.status !== 200) throw refused(`POST ${path}`, open.status, open.body);
    const frame = open.body.toString('latin1').replace(/\n$/, '');
    if (frame.startsWith('c')) throw sockJsCloseError(frame, `POST ${path}`);
    if (frame !== 'o')
      throw new TargetRefusedError(`sockjs: POST ${path} answered no open frame o, found ${JSON.stringify(frame.slice(0, 80))}`);
    this.ctx.tally.step('xhr: POST (o open)', open.bytes.up, open.bytes.down);
    this.ctx.tally.connected();
  }

  /** One held poll: a heartbeat `h` is counted and handed back empty; a close frame refuses. */
  async get(_path: string, extraHeaders = ''): Promise<GetResponse> {
    const path = `${this.base}${this.query}`;
    const response = await this.poll(path, extraHeaders);
    if (response.status !== 200) throw refused(`POST ${path}`, response.status, response.body);
    const first = response.body[0];
    // a: messages, handed over whole (the trailing \n is the framework's, counted in its envelope).
    if (first === 0x61) return response;
    const frame = response.body.toString('latin1').replace(/\n$/, '');
    if (frame === 'h') {
      // The heartbeat is the whole exchange: the POST it answered and its answer.
      this.ctx.tally.heartbeat(response.bytes.up, response.bytes.down);
      return { ...response, body: EMPTY };
    }
    if (frame.startsWith('c')) throw sockJsCloseError(frame, `POST ${path}`);
    // `o` again: the server forgot the session (the client was away past its disconnect delay, 5 s) and opened a new one.
    throw new TargetRefusedError(
      `sockjs: POST ${path} answered ${JSON.stringify(frame.slice(0, 80))} where a held poll answers a[...], h or c[...]`,
    );
  }

  destroy(): void {
    this.inner.destroy();
  }

  close(timeoutMs: number): Promise<void> {
    return this.inner.close(timeoutMs);
  }
}

/**
 * `eventsource` or `xhr_streaming` behind the RequestChannel's stream(): /info on the same
 * connection, then the session's stream; the driver's onStart waits for `o`, and its SSE parser
 * gets each `a[...]` frame as `data: FRAME\n\n`.
 */
class SockJsStream {
  private stopped = false;
  private finished = false;
  private opened = false;
  private chunked = false;
  private buffer = '';
  private preludeLeft = 0;
  private path = '';
  /** The stream's 200 answer, handed to the driver once `o` arrives (the driver is connected then). */
  private answer: { status: number; reason: string; head: string } | null = null;
  /** A refusing answer's status, body and end go to the driver as they are (it names them). */
  private passThrough = false;

  constructor(
    private readonly inner: RequestChannel,
    private readonly transport: 'eventsource' | 'xhr_streaming',
    private readonly targetPath: string,
    private readonly headers: string[],
    private readonly handlers: StreamHandlers,
    private readonly ctx: SessionContext,
    private readonly parts: SockJsParts,
  ) {}

  private get method(): 'GET' | 'POST' {
    return this.transport === 'eventsource' ? 'GET' : 'POST';
  }

  async start(): Promise<void> {
    const { prefix, query } = splitSockJsPath(this.targetPath);
    const infoPath = `${prefix}/info${query}`;
    const before = this.parts.counter.totals();
    try {
      const info = await withTimeout(
        this.inner.request('GET', infoPath, flatHeaders(this.ctx.getHeaders)),
        INFO_TIMEOUT_MS,
        `GET ${infoPath}`,
      );
      checkInfo(infoPath, info.status, info.body, this.transport);
    } catch (error) {
      this.end(error as Error);
      return;
    }
    const info = this.parts.delta(this.parts.counter, before);
    this.ctx.tally.step('info: GET /info', info.up, info.down);
    this.path = `${prefix}${sockJsSessionSegment()}${SOCKJS_URL_SEGMENTS[this.transport]}${query}`;
    this.open();
  }

  /** Opens (or, after the server's response limit, reopens) the session's stream. */
  private open(): void {
    if (this.stopped) return;
    const before = this.parts.counter.totals();
    this.buffer = '';
    this.preludeLeft = this.transport === 'xhr_streaming' ? SOCKJS_XHR_STREAMING_PRELUDE_BYTES : 2;
    // xhr_streaming is an XHR: the profile's XHR-like headers, not an EventSource's accept line.
    const headers = this.transport === 'eventsource' ? this.headers : flatHeaders(this.ctx.getHeaders);
    this.inner.stream(
      this.path,
      headers,
      {
        onQueued: () => this.handlers.onQueued?.(),
        onStart: (status, reason, head) => {
          if (status !== 200) {
            this.passThrough = true;
            this.handlers.onStart(status, reason, head);
            return;
          }
          this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
          this.answer ??= { status, reason, head };
        },
        onChunk: (chunk) => {
          if (this.passThrough) this.handlers.onChunk(chunk);
          else if (!this.finished) this.read(chunk, before);
        },
        onEnd: (error) => {
          if (this.passThrough) {
            this.handlers.onEnd(error);
            return;
          }
          if (this.finished) return;
          if (error !== null || this.stopped) this.end(error);
          else if (!this.opened) this.end(new TargetRefusedError(`sockjs: ${this.method} ${this.path} ended before the open frame o`));
          // The server ended the response at its limit: the session goes on in a new one, as sockjs-client reopens it.
          else this.open();
        },
      },
      this.method,
    );
  }

  private read(chunk: Buffer, before: ClientBytes): void {
    let text = chunk.toString('latin1');
    if (this.preludeLeft > 0) {
      const take = Math.min(this.preludeLeft, text.length);
      this.preludeLeft -= take;
      text = text.slice(take);
    }
    this.buffer += text;
    const separator = this.transport === 'eventsource' ? '\r\n\r\n' : '\n';
    for (let at = this.buffer.indexOf(separator); at !== -1 && !this.finished; at = this.buffer.indexOf(separator)) {
      const raw = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + separator.length);
      const frame = this.transport === 'eventsource' ? raw.replace(/^data: /, '') : raw;
      this.frame(frame, raw.length + separator.length, before);
    }
  }

  /** One frame; `wireBytes`: what it took in the body (its SSE event, or its line). */
  private frame(frame: string, wireBytes: number, before: ClientBytes): void {
    const kind = frame[0];
    if (kind === 'a') {
      // The driver's SSE parser hands `a[...]` on whole; xhr_streaming's newline is the framework's envelope, counted here.
      this.handlers.onChunk(Buffer.from(`data: ${frame}\n\n`, 'latin1'));
      if (this.transport === 'xhr_streaming') this.ctx.tally.addEnvelope(1, 0);
    } else if (kind === 'h') {
      // Each frame is one write, so one chunk of its own on a chunked response.
      this.ctx.tally.heartbeat(0, wireBytes + (this.chunked ? chunkFramingBytes(wireBytes) : 0));
    } else if (kind === 'o' && !this.opened) {
      this.opened = true;
      const all = this.parts.delta(this.parts.counter, before);
      if (this.transport === 'xhr_streaming') {
        const prelude = SOCKJS_XHR_STREAMING_PRELUDE_BYTES + (this.chunked ? chunkFramingBytes(SOCKJS_XHR_STREAMING_PRELUDE_BYTES) : 0);
        this.ctx.tally.step('xhr_streaming: POST (head, o open)', all.up, all.down - prelude);
        this.ctx.tally.step('xhr_streaming: 2049-byte h prelude', 0, prelude);
      } else this.ctx.tally.step('eventsource: GET (head, \\r\\n prelude, o open)', all.up, all.down);
      this.ctx.tally.connected();
      const answer = this.answer!;
      this.handlers.onStart(answer.status, answer.reason, answer.head);
    } else if (kind === 'c') {
      this.end(sockJsCloseError(frame, `${this.method} ${this.path}`));
    } else if (kind !== 'o') {
      this.end(new TargetRefusedError(`sockjs: ${this.method} ${this.path} sent an unknown frame ${JSON.stringify(frame.slice(0, 80))}`));
    }
  }

  private end(error: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    this.handlers.onEnd(error);
  }

  stop(): void {
    this.stopped = true;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new TargetRefusedError(`sockjs: ${what} got no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * The websocket transport behind the `ws` WebSocket interface the driver uses: /info on a
 * connection of its own (closed once answered, as a browser's idle one soon is), then the
 * session's WebSocket; 'open' on `o`, 'message' for `a[...]` frames only; send() frames the
 * message as SockJS does (`["..."]`).
 */
class SockJsSocket extends EventEmitter {
  private inner: WebSocket | undefined;
  private opened = false;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly protocols: string[],
    private readonly options: WebSocket.ClientOptions,
    private readonly ctx: SessionContext,
    private readonly parts: SockJsParts,
  ) {
    super();
    void this.start();
  }

  get readyState(): number {
    if (this.closed) return WebSocket.CLOSED;
    if (!this.opened || this.inner === undefined) return WebSocket.CONNECTING;
    return this.inner.readyState;
  }

  private fail(error: Error): void {
    this.closed = true;
    this.emit('error', error);
    this.emit('close', 1006, EMPTY);
  }

  private async start(): Promise<void> {
    const parsed = new URL(this.url);
    const { prefix, query } = splitSockJsPath(`${parsed.pathname}${parsed.search}`);
    const infoPath = `${prefix}/info${query}`;
    const { counter, delta } = this.parts;
    const before = counter.totals();
    const channel = this.parts.tab.requests(INFO_TIMEOUT_MS);
    try {
      const info = await withTimeout(
        channel.request('GET', infoPath, flatHeaders(this.ctx.getHeaders)),
        INFO_TIMEOUT_MS,
        `GET ${infoPath}`,
      );
      checkInfo(infoPath, info.status, info.body, 'ws');
    } catch (error) {
      await channel.destroy();
      this.fail(error as Error);
      return;
    }
    await channel.destroy();
    const info = delta(counter, before);
    this.ctx.tally.step('info: GET /info', info.up, info.down);
    if (this.closed) return;
    this.open(`${parsed.protocol}//${parsed.host}${prefix}${sockJsSessionSegment()}${SOCKJS_URL_SEGMENTS.ws}${query}`);
  }

  private open(url: string): void {
    const { counter, delta, wsFrameBytes } = this.parts;
    const before = counter.totals();
    const ws = this.parts.tab.openWebSocket(url, this.protocols, this.options);
    this.inner = ws;
    ws.on('upgrade', (response) => this.emit('upgrade', response));
    onRefusedHandshake(ws, (status, body) => {
      this.closed = true;
      this.emit('error', refused(`WebSocket handshake GET ${url}`, status, body));
    });
    ws.on('error', (error) => this.emit('error', error));
    ws.on('close', (code, reason) => {
      this.closed = true;
      this.emit('close', code, reason);
    });
    // sockjs-node's heartbeat on a WebSocket: an empty ping, which ws answers with an empty (masked) pong.
    ws.on('ping', (data: Buffer) => this.ctx.tally.heartbeat(wsFrameBytes(data.length, true), wsFrameBytes(data.length, false)));
    ws.on('message', (data: Buffer) => {
      const kind = data[0];
      if (kind === 0x61) {
        this.emit('message', data);
        return;
      }
      const frame = data.toString('utf8');
      if (kind === 0x68) this.ctx.tally.heartbeat(0, wsFrameBytes(data.length, false));
      else if (kind === 0x6f && !this.opened) {
        const all = delta(counter, before);
        const openFrame = wsFrameBytes(data.length, false);
        this.ctx.tally.step('websocket: HTTP upgrade (101)', all.up, all.down - openFrame);
        this.ctx.tally.step('websocket: o (open)', 0, openFrame);
        this.opened = true;
        this.ctx.tally.connected();
        this.emit('open');
      } else if (kind === 0x63) {
        this.emit('error', sockJsCloseError(frame, `WebSocket ${url}`));
        ws.close(1000);
      }
    });
  }

  /** Sends `data` as SockJS's client does: an array of one JSON-encoded string. */
  send(data: string, callback?: (error?: Error) => void): void {
    if (this.inner === undefined) {
      callback?.(new Error('sockjs: not connected'));
      return;
    }
    this.inner.send(`[${JSON.stringify(data)}]`, callback);
  }

  close(code?: number): void {
    if (this.inner === undefined) {
      this.closed = true;
      this.emit('close', 1000, EMPTY);
      return;
    }
    this.inner.close(code);
  }

  terminate(): void {
    if (this.inner === undefined) this.closed = true;
    this.inner?.terminate();
  }
}
