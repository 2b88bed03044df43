/**
 * The walk-through of docs/targets.md, step by step: a server of one's own
 * (targets/examples/own-server/server.mjs, its own message ids) measured from a minimal target
 * file up to chat. Each step file runs end to end; the cursor steps run at 100 msg/s, where a
 * cursor that is not sent back loses messages (checked: a wrong parameter name does), so
 * "lost 0" there says the server's own cursor went round.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { atJsonPointer, parseTargetFile } from '../../core/targets.ts';
import { splitArrayAt } from '../../load/match.ts';
import { liveChildren } from '../../run/children.ts';
import { fileTarget } from '../../run/targets.ts';
import { assertAccounted, completed, runOn, target, tinyParams } from '../helpers/targets.ts';

const STEPS = 'targets/examples/own-server';
const ROOT = new URL('../../', import.meta.url).pathname;

describe('your own server, step by step', () => {
  test('1: a minimal target file, a WebSocket without a cursor', async () => {
    const t = target(`${STEPS}/1-websocket.json`);
    const params = tinyParams();
    assertAccounted(completed(await runOn(t, 'websocket', params)), params.clients, 'websocket');
  });

  for (const file of ['2-body-cursor.json', '3-message-cursor.json']) {
    test(`${file}: long polling with the server's own cursor, nothing lost at 100 msg/s`, async () => {
      const t = target(`${STEPS}/${file}`);
      const params = tinyParams();
      assertAccounted(completed(await runOn(t, 'longpoll', params)), params.clients, 'longpoll');
      const fast = completed(await runOn(t, 'longpoll', tinyParams({ rate: 100 })));
      assert.ok(fast.messages.expected >= 4 * 100, `messages published: ${fast.messages.published}`);
      assert.equal(fast.messages.lost, 0);
      assert.equal(fast.messages.delivered, fast.messages.expected);
      assert.equal(fast.clientErrors.count, 0, fast.clientErrors.first.join('; '));
    });
  }

  test('the same file with the cursor sent under a name the server ignores loses messages at 100 msg/s (the test above can fail)', async () => {
    const absolute = path.join(ROOT, STEPS, '3-message-cursor.json');
    const data = JSON.parse(readFileSync(absolute, 'utf8')) as { techniques: { longpoll: { cursor: { param: string } } } };
    data.techniques.longpoll.cursor.param = 'ignored';
    const t = fileTarget(parseTargetFile(JSON.stringify(data), 'broken'), absolute, absolute);
    const fast = completed(await runOn(t, 'longpoll', tinyParams({ rate: 100 })));
    assert.ok(fast.messages.lost > 0, `lost ${fast.messages.lost} of ${fast.messages.expected}`);
  });

  test('4: chat, each client publishing on its own socket, everyone receiving', async () => {
    const t = target(`${STEPS}/4-chat.json`);
    for (const technique of ['websocket', 'longpoll'] as const) {
      const r = completed(await runOn(t, technique, tinyParams({ workload: 'chat', rate: 2, roomSize: 4 })));
      assert.ok(r.messages.published > 0);
      assert.equal(r.messages.lost, 0, technique);
      assert.equal(r.messages.delivered, r.messages.expected, technique);
    }
  });

  test('nothing is left running', () => {
    assert.equal(liveChildren(), 0);
  });
});

test('JSON pointers (RFC 6901): keys, array indexes, escapes, and nothing where there is nothing', () => {
  const doc = { next: 'm7', messages: [{ id: 'm6' }, { id: 'm7' }], 'a/b': { '~x': 3 } };
  assert.equal(atJsonPointer(doc, '/next'), 'm7');
  assert.equal(atJsonPointer(doc, '/messages/1/id'), 'm7');
  assert.equal(atJsonPointer(doc, '/a~1b/~0x'), 3);
  assert.equal(atJsonPointer(doc, ''), doc);
  assert.equal(atJsonPointer(doc, '/messages/01'), undefined);
  assert.equal(atJsonPointer(doc, '/messages/2/id'), undefined);
  assert.equal(atJsonPointer(doc, '/next/length'), undefined);
});

test('a json-array split at a pointer: one unit per element, the stamp kept as published', () => {
  const body = Buffer.from('{"messages":[{"id":"m1","body":{"seq":1,"t":2,"data":"x"}},{"id":"m2","body":{"seq":2,"t":3,"data":"y"}}],"next":"m2"}');
  assert.deepEqual(splitArrayAt(body, '/messages').map(String), ['{"id":"m1","body":{"seq":1,"t":2,"data":"x"}}', '{"id":"m2","body":{"seq":2,"t":3,"data":"y"}}']);
  assert.deepEqual(splitArrayAt(Buffer.from('not json'), '/messages').map(String), ['not json']);
  assert.deepEqual(splitArrayAt(body, '/next').map(String), [body.toString()]);
});

test('a body or message cursor on a technique that makes one request is refused by JSON path', () => {
  const file = (cursor: unknown) => JSON.stringify({ name: 'x', origin: 'http://127.0.0.1:1', publish: { method: 'POST', path: '/p', body: '{message}', accepted: [204] }, techniques: { websocket: { path: '/ws', cursor } } });
  assert.throws(() => parseTargetFile(file({ kind: 'body', pointer: '/next', param: 'after' }), 't.json'), /\$\.techniques\.websocket\.cursor\.kind: expected a cursor a stream or socket can carry .*found "body"/);
  assert.throws(() => parseTargetFile(file({ kind: 'message', pointer: 'id', param: 'after' }), 't.json'), /\$\.techniques\.websocket\.cursor/);
});
