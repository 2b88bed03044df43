/**
 * The machine's floor server: a bare `ws` broadcast that sends the feed's encoded message
 * bytes as text frames to every client on any path, ignores `since`, serves no HTTP page,
 * and counts bytes and publisher lateness like pushbench's server does.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { encodeMessage, nowMicros } from '../../core/protocol.ts';
import { decodeHistogram } from '../../core/histogram.ts';
import { startFloorServer } from '../../servers/floor.ts';
import type { PushServer } from '../../servers/server.ts';
import { eventually } from '../helpers/wire.ts';

let server: PushServer;
const sockets: WebSocket[] = [];
before(async () => {
  server = await startFloorServer({ rate: 0, payloadBytes: 16 });
});
after(async () => {
  for (const ws of sockets) ws.terminate();
  await server.close();
});

function connect(path: string): Promise<{ ws: WebSocket; frames: string[] }> {
  const frames: string[] = [];
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { perMessageDeflate: false });
  sockets.push(ws);
  ws.on('message', (data: Buffer) => frames.push(data.toString()));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('error', reject);
  });
}

test('every client on any path gets each message as one text frame of the canonical JSON', async () => {
  const a = await connect('/ws?since=0');
  const b = await connect('/anything');
  const t = nowMicros();
  server.publish('hello', t);
  await eventually(() => a.frames.length === 1 && b.frames.length === 1, 'both clients got the message');
  assert.equal(a.frames[0], encodeMessage({ seq: 1, t, data: 'hello' }));
  assert.equal(b.frames[0], a.frames[0]);
  const stats = server.stats();
  assert.equal(stats.published, 1);
  assert.equal(stats.techniques.websocket?.messagesWritten, 2);
  // Two frames of a 2-byte header + the JSON each, after the two 101 answers.
  assert.equal(stats.bytes.down - stats.bytes.setupDown, 2 * (2 + a.frames[0]!.length));
});

test('a plain GET is answered 426: there is no page, no info document, only the broadcast', async () => {
  const res = await fetch(`${server.url}/`);
  assert.equal(res.status, 426);
  assert.equal(res.headers.get('upgrade'), 'websocket');
});

test('the same precise publisher: messages of the window counted, their lateness recorded', async () => {
  const startT = nowMicros() + 20_000;
  server.setWindow(startT, startT + 200_000);
  server.startPublishing(20, startT); // due at +0, +50, +100, +150 ms inside the window, +200 ms outside
  await eventually(() => server.stats().published >= 6, 'the publisher reached past the window');
  server.stopPublishing();
  assert.deepEqual(server.windowCounts(), { broadcast: 4 });
  assert.equal(decodeHistogram(server.stats().publisher.latenessHistogram).totalCount, 4);
});
