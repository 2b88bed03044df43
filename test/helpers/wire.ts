/**
 * Test helpers that speak raw bytes: a TCP client whose every received byte is kept,
 * so tests can check exact framing and byte counts against the protocol's arithmetic.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawClient {
  socket: net.Socket;
  /** Everything received so far, as latin1 text (byte-for-byte). */
  text(): string;
  bytes(): number;
  send(data: string | Buffer): void;
  /** Resolves once the received text satisfies `predicate`; fails after `timeoutMs`. */
  waitFor(predicate: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  closed: Promise<void>;
  close(): void;
}

export async function openRaw(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const text = (): string => Buffer.concat(chunks).toString('latin1');
  return {
    socket,
    text,
    bytes: () => chunks.reduce((n, c) => n + c.length, 0),
    send: (data) => void socket.write(data),
    async waitFor(predicate, what, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(text())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(text().slice(-500))}`);
        await sleep(5);
      }
      return text();
    },
    closed,
    close: () => void socket.destroy(),
  };
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string | (() => string), timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(5);
  }
}

/** A minimal GET request as raw bytes, to the server on `port` (its Host header must name it). */
export function getRequest(port: number, path: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends `raw` on a fresh connection to `port` and returns the first complete response. */
export async function exchangeRaw(port: number, raw: string): Promise<{ head: string; status: number; body: string; raw: string }> {
  const client = await openRaw(port);
  client.send(raw);
  const text = await client.waitFor((t) => parseResponses(t).length >= 1, `an answer to ${JSON.stringify(raw.slice(0, 60))}`);
  client.close();
  return parseResponses(text)[0]!;
}

/** Splits complete HTTP/1.1 responses with Content-Length bodies off the front of `text`. */
export function parseResponses(text: string): Array<{ head: string; status: number; body: string; raw: string }> {
  const out: Array<{ head: string; status: number; body: string; raw: string }> = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const head = rest.slice(0, end + 4);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '0');
    if (rest.length < head.length + length) break;
    const body = rest.slice(head.length, head.length + length);
    out.push({ head, status: Number(head.slice(9, 12)), body, raw: head + body });
    rest = rest.slice(head.length + length);
  }
  return out;
}

/** The exact body a message needs so that its JSON encoding is `size` bytes long. */
export function dataForMessageSize(size: number, seq: number, t: number): string {
  const envelope = `{"seq":${seq},"t":${t},"data":""}`.length;
  return 'x'.repeat(size - envelope);
}
