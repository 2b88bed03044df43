/**
 * The walk-through of docs/targets.md, step by step: a server of one's own
 * (targets/examples/own-server/server.mjs, its own message ids) measured from a minimal target
 * file up to chat. Each step file runs end to end, the cursor steps also at 100 msg/s; that the
 * cursor goes back on the next request is checked against a server that records the requests.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { atJsonPointer, parseTargetFile } from '../../core/targets.ts';
import { splitArrayAt } from '../../load/match.ts';
import { liveChildren } from '../../run/children.ts';
import { SocketCounter } from '../../core/socket-counter.ts';
import { HttpClient } from '../../load/drivers/http-client.ts';
import type { DriverContext } from '../../load/drivers/types.ts';
import { HEADER_PROFILES } from '../../load/headers.ts';
import { CLIENT_WIRES } from '../../load/wire-clients.ts';
import type { Cursor } from '../../core/targets.ts';
import { assertAccounted, completed, runOn, target, tinyParams } from '../helpers/targets.ts';

const STEPS = 'targets/examples/own-server';

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
  const body = Buffer.from(
    '{"messages":[{"id":"m1","body":{"seq":1,"t":2,"data":"x"}},{"id":"m2","body":{"seq":2,"t":3,"data":"y"}}],"next":"m2"}',
  );
  assert.deepEqual(splitArrayAt(body, '/messages').map(String), [
    '{"id":"m1","body":{"seq":1,"t":2,"data":"x"}}',
    '{"id":"m2","body":{"seq":2,"t":3,"data":"y"}}',
  ]);
  assert.deepEqual(splitArrayAt(Buffer.from('not json'), '/messages').map(String), ['not json']);
  assert.deepEqual(splitArrayAt(body, '/next').map(String), [body.toString()]);
});

test('a body or message cursor on a technique that makes one request is refused by JSON path', () => {
  const file = (cursor: unknown) =>
    JSON.stringify({
      name: 'x',
      origin: 'http://127.0.0.1:1',
      publish: { method: 'POST', path: '/p', body: '{message}', accepted: [204] },
      techniques: { websocket: { path: '/ws', cursor } },
    });
  assert.throws(
    () => parseTargetFile(file({ kind: 'body', pointer: '/next', param: 'after' }), 't.json'),
    /\$\.techniques\.websocket\.cursor\.kind: expected a cursor a stream or socket can carry .*found "body"/,
  );
  assert.throws(
    () => parseTargetFile(file({ kind: 'message', pointer: 'id', param: 'after' }), 't.json'),
    /\$\.techniques\.websocket\.cursor/,
  );
});

test('a body cursor and a message cursor go back on the next request (a server that records them)', async () => {
  const urls: string[] = [];
  const server = http.createServer((req, res) => {
    urls.push(req.url ?? '');
    const n = urls.length;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ messages: [{ id: `m${n}`, body: { seq: n, t: 1 } }], next: `n${n}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const cases: Array<[Cursor, string[]]> = [
      [{ kind: 'body', pointer: '/next', param: 'after' }, ['/lp', '/lp?after=n1', '/lp?after=n2']],
      [{ kind: 'message', pointer: '/id', param: 'after' }, ['/lp', '/lp?after=m4', '/lp?after=m5']],
    ];
    for (const [cursor, expected] of cases) {
      const before = urls.length;
      const errors: Error[] = [];
      const ctx = {
        origin,
        headers: HEADER_PROFILES.minimal,
        tab: CLIENT_WIRES.http(origin, new SocketCounter()),
        subscription: {
          path: '/lp',
          headers: [],
          cursor,
          roomParam: null,
          split: { kind: 'json-array', pointer: '/messages' },
          emptyStatuses: [],
          repoll: false,
          resume: 'none',
          subprotocols: [],
          onOpen: [],
          upstream: null,
        },
        receive: () => ({ count: 1, lastSeq: 0 }),
        sampleHead: () => {},
        fail: (error: Error) => errors.push(error),
      } as unknown as DriverContext;
      const client = new HttpClient(ctx, 5000, ctx.headers.longPoll);
      await client.gets.connect();
      for (let i = 0; i < 3; i++) await client.poll('/lp');
      await client.close();
      assert.deepEqual(urls.slice(before), expected, cursor.kind);
      assert.deepEqual(errors, []);
    }
  } finally {
    server.close();
  }
});
