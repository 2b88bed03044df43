/**
 * The reports say which header profile each scenario used, whether it carries a cookie and
 * where it came from, and show a kaazing-2010 run's bytes per poll beside the 2010 figures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompletedResult, ResultsFile } from '../../core/results.ts';
import { buildKaazingComparison } from '../../reports/extrapolation.ts';
import { renderAll } from '../../reports/index.ts';
import { completedOf, loadFixture, sectionById } from './helpers.ts';

async function render(results: ResultsFile): Promise<{ html: string; md: string }> {
  const [html, md] = await renderAll(results, ['html', 'markdown']);
  return { html: String(html?.content), md: String(md?.content) };
}

test('each scenario names its profile, its cookie and its source; every request kind is listed', async () => {
  const { html, md } = await render(loadFixture());
  const scenario = sectionById(html, 'scenario-header-overhead');
  assert.ok(
    scenario.includes(
      '<dt>Header profile</dt><dd>browser, with a cookie: Chromium 131 captured on 2025-11-20 (npm run headers:capture), with five first-party cookies</dd>',
    ),
    scenario.slice(0, 2000),
  );
  assert.ok(
    html.includes(
      '<p>Source: Chromium 131 captured on 2025-11-20 (npm run headers:capture), with five first-party cookies. <strong>With a cookie</strong> on every request.</p>',
    ),
  );
  assert.ok(html.includes('<strong>No cookie.</strong>'), 'the minimal profile says it has none');
  assert.match(
    html,
    /<caption>WebSocket upgrade \(the client adds Sec-WebSocket-Key[^<]*<\/caption>[\s\S]*?<td>sec-websocket-extensions<\/td><td>permessage-deflate; client_max_window_bits<\/td>/,
  );
  assert.ok(
    md.includes(
      'Headers: browser, with a cookie: Chromium 131 captured on 2025-11-20 (npm run headers:capture), with five first-party cookies.',
    ),
    md.slice(0, 3000),
  );
});

test('a run with the kaazing-2010 profile: bytes per poll measured beside the 2010 figures', async () => {
  const results = loadFixture();
  assert.equal(buildKaazingComparison(results), null, 'no kaazing-2010 scenario in the fixture itself');
  const scenario = results.scenarios.find((s) => s.id === 'header-overhead')!;
  scenario.params.headers = 'kaazing-2010';
  const polling = completedOf(results, 'header-overhead', 'polling') as CompletedResult;
  // Worked out from the fixture's own counters: (up + down) / polls.
  const perPoll = (polling.bytes.up + polling.bytes.down) / polling.requests!.total;
  const k = buildKaazingComparison(results)!;
  assert.equal(k.technique, 'polling');
  assert.equal(k.bytesPerPoll, perPoll);
  assert.equal(k.requestHeadBytes, polling.model!.requestHeadBytes);
  assert.deepEqual(k.published, { request: 692, response: 179, total: 871, withLineEnds: 909 });
  const { html, md } = await render(results);
  const section = sectionById(html, 'extrapolation');
  assert.match(section, /<h3>The 2010 example, measured<\/h3>/);
  assert.match(
    section,
    /<tr><th scope="row">2010, as published: header characters without line ends<\/th><td class="num">692<\/td><td class="num">179<\/td><td class="num">871<\/td><\/tr>/,
  );
  assert.match(section, /<tr><th scope="row">2010 lines with their line ends<\/th><td><\/td><td><\/td><td class="num">909<\/td><\/tr>/);
  assert.ok(md.includes('## The 2010 example, measured'));
  assert.ok(md.includes('| *2010, as published: header characters without line ends* | 692 | 179 | 871 |'));
});
