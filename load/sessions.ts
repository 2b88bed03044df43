/**
 * Framework session protocols at the client seam: a `ClientTab` (load/wire-clients.ts) that
 * speaks a framework's protocol over the wire's own tab, so the drivers stay what they are (the
 * long-polling driver polls, the WebSocket driver reads frames) and never ask which framework
 * they talk to. One adapter per protocol, as undici has one connector per HTTP version.
 *
 * Engine.IO v4 (Socket.IO 4), with the Socket.IO namespace `/`:
 * - polling transport (pushbench's `longpoll`): `GET PATH` answers the open packet
 *   `0{"sid",...,"pingInterval","pingTimeout","maxPayload"}`; the client POSTs `40` (namespace
 *   connect) and polls `GET PATH&sid=SID` until `40{"sid":...}`; every later GET is held until
 *   packets are due and answers them joined by U+001E. A ping `2` is answered by a POST `3`.
 * - websocket transport (`websocket`): `transport=websocket` directly; the first frame is the open
 *   packet, the client sends `40`, the server answers `40{...}`; pings and pongs are frames.
 * - the default flow (`upgrade: true`): polling as above, then a WebSocket with the sid, `2probe`
 *   answered `3probe`, a last poll that the server ends with a noop `6`, and `5` (upgrade).
 *
 * SockJS is the sibling load/sockjs-session.ts, reached through sessionTab as this is.
 *
 * Only event packets (`42[...]`) reach the driver: pushbench's stamp is found inside them as in
 * any envelope. Pings, pongs, noops and the connect flow are counted here (SessionTally), and are
 * overhead in the byte split, as the envelope around each message is.
 */
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { TargetRefusedError } from '../core/errors.ts';
import type { SessionResult } from '../core/results.ts';
import { SocketCounter, type ByteAttribution, type ClientBytes } from '../core/socket-counter.ts';
import { ENGINE_IO_SEPARATOR, SOCKJS_URL_SEGMENTS, type SessionProtocol } from '../core/targets.ts';
import { flatHeaders, type HeaderList } from './headers.ts';
import type { GetResponse } from './keepalive-get.ts';
import { onRefusedHandshake, type ClientTab, type GetChannel, type RequestChannel } from './wire-clients.ts';
import { sockJsTab } from './sockjs-session.ts';
import type net from 'node:net';

/** Counts one client's sockets on its own and in the generator's counter, so a connect flow's steps are that client's bytes alone. */
class ClientCounter extends SocketCounter {
  constructor(private readonly parent: SocketCounter) {
    // The same source address as the generator's counter (clients spread over 127.0.0.x).
    super(parent.localAddress);
  }

  override track(socket: net.Socket, attribution: ByteAttribution = 'snapshot'): void {
    super.track(socket, attribution);
    this.parent.track(socket, attribution);
  }
}

/** Bytes of one unmasked (server to client) or masked (client to server) WebSocket frame with a `length`-byte payload (RFC 6455 §5.2). */
export function wsFrameBytes(length: number, masked: boolean): number {
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  return header + (masked ? 4 : 0) + length;
}

/** A generator's tally of what the session protocol added: heartbeats and envelope in the window, the connect flow over the whole run. */
export class SessionTally {
  private heartbeats = 0;
  private readonly heartbeatBytes = { up: 0, down: 0 };
  private envelope = 0;
  private envelopeMessages = 0;
  private clients = 0;
  private readonly steps = new Map<string, { up: number; down: number }>();

  /** `counting`: whether the measured window is open now (the delivery recorder's flag). */
  constructor(
    private readonly protocol: SessionProtocol,
    private readonly transport: string,
    private readonly counting: () => boolean,
  ) {}

  /** One ping answered with a pong, with the bytes both took. */
  heartbeat(up: number, down: number): void {
    if (!this.counting()) return;
    this.heartbeats++;
    this.heartbeatBytes.up += up;
    this.heartbeatBytes.down += down;
  }

  /** Down bytes the framework wrapped around `messages` delivered messages (separators here, with none; the packets' own envelope from the generator, which knows the payload). */
  addEnvelope(bytes: number, messages: number): void {
    if (!this.counting()) return;
    this.envelope += bytes;
    this.envelopeMessages += messages;
  }

  /** One exchange of a client's connect flow. */
  step(name: string, up: number, down: number): void {
    const sum = this.steps.get(name) ?? { up: 0, down: 0 };
    sum.up += up;
    sum.down += down;
    this.steps.set(name, sum);
  }

  connected(): void {
    this.clients++;
  }

  result(): SessionResult {
    return {
      protocol: this.protocol.kind,
      transport: this.transport,
      heartbeats: this.heartbeats,
      heartbeatBytes: { ...this.heartbeatBytes },
      envelopeBytes: this.envelope,
      envelopeMessages: this.envelopeMessages,
      connect: { clients: this.clients, steps: [...this.steps].map(([name, b]) => ({ name, up: b.up, down: b.down })) },
    };
  }
}

/** Sums generators' session tallies into one (steps matched by name, in first-seen order). */
export function mergeSessionResults(parts: ReadonlyArray<SessionResult | null | undefined>): SessionResult | null {
  const present = parts.filter((p): p is SessionResult => p !== null && p !== undefined);
  const first = present[0];
  if (first === undefined) return null;
  const steps = new Map<string, { up: number; down: number }>();
  const out: SessionResult = {
    protocol: first.protocol,
    transport: first.transport,
    heartbeats: 0,
    heartbeatBytes: { up: 0, down: 0 },
    envelopeBytes: 0,
    envelopeMessages: 0,
    connect: { clients: 0, steps: [] },
  };
  for (const part of present) {
    out.heartbeats += part.heartbeats;
    out.heartbeatBytes.up += part.heartbeatBytes.up;
    out.heartbeatBytes.down += part.heartbeatBytes.down;
    out.envelopeBytes += part.envelopeBytes;
    out.envelopeMessages += part.envelopeMessages;
    out.connect.clients += part.connect.clients;
    for (const step of part.connect.steps) {
      const sum = steps.get(step.name) ?? { up: 0, down: 0 };
      sum.up += step.up;
      sum.down += step.down;
      steps.set(step.name, sum);
    }
  }
  out.connect.steps = [...steps].map(([name, b]) => ({ name, ...b }));
  return out;
}

/** The framework's transport a technique's clients use, as results name it. */
export function sessionTransport(protocol: SessionProtocol, delivery: 'ws' | 'http'): string {
  if (protocol.kind === 'sockjs')
    return `sockjs ${SOCKJS_URL_SEGMENTS[protocol.transport].slice(1)}${protocol.transport === 'xhr' ? ' polling' : ''}`;
  if (delivery === 'http') return 'engine.io polling';
  return protocol.upgrade ? 'engine.io polling, upgraded to websocket' : 'engine.io websocket';
}

/** What a client's session adapter needs from its generator. */
export interface SessionContext {
  /** The wire's tab factory, bound to the origin: the adapter opens its connections through it. */
  readonly makeTab: (counter: SocketCounter) => ClientTab;
  readonly counter: SocketCounter;
  /** The request path of the polling transport (the upgrade flow starts there): the subscription's, `{room}` filled in. */
  readonly pollPath: string;
  /** Header lists for the polling GETs and for the POSTs that carry upstream packets (pongs, `40`). */
  readonly getHeaders: HeaderList;
  readonly postHeaders: HeaderList;
  readonly tally: SessionTally;
}

/** A tab that speaks `protocol` over the wire's own tab. */
export function sessionTab(protocol: SessionProtocol, ctx: SessionContext): ClientTab {
  switch (protocol.kind) {
    case 'engine.io':
      return engineIoTab(protocol, ctx);
    case 'sockjs': {
      // One client's own counter, so each step of its connect flow is its bytes alone.
      const counter = new ClientCounter(ctx.counter);
      return sockJsTab(protocol.transport, ctx, { counter, tab: ctx.makeTab(counter), delta, wsFrameBytes });
    }
  }
}

// ---------------------------------------------------------------------------------------
// Engine.IO v4.
// ---------------------------------------------------------------------------------------

/** Engine.IO's error body (`{"code":5,"message":"Unsupported protocol version"}`) named as the framework names it, or null. */
function engineIoError(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'number' && typeof parsed.message === 'string') return `Engine.IO error ${parsed.code} "${parsed.message}"`;
  } catch {
    // not Engine.IO's JSON: the body is quoted as it is
  }
  return null;
}

/** A refused exchange, naming Engine.IO's own code and message when the body carries them. */
function refused(what: string, status: number, body: Buffer): TargetRefusedError {
  const named = engineIoError(body);
  const text = named ?? (body.length === 0 ? '(empty body)' : body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim());
  return new TargetRefusedError(`engine.io: ${what} answered ${status}: ${text}`);
}

/** A packet that ends the session: Engine.IO close `1`, Socket.IO DISCONNECT `41` or CONNECT_ERROR `44{...}`. */
function sessionEnd(packet: string): TargetRefusedError | null {
  if (packet === '1') return new TargetRefusedError('engine.io: the server closed the session (Engine.IO packet 1, close)');
  if (packet.startsWith('41'))
    return new TargetRefusedError('engine.io: the server disconnected the Socket.IO socket (packet 41, DISCONNECT)');
  if (packet.startsWith('44'))
    return new TargetRefusedError(`engine.io: the server refused the namespace (packet 44, CONNECT_ERROR): ${packet.slice(2, 202)}`);
  return null;
}

/** The open packet's fields pushbench uses. */
interface OpenPacket {
  sid: string;
  pingInterval: number;
}

function parseOpen(packet: string, where: string): OpenPacket {
  if (packet[0] !== '0')
    throw new TargetRefusedError(
      `engine.io: ${where} answered no open packet (0{"sid",...}), found ${JSON.stringify(packet.slice(0, 80))}`,
    );
  const data = JSON.parse(packet.slice(1)) as { sid?: unknown; pingInterval?: unknown };
  if (typeof data.sid !== 'string') throw new TargetRefusedError(`engine.io: ${where}'s open packet has no sid: ${packet.slice(0, 200)}`);
  return { sid: data.sid, pingInterval: typeof data.pingInterval === 'number' ? data.pingInterval : 25_000 };
}

function withQuery(path: string, query: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

function delta(counter: SocketCounter, before: ClientBytes): ClientBytes {
  const now = counter.totals();
  return { up: now.up - before.up, down: now.down - before.down };
}

function engineIoTab(protocol: Extract<SessionProtocol, { kind: 'engine.io' }>, ctx: SessionContext): ClientTab {
  const counter = new ClientCounter(ctx.counter);
  const tab = ctx.makeTab(counter);
  const pollingSession = (headers: HeaderList, attribution: ByteAttribution): EngineIoPolling => {
    // Pongs and `40` go on a connection of their own (a browser's second connection while a poll is held), counted apart so a pong's exchange is exact.
    const postCounter = new ClientCounter(counter);
    return new EngineIoPolling(tab.gets(headers, [], attribution), () => ctx.makeTab(postCounter).requests(30_000), postCounter, ctx);
  };
  return {
    gets: (headers, _capture, attribution) => pollingSession(headers, attribution).asTransport(),
    requests: (timeoutMs) => tab.requests(timeoutMs),
    openWebSocket: (url, protocols, options) =>
      new EngineIoSocket(
        tab,
        url,
        protocols,
        options,
        counter,
        ctx,
        protocol.upgrade ? pollingSession(ctx.getHeaders, 'snapshot') : null,
      ) as unknown as WebSocket,
  };
}

/** The polling transport as a GetChannel: connect() runs the handshake; each get() is one poll, handing back the event packets alone. */
class EngineIoPolling implements GetChannel {
  sid: string | null = null;
  private posts: RequestChannel | undefined;
  private readonly postHeaders: string[];

  constructor(
    private readonly inner: GetChannel,
    private readonly makePosts: () => RequestChannel,
    private readonly postCounter: SocketCounter,
    private readonly ctx: SessionContext,
  ) {
    this.postHeaders = [
      ...flatHeaders(ctx.postHeaders.filter(([name]) => name.toLowerCase() !== 'content-type')),
      'content-type',
      'text/plain;charset=UTF-8',
    ];
  }

  /** This polling session is the client's transport (not the start of an upgrade): its connect counts the client as connected. */
  private isTransport = false;

  asTransport(): this {
    this.isTransport = true;
    return this;
  }

  private get sessionPath(): string {
    return withQuery(this.ctx.pollPath, `sid=${this.sid ?? ''}`);
  }

  /** Handshake, namespace connect, and the poll that confirms it: after it the client is in its room. */
  async connect(): Promise<void> {
    await this.inner.connect();
    const open = await this.inner.get(this.ctx.pollPath);
    if (open.status !== 200) throw refused(`handshake GET ${this.ctx.pollPath}`, open.status, open.body);
    this.sid = parseOpen(open.body.toString('utf8'), `handshake GET ${this.ctx.pollPath}`).sid;
    this.ctx.tally.step('polling: handshake GET (0 open)', open.bytes.up, open.bytes.down);
    const before = this.postCounter.totals();
    await this.post('40');
    const post = delta(this.postCounter, before);
    this.ctx.tally.step('polling: POST 40 (namespace connect)', post.up, post.down);
    for (;;) {
      const answer = await this.inner.get(this.sessionPath);
      if (answer.status !== 200) throw refused(`GET ${this.sessionPath}`, answer.status, answer.body);
      this.ctx.tally.step('polling: GET 40{sid} (connected)', answer.bytes.up, answer.bytes.down);
      const packets = answer.body.toString('utf8').split(ENGINE_IO_SEPARATOR);
      for (const packet of packets) {
        const end = sessionEnd(packet);
        if (end !== null) throw end;
      }
      if (packets.some((p) => p.startsWith('40'))) {
        if (this.isTransport) this.ctx.tally.connected();
        return;
      }
    }
  }

  /**
   * POSTs packets on a connection of their own, closed once the server answered `ok`: a pong
   * comes once per ping interval (25 s by default), past the server's keep-alive timeout (Node's
   * 5 s), so a browser's connection for it would have been closed by the server meanwhile.
   */
  private async post(body: string): Promise<void> {
    const posts = (this.posts = this.makePosts());
    try {
      const response = await posts.request('POST', this.sessionPath, this.postHeaders, body);
      if (response.status !== 200) throw refused(`POST ${this.sessionPath}`, response.status, response.body);
    } finally {
      await posts.destroy();
      if (this.posts === posts) this.posts = undefined;
    }
  }

  /** One poll: pings answered (and counted), noops dropped, a session end refused; the body handed back holds the event packets alone. */
  async get(_path: string, extraHeaders = ''): Promise<GetResponse> {
    const response = await this.inner.get(this.sessionPath, extraHeaders);
    if (response.status !== 200) throw refused(`GET ${this.sessionPath}`, response.status, response.body);
    const packets = response.body.toString('latin1').split(ENGINE_IO_SEPARATOR);
    const events: string[] = [];
    let pings = 0;
    for (const packet of packets) {
      const end = sessionEnd(packet);
      if (end !== null) throw end;
      if (packet === '2') pings++;
      else if (packet.startsWith('42')) events.push(packet);
    }
    // The pong goes out beside the next poll, as engine.io-client sends it; a pong that fails shows up as the server ending the session (a 400 on the next poll).
    for (let i = 0; i < pings; i++)
      void this.pong(events.length === 0 && pings === 1 ? response.bytes : { up: 0, down: events.length === 0 ? 1 : 2 }).catch(() => {});
    // The separators between event packets are the framework's envelope; one joining a ping to them is the ping's.
    if (events.length > 1) this.ctx.tally.addEnvelope(events.length - 1, 0);
    return { ...response, body: Buffer.from(events.join(ENGINE_IO_SEPARATOR), 'latin1') };
  }

  /** Answers a ping with a POST `3`; the heartbeat's bytes are the ping's share of its answer and the pong's whole exchange. */
  private async pong(ping: ClientBytes): Promise<void> {
    const before = this.postCounter.totals();
    await this.post('3');
    const pong = delta(this.postCounter, before);
    this.ctx.tally.heartbeat(ping.up + pong.up, ping.down + pong.down);
  }

  destroy(): void {
    this.inner.destroy();
    void this.posts?.destroy();
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all([this.inner.close(timeoutMs), this.posts?.destroy()]);
  }
}

/**
 * The websocket transport behind the `ws` WebSocket interface the driver uses ('open',
 * 'message', 'close', 'error', 'upgrade', 'unexpected-response'; send, close, terminate,
 * readyState): 'open' once the namespace is connected (after the upgrade in the default flow),
 * 'message' for event packets only.
 */
class EngineIoSocket extends EventEmitter {
  private inner: WebSocket | undefined;
  private opened = false;
  private closed = false;

  constructor(
    private readonly tab: ClientTab,
    private readonly url: string,
    private readonly protocols: string[],
    private readonly options: WebSocket.ClientOptions,
    private readonly counter: SocketCounter,
    private readonly ctx: SessionContext,
    /** The default flow: the polling transport the session starts on; null opens transport=websocket directly. */
    private readonly startOn: EngineIoPolling | null,
  ) {
    super();
    if (startOn === null) this.open(url);
    else void this.upgradeFlow(startOn);
  }

  get readyState(): number {
    if (this.closed) return WebSocket.CLOSED;
    if (!this.opened || this.inner === undefined) return WebSocket.CONNECTING;
    return this.inner.readyState;
  }

  private async upgradeFlow(first: EngineIoPolling): Promise<void> {
    try {
      await first.connect();
    } catch (error) {
      this.closed = true;
      this.emit('error', error);
      this.emit('close', 1006, Buffer.alloc(0));
      first.destroy();
      return;
    }
    this.open(withQuery(this.url, `sid=${first.sid ?? ''}`));
  }

  private open(url: string): void {
    const before = this.counter.totals();
    const ws = this.tab.openWebSocket(url, this.protocols, this.options);
    this.inner = ws;
    let openPacketBytes = 0;
    let packets = 0;
    let explaining: Promise<void> | null = null;
    ws.on('upgrade', (response) => this.emit('upgrade', response));
    // Engine.IO's refusals carry {"code","message"}: read them here so the error names them.
    onRefusedHandshake(ws, (status, body) => {
      this.closed = true;
      this.emit('error', refused(`WebSocket handshake GET ${url}`, status, body));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // Engine.IO 6 refuses some upgrades (an EIO version it does not speak) after its 101, with an HTTP 400 on the upgraded socket, which ws can only call a bad frame: the same query on the polling transport says why.
      if (packets === 0 && !this.opened && error.code?.startsWith('WS_ERR_') === true) explaining = this.explain(url, error);
      else this.emit('error', error);
    });
    ws.on('close', (code, reason) => {
      this.closed = true;
      this.startOn?.destroy();
      // The cause first, then the close (the driver takes the first reason it hears).
      void (explaining ?? Promise.resolve()).then(() => this.emit('close', code, reason));
    });
    ws.on('open', () => {
      if (this.startOn !== null) ws.send('2probe');
    });
    ws.on('message', (data: Buffer) => {
      packets++;
      const first = data[0];
      // 42[...]: an event, handed to the driver whole (the stamp is inside).
      if (first === 0x34 && data[1] === 0x32) {
        this.emit('message', data);
        return;
      }
      const packet = data.toString('utf8');
      const end = sessionEnd(packet);
      if (end !== null) {
        this.emit('error', end);
        ws.close(1000);
        return;
      }
      if (packet === '2') {
        ws.send('3');
        this.ctx.tally.heartbeat(wsFrameBytes(1, true), wsFrameBytes(1, false));
      } else if (packet[0] === '0') {
        openPacketBytes = wsFrameBytes(data.length, false);
        ws.send('40');
      } else if (packet.startsWith('40')) {
        // Transport=websocket: the upgrade exchange is what the socket carried less the three frames around it.
        const all = delta(this.counter, before);
        const frames = { up: wsFrameBytes(2, true), down: openPacketBytes + wsFrameBytes(data.length, false) };
        this.ctx.tally.step('websocket: HTTP upgrade (101)', all.up - frames.up, all.down - frames.down);
        this.ctx.tally.step('websocket: 0 open', 0, openPacketBytes);
        this.ctx.tally.step('websocket: 40 / 40{sid} (namespace connect)', frames.up, wsFrameBytes(data.length, false));
        this.ready();
      } else if (packet === '3probe') {
        void this.finishUpgrade(ws, delta(this.counter, before));
      }
    });
  }

  /** A WebSocket that broke before its first packet: the error, with what a polling handshake of the same query answers (an extra exchange, made only to name the cause). */
  private async explain(url: string, error: Error): Promise<void> {
    const parsed = new URL(url);
    const pollPath = `${parsed.pathname}${parsed.search}`.replace('transport=websocket', 'transport=polling');
    const probe = this.tab.gets(this.ctx.getHeaders, [], 'snapshot');
    let why = '';
    try {
      await probe.connect();
      const answer = await probe.get(pollPath);
      why =
        answer.status === 200
          ? `; a polling handshake of the same query succeeds`
          : `; the same query on the polling transport, GET ${pollPath}, answers ${answer.status}: ${engineIoError(answer.body) ?? answer.body.subarray(0, 200).toString('utf8')}`;
    } catch {
      why = '';
    } finally {
      probe.destroy();
    }
    this.emit(
      'error',
      new TargetRefusedError(
        `engine.io: the server answered the upgrade with 101 and then bytes that are not WebSocket frames (${error.message})${why}`,
        { cause: error },
      ),
    );
  }

  /** After `3probe`: the last poll (ended by the server's noop), then `5`; the polling connections are closed, as a browser's idle ones soon are. */
  private async finishUpgrade(ws: WebSocket, probed: ClientBytes): Promise<void> {
    const probe = { up: wsFrameBytes(6, true), down: wsFrameBytes(6, false) };
    this.ctx.tally.step('upgrade: HTTP upgrade (101) with the sid', probed.up - probe.up, probed.down - probe.down);
    this.ctx.tally.step('upgrade: 2probe / 3probe', probe.up, probe.down);
    const first = this.startOn!;
    try {
      const before = this.counter.totals();
      await first.get('');
      const noop = delta(this.counter, before);
      this.ctx.tally.step('upgrade: last GET (6 noop)', noop.up, noop.down);
    } catch (error) {
      this.emit('error', error);
      ws.close(1000);
      return;
    }
    ws.send('5', () => {
      this.ctx.tally.step('upgrade: 5 (upgrade)', wsFrameBytes(1, true), 0);
      void first.close(1000).then(() => this.ready());
    });
  }

  private ready(): void {
    if (this.opened || this.closed) return;
    this.opened = true;
    this.ctx.tally.connected();
    this.emit('open');
  }

  send(data: string, callback?: (error?: Error) => void): void {
    if (this.inner === undefined) {
      callback?.(new Error('engine.io: not connected'));
      return;
    }
    this.inner.send(data, callback);
  }

  close(code?: number): void {
    if (this.inner === undefined) {
      this.closed = true;
      this.startOn?.destroy();
      this.emit('close', 1000, Buffer.alloc(0));
      return;
    }
    this.inner.close(code);
  }

  terminate(): void {
    this.startOn?.destroy();
    this.inner?.terminate();
  }
}
