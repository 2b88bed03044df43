/**
 * A result merged from shards is only as precise as the shards' clocks: every place the terminal,
 * summary.md and report.html print its latency shows the bound beside it (the per-shard table
 * with each shard's offset ± bound) and no figure finer than the worst bound. The same file
 * without the bound prints the finer figures, so the test sees the rule, not the fixture.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { renderSummary } from '../../reports/terminal.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderHtml } from '../../reports/html.ts';
import { buildCharts } from '../../reports/charts.ts';
import { boundCeiling, formatBoundedMs } from '../../reports/format.ts';
import { loadFixture } from './helpers.ts';

const BOUND_MS = 0.3;

/** The fixture's header-overhead scenario alone (p50 0.203, p99 0.453, max 0.699 ms for websocket), as a merge of 2 shards or not. */
function merged(withBound: boolean): ResultsFile {
  const results = loadFixture();
  const scenario = results.scenarios.find((s) => s.id === 'header-overhead')!;
  const websocket = scenario.results.websocket!;
  assert.ok(websocket.state === 'completed');
  assert.deepEqual([websocket.latencyMs.p50, websocket.latencyMs.p99, websocket.latencyMs.max], [0.203, 0.453, 0.699]);
  // As pushbench merge writes it: no floor and no publisher round trip (the coordinator published), so no latency decomposition.
  const { floor: _floor, ...rest } = scenario;
  const only = { ...rest, results: { websocket: { ...websocket, publisher: null } } };
  if (!withBound) return { ...results, scenarios: [only] };
  return {
    ...results,
    scenarios: [{ ...only, clockBoundMs: BOUND_MS }],
    shards: {
      runId: 'run-7',
      count: 2,
      clientsTotal: 20,
      clientsCovered: 10,
      worstBoundMs: BOUND_MS,
      maxBoundMs: 5,
      rows: [
        {
          index: 0,
          status: 'merged',
          reason: null,
          host: 'node-a',
          clients: 10,
          delivered: 300,
          expected: 300,
          lost: 0,
          p50Ms: 0.203,
          p99Ms: 0.453,
          offsetMs: 1.234,
          boundMs: BOUND_MS,
          driftMsPerS: 0.0001,
          generatorCpuPercent: 12,
        },
        {
          index: 1,
          status: 'missing',
          reason: 'no result given (the pod died, or its log was not collected)',
          host: null,
          clients: 10,
          delivered: null,
          expected: null,
          lost: null,
          p50Ms: null,
          p99Ms: null,
          offsetMs: null,
          boundMs: null,
          driftMsPerS: null,
          generatorCpuPercent: null,
        },
      ],
    },
  };
}

function outputs(results: ResultsFile): { terminal: string; markdown: string; html: string } {
  const charts = buildCharts(results);
  return {
    terminal: renderSummary(results, { verbose: true }),
    markdown: renderMarkdown(results, { charts }),
    html: renderHtml(results, { charts, chartJsSource: '' }),
  };
}

test('bounded latency text by hand: rounded to the bound, "< bound" (rounded up) within it, unchanged without one', () => {
  assert.equal(formatBoundedMs(0.203, BOUND_MS), '< 0.3 ms');
  assert.equal(formatBoundedMs(0.453, BOUND_MS), '0.5 ms');
  assert.equal(formatBoundedMs(23.14, 0.377), '23.1 ms');
  assert.equal(formatBoundedMs(1.234, 0.05), '1.23 ms');
  assert.equal(formatBoundedMs(973.4, 0.377), '973 ms');
  assert.equal(formatBoundedMs(3.21, 4.2), '< 5 ms', 'a bound of 4.2 prints as 5: "< 4" would claim more than the clocks know');
  assert.equal(formatBoundedMs(0.203, undefined), '0.203 ms');
  assert.equal(formatBoundedMs(0.203, 0), '0.203 ms');
  assert.deepEqual([0.377, 4.2, 0.3, 0.7, 1, 0.0012].map(boundCeiling), [0.4, 5, 0.3, 0.7, 1, 0.002]);
});

test('without a clock bound the same figures print at full precision (the contrast the next test relies on)', () => {
  const { terminal, markdown, html } = outputs(merged(false));
  for (const text of [markdown, html]) {
    assert.ok(text.includes('0.203 ms'), 'p50 printed to the microsecond');
    assert.ok(text.includes('0.453 ms'), 'p99 printed to the microsecond');
  }
  assert.match(terminal, /websocket .* 0\.203 +0\.453 /);
});

test('merged from shards: terminal, summary.md and report.html print the bound beside the latencies and nothing finer', () => {
  const { terminal, markdown, html } = outputs(merged(true));
  for (const [name, text] of [
    ['terminal', terminal],
    ['summary.md', markdown],
    ['report.html', html],
  ] as const) {
    for (const fine of ['0.203', '0.453', '0.699']) {
      // Chart data in report.html is drawn, not printed; its caption states the bound (below).
      const printed = name === 'report.html' ? text.replace(/<script[\s\S]*?<\/script>/g, '') : text;
      assert.ok(!printed.includes(fine), `${name} prints ${fine}, finer than ±${BOUND_MS} ms`);
    }
    // Each shard's offset ± bound, beside the figures, and the shard left out, named.
    assert.ok(text.includes('1.234 ± 0.300'), `${name}: shard 0's offset and bound`);
    assert.match(text, /[Ss]hard 1 not merged: no result given .*its 10 clients are unmeasured, not lost/, name);
  }
  // The compact terminal row: p50 within the bound, p99 to one decimal; max in the verbose table.
  assert.match(terminal, /websocket .* < 0\.3 +0\.5 /);
  assert.match(terminal, /latencies known to within ±0\.300 ms/);
  assert.match(terminal, /websocket +[\d.]+ +0\.7 /);
  assert.match(markdown, /\| WebSocket \| [^|]+ \| [^|]+ \| &lt; 0\.3 ms \| 0\.5 ms \|/);
  assert.match(markdown, /\| 0 \| merged \| 10 \| 300\/300 \| 0 \| &lt; 0\.3 \| 0\.5 \| 1\.234 ± 0\.300 \|/);
  assert.ok(markdown.includes("WebSocket's p99 latency is 0.5 ms"), 'the finding says no more than the table');
  assert.match(html, /<td class="num">&lt; 0\.3 ms<\/td>\s*<td class="num">0\.5 ms<\/td>\s*<td class="num">0\.7 ms<\/td>/);
  assert.ok(
    html.includes('Merged from shards: latencies are known to within ±0.300 ms'),
    'the latency charts say how far they can be read',
  );
});
