import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitUrl } from '../../servers/http-util.ts';
import { startServer } from '../../servers/server.ts';
import { eventually, getRequest, openRaw, parseResponses } from '../helpers/wire.ts';

test('splitUrl reads query parameters in any order, decoded, absent as null', () => {
  const { path, query } = splitUrl('/poll?room=2&since=15');
  assert.equal(path, '/poll');
  assert.equal(query.get('since'), '15');
  assert.equal(query.get('room'), '2');
  assert.equal(query.get('roo'), null, 'a prefix of a name is not the name');
  assert.equal(splitUrl('/poll?since=%31%32').query.get('since'), '12');
  assert.equal(splitUrl('/poll?since=').query.get('since'), '');
  assert.equal(splitUrl('/poll?since').query.get('since'), '');
  assert.equal(splitUrl('/poll?xsince=1&since=2').query.get('since'), '2');
  assert.equal(splitUrl('/poll').query.get('since'), null);
  assert.equal(splitUrl('/poll?since=%zz').query.get('since'), '%zz', 'a malformed escape is kept as is, then rejected by validation');
});

test('an SSE stream opened on a reused keep-alive connection counts only its own head as setup', async () => {
  const server = await startServer({ rate: 0, techniques: ['polling', 'sse'] });
  try {
    const client = await openRaw(server.port);
    client.send(getRequest(server.port, '/poll?since=0'));
    await client.waitFor((t) => parseResponses(t).length === 1, 'the poll response');
    const pollBytes = client.text().length;
    const sseRequest = getRequest(server.port, '/sse', { Accept: 'text/event-stream' });
    client.send(sseRequest);
    const text = await client.waitFor((t) => t.indexOf('\r\n\r\n', pollBytes) !== -1, 'the SSE head');
    const head = text.slice(pollBytes);
    await eventually(() => server.stats().bytes.setupDown === head.length, 'the SSE head to be counted');
    assert.equal(server.stats().bytes.setupUp, sseRequest.length, 'the earlier poll on the same socket is not setup');
    client.close();
  } finally {
    await server.close();
  }
});
