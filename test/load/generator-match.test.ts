/**
 * A load generator against a server that is not pushbench: every unit of an answer is searched
 * for the stamp; a stamp older than the run (a backlog the server replays) is counted and
 * ignored, a unit without a stamp is counted as unmatched, a fresh one is a message, and a
 * header cursor is carried from one answer to the next request.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, test } from 'node:test';
import { encodeMessage, nowMicros } from '../../core/protocol.ts';
import { Generator } from '../../load/generator.ts';
import { broadcastSpec } from '../helpers/generator-spec.ts';

const requests: Array<string | undefined> = [];
let answer = '';
const server = http.createServer((req, res) => {
  requests.push(req.headers['x-cursor'] as string | undefined);
  res.writeHead(200, { 'content-type': 'application/json', 'x-cursor': String(requests.length) }).end(answer);
});
after(() => server.close());

test('stale stamps are ignored and counted, unstamped units counted, the cursor header carried', async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const notBeforeT = nowMicros();
  // A backlog message from before the run, a unit without a stamp, and a message of this run inside an envelope.
  answer = JSON.stringify([
    JSON.parse(encodeMessage({ seq: 1, t: notBeforeT - 5_000_000, data: 'old' })),
    { hello: 'no stamp here' },
    { message: encodeMessage({ seq: 2, t: notBeforeT + 10, data: 'new' }) },
  ]);
  const generator = new Generator(
    broadcastSpec({
      technique: 'polling',
      origin,
      toClient: 1,
      payloadBytes: 3,
      connectConcurrency: 1,
      notBeforeT,
      subscription: {
        path: '/feed',
        headers: [],
        cursor: { kind: 'headers', copy: [['X-Cursor', 'X-Cursor']] },
        roomParam: null,
        split: { kind: 'json-array' },
        emptyStatuses: [],
        repoll: true,
        resume: 'none',
        subprotocols: [],
        onOpen: [],
        upstream: null,
      },
    }),
  );
  // connect() polls once; `repoll` does not apply to it. A second poll carries the first answer's cursor.
  const outcome = await generator.connect();
  assert.equal(outcome.connected, 1, outcome.firstError ?? '');
  assert.equal(generator.recorder.counts.stale, 1, 'the backlog message');
  assert.equal(generator.recorder.counts.unmatched, 1, 'the unit without a stamp');
  assert.deepEqual(requests, [undefined]);
  const now = nowMicros();
  answer = '[]';
  generator.setWindow({ startT: now, endT: now + 300_000 }, now, null);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await generator.collect();
  await generator.close();
  assert.equal(requests[1], '1', 'the cursor from the first answer went out with the next poll');
});
