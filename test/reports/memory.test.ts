/** Memory per connection too small to attribute is said so, not shown as 0 B or as noise. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { CompletedResult, ResultsFile } from '../../core/results.ts';
import { buildCharts } from '../../reports/charts.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderScenarioTable } from '../../reports/terminal.ts';
import { parseResults } from '../../core/results-validate.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as ResultsFile;

test('a null memory per connection validates, renders as below resolution and leaves a gap in the chart', () => {
  const results = structuredClone(fixture);
  const sweep10 = results.scenarios.find((s) => s.id === 'sweep-10')!;
  const ws = sweep10.results.websocket as CompletedResult;
  ws.server = { ...ws.server!, bytesPerConnection: null };
  assert.doesNotThrow(() => parseResults(JSON.stringify(results), 'results.json'));
  const html = renderHtml(results, { charts: buildCharts(results), chartJsSource: '' });
  assert.match(html, /&lt; 4\.00 MB in all/);
  assert.match(renderScenarioTable(sweep10), /^websocket .*\s—\s+ok$/m);
  assert.match(renderScenarioTable(sweep10, { verbose: true }), /websocket: mem\/conn — : the server's RSS grew less than 4 MB in all/);
  const memory = buildCharts(results).find((c) => c.id === 'sweep-memory')!;
  const line = memory.config.data.datasets.find((d) => d.label === 'WebSocket')!;
  assert.equal(line.data[0], null, 'the 10-client point is missing, not 0');
});
