/**
 * core/results.schema.json is generated from the one contract in core/results.ts: the committed
 * file must be exactly what `npm run schema` writes, its enumerations come from the registries,
 * and the validator compiled from the same definition accepts the fixture and the CI baseline
 * and rejects broken copies, naming the path.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { TECHNIQUES } from '../../core/techniques.ts';
import { resultsJsonSchema } from '../../core/results.ts';
import { resultsProblems } from '../../core/results-validate.ts';
import { resultsSchemaText, SCHEMA_FILE } from '../../scripts/schema.ts';

const committedText = fs.readFileSync(SCHEMA_FILE, 'utf8');
const fixture = JSON.parse(fs.readFileSync(new URL('../fixtures/results.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** The first line where two texts differ, for a readable failure. */
function firstDifference(a: string, b: string): string {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) return `line ${i + 1}: committed ${JSON.stringify(left[i])}, generated ${JSON.stringify(right[i])}`;
  }
  return 'none';
}

test('the committed JSON Schema is exactly what core/results.ts generates (run `npm run schema` after changing it)', () => {
  const generated = resultsSchemaText();
  assert.ok(
    committedText === generated,
    `core/results.schema.json is stale: first difference at ${firstDifference(committedText, generated)}`,
  );
});

test('the drift check sees a hand edit: a changed description no longer matches', () => {
  const edited = committedText.replace('"ISO time the run started"', '"ISO time the run began"');
  assert.notEqual(edited, committedText, 'the edit applied');
  assert.notEqual(edited, resultsSchemaText());
});

test('the schema lists every technique id of the registry, and each $ref resolves', () => {
  const schema = resultsJsonSchema() as {
    properties: {
      scenarios: { items: { properties: { results: { properties: Record<string, unknown>; propertyNames: { enum: string[] } } } } };
    };
    definitions: Record<string, unknown>;
  };
  const results = schema.properties.scenarios.items.properties.results;
  assert.deepEqual(Object.keys(results.properties), [...TECHNIQUES]);
  assert.deepEqual(results.propertyNames.enum, [...TECHNIQUES]);
  const refs = [...committedText.matchAll(/"\$ref": "#\/definitions\/([^"]+)"/g)].map((m) => m[1]!);
  // Once per technique, and once more for a scenario's floor (a bare ws broadcast measured the same way).
  assert.equal(refs.length, TECHNIQUES.length + 1, 'one technique result definition, referenced once per technique and by the floor');
  for (const name of refs) assert.ok(schema.definitions[name] !== undefined, `#/definitions/${name} exists`);
  assert.doesNotMatch(committedText, /"\$id": "techniqueResult"/, 'the TypeBox $id used for hoisting is not left in the file');
});

test('the fixture and the CI baseline validate against the contract', () => {
  assert.deepEqual(resultsProblems(fixture), []);
  const baseline = JSON.parse(fs.readFileSync(new URL('../../bench/baseline/results.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(resultsProblems(baseline), []);
});

test('the contract names a missing field, a wrong type, an unknown state and a negative count by path', () => {
  const broken = structuredClone(fixture) as { scenarios: Array<{ results: Record<string, Record<string, unknown>> }> };
  const ws = broken.scenarios[0]!.results.websocket!;
  delete ws.perMessage;
  (ws.latencyMs as Record<string, unknown>).p99 = 'fast';
  (ws.bytes as Record<string, unknown>).down = -5;
  broken.scenarios[0]!.results.sse!.state = 'exploded';
  assert.deepEqual(resultsProblems(broken), [
    '$.scenarios[0].results.sse.state: expected one of "completed", "failed", "interrupted", found "exploded"',
    '$.scenarios[0].results.websocket.perMessage: expected an object, found nothing',
    '$.scenarios[0].results.websocket.bytes.down: expected an integer ≥ 0, found -5',
    '$.scenarios[0].results.websocket.latencyMs.p99: expected a number ≥ 0, found "fast"',
  ]);
});
