import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResultsFileError } from '../../core/errors.ts';
import { parseResults, validateResults } from '../../core/results-validate.ts';
import { loadFixture } from './helpers.ts';

function rejects(data: unknown, code: ResultsFileError['code'], message: RegExp): void {
  assert.throws(
    () => validateResults(data, 'my/results.json'),
    (error: unknown) => error instanceof ResultsFileError && error.code === code && message.test(error.message),
  );
}

test('accepts the fixture', () => {
  const fixture = loadFixture();
  assert.equal(validateResults(fixture, 'fixture'), fixture);
});

test('rejects another schemaVersion, naming the file and both versions', () => {
  const data = { ...loadFixture(), schemaVersion: 2 };
  rejects(data, 'PUSHBENCH_RESULTS_VERSION', /^my\/results\.json has schemaVersion 2; this pushbench reads schemaVersion 1$/);
});

test('rejects invalid JSON, naming the file', () => {
  assert.throws(
    () => parseResults('{"schemaVersion": 1,', 'broken.json'),
    (error: unknown) => error instanceof ResultsFileError && error.code === 'PUSHBENCH_RESULTS_JSON' && error.message.startsWith('broken.json is not valid JSON: '),
  );
});

test('rejects a wrong field with its JSON path, the expectation and what was found', () => {
  const data = loadFixture();
  const ws = data.scenarios[0]?.results.websocket;
  assert.ok(ws?.state === 'completed');
  (ws.perMessage as { totalBytes: unknown }).totalBytes = 'lots';
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[0\]\.results\.websocket\.perMessage\.totalBytes: expected a number ≥ 0, found "lots"/);
});

test('rejects an unknown technique and a duplicated scenario id', () => {
  const unknown = loadFixture();
  (unknown.scenarios[0]!.results as Record<string, unknown>).carrierPigeon = { state: 'failed', error: 'lost' };
  rejects(unknown, 'PUSHBENCH_RESULTS_SCHEMA', /results\.carrierPigeon: expected a technique id \(polling, longpoll, sse, websocket, websocket-deflate\)/);
  // Uniqueness is checked once the file is well-formed (core/results-validate.ts semanticProblems).
  const duplicated = loadFixture();
  duplicated.scenarios.push(structuredClone(duplicated.scenarios[0]!));
  rejects(duplicated, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[6\]\.id: expected an id unique within the file, found "header-overhead"/);
});

test('rejects a failed result without an error message', () => {
  const data = loadFixture();
  const s = data.scenarios.find((x) => x.id === 'sweep-1000');
  (s?.results as Record<string, unknown>).longpoll = { state: 'failed' };
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[3\]\.results\.longpoll\.error: expected a string, found nothing/);
});

test('rejects negative counts and byte totals, naming the path', () => {
  const data = loadFixture();
  const ws = data.scenarios[0]?.results.websocket;
  assert.ok(ws?.state === 'completed');
  ws.messages.lost = -3;
  ws.bytes.down = -1;
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[0\]\.results\.websocket\.messages\.lost: expected a number ≥ 0, found -3/);
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[0\]\.results\.websocket\.bytes\.down: expected a number ≥ 0, found -1/);
});

test('rejects more delivered than expected (a check the schema cannot express)', () => {
  const data = loadFixture();
  const sse = data.scenarios[0]?.results.sse;
  assert.ok(sse?.state === 'completed');
  sse.messages.delivered = sse.messages.expected + 1;
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', new RegExp(`\\$\\.scenarios\\[0\\]\\.results\\.sse\\.messages\\.delivered: expected at most messages\\.expected \\(${sse.messages.expected}\\), found ${sse.messages.expected + 1}`));
});

test('rejects an unknown top-level field and a wrong tool name (the schema is closed)', () => {
  const data = { ...loadFixture(), extra: 1 } as Record<string, unknown>;
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.extra: expected no such field \(known: schemaVersion, tool, /);
  const renamed = loadFixture() as unknown as { tool: { name: string } };
  renamed.tool.name = 'otherbench';
  rejects(renamed, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.tool\.name: expected "pushbench", found "otherbench"/);
});

test('a hostile results.json with negative figures never reaches a renderer: parseResults throws', () => {
  const text = JSON.stringify(loadFixture()).replace('"lost":0', '"lost":-100');
  assert.throws(() => parseResults(text, 'hostile.json'), (error: unknown) => error instanceof ResultsFileError && /found -100/.test(error.message));
});
