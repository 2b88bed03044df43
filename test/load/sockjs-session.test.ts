/**
 * SockJS's pieces that need no server: the session URL a client makes (sockjs-client's shape),
 * a target path split into prefix and query, and a close frame named by its code and reason.
 * The transports themselves run against the real sockjs-node server in test/targets/sockjs.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TargetRefusedError } from '../../core/errors.ts';
import { SOCKJS_URL_SEGMENTS } from '../../core/targets.ts';
import { sockJsCloseError, sockJsSessionSegment, splitSockJsPath } from '../../load/sockjs-session.ts';

test('a session segment is /{3 digits}/{8 characters}, a new one each time', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const segment = sockJsSessionSegment();
    assert.match(segment, /^\/\d{3}\/[a-z0-9]{8}$/);
    seen.add(segment);
  }
  assert.equal(seen.size, 50);
});

test('a target path splits into the prefix (no trailing slash) and the query every SockJS URL ends with', () => {
  assert.deepEqual(splitSockJsPath('/sockjs?room=4'), { prefix: '/sockjs', query: '?room=4' });
  assert.deepEqual(splitSockJsPath('/echo/'), { prefix: '/echo', query: '' });
  assert.deepEqual(splitSockJsPath('/'), { prefix: '', query: '' });
  assert.equal(
    `${splitSockJsPath('/sockjs?room=4').prefix}/123/abcdefgh${SOCKJS_URL_SEGMENTS.xhr}?room=4`,
    '/sockjs/123/abcdefgh/xhr?room=4',
  );
});

test("a close frame names SockJS's code and reason; a malformed one is quoted as it came", () => {
  const error = sockJsCloseError('c[3000,"Go away!"]', 'POST /x');
  assert.ok(error instanceof TargetRefusedError);
  assert.equal(error.message, 'sockjs: the server closed the session on POST /x: code 3000 "Go away!" (c[3000,"Go away!"])');
  assert.equal(
    sockJsCloseError('c[2010,"Another connection still open"]', 'GET /e').message,
    'sockjs: the server closed the session on GET /e: code 2010 "Another connection still open" (c[2010,"Another connection still open"])',
  );
  assert.equal(sockJsCloseError('c[oops', 'GET /e').message, 'sockjs: the server closed the session on GET /e: c[oops');
});
