/**
 * The target file: targets/target.schema.json is exactly what core/target.ts generates, the
 * built-in target passes its own schema, and bad input is refused naming the JSON path, what
 * was expected and what was received (exit code 2 through PUSHBENCH_INVALID_TARGET).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { BUILTIN_TARGET, checkTargetFile, parseTargetFile, targetTechniques } from '../../core/target.ts';
import { TECHNIQUES } from '../../core/techniques.ts';
import { exitCodeFor } from '../../cli/exit-codes.ts';
import { targetSchemaText, TARGET_SCHEMA_FILE } from '../../scripts/schema.ts';

test('the committed target schema is exactly what core/target.ts generates (run `npm run schema` after changing it)', () => {
  assert.ok(fs.readFileSync(TARGET_SCHEMA_FILE, 'utf8') === targetSchemaText(), 'targets/target.schema.json is stale: run npm run schema');
});

test('the built-in target is a valid target offering every technique of the registry', () => {
  assert.deepEqual(checkTargetFile(structuredClone(BUILTIN_TARGET), 'builtin'), BUILTIN_TARGET);
  assert.deepEqual(targetTechniques(BUILTIN_TARGET), [...TECHNIQUES]);
  assert.match(BUILTIN_TARGET.publish.body, /\{message\}/);
});

/** The error message of parsing `text`, which must fail with exit code 2. */
function refusal(text: string): string {
  try {
    parseTargetFile(text, 'bad.json');
  } catch (error) {
    assert.equal(exitCodeFor(error), 2, 'bad target input exits 2');
    return (error as Error).message;
  }
  assert.fail('a bad target file was accepted');
}

function edited(edit: (target: Record<string, any>) => void): string {
  const target = structuredClone(BUILTIN_TARGET) as unknown as Record<string, any>;
  edit(target);
  return JSON.stringify(target);
}

test('not JSON: named as such, with the parser\'s reason', () => {
  assert.match(refusal('{"name": "x",'), /^target file bad\.json: not JSON: /);
});

test('a missing field: its JSON path, what is expected, and "nothing"', () => {
  assert.equal(refusal(edited((t) => delete t.publish)), 'target file bad.json: $.publish: expected an object; received nothing (the field is missing)');
  assert.equal(refusal(edited((t) => delete t.techniques.sse.path)), 'target file bad.json: $.techniques.sse.path: expected a path starting with /; received nothing (the field is missing)');
});

test('an unknown technique: the path and the technique ids allowed', () => {
  assert.equal(refusal(edited((t) => (t.techniques.comet = { path: '/comet' }))), `target file bad.json: $.techniques.comet: unknown field; expected one of ${TECHNIQUES.join(', ')}; received {"path":"/comet"}`);
});

test('an unknown cursor kind: the kinds allowed and the value received', () => {
  assert.equal(
    refusal(edited((t) => (t.techniques.polling.cursor = { kind: 'cookie' }))),
    'target file bad.json: $.techniques.polling.cursor: expected an object with "kind" one of "query-from-seq", "headers-copy", "none"; received {"kind":"cookie"}',
  );
});

test('a body template without {message}: refused, naming the template', () => {
  assert.equal(refusal(edited((t) => (t.publish.body = '{"text":"hello"}'))), 'target file bad.json: $.publish.body: expected a string containing {message}; received "{\\"text\\":\\"hello\\"}"');
});

test('a byte-order mark before the JSON is accepted', () => {
  assert.equal(parseTargetFile(`\uFEFF${JSON.stringify(BUILTIN_TARGET)}`, 'bom.json').name, 'builtin');
});
