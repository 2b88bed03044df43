/** core/results.schema.json documents results.json: real and fixture results validate; broken ones do not. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { validate } from '../helpers/json-schema.ts';

const schema = JSON.parse(fs.readFileSync(new URL('../../core/results.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as Record<string, unknown>;

test('the fixture results validate against the schema', () => {
  assert.deepEqual(validate(fixture, schema), []);
});

test('the schema catches a missing field, a wrong type and an unknown state, naming the path', () => {
  const broken = structuredClone(fixture) as { scenarios: Array<{ results: Record<string, Record<string, unknown>> }> };
  const ws = broken.scenarios[0]!.results['websocket']!;
  delete ws['perMessage'];
  (ws['latencyMs'] as Record<string, unknown>)['p99'] = 'fast';
  broken.scenarios[0]!.results['sse']!['state'] = 'exploded';
  const errors = validate(broken, schema);
  assert.ok(errors.some((e) => e.startsWith('$.scenarios[0].results.websocket') && e.includes('oneOf')), errors.join('\n'));
  assert.ok(errors.some((e) => e.startsWith('$.scenarios[0].results.sse') && e.includes('oneOf')), errors.join('\n'));
  // Inside the completed branch the precise problems are reported.
  const completed = (schema['$defs'] as { techniqueResult: { oneOf: Array<Record<string, unknown>> } }).techniqueResult.oneOf[0]!;
  const inner = validate(ws, completed, schema, '$.ws');
  assert.ok(inner.includes('$.ws: missing required "perMessage"'), inner.join('\n'));
  assert.ok(inner.includes('$.ws.latencyMs.p99: expected number, got string'), inner.join('\n'));
});
