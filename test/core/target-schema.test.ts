/**
 * Target files: targets/target.schema.json is generated from core/targets.ts (a drift check),
 * the bundled target files validate, and every kind of bad file is refused with a message that
 * names the JSON path, what was expected and what was found.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { TargetFileError } from '../../core/errors.ts';
import { exitCodeFor } from '../../cli/exit-codes.ts';
import { BUILTIN_PUBLISH, builtinSubscription } from '../../core/targets.ts';
import { TECHNIQUES } from '../../core/techniques.ts';
import { parseTargetFile, validateTargetFile } from '../../core/targets.ts';
import { targetSchemaText, TARGET_SCHEMA_FILE } from '../../scripts/schema.ts';

const committed = fs.readFileSync(TARGET_SCHEMA_FILE, 'utf8');
const nchan = JSON.parse(fs.readFileSync(new URL('../../targets/nchan/target.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function problem(mutate: (file: Record<string, any>) => void): string {
  const file = structuredClone(nchan) as Record<string, any>;
  mutate(file);
  try {
    validateTargetFile(file, '"t.json"');
  } catch (error) {
    assert.ok(error instanceof TargetFileError, String(error));
    assert.equal(exitCodeFor(error), 2, 'bad target input exits 2');
    return error.message;
  }
  assert.fail('the file was accepted');
}

test('the committed target schema is exactly what core/targets.ts generates (run `npm run schema` after changing it)', () => {
  assert.ok(committed === targetSchemaText(), 'targets/target.schema.json is stale: run npm run schema');
  assert.notEqual(committed.replace('"a technique id"', '"a technique"'), targetSchemaText(), 'a hand edit is seen');
});

test("every bundled target file validates (the examples' steps and variants too)", () => {
  const root = new URL('../../targets/', import.meta.url);
  const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.json') && !f.endsWith('target.schema.json'),
  );
  assert.ok(files.length >= 9, files.join(', '));
  for (const file of files) {
    const parsed = parseTargetFile(fs.readFileSync(new URL(file, root), 'utf8'), file);
    const parts = file.split('/');
    if (parts.at(-1) === 'target.json') assert.equal(parsed.name, parts.at(-2), `targets/${file} is named after its folder`);
  }
});

test('a target file that is not JSON', () => {
  assert.throws(
    () => parseTargetFile('{"name": "x",', '"t.json"'),
    (error: Error) => error instanceof TargetFileError && /^invalid target file "t\.json": not JSON \(/.test(error.message),
  );
});

test('a missing field names its path and what was expected', () => {
  assert.equal(
    problem((f) => delete f.publish),
    'invalid target file "t.json": $.publish: expected an object, found nothing',
  );
  assert.equal(
    problem((f) => delete f.techniques.sse.cursor),
    'invalid target file "t.json": $.techniques.sse.cursor: expected a cursor: {"kind": "query", "param": NAME}, {"kind": "headers", "copy": [[RESPONSE_HEADER, REQUEST_HEADER], ...]}, {"kind": "body", "pointer": "/next", "param": NAME}, {"kind": "message", "pointer": "/id", "param": NAME} or {"kind": "none"}, found nothing',
  );
});

test('an unknown technique names the techniques allowed', () => {
  assert.equal(
    problem((f) => (f.techniques['smoke-signals'] = { path: '/x', cursor: { kind: 'none' } })),
    'invalid target file "t.json": $.techniques["smoke-signals"]: expected a technique id (polling, longpoll, sse, websocket, websocket-deflate), found "smoke-signals"',
  );
});

test('an unknown cursor kind or split kind names the kinds allowed', () => {
  assert.equal(
    problem((f) => (f.techniques.polling.cursor = { kind: 'cookie' })),
    'invalid target file "t.json": $.techniques.polling.cursor.kind: expected one of "query", "headers", "none", "body", "message", found "cookie"',
  );
  assert.equal(
    problem((f) => (f.techniques.longpoll.split = { kind: 'lines' })),
    'invalid target file "t.json": $.techniques.longpoll.split.kind: expected one of "json-array", "delimiter", "whole", "multipart", found "lines"',
  );
});

test('a publish body without {message}, a path without its slash, a status out of range', () => {
  assert.equal(
    problem((f) => (f.publish.body = '{"text": "hello"}')),
    'invalid target file "t.json": $.publish.body: expected a template containing {message}, found "{\\"text\\": \\"hello\\"}"',
  );
  assert.equal(
    problem((f) => (f.techniques.websocket.publishFrame = '{"say": "hello"}')),
    'invalid target file "t.json": $.techniques.websocket.publishFrame: expected a template containing {message}, found "{\\"say\\": \\"hello\\"}"',
  );
  assert.equal(
    problem((f) => (f.techniques.websocket.path = 'sub/ws')),
    'invalid target file "t.json": $.techniques.websocket.path: expected a path starting with / (may contain {room}), found "sub/ws"',
  );
  assert.equal(
    problem((f) => (f.publish.accepted = [201, 2020])),
    'invalid target file "t.json": $.publish.accepted[1]: expected an integer ≥ 100 and ≤ 599, found 2020',
  );
});

test('a field that applies to another kind of technique is refused where it does not belong', () => {
  assert.equal(
    problem((f) => (f.techniques.websocket.split = { kind: 'whole' })),
    'invalid target file "t.json": $.techniques.websocket.split: expected no such field (known: path, headers, cursor, subprotocols, onOpen, publishFrame, upgrade), found an object',
  );
  // A chat frame is the WebSocket's own upstream: an HTTP technique publishes with the publish request.
  assert.equal(
    problem((f) => (f.techniques.sse.publishFrame = '{message}')),
    'invalid target file "t.json": $.techniques.sse.publishFrame: expected no such field (known: path, headers, cursor, transport, resume), found "{message}"',
  );
  // Re-polling at once is what an interval poll does after a full answer; a long poll always asks again.
  assert.equal(
    problem((f) => (f.techniques.longpoll.repoll = true)),
    'invalid target file "t.json": $.techniques.longpoll.repoll: expected no such field (known: path, headers, cursor, split, empty), found true',
  );
});

test('{port} in the origin needs a server section, which is what picks the port', () => {
  assert.equal(
    problem((f) => delete f.server),
    'invalid target file "t.json": $.origin: expected a fixed port when there is no "server" section ({port} is the port pushbench picks when it starts the server), found "http://127.0.0.1:{port}"',
  );
  assert.equal(
    problem((f) => (f.server.command = [])),
    'invalid target file "t.json": $.server.command: expected an array of at least 1, found an empty array',
  );
});

test("the built-in target: a subscription for every technique of the registry, on its row's path", () => {
  for (const id of TECHNIQUES) assert.equal(builtinSubscription(id).cursor.kind, 'query');
  // The stamped message itself: the server keeps its due time t, so latency and the window count start there.
  assert.equal(BUILTIN_PUBLISH.body, '{message}');
});

test('a missing path inside a technique, and a byte-order mark before the JSON', () => {
  assert.equal(
    problem((f) => delete f.techniques.sse.path),
    'invalid target file "t.json": $.techniques.sse.path: expected a path starting with / (may contain {room}), found nothing',
  );
  assert.equal(parseTargetFile(`\uFEFF${JSON.stringify(nchan)}`, 'bom.json').name, 'nchan');
});
