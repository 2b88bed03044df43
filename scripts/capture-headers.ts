/**
 * `npm run headers:capture`: records what a real Chromium sends for fetch() (poll, long
 * poll, publish), EventSource and the WebSocket upgrade, and writes it to
 * load/captures/chromium.json, from which load/headers.ts builds the `browser` and
 * `browser-cookie` profiles. A development tool: it lives in scripts/, outside the shipped
 * package, so that playwright-core stays a development dependency.
 *
 * How: Debian's /usr/bin/chromium (headless, driven by playwright-core) opens a page served
 * by scripts/head-recorder.ts, a raw TCP server that keeps every request head byte for byte;
 * the page makes one request of each kind, as a web app would. Two passes: a fresh profile
 * (no cookie) and one whose page response set five first-party cookies (174 bytes on the
 * wire, a typical session id, analytics and preference cookies), so that the cookie header
 * sits where Chromium puts it. Nothing leaves 127.0.0.1.
 *
 * Options: --chromium PATH (default /usr/bin/chromium), --out FILE (default load/captures/chromium.json);
 * --h2 captures over HTTP/2 + TLS instead (scripts/capture-h2.ts), into load/captures/chromium-h2.json
 * by default, with --tshark PATH (default /usr/bin/tshark).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { captureH2 } from './capture-h2.ts';
import { capturePage, startHeadRecorder, type RecordedRequest } from './head-recorder.ts';
import { CAPTURE_PAGE_PATH, CAPTURED_COOKIES, type BrowserCapture, type CapturedPass, type RequestKind } from '../load/headers.ts';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const DEFAULT_OUT = fileURLToPath(new URL('../load/captures/chromium.json', import.meta.url));

/** The page: one request of each kind, in order, then `document.title = 'done'`. */
const PAGE = capturePage({ polls: 1, secure: false });

/** The capture page's own request paths (scripts/head-recorder.ts answers them), by request kind. */
const KIND_BY_PATH: Readonly<Record<string, RequestKind>> = {
  '/poll': 'poll',
  '/longpoll': 'longPoll',
  '/sse': 'eventSource',
  '/publish': 'publish',
  '/ws': 'upgrade',
};

const DEFAULT_OUT_H2 = fileURLToPath(new URL('../load/captures/chromium-h2.json', import.meta.url));

function parseArgs(argv: readonly string[]): { chromiumPath: string; out: string | null; h2: boolean; tshark: string } {
  const options = { chromiumPath: DEFAULT_CHROMIUM, out: null as string | null, h2: false, tshark: '/usr/bin/tshark' };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (argv[i] === '--h2') {
      options.h2 = true;
      i--;
    } else if (argv[i] === '--chromium' && value !== undefined) options.chromiumPath = value;
    else if (argv[i] === '--out' && value !== undefined) options.out = value;
    else if (argv[i] === '--tshark' && value !== undefined) options.tshark = value;
    else
      throw new Error(
        `unknown option ${JSON.stringify(argv[i])}; usage: npm run headers:capture -- [--h2] [--chromium PATH] [--tshark PATH] [--out FILE]`,
      );
  }
  return options;
}

/** One pass of the page in a fresh browser profile; the recorder's heads sorted by kind. */
export async function capturePass(chromiumPath: string, withCookie: boolean): Promise<CapturedPass> {
  const setCookies = withCookie
    ? CAPTURED_COOKIES.map(([name, value]): [string, string] => ['Set-Cookie', `${name}=${value}; Path=/`])
    : [];
  const recorder = await startHeadRecorder({ [CAPTURE_PAGE_PATH]: { html: PAGE, headers: setCookies } });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${recorder.url}${CAPTURE_PAGE_PATH}`);
    await page.waitForFunction(() => document.title === 'done', null, { timeout: 20_000 });
    await context.close();
    const requests: Partial<Record<RequestKind, string[]>> = {};
    for (const request of recorder.requests) {
      const kind = KIND_BY_PATH[request.path.split('?')[0] ?? ''];
      if (kind !== undefined && requests[kind] === undefined) requests[kind] = request.headers.map(([name, value]) => `${name}: ${value}`);
    }
    const missing = Object.values(KIND_BY_PATH).filter((kind) => requests[kind] === undefined);
    if (missing.length > 0)
      throw new Error(
        `the page made no ${missing.join(', ')} request; recorded: ${recorder.requests.map((r: RecordedRequest) => `${r.method} ${r.path}`).join(', ')}`,
      );
    return { origin: recorder.url, requests: requests as Record<RequestKind, string[]> };
  } finally {
    await browser.close();
    await recorder.close();
  }
}

async function main(): Promise<void> {
  const { chromiumPath, out: given, h2, tshark } = parseArgs(process.argv.slice(2));
  if (h2) {
    const out = given ?? DEFAULT_OUT_H2;
    const capture = await captureH2(chromiumPath, tshark);
    writeFileSync(out, `${JSON.stringify(capture, null, 2)}\n`);
    process.stderr.write(`headers:capture: wrote ${out} (${String(capture.browser)})\n`);
    return;
  }
  const out = given ?? DEFAULT_OUT;
  const plain = await capturePass(chromiumPath, false);
  const cookie = await capturePass(chromiumPath, true);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const version = browser.version();
  await browser.close();
  const capture = {
    capturedOn: new Date().toISOString().slice(0, 10),
    browser: `Chromium ${version} (${chromiumPath}, headless)`,
    how: 'npm run headers:capture: a page on scripts/head-recorder.ts (raw TCP, heads kept byte for byte) made one fetch() poll, long poll and POST, one EventSource and one WebSocket',
    pagePath: CAPTURE_PAGE_PATH,
    plain,
    cookie,
  };
  // JSON, not a module: data read at run time (load/headers.ts), which a capture rewrites whole.
  const text = `${JSON.stringify(capture satisfies BrowserCapture, null, 2)}\n`;
  writeFileSync(out, text);
  process.stderr.write(`headers:capture: wrote ${out} (${capture.browser})\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
