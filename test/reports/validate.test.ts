import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResults, ResultsFileError, validateResults } from '../../reports/validate.ts';
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
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[0\]\.results\.websocket\.perMessage\.totalBytes: expected a finite number, found "lots"/);
});

test('rejects an unknown technique and a duplicated scenario id', () => {
  const data = loadFixture();
  const first = data.scenarios[0];
  assert.ok(first);
  (first.results as Record<string, unknown>).carrierPigeon = { state: 'failed', error: 'lost' };
  data.scenarios.push(structuredClone(first));
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /results\.carrierPigeon: expected a technique id \(polling, longpoll, sse, websocket\)/);
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[6\]\.id: expected an id unique within the file, found "header-overhead"/);
});

test('rejects a failed result without an error message', () => {
  const data = loadFixture();
  const s = data.scenarios.find((x) => x.id === 'sweep-1000');
  (s?.results as Record<string, unknown>).longpoll = { state: 'failed' };
  rejects(data, 'PUSHBENCH_RESULTS_SCHEMA', /\$\.scenarios\[3\]\.results\.longpoll\.error: expected a string, found nothing/);
});
