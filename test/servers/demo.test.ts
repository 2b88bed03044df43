/**
 * The live demo: `renderDemoPage` is self-contained and escapes its config; the server
 * answers `/demo`, `/stats` and the clock in `GET /`; `pushbench serve` names the page;
 * and in headless Chromium the four panes receive the feed, read the server's byte
 * counts, request nothing from another origin and log no error. The browser part needs
 * Debian's chromium (`apt-get install chromium`) and is skipped with a message without it.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { renderDemoPage } from '../../servers/demo-page.ts';
import { TECHNIQUES, type ServerStats, type TechniqueId } from '../../core/protocol.ts';
import { techniquesOn } from '../../core/wires.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { startCli } from '../helpers/cli.ts';

const ALL = { techniques: TECHNIQUES, rate: 2, payloadBytes: 16 } as const;
const HOSTILE = '</script><script>alert(1)</script><!--';
const CONFIG_BLOCK = /<script type="application\/json" id="pushbench-demo-config">([\s\S]*?)<\/script>/;

function techniquesShown(html: string): string[] {
  return [...html.matchAll(/<section class="pane" data-technique="([^"]*)"/g)].map((m) => m[1]!);
}

describe('renderDemoPage', () => {
  test('is self-contained: no URL to another origin, no external resource of any kind', () => {
    const html = renderDemoPage(ALL);
    assert.doesNotMatch(html, /https?:\/\//i);
    const references = [...html.matchAll(/\b(src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => `${m[1]}=${m[2]}`);
    assert.deepEqual(references, ['href=data:,'], 'the only reference is the empty inline favicon');
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    assert.ok(css.length > 0);
    assert.doesNotMatch(css, /\burl\(|@import|@font-face/i, 'no stylesheet resource');
    assert.doesNotMatch(
      html,
      /<(?:script|iframe|img|link|object|embed)[^>]*\s(?:src|href)\s*=\s*["']?\s*\/\//i,
      'no protocol-relative resource',
    );
    assert.match(html, /connect-src 'self'/, 'the page may only talk to the server that served it');
  });

  test('shows one pane per served technique, in the usual order', () => {
    assert.deepEqual(techniquesShown(renderDemoPage(ALL)), TECHNIQUES);
    assert.deepEqual(techniquesShown(renderDemoPage({ ...ALL, techniques: ['websocket', 'polling'] })), ['polling', 'websocket']);
  });

  test('a hostile config value cannot break out of the JSON block, and still parses back to itself', () => {
    const config = { techniques: ['polling', HOSTILE] as TechniqueId[], rate: 1, payloadBytes: 64 };
    const html = renderDemoPage(config);
    assert.equal(html.match(/<script/g)?.length, 2, 'no script element was opened by the value');
    assert.equal(html.match(/<\/script>/g)?.length, 2, 'no script element was closed by the value');
    assert.ok(!html.includes(HOSTILE));
    assert.ok(!html.includes('<!--'), 'no comment was opened');
    const block = CONFIG_BLOCK.exec(html)?.[1];
    assert.ok(block !== undefined);
    assert.ok(!block.includes('<'));
    assert.deepEqual(JSON.parse(block), config);
    assert.deepEqual(techniquesShown(html), ['polling'], 'an unknown technique gets no pane');
  });
});

describe('the server answers the demo, its stats and its clock', () => {
  let server: PushServer;
  let sseOnly: PushServer;
  before(async () => {
    server = await startServer({ rate: 0, payloadBytes: 24 });
    sseOnly = await startServer({ rate: 0, techniques: ['sse'] });
  });
  after(async () => {
    await server.close();
    await sseOnly.close();
  });

  test('GET /demo is the page, as UTF-8 HTML, with the server config embedded', async () => {
    const response = await fetch(`${server.url}/demo`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    const html = await response.text();
    assert.equal(Number(response.headers.get('content-length')), Buffer.byteLength(html));
    assert.deepEqual(techniquesShown(html), TECHNIQUES);
    assert.deepEqual(JSON.parse(CONFIG_BLOCK.exec(html)![1]!), { techniques: [...TECHNIQUES], rate: 0, payloadBytes: 24 });
    assert.deepEqual(techniquesShown(await (await fetch(`${sseOnly.url}/demo`)).text()), ['sse'], 'only the served techniques');
  });

  test('GET /stats is the server stats as JSON, with bytes per route', async () => {
    await fetch(`${server.url}/poll?since=0`);
    const response = await fetch(`${server.url}/stats`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const stats = (await response.json()) as ServerStats;
    assert.equal(typeof stats.bytesByRoute, 'object');
    assert.ok(stats.bytesByRoute.polling!.up > 0 && stats.bytesByRoute.polling!.down > 0);
    assert.ok(stats.bytesByRoute.other!.up > 0, 'the earlier page requests are counted under other');
    assert.equal(stats.techniques.polling!.requests, 1);
  });

  test('GET / carries the server clock, and the non-technique pages close their connection', async () => {
    const before = Math.floor(Number(process.hrtime.bigint() / 1000n));
    const response = await fetch(`${server.url}/`);
    const info = (await response.json()) as { now: unknown; head: number };
    assert.equal(typeof info.now, 'number');
    assert.ok((info.now as number) >= before, 'microseconds on the monotonic clock the messages are stamped with');
    // A kept-alive page connection could carry a technique's next request and count it under `other`.
    for (const page of ['/', '/demo', '/stats']) {
      const answer = await fetch(`${server.url}${page}`);
      await answer.arrayBuffer();
      assert.equal(answer.headers.get('connection'), 'close', page);
    }
    const poll = await fetch(`${server.url}/poll`);
    await poll.arrayBuffer();
    assert.equal(poll.headers.get('connection'), 'keep-alive', 'technique endpoints keep their connections');
  });

  test('POST /demo is not a page', async () => {
    const response = await fetch(`${server.url}/demo`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    await response.arrayBuffer();
  });
});

test('pushbench serve names the demo URL on its first line and tells to open it', async () => {
  const { child, firstLine, output, closed } = await startCli(['serve', '--rate', '0']);
  const info = JSON.parse(firstLine) as { url: string; demo: string };
  try {
    assert.equal(info.demo, `${info.url}/demo`);
    assert.equal((await fetch(info.demo)).status, 200);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await closed, 0);
  assert.match(output().stderr, new RegExp(`open ${info.demo.replace(/\./g, '\\.')} in a browser`));
});

// ---------------------------------------------------------------------------------------------

const skip = skipWithoutChromium;
/** Generous bounds for a loaded machine: the tests wait for events, never measure time. */
const WAIT_MS = 15_000;

describe('the demo page in headless Chromium', { skip }, () => {
  let browser: Browser | null = null;
  let server: PushServer | null = null;
  let sparse: PushServer | null = null;
  let shotDir = '';

  before(async () => {
    server = await startServer({ rate: 10 });
    sparse = await startServer({ rate: 1 });
    shotDir = await mkdtemp(path.join(os.tmpdir(), 'pushbench-demo-screenshot-'));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await sparse?.close();
    // The screenshot folder is kept on purpose so its printed path can be opened.
  });

  /** Opens the demo of `base`, recording console errors, HTTP requests and WebSocket URLs. */
  async function openDemo(base: string): Promise<{ page: Page; errors: string[]; requests: string[]; sockets: string[] }> {
    assert.ok(browser);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const sockets: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${base}/demo`, { waitUntil: 'load' });
    return { page, errors, requests, sockets };
  }

  function field(page: Page, technique: TechniqueId, name: string): Promise<string> {
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (the rendered text), not the DOM property
    return page.locator(`[data-technique="${technique}"] [data-field="${name}"]`).innerText();
  }

  test('every pane receives the feed, shows the server byte counts, and the page talks only to its server', async (t) => {
    const base = server?.url;
    assert.ok(server && base !== undefined);
    const { page, errors, requests, sockets } = await openDemo(server.url);

    // Each pane is a real client: wait until each has received 3 messages.
    await page.waitForFunction(
      (ids) =>
        ids.every(
          (id) => Number(document.querySelector(`[data-technique="${id}"] [data-field="received"]`)?.textContent?.replace(/,/g, '')) >= 3,
        ),
      [...TECHNIQUES],
      { timeout: WAIT_MS },
    );
    // The byte figures come from GET /stats every 2 s.
    await page.waitForFunction(
      (ids) =>
        ids.every((id) =>
          /B$/.test(document.querySelector(`[data-technique="${id}"] [data-field="bytes-per-message"]`)?.textContent ?? ''),
        ),
      [...TECHNIQUES],
      { timeout: WAIT_MS },
    );
    const shown: Record<string, { received: string; latency: string; bytes: string }> = {};
    for (const id of TECHNIQUES)
      shown[id] = {
        received: await field(page, id, 'received'),
        latency: await field(page, id, 'latency-mean'),
        bytes: await field(page, id, 'bytes-per-message'),
      };
    for (const id of TECHNIQUES) assert.match(shown[id]!.latency, /^-?[\d,]+\.\d ms$/, `${id} shows a latency`);
    const shownState: Record<string, string> = {};
    for (const id of TECHNIQUES) shownState[id] = await field(page, id, 'state');

    const screenshot = path.join(shotDir, 'demo.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);
    t.diagnostic(`panes: ${JSON.stringify(shown)}`);

    // Each technique's traffic landed under its own route: no client borrowed another's connection.
    const stats = server.stats();
    for (const id of TECHNIQUES)
      assert.ok((stats.bytesByRoute[id]?.down ?? 0) > 0, `bytes counted under ${id}: ${JSON.stringify(stats.bytesByRoute)}`);
    assert.equal(stats.techniques.sse!.requests, 1, 'one EventSource stream');
    assert.equal(stats.techniques.websocket!.requests, 1, 'one WebSocket');
    assert.equal(stats.techniques['websocket-deflate']!.requests, 1, 'one compressed WebSocket');
    // Chromium's own offer (permessage-deflate; client_max_window_bits) is accepted on the deflate endpoint only.
    assert.equal(shownState.websocket, 'socket open');
    assert.equal(shownState['websocket-deflate'], 'socket open (permessage-deflate)');
    await page.close();

    assert.deepEqual(errors, []);
    const foreign = requests.filter((url) => !url.startsWith(`${base}/`));
    assert.deepEqual(foreign, [], 'no request to another origin');
    assert.equal(sockets.length, 2, 'one WebSocket per WebSocket technique');
    assert.ok(
      sockets.some((url) => url.startsWith(`${base.replace('http', 'ws')}/ws?since=`)),
      sockets.join(', '),
    );
    assert.ok(
      sockets.some((url) => url.startsWith(`${base.replace('http', 'ws')}/ws-deflate?since=`)),
      sockets.join(', '),
    );
  });

  test('short polling every 250 ms at 1 msg/s counts requests that came back empty', async () => {
    assert.ok(sparse);
    const { page, errors, requests } = await openDemo(sparse.url);
    await page.selectOption('[data-technique="polling"] select[data-field="interval"]', '250');
    // Three of every four polls find nothing new; wait for one of them and one message.
    await page.waitForFunction(
      // No named function in here: tsx would wrap it in a helper the page does not have.
      (names) =>
        names.every(
          (name) => Number(document.querySelector(`[data-technique="polling"] [data-field="${name}"]`)?.textContent?.replace(/,/g, '')) > 0,
        ),
      ['empty', 'received'],
      { timeout: WAIT_MS },
    );
    assert.match(await field(page, 'polling', 'state'), /polling every 250 ms/);
    const empty = Number((await field(page, 'polling', 'empty')).replace(/,/g, ''));
    const made = Number((await field(page, 'polling', 'requests')).replace(/,/g, ''));
    assert.ok(empty > 0 && empty < made, `${empty} of ${made} requests came back empty`);
    assert.equal(await field(page, 'sse', 'state'), 'stream open');
    await page.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(
      requests.filter((url) => !url.startsWith(`${sparse!.url}/`)),
      [],
      'no request to another origin',
    );
  });
});

describe('the demo page over HTTP/2 + TLS (serve --wire h2) in headless Chromium', { skip }, () => {
  let browser: Browser | null = null;
  let server: PushServer | null = null;
  const onH2 = techniquesOn('h2');

  before(async () => {
    // What `pushbench serve --wire h2` starts: a self-signed certificate made at start, the techniques h2 carries.
    server = await startServer({ wire: 'h2', rate: 10, techniques: onH2 });
    browser = await launchChromium(['--ignore-certificate-errors']);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('every pane receives the feed over h2, the page and its requests travel on h2, the WebSocket opens by extended CONNECT', async (t) => {
    assert.ok(browser && server);
    const base = server.url;
    assert.match(base, /^https:\/\/127\.0\.0\.1:\d+$/);
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${base}/demo`, { waitUntil: 'load' });
    await page.waitForFunction(
      (ids) =>
        ids.every(
          (id) => Number(document.querySelector(`[data-technique="${id}"] [data-field="received"]`)?.textContent?.replace(/,/g, '')) >= 3,
        ),
      [...onH2],
      { timeout: WAIT_MS },
    );
    const shown: Record<string, string> = {};
    for (const id of onH2) shown[id] = `${await field(page, id, 'received')} received, ${await field(page, id, 'state')}`;
    t.diagnostic(`panes on h2: ${JSON.stringify(shown)}`);
    // The browser's own account of the protocol of every fetch it made (navigation and resources).
    const protocols = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map(
        (entry) => (entry as PerformanceResourceTiming).nextHopProtocol,
      ),
    );
    assert.ok(protocols.length > 1, `${protocols.length} timing entries`);
    assert.deepEqual([...new Set(protocols)], ['h2'], `protocols seen: ${protocols.join(', ')}`);
    const stats = server.stats();
    for (const id of onH2)
      assert.ok(
        (stats.bytesByRoute[id]?.down ?? 0) > 0 || (stats.techniques[id]?.messagesWritten ?? 0) > 0,
        `${id} was served: ${JSON.stringify(stats.techniques[id])}`,
      );
    assert.equal(stats.techniques.sse!.requests, 1, 'one EventSource stream');
    assert.equal(
      stats.techniques.websocket!.requests,
      1,
      'one WebSocket, opened as an extended CONNECT stream (the h2 server takes no HTTP/1.1 Upgrade)',
    );
    assert.equal(await field(page, 'websocket', 'state'), 'socket open');
    await context.close();
    assert.deepEqual(errors, []);
    assert.deepEqual(
      requests.filter((url) => !url.startsWith(`${base}/`)),
      [],
      'no request to another origin',
    );
  });

  function field(page: Page, technique: TechniqueId, name: string): Promise<string> {
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText (the rendered text), not the DOM property
    return page.locator(`[data-technique="${technique}"] [data-field="${name}"]`).innerText();
  }
});
