/**
 * report.html in a real browser, opened from disk: no console error, no request but the file
 * itself, every chart drawn. Needs Debian's chromium (`apt-get install chromium`); skipped with
 * a message when /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { writeReports } from '../../cli/report.ts';
import { loadFixture, tempDir } from './helpers.ts';

const skip = skipWithoutChromium;

let browser: Browser | null = null;
let outDir = '';
let shotDir = '';

before(async () => {
  if (skip) return;
  outDir = await tempDir('browser-report');
  shotDir = await tempDir('browser-screenshot');
  await writeReports(loadFixture(), outDir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (outDir !== '') await rm(outDir, { recursive: true, force: true });
  // The screenshot folder is kept on purpose so its printed path can be opened.
});

test('report.html opens offline from disk, requests nothing, logs no error and draws every chart', { skip }, async (t) => {
  assert.ok(browser);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));

  const url = pathToFileURL(path.join(outDir, 'report.html')).href;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-charts-ready]');

  const canvases = await page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((canvas) => {
      const ctx = canvas.getContext('2d');
      if (ctx === null || canvas.width === 0 || canvas.height === 0) return { id: canvas.id, painted: 0 };
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++;
      return { id: canvas.id, painted };
    }),
  );
  const ready = await page.evaluate(() => Number(document.documentElement.getAttribute('data-charts-ready')));

  const screenshot = path.join(shotDir, 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);
  await page.close();

  assert.deepEqual(errors, []);
  assert.deepEqual(requests, [url]);
  // 28 charts less the five empty-responses charts where every technique is at 0% (they are one sentence each),
  // plus the verdict's copy of the headline scenario's bytes chart.
  assert.equal(canvases.length, 24);
  assert.equal(ready, canvases.length, 'every canvas got a chart');
  for (const { id, painted } of canvases) assert.ok(painted > 1000, `${id} has drawn pixels (${painted})`);
});
