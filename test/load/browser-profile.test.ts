/**
 * The `browser` profiles come from a real Chromium capture with three documented
 * substitutions; the permessage-deflate offer is made by ws with the very bytes Chromium
 * sends; the head recorder keeps heads byte for byte; and (when Debian's chromium is
 * installed) a fresh capture still has the bundled header lines.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import WebSocket from 'ws';
import { startHeadRecorder, type HeadRecorder } from '../../scripts/head-recorder.ts';
import {
  CHROMIUM_CAPTURE,
  CLIENT_WRITTEN_HEADERS,
  deflateOfferOptions,
  HEADER_PROFILES,
  PROFILE_ORIGIN,
  REQUEST_KINDS,
  wsUpgradeHeaders,
} from '../../load/headers.ts';

const CHROMIUM = '/usr/bin/chromium';
const skipBrowser = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: install it with \`apt-get install chromium\` to run the capture test`;

/** The name of a captured `Name: value` line. */
const nameOf = (line: string): string => line.slice(0, line.indexOf(':'));

let recorder: HeadRecorder;
before(async () => {
  recorder = await startHeadRecorder({ '/page': { html: '<p>hi</p>' } });
});
after(() => recorder.close());

test("browser: the capture with its origin, the headless user agent and the client's own lines replaced", () => {
  const browser = HEADER_PROFILES.browser;
  for (const kind of REQUEST_KINDS) {
    const list = browser[kind];
    assert.ok(list.length > 0, kind);
    for (const [name, value] of list) {
      assert.ok(!CLIENT_WRITTEN_HEADERS.includes(name.toLowerCase()), `${kind}: ${name} is the client's own`);
      assert.ok(!value.includes('127.0.0.1') && !value.includes('HeadlessChrome'), `${kind}: ${name}: ${value}`);
    }
    // Everything else is the capture verbatim, in Chromium's order.
    const captured = CHROMIUM_CAPTURE.plain.requests[kind]
      .map(nameOf)
      .filter((name) => !CLIENT_WRITTEN_HEADERS.includes(name.toLowerCase()));
    assert.deepEqual(
      list.map(([name]) => name),
      captured,
      kind,
    );
  }
  assert.deepEqual(
    browser.poll.find(([name]) => name === 'Referer'),
    ['Referer', `${PROFILE_ORIGIN}/dashboard`],
  );
  assert.deepEqual(
    browser.publish.find(([name]) => name === 'Origin'),
    ['Origin', PROFILE_ORIGIN],
  );
  assert.match(browser.poll.find(([name]) => name === 'User-Agent')![1], / Chrome\/156\.0\.0\.0 Safari\/537\.36$/);
  assert.deepEqual(browser.upgrade.at(-1), ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits']);
  assert.equal(browser.cookie, false);
  assert.match(browser.source, /^Chromium 156\.0\.8078\.114 .* captured on \d{4}-\d{2}-\d{2} \(npm run headers:capture\), no cookie/);
});

test('browser-cookie: the same lines plus the 174-byte Cookie line where Chromium puts it', () => {
  const plain = HEADER_PROFILES.browser;
  const cookie = HEADER_PROFILES['browser-cookie'];
  assert.equal(cookie.cookie, true);
  for (const kind of REQUEST_KINDS) {
    const line = cookie[kind].find(([name]) => name === 'Cookie')!;
    assert.equal(`${line[0]}: ${line[1]}\r\n`.length, 174, kind);
    assert.deepEqual(
      cookie[kind].filter(([name]) => name !== 'Cookie'),
      plain[kind],
      kind,
    );
  }
  // After Accept-Language on fetch and EventSource; before the deflate offer on the upgrade.
  assert.deepEqual(cookie.poll.at(-1)![0], 'Cookie');
  assert.deepEqual(cookie.upgrade.map(([name]) => name).slice(-2), ['Cookie', 'Sec-WebSocket-Extensions']);
});

test('a permessage-deflate offer becomes the ws option that writes the same offer', () => {
  assert.deepEqual(deflateOfferOptions('permessage-deflate; client_max_window_bits'), {});
  assert.deepEqual(deflateOfferOptions('permessage-deflate'), { clientMaxWindowBits: 0 });
  assert.deepEqual(deflateOfferOptions('permessage-deflate; server_no_context_takeover; client_max_window_bits=10'), {
    serverNoContextTakeover: true,
    clientMaxWindowBits: 10,
  });
  assert.equal(deflateOfferOptions('x-webkit-deflate-frame'), null);
  assert.equal(deflateOfferOptions('permessage-deflate; client_max_window_bits=99'), null);
  const { headers, perMessageDeflate } = wsUpgradeHeaders(HEADER_PROFILES.browser.upgrade);
  assert.equal(
    Object.keys(headers).some((name) => name.toLowerCase() === 'sec-websocket-extensions'),
    false,
  );
  assert.deepEqual(perMessageDeflate, {});
  assert.equal(wsUpgradeHeaders(HEADER_PROFILES.minimal.upgrade).perMessageDeflate, false);
});

test("ws writes the browser profile's offer byte for byte as Chromium did, and the recorder keeps heads as written", async () => {
  for (const offer of [
    'permessage-deflate; client_max_window_bits',
    'permessage-deflate',
    'permessage-deflate; server_no_context_takeover; client_max_window_bits=10',
  ]) {
    const upgrade = wsUpgradeHeaders([
      ['Origin', PROFILE_ORIGIN],
      ['Sec-WebSocket-Extensions', offer],
    ]);
    const ws = new WebSocket(`${recorder.url.replace('http', 'ws')}/ws?since=0`, {
      headers: upgrade.headers,
      perMessageDeflate: upgrade.perMessageDeflate,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.terminate();
    const head = recorder.requests.at(-1)!;
    assert.deepEqual(
      head.headers.filter(([name]) => name === 'Sec-WebSocket-Extensions'),
      [['Sec-WebSocket-Extensions', offer]],
    );
    assert.deepEqual(head.headers[0], ['Origin', PROFILE_ORIGIN]);
  }
  const res = await request(`${recorder.url}/poll?since=0`, { headers: ['X-First', '1', 'x-second', 'two words'] });
  assert.equal(await res.body.text(), '[]');
  const head = recorder.requests.at(-1)!;
  assert.equal(head.method, 'GET');
  assert.equal(head.path, '/poll?since=0');
  assert.deepEqual(head.headers.slice(-2), [
    ['X-First', '1'],
    ['x-second', 'two words'],
  ]);
  assert.ok(head.raw.startsWith('GET /poll?since=0 HTTP/1.1\r\n') && head.raw.endsWith('x-second: two words\r\n\r\n'));
});

test("a fresh capture with Debian's Chromium has the bundled header lines, in order", { skip: skipBrowser }, async () => {
  const { capturePass } = await import('../../scripts/capture-headers.ts');
  const pass = await capturePass(CHROMIUM, false);
  for (const kind of REQUEST_KINDS) {
    assert.deepEqual(
      pass.requests[kind].map(nameOf),
      CHROMIUM_CAPTURE.plain.requests[kind].map(nameOf),
      `${kind}: recapture with npm run headers:capture if Chromium changed`,
    );
  }
});
