/**
 * A hostile results.json, rendered by `pushbench report` and opened in a real browser: every
 * string field of the file (titles, ids, groups, descriptions, the command, the environment,
 * header names and values, formulas, errors, micro-benchmark names) carries `</script>`, an
 * `<img onerror>`, an `<svg onload>`, quotes of both kinds and a comment opener. The page's
 * CSP allows inline script (chart.js needs it), so an injected handler would run: the test
 * asserts none did (the title is unchanged, no flag was set, no injected element exists, the
 * page has its own three scripts only) and that the strings were shown as text. Needs Debian's
 * chromium (`apt-get install chromium`); skipped with a message when /usr/bin/chromium is missing.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.ts';
import { runCli } from '../helpers/cli.ts';
import { FIXTURE_PATH, tempDir } from './helpers.ts';

const skip = skipWithoutChromium;

const TITLE = 'pushbench report: polling, long polling, SSE and WebSocket compared';
/** Each vector, if it got through, would set the title, a global flag, or add an element with id `injected`. */
const HOSTILE =
  ` "'></script><script>document.title='pwned';window.__pwned=1</script>` +
  `<img id="injected" src=x onerror="document.title='pwned';window.__pwned=1">` +
  `<svg id="injected" onload="window.__pwned=1"></svg>` +
  `' onmouseover='window.__pwned=1' data-x="<!-- </style><b id=injected>`;

/**
 * Fields a valid results file constrains (enums, the histogram encoding, `tool.name`, `createdAt`,
 * which must be an RFC 3339 date-time): everything else gets the payload.
 */
const CONSTRAINED = new Set(['state', 'workload', 'headers', 'histogram', 'technique', 'createdAt', 'side']);

/** Appends HOSTILE to every free string of `value`, in place; returns how many fields it changed. */
function poison(value: unknown, key = ''): number {
  let changed = 0;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (typeof item === 'string') {
        value[i] = item + HOSTILE;
        changed++;
      } else changed += poison(item, key);
    });
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) {
      if (typeof v === 'string') {
        if (!CONSTRAINED.has(k) && !(key === 'tool' && k === 'name')) {
          record[k] = v + HOSTILE;
          changed++;
        }
      } else changed += poison(v, k);
    }
  }
  return changed;
}

let browser: Browser | null = null;
let dir = '';
let poisoned = 0;

before(async () => {
  if (skip) return;
  dir = await tempDir('browser-hostile');
  const results = JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as Record<string, unknown>;
  poisoned = poison(results);
  const file = path.join(dir, 'hostile.json');
  writeFileSync(file, JSON.stringify(results));
  // The real command: the file is read, validated and rendered as a user's would be.
  const rendered = await runCli(['report', file, '--out', dir]);
  assert.equal(rendered.code, 0, rendered.stderr);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

test('a results.json with markup in every string field runs no injected script in Chromium', { skip }, async () => {
  assert.ok(browser);
  assert.ok(poisoned > 90, `the payload went into ${poisoned} string fields`);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  const url = pathToFileURL(path.join(dir, 'report.html')).href;
  await page.goto(url, { waitUntil: 'load' });
  // Give any injected handler (onload, onerror) every chance to fire before looking; a page
  // broken by injected markup may never finish drawing, so the charts are waited for after.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));

  const seen = await page.evaluate(() => ({
    title: document.title,
    flag: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
    injected: document.querySelectorAll('#injected, img, [onerror], [onload], [onmouseover], b').length,
    scripts: document.querySelectorAll('script').length,
    text: document.body.textContent ?? '',
  }));
  assert.equal(seen.title, TITLE, 'the page title is unchanged');
  assert.equal(seen.flag, null, 'no injected script or handler ran');
  assert.equal(seen.injected, 0, 'no injected element exists');
  assert.equal(seen.scripts, 3, 'the JSON block, chart.js and the boot script, nothing else');

  await page.waitForSelector('html[data-charts-ready]', { timeout: 15_000 });
  const drawn = await page.evaluate(() => ({
    charts: Number(document.documentElement.getAttribute('data-charts-ready')),
    canvases: document.querySelectorAll('canvas').length,
    title: document.title,
    flag: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
  }));
  await page.close();

  assert.ok(drawn.charts > 0 && drawn.charts === drawn.canvases, `every chart still drew (${drawn.charts} of ${drawn.canvases})`);
  assert.equal(drawn.title, TITLE, 'still unchanged once the charts were drawn');
  assert.equal(drawn.flag, null);
  assert.ok(seen.text.includes(HOSTILE), 'the payload is shown as text, verbatim');
  assert.deepEqual(requests, [url], 'nothing was requested (an injected <img src> would have been)');
  assert.deepEqual(pageErrors, []);
});
