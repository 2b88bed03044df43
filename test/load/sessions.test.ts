/** The session tally's arithmetic, checked by hand: WebSocket frame sizes and generators' tallies summed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeSessionResults, SessionTally, wsFrameBytes } from '../../load/sessions.ts';

test('WebSocket frame bytes: a 2-byte header below 126, 4 below 65,536, 10 above; a client adds its 4-byte mask', () => {
  assert.equal(wsFrameBytes(1, false), 3); // a ping `2` from the server
  assert.equal(wsFrameBytes(1, true), 7); // a pong `3` from the client
  assert.equal(wsFrameBytes(125, false), 127);
  assert.equal(wsFrameBytes(126, false), 130);
  assert.equal(wsFrameBytes(65_535, true), 65_543);
  assert.equal(wsFrameBytes(65_536, false), 65_546);
});

test('a tally counts heartbeats and envelope only in the window, the connect flow always; generators sum step by step', () => {
  let counting = false;
  const tally = new SessionTally({ kind: 'engine.io', upgrade: false }, 'engine.io websocket', () => counting);
  tally.step('a', 10, 20);
  tally.heartbeat(7, 3);
  tally.addEnvelope(10, 1);
  counting = true;
  tally.heartbeat(7, 3);
  tally.addEnvelope(10, 1);
  tally.step('a', 1, 2);
  tally.step('b', 5, 0);
  tally.connected();
  const one = tally.result();
  assert.deepEqual(one, {
    protocol: 'engine.io',
    transport: 'engine.io websocket',
    heartbeats: 1,
    heartbeatBytes: { up: 7, down: 3 },
    envelopeBytes: 10,
    envelopeMessages: 1,
    connect: {
      clients: 1,
      steps: [
        { name: 'a', up: 11, down: 22 },
        { name: 'b', up: 5, down: 0 },
      ],
    },
  });
  const merged = mergeSessionResults([
    one,
    null,
    {
      ...one,
      connect: {
        clients: 2,
        steps: [
          { name: 'b', up: 1, down: 1 },
          { name: 'c', up: 2, down: 2 },
        ],
      },
    },
  ]);
  assert.deepEqual(merged, {
    protocol: 'engine.io',
    transport: 'engine.io websocket',
    heartbeats: 2,
    heartbeatBytes: { up: 14, down: 6 },
    envelopeBytes: 20,
    envelopeMessages: 2,
    connect: {
      clients: 3,
      steps: [
        { name: 'a', up: 11, down: 22 },
        { name: 'b', up: 6, down: 1 },
        { name: 'c', up: 2, down: 2 },
      ],
    },
  });
  assert.equal(mergeSessionResults([null, undefined]), null);
});
