/**
 * `npm run headers:capture -- --h2`: what a real Chromium sends over HTTP/2 + TLS (ALPN h2) for
 * the same requests as the HTTP/1.1 capture (two fetch() polls, a long poll, an EventSource, a
 * POST, and a WebSocket, which Chromium opens as an RFC 8441 extended CONNECT stream when the
 * server offers it), written to load/captures/chromium-h2.json: per request the header list in
 * the order Chromium sent it, pseudo-headers included, and, from the wire, the size of each
 * HEADERS block (HPACK-encoded: the first request carries the full set, later ones indexes)
 * and Chromium's SETTINGS and connection WINDOW_UPDATE.
 *
 * How: a node:http2 server over TLS with a self-signed certificate made at start keeps every
 * header list as it arrives (`rawHeaders`, in order); Debian's Chromium runs with SSLKEYLOGFILE
 * (it writes the TLS secrets there) and --ignore-certificate-errors; tshark captures the
 * loopback port meanwhile and then decrypts the capture with the key log
 * (`-o tls.keylog_file:...`) to read the HTTP/2 frames as Chromium put them on the wire.
 * Nothing leaves 127.0.0.1; the key log and the capture stay in a temporary folder, removed at
 * the end.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { selfSignedIdentity } from '../core/self-signed.ts';
import { capturePage } from './head-recorder.ts';
import { H2_SERVER_SETTINGS } from '../core/wires.ts';

/** The request kinds of the HTTP/2 capture, by path; `poll` is made twice (first and steady-state HPACK). */
const KIND_BY_PATH: Readonly<Record<string, string>> = {
  '/poll': 'poll',
  '/longpoll': 'longPoll',
  '/sse': 'eventSource',
  '/publish': 'publish',
  '/ws': 'connect',
};
const PAGE_PATH = '/dashboard';

const PAGE = capturePage({ polls: 2, secure: true });

/** One request as Chromium sent it: its stream, path and header list in order (pseudo-headers first, as on the wire). */
export interface H2Request {
  readonly streamId: number;
  readonly path: string;
  readonly kind: string | null;
  readonly headers: Array<[string, string]>;
}

/** What tshark read from the decrypted capture, client to server. */
export interface H2WireFrames {
  /** Chromium's SETTINGS (name as tshark gives it, value), as sent in its preface. */
  readonly settings: Array<[string, number]>;
  /** The connection-level WINDOW_UPDATE increment Chromium sends at start. */
  readonly connectionWindowIncrement: number | null;
  /** Per stream id, the HEADERS block length (bytes of HPACK, without the 9-byte frame header). */
  readonly headerBlockBytes: Record<string, number>;
}

/** Serves the page and the endpoints over h2 + TLS, recording every request's header list. */
async function startRecorder(): Promise<{ url: string; port: number; requests: H2Request[]; close: () => Promise<void> }> {
  const identity = selfSignedIdentity();
  const server = http2.createSecureServer({
    cert: identity.cert,
    key: identity.key,
    settings: { ...H2_SERVER_SETTINGS },
    allowHTTP1: false,
  });
  const requests: H2Request[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
    const requestPath = String(headers[':path'] ?? '');
    requests.push({
      streamId: stream.id ?? 0,
      path: requestPath,
      kind: KIND_BY_PATH[requestPath.split('?')[0] ?? ''] ?? null,
      headers: pairs,
    });
    stream.on('error', () => {});
    const route = requestPath.split('?')[0];
    if (route === PAGE_PATH) {
      stream.respond({ ':status': 200, 'content-type': 'text/html; charset=utf-8' });
      stream.end(PAGE);
    } else if (route === '/sse') {
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      stream.write('id: 1\ndata: {"seq":1}\n\n');
    } else if (route === '/publish') {
      stream.resume();
      stream.respond({ ':status': 204 });
      stream.end();
    } else if (route === '/ws' && headers[':method'] === 'CONNECT') {
      // RFC 8441: a 200 opens the WebSocket on the stream; the page closes it at once.
      stream.respond({ ':status': 200 });
      stream.resume();
      setTimeout(() => stream.close(), 500).unref();
    } else if (route === '/poll' || route === '/longpoll') {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end('[]');
    } else {
      stream.respond({ ':status': 404 });
      stream.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts tshark on the loopback port and resolves once it captures. */
async function startCapture(tshark: string, port: number, file: string): Promise<{ stop: () => Promise<void> }> {
  const child = spawn(tshark, ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!/Capturing on/.test(stderr)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`tshark did not start capturing: ${stderr.slice(-400)}`);
    await sleep(50);
  }
  return {
    stop: async () => {
      // Let the last packets reach the capture file, then end tshark cleanly so it flushes.
      await sleep(500);
      child.kill('SIGINT');
      await Promise.race([exited, sleep(5000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/** The client's HTTP/2 frames in the decrypted capture, read by tshark with the key log. */
function readFrames(tshark: string, file: string, keylog: string, port: number): H2WireFrames {
  const json = execFileSync(
    tshark,
    [
      '-r',
      file,
      '-o',
      `tls.keylog_file:${keylog}`,
      '-d',
      `tcp.port==${port},tls`,
      '-Y',
      `http2 && tcp.dstport == ${port}`,
      '-T',
      'json',
      '-J',
      'http2',
      '--no-duplicate-keys',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  ).toString();
  const packets = JSON.parse(json) as Array<{ _source: { layers: { http2?: unknown } } }>;
  const streams: Array<Record<string, unknown>> = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) collect(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if ('http2.type' in record) streams.push(record);
    for (const [key, value] of Object.entries(record)) if (key !== 'http2.type') collect(value);
  };
  for (const packet of packets) collect(packet._source.layers.http2);
  const settings: Array<[string, number]> = [];
  let connectionWindowIncrement: number | null = null;
  const headerBlockBytes: Record<string, number> = {};
  for (const frame of streams) {
    const type = Number(frame['http2.type']);
    const streamId = String(frame['http2.streamid']);
    const length = Number(frame['http2.length']);
    if (type === 4 && settings.length === 0 && (Number(frame['http2.flags']) & 1) === 0) {
      collectSettings(frame, settings);
    } else if (type === 8 && streamId === '0' && connectionWindowIncrement === null) {
      connectionWindowIncrement = Number(frame['http2.window_update.window_size_increment']);
    } else if (type === 1 && headerBlockBytes[streamId] === undefined) {
      // HEADERS with PRIORITY carries 5 bytes of priority before the block.
      headerBlockBytes[streamId] =
        length -
        ((Number(frame['http2.flags']) & 0x20) !== 0 ? 5 : 0) -
        ((Number(frame['http2.flags']) & 0x08) !== 0 ? 1 + Number(frame['http2.pad_length'] ?? 0) : 0);
    }
  }
  return { settings, connectionWindowIncrement, headerBlockBytes };
}

function collectSettings(node: unknown, out: Array<[string, number]>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectSettings(item, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const id = record['http2.settings.id'];
  if (id !== undefined) {
    const entry = Object.entries(record).find(([key]) => key.startsWith('http2.settings.') && key !== 'http2.settings.id');
    out.push([entry === undefined ? String(id) : entry[0].slice('http2.settings.'.length), Number(entry?.[1])]);
    return;
  }
  for (const value of Object.values(record)) collectSettings(value, out);
}

/** Captures Chromium over h2 + TLS; returns the capture document. */
export async function captureH2(chromiumPath: string, tshark: string): Promise<Record<string, unknown>> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-h2-capture-'));
  const keylog = path.join(work, 'keylog.txt');
  const pcap = path.join(work, 'capture.pcapng');
  const recorder = await startRecorder();
  try {
    const capture = await startCapture(tshark, recorder.port, pcap);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--ignore-certificate-errors'],
      env: { ...process.env, SSLKEYLOGFILE: keylog },
    });
    let version = '';
    try {
      version = browser.version();
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(`${recorder.url}${PAGE_PATH}`);
      await page.waitForFunction(() => document.title === 'done', null, { timeout: 20_000 });
      await context.close();
    } finally {
      await browser.close();
      await capture.stop();
    }
    if (!fs.existsSync(keylog) || fs.statSync(keylog).size === 0)
      throw new Error(`Chromium wrote no TLS key log to ${keylog} (SSLKEYLOGFILE)`);
    const frames = readFrames(tshark, pcap, keylog, recorder.port);
    const requests = recorder.requests.filter((request) => request.kind !== null);
    const missing = Object.values(KIND_BY_PATH).filter((kind) => !requests.some((request) => request.kind === kind));
    if (missing.length > 0)
      throw new Error(
        `the page made no ${missing.join(', ')} request over h2; recorded: ${recorder.requests.map((r) => r.path).join(', ')}`,
      );
    return {
      capturedOn: new Date().toISOString().slice(0, 10),
      browser: `Chromium ${version} (${chromiumPath}, headless)`,
      how: "npm run headers:capture -- --h2: a page over HTTP/2 + TLS (node:http2, self-signed certificate, SETTINGS_ENABLE_CONNECT_PROTOCOL offered) made two fetch() polls, a long poll, an EventSource, a POST and a WebSocket; header lists as the server received them (rawHeaders, in order), header block sizes, SETTINGS and WINDOW_UPDATE from tshark decrypting the loopback capture with Chromium's SSLKEYLOGFILE",
      pagePath: PAGE_PATH,
      origin: recorder.url,
      settings: frames.settings,
      connectionWindowIncrement: frames.connectionWindowIncrement,
      requests: requests.map((request) => ({ ...request, headerBlockBytes: frames.headerBlockBytes[String(request.streamId)] ?? null })),
    };
  } finally {
    await recorder.close();
    if (process.env.PUSHBENCH_KEEP_CAPTURE === undefined) fs.rmSync(work, { recursive: true, force: true });
  }
}
