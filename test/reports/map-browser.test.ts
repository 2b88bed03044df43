/**
 * The decision map in report.html, in a real browser opened from disk: the map's script runs
 * without an error, pointing at a measured cell shows its numbers (every technique's figure and
 * n) in the panel under the map, and the SVG heatmaps have a cell per grid point. Needs Debian's
 * chromium, like test/reports/browser.test.ts; skipped with a message when it is missing.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { writeReports } from '../../cli/report.ts';
import { loadFixtureWithMap, tempDir } from './helpers.ts';

const skip = skipWithoutChromium;

let browser: Browser | null = null;
let outDir = '';
let shotDir = '';

before(async () => {
  if (skip) return;
  outDir = await tempDir('browser-map');
  shotDir = await tempDir('browser-map-screenshot');
  await writeReports(await loadFixtureWithMap(), outDir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (outDir !== '') await rm(outDir, { recursive: true, force: true });
});

test('the map in report.html: hovering a measured cell shows its numbers and n', { skip }, async (t) => {
  assert.ok(browser);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(path.join(outDir, 'report.html')).href, { waitUntil: 'load' });
  await page.waitForSelector('html[data-map-ready]');

  assert.equal(await page.locator('#map-p50 .map-cell').count(), 3 * 2 * 2, 'a cell per rate, interval and client count');
  const detail = page.locator('#map-bytes .map-detail');
  assert.match((await detail.textContent()) ?? '', /^Point at a cell/);
  const cell = page.locator('#map-bytes .map-cell[data-measured="true"][data-rate="10"][data-clients="10"]');
  await cell.scrollIntoViewIfNeeded();
  await cell.hover();
  const text = (await detail.textContent()) ?? '';
  assert.match(text, /^10 msg\/s, 250 ms polls, 10 clients: bytes per delivered message/);
  assert.match(text, /WebSocket: [\d.,]+ B measured \(n = 3000 from 300 messages, run 1x faster\), model [\d.,]+ B/);
  assert.equal(text.split('\n').length, 5, 'a line per technique');

  const shot = path.join(shotDir, 'map.png');
  await page.locator('#decision-map').screenshot({ path: shot });
  t.diagnostic(`screenshot: ${shot}`);
  assert.deepEqual(errors, []);
  await page.close();
});
