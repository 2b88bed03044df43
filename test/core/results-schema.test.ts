/**
 * core/results.schema.json is generated from the one contract in core/results.ts: the committed
 * file must be exactly what `npm run schema` writes, its enumerations come from the registries,
 * and the validator compiled from the same definition accepts the fixture and rejects broken copies.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import { RESULTS_SCHEMA_URL, resultsJsonSchema, resultsJsonSchemaText } from '../../core/results.ts';
import { resultsProblems } from '../../core/results-validate.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as Record<string, unknown>;

test('the committed JSON Schema is exactly the one generated from the contract (npm run schema)', () => {
  const committed = fs.readFileSync(RESULTS_SCHEMA_URL, 'utf8');
  assert.ok(committed === resultsJsonSchemaText(), 'core/results.schema.json differs from the contract in core/results.ts: run `npm run schema` and commit the file');
});

test('the schema lists every technique id of the registry, and each $ref resolves', () => {
  const schema = resultsJsonSchema() as { properties: { scenarios: { items: { properties: { results: { properties: Record<string, { $ref: string }> } } } } } };
  const results = schema.properties.scenarios.items.properties.results.properties;
  assert.deepEqual(Object.keys(results), [...TECHNIQUES]);
  const text = resultsJsonSchemaText();
  const refs = [...text.matchAll(/"\$ref": "#\/definitions\/([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(refs.length, TECHNIQUES.length, 'one technique result definition, referenced once per technique');
  for (const name of refs) assert.ok((resultsJsonSchema()['definitions'] as Record<string, unknown>)[name] !== undefined, `#/definitions/${name} exists`);
  assert.doesNotMatch(text, /"\$id": "techniqueResult"/, 'the TypeBox $id used for hoisting is not left in the file');
});

test('the fixture results validate against the contract', () => {
  assert.deepEqual(resultsProblems(fixture), []);
});

test('the contract catches a missing field, a wrong type and an unknown state, naming the path', () => {
  const broken = structuredClone(fixture) as { scenarios: Array<{ results: Record<string, Record<string, unknown>> }> };
  const ws = broken.scenarios[0]!.results['websocket']!;
  delete ws['perMessage'];
  (ws['latencyMs'] as Record<string, unknown>)['p99'] = 'fast';
  broken.scenarios[0]!.results['sse']!['state'] = 'exploded';
  assert.deepEqual(resultsProblems(broken), [
    '$.scenarios[0].results.sse.state: expected one of "completed", "failed", "interrupted", found "exploded"',
    '$.scenarios[0].results.websocket.perMessage: expected an object, found nothing',
    '$.scenarios[0].results.websocket.latencyMs.p99: expected a number >= 0, found "fast"',
  ]);
});
