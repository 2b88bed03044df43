/**
 * Micro-benchmarks (tinybench 6) of the server's per-message work for each technique:
 * encoding one message and framing it for one client, on the same code paths the
 * server runs. The HTTP responses go through a real `http.ServerResponse` bound to a
 * dummy socket that discards what it is given, so the head is formatted by node:http
 * itself (status line, Date cache, keep-alive headers, chunked encoding); only the
 * system call is left out.
 *
 * One sample times a batch of calls and reports the per-call mean through
 * `overriddenDuration`: a single call takes well under a microsecond, too close to
 * the timer's resolution to be timed alone.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Bench, type Task } from 'tinybench';
import * as wsModule from 'ws';
import { arrayBody, encodeForWire, type EncodedMessage } from '../core/encoded-message.ts';
import { filler, nowMicros, type TechniqueId } from '../core/protocol.ts';
import type { MicroResult } from '../core/results.ts';
import { PushbenchError } from '../core/errors.ts';

export interface MicroOptions {
  payloadBytes?: number;
  /** tinybench time budget per task, ms. */
  time?: number;
}

/** A task that failed: the micro-benchmarks are only worth reporting when every one ran. */
export class MicroBenchmarkError extends PushbenchError<'PUSHBENCH_MICRO'> {
  constructor(message: string, options?: ErrorOptions) {
    super('PUSHBENCH_MICRO', message, options);
  }
}

/** Calls per timed sample. */
const BATCH = 64;
/** The server's keep-alive timeout, so that responses carry the same `Keep-Alive: timeout=65`. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
// @types/ws does not declare Sender, which ws exports (ESM wrapper included).
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const TEXT_FRAME: FrameOptions = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true };

/** A socket stand-in that accepts writes synchronously and keeps nothing but a byte count. */
class DiscardSocket extends Duplex {
  bytes = 0;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    callback();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    for (const { chunk } of chunks) this.bytes += chunk.length;
    callback();
  }

  override _read(): void {}
}

/** A GET /poll request as the server's handlers see it, on the dummy socket. */
function fakeRequest(socket: DiscardSocket): http.IncomingMessage {
  const req = new http.IncomingMessage(socket as unknown as Socket);
  req.method = 'GET';
  req.url = '/poll?since=0';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  return req;
}

/** A keep-alive response, as node:http's server would create it for `req`. */
function newResponse(req: http.IncomingMessage, socket: DiscardSocket): http.ServerResponse {
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = true;
  // The server sets this from its keepAliveTimeout; it is what writes `Keep-Alive: timeout=65`.
  (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  res.assignSocket(socket as unknown as Socket);
  return res;
}

/** A prepared case: the call to time, and what it wrote, to check it does the real work. */
export interface MicroRun {
  call(): void;
  /** Bytes the calls so far put on the (dummy) wire. */
  bytesWritten(): number;
  /** JSON size of the last message encoded. */
  lastMessageBytes(): number;
}

/** The per-message work of one technique, one call = one message to one client. */
export interface MicroCase {
  technique: TechniqueId;
  name: string;
  /** Builds the state the calls share. */
  setup(payloadBytes: number): MicroRun;
}

/** Successive messages every case encodes: a realistic seq and a monotonic-clock `t`. */
class MessageSource {
  private seq = 100_000;
  private readonly t = nowMicros();
  private readonly data: string;
  lastBytes = 0;

  constructor(payloadBytes: number) {
    this.data = filler(payloadBytes);
  }

  next(): EncodedMessage {
    const encoded = encodeForWire({ seq: ++this.seq, t: this.t, data: this.data });
    this.lastBytes = encoded.json.length;
    return encoded;
  }
}

/** Poll and long-poll answer with the same `send()`: head + `[json]` body, Content-Length. */
function jsonResponseCase(technique: 'polling' | 'longpoll', name: string): MicroCase {
  return {
    technique,
    name,
    setup(payloadBytes) {
      const socket = new DiscardSocket();
      const req = fakeRequest(socket);
      const source = new MessageSource(payloadBytes);
      return {
        call() {
          const body = arrayBody([source.next()]);
          const res = newResponse(req, socket);
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
          res.end(body);
          res.detachSocket(socket as unknown as Socket);
        },
        bytesWritten: () => socket.bytes,
        lastMessageBytes: () => source.lastBytes,
      };
    },
  };
}

export const MICRO_CASES: readonly MicroCase[] = [
  jsonResponseCase('polling', 'encodeForWire + [json] body + 200 head via http.ServerResponse'),
  jsonResponseCase('longpoll', 'encodeForWire + [json] body + 200 head to a held request via http.ServerResponse'),
  {
    technique: 'sse',
    name: 'encodeForWire + event written as one chunk via http.ServerResponse',
    setup(payloadBytes) {
      const socket = new DiscardSocket();
      const res = newResponse(fakeRequest(socket), socket);
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.flushHeaders();
      const headBytes = socket.bytes;
      const source = new MessageSource(payloadBytes);
      return {
        call() {
          res.write(source.next().sse);
          // node:http corks the socket and uncorks on the next tick; doing it here keeps
          // the chunk framing and the flush inside the timed call.
          socket.uncork();
        },
        bytesWritten: () => socket.bytes - headBytes,
        lastMessageBytes: () => source.lastBytes,
      };
    },
  },
  {
    technique: 'websocket',
    name: 'encodeForWire + ws Sender.frame (text, unmasked)',
    setup(payloadBytes) {
      const source = new MessageSource(payloadBytes);
      let bytes = 0;
      return {
        call() {
          for (const part of Sender.frame(source.next().json, TEXT_FRAME)) bytes += part.length;
        },
        bytesWritten: () => bytes,
        lastMessageBytes: () => source.lastBytes,
      };
    },
  },
];

/** Runs one micro-benchmark per technique and returns its figures. */
export async function runMicroBenchmarks(options: MicroOptions = {}): Promise<MicroResult[]> {
  const payloadBytes = options.payloadBytes ?? 64;
  const time = options.time ?? 500;
  if (!(Number.isInteger(payloadBytes) && payloadBytes >= 0)) {
    throw new MicroBenchmarkError(`invalid payloadBytes: received ${payloadBytes}; expected an integer >= 0`);
  }
  if (!(Number.isFinite(time) && time > 0)) throw new MicroBenchmarkError(`invalid time: received ${time}; expected a positive number of ms`);

  const bench = new Bench({ time, warmupTime: Math.min(250, time) });
  for (const micro of MICRO_CASES) {
    const run = micro.setup(payloadBytes);
    bench.add(micro.name, async () => {
      const start = bench.now();
      for (let i = 0; i < BATCH; i++) run.call();
      const elapsed = bench.now() - start;
      // Let node:http's deferred uncork ticks run between samples, outside the timed batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { overriddenDuration: elapsed / BATCH, overriddenIterationCost: elapsed };
    });
  }
  await bench.run();
  return MICRO_CASES.map((micro, i) => toResult(micro, bench.tasks[i]!));
}

/**
 * tinybench 6 reads: `latency` holds per-call times in ms (our batch means);
 * `throughput.mean` is the mean of per-sample rates, which overweights the fastest
 * samples, so ops/s is taken as 1000 / mean latency instead.
 */
function toResult(micro: MicroCase, task: Task): MicroResult {
  const result = task.result;
  if (result.state !== 'completed') {
    const cause = result.state === 'errored' ? result.error : undefined;
    throw new MicroBenchmarkError(`micro-benchmark "${micro.name}" (${micro.technique}) ended ${result.state}${cause ? `: ${cause.message}` : ''}`, { cause });
  }
  const meanMs = result.latency.mean;
  return {
    technique: micro.technique,
    name: micro.name,
    opsPerSecond: meanMs > 0 ? 1000 / meanMs : 0,
    meanNs: meanMs * 1e6,
    rme: result.latency.rme,
  };
}
