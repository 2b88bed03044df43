/**
 * A raw TCP server that records every request head byte for byte (no HTTP library in
 * between to reorder, recase or drop a header) and answers just enough for a browser
 * page to go on: the page itself, `[]` for polls, one SSE event, 204 for a publish and a
 * 101 (no extension accepted) for a WebSocket upgrade. `npm run headers:capture` points
 * Chromium at it to see what a browser really sends.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { TRANSPORTS } from '../core/techniques.ts';

/** One request head as the client wrote it. */
export interface RecordedRequest {
  method: string;
  /** The request target, e.g. `/poll?since=0`. */
  path: string;
  /** Every header line after the request line, in order, with the client's spelling. */
  headers: Array<[string, string]>;
  /** The head exactly as received, request line to the blank line (latin1). */
  raw: string;
}

export interface HeadRecorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** What the recorder answers on a path: the page, or the minimal answer of each endpoint. */
export interface RecorderPages {
  /** HTML served at each of these paths, with extra response header lines (e.g. Set-Cookie). */
  readonly [path: string]: { html: string; headers?: ReadonlyArray<readonly [string, string]> };
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Splits a request head into its request line and `Name: value` lines. */
export function parseRequestHead(raw: string): RecordedRequest {
  const [requestLine = '', ...lines] = raw.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  return { method, path, headers, raw: `${raw}\r\n\r\n` };
}

function header(request: RecordedRequest, name: string): string | undefined {
  return request.headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

function answer(request: RecordedRequest, pages: RecorderPages): string {
  const key = header(request, 'sec-websocket-key');
  if (header(request, 'upgrade')?.toLowerCase() === TRANSPORTS.ws.upgradeToken && key !== undefined) {
    const accept = crypto
      .createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
  }
  const path = request.path.split('?')[0] ?? '';
  const page = pages[path];
  if (page !== undefined) {
    const extra = (page.headers ?? []).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    return `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n${extra}Content-Length: ${Buffer.byteLength(page.html)}\r\n\r\n${page.html}`;
  }
  if (path === '/sse') return 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\ndata: {}\n\n';
  if (request.method === 'POST') return 'HTTP/1.1 204 No Content\r\n\r\n';
  if (path === '/poll' || path === '/longpoll') return 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]';
  return 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
}

/** Starts the recorder on 127.0.0.1 (port 0: any free port). */
export async function startHeadRecorder(pages: RecorderPages): Promise<HeadRecorder> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return; // WebSocket frames after the 101: not a head
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const request = parseRequestHead(buffer.subarray(0, end).toString('latin1'));
        const bodyBytes = Number(header(request, 'content-length') ?? 0);
        if (buffer.length < end + 4 + bodyBytes) return;
        buffer = buffer.subarray(end + 4 + bodyBytes);
        requests.push(request);
        const reply = answer(request, pages);
        socket.write(reply);
        if (reply.startsWith('HTTP/1.1 101')) upgraded = true;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The capture page: one request of each kind, in order (`polls` polls first: two show HTTP/2's
 * first and steady-state HPACK), then `document.title = 'done'`. `secure` opens the WebSocket as
 * wss, and then gives up on it after 3 s (an extended CONNECT a server does not answer).
 */
export function capturePage(options: { polls: number; secure: boolean }): string {
  const polls = "  await fetch('/poll?since=0').then((r) => r.text());\n".repeat(options.polls);
  const giveUp = options.secure ? '    setTimeout(resolve, 3000);\n' : '';
  return `<!doctype html><meta charset="utf-8"><title>capture</title><script>
(async () => {
${polls}  await fetch('/longpoll?since=0').then((r) => r.text());
  await new Promise((resolve) => {
    const es = new EventSource('/sse?since=0');
    es.onmessage = () => { es.close(); resolve(); };
    es.onerror = () => { es.close(); resolve(); };
  });
  await fetch('/publish', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":"x"}' });
  await new Promise((resolve) => {
    const ws = new WebSocket('${options.secure ? 'wss' : 'ws'}://' + location.host + '/ws?since=0');
    ws.onopen = () => { ws.close(); resolve(); };
    ws.onerror = () => resolve();
${giveUp}  });
  document.title = 'done';
})();
</script>`;
}
