import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { buildCharts } from '../../reports/charts.ts';
import { renderAll } from '../../reports/index.ts';
import { loadFixture } from './helpers.ts';

let fixture: ResultsFile;
let md = '';

before(async () => {
  fixture = loadFixture();
  const [file] = await renderAll(fixture, ['markdown']);
  assert.equal(file?.file, 'summary.md');
  md = String(file?.content);
});

const lines = () => md.split('\n');

test('key-figure rows carry the fixture numbers', () => {
  assert.ok(lines().includes('| WebSocket | 58 B | 2 B | 0.203 ms | 0.453 ms | n = 3,000 from 30 messages | — (n 30) | 0 | 0.4% | — |'));
  assert.ok(
    lines().includes('| Short polling | 3,846 B | 3,706 B | 506 ms | 988 ms | n = 600 from 6 messages | — (n 6) | 0 | 0.8% | 80% |'),
  );
  assert.ok(
    lines().includes(
      '| Short polling | 493.8 B | 380.8 B | 247 ms \\[235–267 ms\\] | 495 ms \\[470–535 ms\\] | 5 runs, each n = 7,497 from 750 messages | 0.099 ms (n 750) | 3 | 0.8% \\[0.6–1%\\] unstable | 0% |',
    ),
  );
});

test("the machine's floor has its row beside the techniques, and the mean latency is split into lateness and transit", () => {
  assert.ok(
    lines().includes('| *Floor (bare ws)* | 58 B | 2 B | 0.204 ms | 0.463 ms | n = 3,000 from 30 messages | — (n 30) | 0 | 0.4% | — |'),
  );
  const split = lines().find((l) => l.startsWith('Mean latency = publisher lateness + transit: Short polling 492 ms'));
  assert.ok(split !== undefined);
  assert.ok(split.includes('WebSocket 0.223 ms = 0.018 ms + 0.205 ms'), split);
  assert.ok(split.includes('Floor (bare ws) 0.225 ms = 0.022 ms + 0.203 ms'), split);
  // 1 msg/s x 250 µs of spin = 0.025% of a core; 2 ms of wait per message blocks the loop 0.2% of the time.
  assert.ok(
    split.includes(
      "The publisher's precise wait cost 0.03% of a core, left out of server CPU, and blocked the server's event loop 0.2% of the window.",
    ),
    split,
  );
});

test('a failed technique has a row with its error', () => {
  assert.ok(
    lines().includes(
      '| Long polling | **failed: server process exited with code 1: EMFILE: too many open files** |  |  |  |  |  |  |  |  |',
    ),
  );
});

test('the extrapolation table is labelled and computed from the per-client figures', () => {
  assert.match(md, /\*\*extrapolated from the measured per-client figure\*\*/);
  assert.ok(lines().includes('| WebSocket | 58 B/s | 0.464 | 4.64 | 46.4 |'));
  assert.ok(lines().includes('| Short polling | 798 B/s | 6.38 | 63.8 | 638 |'));
  assert.ok(
    lines().includes('| *2010: Polling every second, 871 bytes of HTTP headers per request and response* | 871 B/s | 6.6 | 66 | 665 |'),
  );
});

test('every chart is linked as charts/<id>.png, with conclusions and the sweep group', () => {
  for (const spec of buildCharts(fixture)) assert.ok(md.includes(`](charts/${spec.id}.png)`), spec.id);
  assert.ok(md.includes('- WebSocket is the cheapest per delivered message: 58 B up and down, 14× less than Long polling (801 B).'));
  assert.ok(lines().includes('| 1,000 | 35.0 Mbit/s, CPU 17.1% | **failed** | 13.1 Mbit/s, CPU 4.6% | 11.5 Mbit/s, CPU 3.5% |'));
  assert.ok(
    md.includes('<pre><code>pushbench run --scenarios header-overhead,sweep,sparse,chat --duration 30s --headers browser</code></pre>'),
  );
});

test('summary.md carries the capacity probe and the session wall time, as the terminal prints them', async () => {
  const { renderMarkdown } = await import('../../reports/markdown.ts');
  const { loadFixture } = await import('./helpers.ts');
  const results = loadFixture();
  const md = renderMarkdown(results, { charts: [] });
  assert.match(
    md,
    /## Polling capacity on http \(HTTP\/1\.1\)\n\n<pre><code>Capacity on http \(HTTP\/1\.1\), browser headers \(3 load processes, 100 connections, 1000 ms warm-up, 3 rounds of 10000 ms\): the server answered 41,230 polls\/s \(median; rounds 40,950, 41,230, 41,500\)/,
  );
  // Escaped inside the <pre>: the terminal's arrows are text, not markup.
  assert.match(md, /poll every 250 ms -&gt; at most/);
  assert.match(md, /Session wall time: 96\.4 s\./);
  delete results.capacity;
  assert.doesNotMatch(renderMarkdown(results, { charts: [] }), /Polling capacity/);
});
