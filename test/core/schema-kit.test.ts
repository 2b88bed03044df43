/**
 * The schema kit (core/schema-kit.ts): both published schemas speak the one dialect they declare,
 * draft-07, down to every subschema (a 2020-12 declaration over draft-07 tuples is what this
 * replaced), and the building blocks and problem messages behave as both file contracts rely on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import { resultsJsonSchema } from '../../core/results.ts';
import { closed, JSON_SCHEMA_DIALECT, literalUnion, nullable, problemFinder, problemList, SHOWN_PROBLEMS } from '../../core/schema-kit.ts';
import { targetJsonSchema } from '../../core/targets.ts';

/** Draft-07 validation, core and annotation keywords (json-schema.org/draft-07/schema). */
const DRAFT_07_KEYWORDS = new Set([
  '$schema',
  '$id',
  '$ref',
  '$comment',
  'title',
  'description',
  'default',
  'readOnly',
  'writeOnly',
  'examples',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'additionalItems',
  'items',
  'maxItems',
  'minItems',
  'uniqueItems',
  'contains',
  'maxProperties',
  'minProperties',
  'required',
  'additionalProperties',
  'definitions',
  'properties',
  'patternProperties',
  'dependencies',
  'propertyNames',
  'const',
  'enum',
  'type',
  'format',
  'contentMediaType',
  'contentEncoding',
  'if',
  'then',
  'else',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
]);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const SCHEMA_LISTS = new Set(['anyOf', 'allOf', 'oneOf']);
const SUBSCHEMAS = new Set(['additionalProperties', 'additionalItems', 'propertyNames', 'not', 'contains', 'if', 'then', 'else']);

/** Every problem with the dialect in `schema` at `path`: an unknown keyword, a tuple left open, a $ref that does not resolve. */
function dialectProblems(schema: unknown, path: string, root: Record<string, unknown>): string[] {
  if (typeof schema === 'boolean') return [];
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [`${path}: not a schema`];
  const node = schema as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (!DRAFT_07_KEYWORDS.has(key)) problems.push(`${path}: ${key} is not a draft-07 keyword`);
    else if (SCHEMA_MAPS.has(key))
      for (const [name, sub] of Object.entries(value as object)) problems.push(...dialectProblems(sub, `${path}.${key}.${name}`, root));
    else if (SCHEMA_LISTS.has(key))
      (value as unknown[]).forEach((sub, i) => {
        problems.push(...dialectProblems(sub, `${path}.${key}[${i}]`, root));
      });
    else if (SUBSCHEMAS.has(key)) problems.push(...dialectProblems(value, `${path}.${key}`, root));
    else if (key === 'items') {
      if (!Array.isArray(value)) problems.push(...dialectProblems(value, `${path}.items`, root));
      else {
        // A draft-07 tuple: positions in `items`, nothing after them.
        if (node.additionalItems !== false) problems.push(`${path}: a tuple without additionalItems: false`);
        value.forEach((sub, i) => {
          problems.push(...dialectProblems(sub, `${path}.items[${i}]`, root));
        });
      }
    } else if (key === '$ref') {
      const name = /^#\/definitions\/(.+)$/.exec(String(value))?.[1];
      if (name === undefined || (root.definitions as Record<string, unknown> | undefined)?.[name] === undefined)
        problems.push(`${path}: $ref ${String(value)} does not resolve`);
    }
  }
  return problems;
}

for (const [name, schema] of [
  ['results', resultsJsonSchema()],
  ['target', targetJsonSchema()],
] as const) {
  test(`the ${name} schema declares draft-07 and every subschema speaks it`, () => {
    assert.equal(schema.$schema, JSON_SCHEMA_DIALECT);
    assert.equal(JSON_SCHEMA_DIALECT, 'http://json-schema.org/draft-07/schema#');
    assert.deepEqual(dialectProblems(schema, '$', schema), []);
    assert.match(String(schema.$comment), /^Generated from core\/\w+\.ts by `npm run schema`; do not edit by hand\.$/);
  });
}

test('the dialect check sees 2020-12 spellings and an open tuple', () => {
  const bad = {
    type: 'object',
    properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }] }, open: { type: 'array', items: [{ type: 'string' }] } },
    $defs: {},
  };
  assert.deepEqual(dialectProblems(bad, '$', bad), [
    '$.properties.pair: prefixItems is not a draft-07 keyword',
    '$.properties.open: a tuple without additionalItems: false',
    '$: $defs is not a draft-07 keyword',
  ]);
});

test("the target schema's header pairs are closed draft-07 tuples of two strings", () => {
  const publish = (targetJsonSchema().properties as Record<string, { properties: Record<string, { items: Record<string, unknown> }> }>)
    .publish!;
  const pair = publish.properties.headers!.items;
  assert.equal((pair.items as unknown[]).length, 2);
  assert.equal(pair.additionalItems, false);
  assert.equal(pair.minItems, 2);
  assert.equal(pair.maxItems, 2);
});

test('problemFinder: schema problems by path, each once; the relational rules only once the schema holds', () => {
  const Pair = closed({
    low: Type.Integer(),
    high: Type.Integer(),
    kind: literalUnion(['a', 'b'] as const),
    note: nullable(Type.String()),
  });
  let semanticCalls = 0;
  const problems = problemFinder(Pair, (pair) => {
    semanticCalls += 1;
    return pair.low > pair.high ? [`$.low: expected at most $.high (${pair.high}), found ${pair.low}`] : [];
  });
  assert.deepEqual(problems({ low: 1, high: 2, kind: 'a', note: null }), []);
  assert.deepEqual(problems({ low: 3, high: 2, kind: 'b', note: 'x' }), ['$.low: expected at most $.high (2), found 3']);
  assert.equal(semanticCalls, 2);
  const found = problems({ low: 1, kind: 'c', note: 5, extra: true });
  assert.equal(semanticCalls, 2, 'an invalid shape never reaches the relational rules');
  assert.equal(new Set(found).size, found.length, 'no problem twice');
  assert.ok(
    found.some((p) => p.startsWith('$.high: expected an integer, found nothing')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('$.extra: expected no such field')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('$.kind: expected')),
    found.join('\n'),
  );
});

test('problemList: the first SHOWN_PROBLEMS joined, then how many more', () => {
  assert.equal(SHOWN_PROBLEMS, 5);
  assert.equal(problemList(['a']), 'a');
  assert.equal(problemList(['a', 'b', 'c', 'd', 'e']), 'a; b; c; d; e');
  assert.equal(problemList(['a', 'b', 'c', 'd', 'e', 'f', 'g']), 'a; b; c; d; e (and 2 more)');
});
