/**
 * The runtime validator of results.json (core/results-validate.ts): every rejection names the
 * file, the JSON path, what was expected and what was found, exactly.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { ResultsFileError } from '../../core/errors.ts';
import { parseResults, resultsProblems, semanticProblems, validateResults } from '../../core/results-validate.ts';
import { ResultsFileSchema, type ResultsFile } from '../../core/results.ts';
import { loadFixture } from '../reports/helpers.ts';

function rejects(data: unknown, code: ResultsFileError['code'], message: RegExp): void {
  assert.throws(
    () => validateResults(data, 'my/results.json'),
    (error: unknown) => {
      assert.ok(error instanceof ResultsFileError, String(error));
      assert.equal(error.code, code);
      assert.match(error.message, message);
      return true;
    },
  );
}

/** The fixture's first completed WebSocket result, to break. */
function websocketOf(data: ResultsFile) {
  const ws = data.scenarios[0]?.results.websocket;
  assert.ok(ws?.state === 'completed');
  return ws;
}

test('accepts the fixture', () => {
  const fixture = loadFixture();
  assert.equal(validateResults(fixture, 'fixture'), fixture);
});

test('accepts the committed CI baseline', () => {
  const baseline = JSON.parse(fs.readFileSync(new URL('../../bench/baseline/results.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(resultsProblems(baseline), []);
});

test('rejects another schemaVersion, naming the file and both versions', () => {
  const data = { ...loadFixture(), schemaVersion: 2 };
  rejects(data, 'PUSHBENCH_RESULTS_VERSION', /^my\/results\.json has schemaVersion 2; this pushbench reads schemaVersion 1$/);
});

test('rejects something that is not an object, saying what it is', () => {
  rejects(
    [1, 2],
    'PUSHBENCH_RESULTS_SCHEMA',
    /^my\/results\.json is not a pushbench results file: expected a JSON object, found an array of 2$/,
  );
});

test('rejects invalid JSON, naming the file', () => {
  assert.throws(
    () => parseResults('{"schemaVersion": 1,', 'broken.json'),
    (error: unknown) =>
      error instanceof ResultsFileError &&
      error.code === 'PUSHBENCH_RESULTS_JSON' &&
      error.message.startsWith('broken.json is not valid JSON: '),
  );
});

test('rejects a wrong field with its JSON path, the expectation and what was found', () => {
  const data = loadFixture();
  (websocketOf(data).perMessage as { totalBytes: unknown }).totalBytes = 'lots';
  rejects(
    data,
    'PUSHBENCH_RESULTS_SCHEMA',
    /^my\/results\.json is not a valid pushbench results file: \$\.scenarios\[0\]\.results\.websocket\.perMessage\.totalBytes: expected a number ≥ 0, found "lots"$/,
  );
});

test('rejects an unknown technique, naming it and the technique ids', () => {
  const data = loadFixture();
  (data.scenarios[0]!.results as Record<string, unknown>).carrierPigeon = { state: 'failed', error: 'lost' };
  rejects(
    data,
    'PUSHBENCH_RESULTS_SCHEMA',
    /\$\.scenarios\[0\]\.results\.carrierPigeon: expected a technique id \(polling, longpoll, sse, websocket, websocket-deflate\), found "carrierPigeon"$/,
  );
});

test('rejects a duplicated scenario id, naming both places', () => {
  const data = loadFixture();
  data.scenarios.push(structuredClone(data.scenarios[0]!));
  rejects(
    data,
    'PUSHBENCH_RESULTS_SCHEMA',
    /\$\.scenarios\[6\]\.id: expected an id unique within the file, found "header-overhead", already the id of \$\.scenarios\[0\]$/,
  );
});

test('rejects a failed result without an error message', () => {
  const data = loadFixture();
  const s = data.scenarios.find((x) => x.id === 'sweep-1000');
  (s?.results as Record<string, unknown>).longpoll = { state: 'failed' };
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /: \$\.scenarios\[3\]\.results\.longpoll\.error: expected a string, found nothing$/);
});

test('rejects negative counts and byte totals (a hostile file), naming each path', () => {
  const data = loadFixture();
  const ws = websocketOf(data);
  ws.messages.lost = -5;
  ws.bytes.down = -1;
  ws.latencyMs.count = -2;
  data.scenarios[0]!.params.payloadBytes = -64;
  assert.deepEqual(resultsProblems(data), [
    '$.scenarios[0].params.payloadBytes: expected an integer ≥ 0, found -64',
    '$.scenarios[0].results.websocket.messages.lost: expected an integer ≥ 0, found -5',
    '$.scenarios[0].results.websocket.bytes.down: expected an integer ≥ 0, found -1',
    '$.scenarios[0].results.websocket.latencyMs.count: expected an integer ≥ 0, found -2',
  ]);
  rejects(
    data,
    'PUSHBENCH_RESULTS_SCHEMA',
    /^my\/results\.json is not a valid pushbench results file: \$\.scenarios\[0\]\.params\.payloadBytes: expected an integer ≥ 0, found -64; /,
  );
});

test('rejects more delivered or lost messages than expected, and more empty polls than polls', () => {
  const data = loadFixture();
  const ws = websocketOf(data);
  ws.messages.delivered = ws.messages.expected + 1;
  ws.messages.lost = ws.messages.expected + 2;
  const polling = data.scenarios[0]!.results.polling;
  assert.ok(polling?.state === 'completed' && polling.requests !== null);
  polling.requests.empty = polling.requests.total + 1;
  const expected = ws.messages.expected;
  assert.deepEqual(semanticProblems(data), [
    `$.scenarios[0].results.polling.requests.empty: expected at most requests.total (${polling.requests.total}), found ${polling.requests.total + 1}`,
    `$.scenarios[0].results.websocket.messages.delivered: expected at most messages.expected (${expected}), found ${expected + 1}`,
    `$.scenarios[0].results.websocket.messages.lost: expected at most messages.expected (${expected}), found ${expected + 2}`,
  ]);
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /requests\.empty: expected at most requests\.total/);
});

test('a tool name other than pushbench and an unknown property are rejected (the old copies disagreed on both)', () => {
  const data = loadFixture() as unknown as { tool: Record<string, unknown>; extra?: unknown };
  data.tool.name = 'otherbench';
  data.extra = true;
  assert.ok(
    Object.keys(ResultsFileSchema.properties)
      .join(', ')
      .startsWith('schemaVersion, tool, createdAt, state, command, environment, headerProfiles'),
  );
  assert.deepEqual(resultsProblems(data), [
    // The known fields are the schema's own, in its order; the first ones are written out so that a reordering shows.
    `$.extra: expected no such field (known: ${Object.keys(ResultsFileSchema.properties).join(', ')}), found true`,
    '$.tool.name: expected "pushbench", found "otherbench"',
  ]);
});

test('inside a union the message reaches the field: an unknown state, a null-or-object, a header pair', () => {
  const data = loadFixture();
  (data.scenarios[0]!.results as Record<string, unknown>).sse = { state: 'exploded' };
  (websocketOf(data) as { server: unknown }).server = 'big';
  (data.scenarios[0]!.params as { target: unknown }).target = 5;
  (data.headerProfiles.browser as unknown[]).push(['x-only-a-name']);
  data.createdAt = 'yesterday';
  const problems = resultsProblems(data);
  for (const expected of [
    '$.createdAt: expected a date-time string (RFC 3339, e.g. 2025-01-31T12:00:00.000Z), found "yesterday"',
    `$.headerProfiles.browser[${data.headerProfiles.browser!.length - 1}]: expected [a string, a string], found an array of 1`,
    '$.scenarios[0].params.target: expected a string or null, found 5',
    '$.scenarios[0].results.sse.state: expected one of "completed", "failed", "interrupted", found "exploded"',
    '$.scenarios[0].results.websocket.server: expected an object or null, found "big"',
  ]) {
    assert.ok(problems.includes(expected), `${expected}\nnot in\n${problems.join('\n')}`);
  }
  assert.equal(problems.length, 5, problems.join('\n'));
});

test('lists five problems and counts the rest', () => {
  const data = loadFixture();
  data.scenarios.forEach((scenario) => void (scenario.params.clients = 0));
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /clients: expected an integer ≥ 1, found 0 \(and 1 more\)$/);
});

test('a hostile results.json with negative figures never reaches a renderer: parseResults throws', () => {
  const text = JSON.stringify(loadFixture()).replace('"lost":0', '"lost":-100');
  assert.throws(
    () => parseResults(text, 'hostile.json'),
    (error: unknown) => error instanceof ResultsFileError && /found -100/.test(error.message),
  );
});

test('a byte-order mark before the JSON is accepted (editors add one)', () => {
  const text = `\uFEFF${JSON.stringify(loadFixture())}`;
  assert.equal(parseResults(text, 'bom.json').schemaVersion, 1);
});
