/**
 * The live demo's "where am I on the map" view: run/demo-map.ts's answer against the crossover
 * worked out by hand (long polling against short polling in bytes: about one message per poll),
 * its bounds and its 400s; the server's `GET /demo/map` (404 without a view); and in headless
 * Chromium the view's marker at the page's poll interval, its winner, and both moving when the
 * interval changes. The browser part needs Debian's chromium and is skipped with a message
 * without it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { DEMO_MAP_INTERVALS_MS, DEMO_MAP_RATES, demoMapAnswer, demoMapView, type DemoServerSettings } from '../../run/demo-map.ts';

const POLLS: DemoServerSettings = { techniques: ['polling', 'longpoll'], rate: 1, payloadBytes: 64, holdMs: 30_000, wire: 'http' };
const query =
  (values: Record<string, string>) =>
  (name: string): string | null =>
    values[name] ?? null;

describe('the view from the model', () => {
  test('short polling against long polling in bytes: long polling wins below one message per poll, short polling above', () => {
    const view = demoMapView(POLLS, { intervalMs: 1000, clients: 1, rttMs: 0.5, criterion: 'bytes' });
    const row = view.rows.find((r) => r.intervalMs === 1000)!;
    // By hand: short polling pays a poll (Q + H0 + 2 B when empty) every second, long polling an
    // answer per message: at 0.1 msg/s ten polls per message cost more; at 10 msg/s one poll carries ten.
    const at = (rate: number) => row.cells.find((c) => c.rate === rate)!.technique;
    assert.equal(at(0.1), 'longpoll');
    assert.equal(at(10), 'polling');
    // And with 250 ms polls, at 1 msg/s (four polls per message), long polling.
    const quick = demoMapView(POLLS, { intervalMs: 250, clients: 1, rttMs: 0.5, criterion: 'bytes' });
    assert.equal(quick.here.find((h) => h.criterion === 'bytes')!.technique, 'longpoll');
    const slow = demoMapView(POLLS, { intervalMs: 5000, clients: 1, rttMs: 0.5, criterion: 'bytes' });
    assert.equal(slow.here.find((h) => h.criterion === 'bytes')!.technique, 'polling');
  });

  test('the grid holds the view rates and intervals plus the current ones; the marker is the current point', () => {
    const view = demoMapView({ ...POLLS, rate: 2 }, { intervalMs: 750, clients: 3, rttMs: 0, criterion: 'p50' });
    assert.deepEqual(
      view.rates,
      [...DEMO_MAP_RATES, 2].sort((a, b) => a - b),
    );
    assert.deepEqual(
      view.intervalsMs,
      [...DEMO_MAP_INTERVALS_MS, 750].sort((a, b) => a - b),
    );
    assert.equal(view.rows.length, 6);
    assert.ok(view.rows.every((r) => r.cells.length === 10));
    assert.deepEqual(view.marker, { rate: 2, intervalMs: 750 });
    assert.deepEqual(
      view.here.map((h) => h.criterion),
      ['bytes', 'bandwidth', 'p50', 'p99', 'cpu', 'memory'],
    );
    // The demo measures no CPU or memory per message: no winner there, said so.
    assert.deepEqual(
      view.here.filter((h) => h.technique === null).map((h) => [h.criterion, h.label]),
      [
        ['cpu', 'not measured here'],
        ['memory', 'not measured here'],
      ],
    );
    assert.equal(view.settings.clients, 3);
  });

  test('rate 0: the grid, no marker, and the note says why', () => {
    const view = demoMapView({ ...POLLS, rate: 0 }, { intervalMs: 1000, clients: 1, rttMs: 0, criterion: 'bytes' });
    assert.equal(view.marker, null);
    assert.deepEqual(view.here, []);
    assert.match(view.note, /rate 0/);
  });

  test('bad query values: 400 naming each value received and what is allowed', () => {
    const answer = demoMapAnswer(POLLS, query({ interval: '5', clients: '0', rtt: '-1', criterion: '<b>' }));
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error:
        'invalid interval: received "5"; expected an integer from 10 to 600000; invalid clients: received "0"; expected an integer from 1 to 20000; ' +
        'invalid rtt: received "-1"; expected a number from 0 to 10000; invalid criterion: received "<b>"; allowed: bytes, bandwidth, p50, p99, cpu, memory',
    });
    const ok = demoMapAnswer(POLLS, query({}));
    assert.equal(ok.status, 200);
    assert.deepEqual((ok.body as { settings: { intervalMs: number; clients: number } }).settings.intervalMs, 1000);
  });
});

describe('GET /demo/map', () => {
  let withView: PushServer | null = null;
  let without: PushServer | null = null;
  before(async () => {
    withView = await startServer({ rate: 0, techniques: POLLS.techniques, demoMap: (get) => demoMapAnswer({ ...POLLS, rate: 0 }, get) });
    without = await startServer({ rate: 0 });
  });
  after(async () => {
    await withView?.close();
    await without?.close();
  });

  test('answers the view as JSON, a 400 for a bad value, and 404 on a server without a view', async () => {
    const good = await fetch(`${withView!.url}/demo/map?interval=250&clients=2&rtt=0.3&criterion=bytes`);
    assert.equal(good.status, 200);
    assert.match(good.headers.get('content-type') ?? '', /application\/json/);
    const body = (await good.json()) as { settings: { intervalMs: number; clients: number }; rows: unknown[] };
    assert.deepEqual([body.settings.intervalMs, body.settings.clients, body.rows.length], [250, 2, 5]);
    const bad = await fetch(`${withView!.url}/demo/map?interval=abc`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /invalid interval: received "abc"/);
    const none = await fetch(`${without!.url}/demo/map`);
    assert.equal(none.status, 404);
    await none.body?.cancel();
  });
});

const WAIT_MS = 15_000;

describe('the map view in headless Chromium', { skip: skipWithoutChromium }, () => {
  let browser: Browser | null = null;
  let server: PushServer | null = null;
  before(async () => {
    server = await startServer({ rate: 1, techniques: POLLS.techniques, demoMap: (get) => demoMapAnswer(POLLS, get) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the marker sits at the page poll interval with its winner, and moves when the interval changes', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${server!.url}/demo`, { waitUntil: 'load' });
    const marker = '[data-map="grid"] td[data-marker="true"]';
    const markerAt = (interval: string) =>
      page
        .waitForFunction((selector) => document.querySelector(selector)?.getAttribute('data-interval'), marker, { timeout: WAIT_MS })
        .then(() =>
          page.waitForFunction(
            ([selector, want]) => document.querySelector(selector!)?.getAttribute('data-interval') === want,
            [marker, interval],
            { timeout: WAIT_MS },
          ),
        );
    const read = () =>
      page.evaluate((selector) => {
        const cell = document.querySelector(selector);
        const here = document.querySelector('[data-map="here"] li[data-criterion="bytes"]');
        return {
          rate: cell?.getAttribute('data-rate'),
          interval: cell?.getAttribute('data-interval'),
          technique: cell?.getAttribute('data-technique'),
          text: cell?.textContent,
          here: here?.getAttribute('data-technique'),
          markers: document.querySelectorAll('[data-marker="true"]').length,
          hidden: document.querySelector('[data-map="view"]')?.hasAttribute('hidden'),
        };
      }, marker);

    // The page polls every 1 s by default: at 1 msg/s, one message per poll.
    await markerAt('1000');
    const first = await read();
    assert.deepEqual([first.rate, first.interval, first.markers, first.hidden], ['1', '1000', 1, false]);
    assert.equal(first.technique, first.here);

    await page.selectOption('[data-technique="polling"] select[data-field="interval"]', '250');
    await markerAt('250');
    const quick = await read();
    assert.deepEqual([quick.rate, quick.interval, quick.technique, quick.text, quick.here], ['1', '250', 'longpoll', 'LP', 'longpoll']);

    await page.selectOption('[data-technique="polling"] select[data-field="interval"]', '5000');
    await markerAt('5000');
    const slow = await read();
    assert.deepEqual([slow.rate, slow.interval, slow.technique, slow.text, slow.here], ['1', '5000', 'polling', 'SP', 'polling']);
    assert.match((await page.locator('[data-map="settings"]').textContent()) ?? '', /1 msg\/s, short polls every 5 s/);
    await page.close();
    assert.deepEqual(errors, []);
  });
});
