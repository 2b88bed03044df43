/**
 * core/results.schema.json is generated from core/results.ts: the committed file must be what
 * the generator writes, and real and fixture results validate against it; broken ones do not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { schemaProblems } from '../../core/schema-errors.ts';
import { resultsSchemaText, SCHEMA_FILE } from '../../scripts/schema.ts';

const committedText = fs.readFileSync(SCHEMA_FILE, 'utf8');
const schema = JSON.parse(committedText) as Record<string, unknown>;
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
  assert.ok(committedText === generated, `core/results.schema.json is stale: first difference at ${firstDifference(committedText, generated)}`);
});

test('the drift check sees a hand edit: a changed description no longer matches', () => {
  const edited = committedText.replace('"ISO time the run started."', '"ISO time the run began."');
  assert.notEqual(edited, committedText, 'the edit applied');
  assert.notEqual(edited, resultsSchemaText());
});

test('the fixture and the CI baseline validate against the committed schema', () => {
  assert.deepEqual(schemaProblems(schema, fixture), []);
  const baseline = JSON.parse(fs.readFileSync(new URL('../../bench/baseline/results.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(schemaProblems(schema, baseline), []);
});

test('the schema names a missing field, a wrong type, an unknown state and a negative count by path', () => {
  const broken = structuredClone(fixture) as { scenarios: Array<{ results: Record<string, Record<string, unknown>> }> };
  const ws = broken.scenarios[0]!.results['websocket']!;
  delete ws['perMessage'];
  (ws['latencyMs'] as Record<string, unknown>)['p99'] = 'fast';
  (ws['bytes'] as Record<string, unknown>)['down'] = -5;
  broken.scenarios[0]!.results['sse']!['state'] = 'exploded';
  const problems = schemaProblems(schema, broken);
  assert.ok(problems.includes('$.scenarios[0].results.websocket.perMessage: expected an object, found nothing'), problems.join('\n'));
  assert.ok(problems.includes('$.scenarios[0].results.websocket.latencyMs.p99: expected a number ≥ 0, found "fast"'), problems.join('\n'));
  assert.ok(problems.includes('$.scenarios[0].results.websocket.bytes.down: expected a number ≥ 0, found -5'), problems.join('\n'));
  assert.ok(problems.includes('$.scenarios[0].results.sse.state: expected one of "completed", "failed", "interrupted", found "exploded"'), problems.join('\n'));
});
