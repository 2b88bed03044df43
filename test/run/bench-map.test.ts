/**
 * The small map of `npm run bench` (run/bench-map.ts) over the committed fixture results.json:
 * its measured cells are the suite's scenario figures (bytes, p50, p99, bandwidth ÷ the time
 * scale), one point per distinct rate × interval × clients of the broadcast scenarios on
 * HTTP/1.1, the chat scenario and other wires left out, and the terminal lines fit 120 columns.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ResultsFile, Scenario } from '../../core/results.ts';
import { validateResults } from '../../core/results-validate.ts';
import { benchMap, benchMapPoints, BENCH_MAP_RATES, pointOf } from '../../run/bench-map.ts';
import { renderMapBrief } from '../../reports/map.ts';
import { FIXTURE_PATH } from '../fixtures/make-fixture.ts';

const fixture = (): ResultsFile => JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as ResultsFile;

test('a time-compressed scenario stands for the slower point: rate ÷ F, interval × F', () => {
  const scenario = { params: { rate: 5, intervalMs: 200, clients: 100 }, timeScale: 5 } as unknown as Scenario;
  assert.deepEqual(pointOf(scenario), { rate: 1, intervalMs: 1000, clients: 100, timeScale: 5 });
  const sparse = { params: { rate: 8, intervalMs: 25, clients: 100 }, timeScale: 40 } as unknown as Scenario;
  assert.deepEqual(pointOf(sparse), { rate: 0.2, intervalMs: 1000, clients: 100, timeScale: 40 });
});

test("the points are the fixture's broadcast scenarios of the most common payload, chat left out", () => {
  const { points } = benchMapPoints(fixture());
  // header-overhead has a 16 B payload, the four others 100 B: a map has one payload.
  assert.deepEqual(
    points.map((p) => [p.scenarioId, p.rate, p.intervalMs, p.clients]),
    [
      ['sweep-10', 10, 250, 10],
      ['sweep-100', 10, 250, 100],
      ['sweep-1000', 10, 250, 1000],
      ['sparse', 0.2, 1000, 100],
    ],
  );
});

test("the map's measured cells are the scenarios' own figures, and the grid is a few rates × their intervals × their clients", () => {
  const results = fixture();
  const map = benchMap(results);
  assert.ok(map !== null);
  assert.deepEqual(
    map.axes.rates,
    [...new Set([...BENCH_MAP_RATES, 0.2, 10])].sort((a, b) => a - b),
  );
  assert.deepEqual(map.axes.intervalsMs, [250, 1000]);
  assert.deepEqual(map.axes.clients, [10, 100, 1000]);
  assert.deepEqual(map.axes.techniques, ['polling', 'longpoll', 'sse', 'websocket']);
  // 6 rates × 2 intervals × 3 client counts × 4 techniques.
  assert.equal(map.cells.length, 144);
  assert.equal(map.measuredCells, 4);
  const measured = map.cells.filter((c) => c.measured);
  // 4 points × 4 techniques, less sweep-1000's failed long polling.
  assert.equal(measured.length, 15);
  for (const cell of measured) {
    const m = cell.measurement!;
    const scenario = results.scenarios.find((s) => s.id === m.scenarioId)!;
    const result = scenario.results[cell.technique];
    assert.ok(result?.state === 'completed');
    assert.deepEqual(
      [cell.rate, cell.intervalMs, cell.clients],
      [pointOf(scenario).rate, pointOf(scenario).intervalMs, scenario.params.clients],
    );
    assert.equal(m.figures.bytesPerMessage, result.perMessage.totalBytes);
    assert.equal(m.figures.p50Ms, result.latencyMs.p50);
    assert.equal(m.figures.p99Ms, result.latencyMs.p99);
    assert.equal(m.figures.bandwidthBytesPerSecond, result.perClientBytesPerSecond / (scenario.timeScale ?? 1));
    assert.equal(m.samples, result.latencyMs.count);
    assert.equal(m.timeScale, scenario.timeScale ?? 1);
  }
  assert.equal(
    map.cells.some((c) => c.measured && c.clients === 1000 && c.technique === 'longpoll'),
    false,
    'a failed run is no measured cell',
  );
  // The results with the map still pass the results schema.
  assert.doesNotThrow(() => validateResults({ ...results, map }, 'fixture with the bench map'));
});

test('the model as run is the scenario as it ran: at the measured point the bytes agree with the model of its own parameters', () => {
  const map = benchMap(fixture())!;
  const cell = map.cells.find((c) => c.measured && c.measurement!.scenarioId === 'sparse' && c.technique === 'websocket')!;
  // A WebSocket frame is the message + a 2 B header: the fixture's run and the model say the same.
  assert.equal(cell.measurement!.modelAsRun.bytesPerMessage, cell.measurement!.figures.bytesPerMessage);
  assert.ok(!cell.measurement!.disagree.includes('bytes'));
});

test('no map without a broadcast scenario on HTTP/1.1: a chat-only run, or one over h2 only', () => {
  const results = fixture();
  assert.equal(benchMap({ ...results, scenarios: results.scenarios.filter((s) => s.params.workload === 'chat') }), null);
  const onH2 = results.scenarios.map((s) => ({ ...s, params: { ...s.params, wire: 'h2' as const } }));
  assert.equal(benchMap({ ...results, scenarios: onH2 }), null);
});

test('the terminal lines: a header, one line per criterion over the rates, the codes; every line within 120 columns', () => {
  const text = renderMapBrief(benchMap(fixture())!);
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.length <= 12, text);
  assert.ok(Math.max(...lines.map((l) => l.length)) <= 120, text);
  for (const criterion of ['bytes', 'bandwidth', 'p50', 'p99', 'cpu', 'memory']) assert.match(text, new RegExp(`^${criterion} `, 'm'));
  assert.match(text, /0\.01\/s .* 100\/s/);
});
