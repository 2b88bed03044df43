/**
 * The HTTP/2 response head written from a flat list (servers/transports.ts: straight to the core
 * API's respond()) carries the same fields the compatibility layer would: the handler's fields
 * lower case, a date, and a list with a repeated name or a Connection line (Node's own path):
 * both values kept, Connection dropped. On both paths the answer is a HEADERS frame and one DATA
 * frame that ends the stream (no trailers asked for, so no empty DATA frame after it).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { startServer } from '../../servers/server.ts';
import { FLAG, FRAME, frame, getBlock, openRawH2, pingFrame } from '../helpers/h2-frames.ts';

/** The frames of stream 1 after one GET `path` sent by hand over h2c, once the stream has ended. */
async function answerFrames(port: number, path: string): Promise<{ type: number; flags: number; length: number }[]> {
  const client = await openRawH2(port, false);
  try {
    client.send(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, getBlock(`127.0.0.1:${port}`, path, 'http')));
    const ofStream = () => client.frames().filter((f) => f.streamId === 1);
    await client.until(() => ofStream().some((f) => (f.flags & FLAG.END_STREAM) !== 0), 'the end of stream 1');
    // A frame written a tick after the end (the empty DATA frame Node's trailers path sends) would come within this ping's answer.
    client.send(pingFrame(7));
    await client.until(() => client.frames().some((f) => f.type === FRAME.PING && (f.flags & FLAG.ACK) !== 0), 'the PING ACK');
    return ofStream().map((f) => ({ type: f.type, flags: f.flags, length: f.payload.length }));
  } finally {
    client.destroy();
  }
}

/** A polling server over h2c, answering with `responseHeaders` instead of its own lines when given. */
function startPolling(responseHeaders: Array<[string, string]> | null = null) {
  return startServer({ wire: 'h2c', rate: 0, techniques: ['polling'], responseHeaders });
}

/** One GET over cleartext HTTP/2: status, header fields, body. */
async function h2cGet(origin: string, path: string): Promise<{ headers: http2.IncomingHttpHeaders; body: string }> {
  const session = http2.connect(origin);
  try {
    return await new Promise((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':path': path });
      let headers: http2.IncomingHttpHeaders = {};
      let body = '';
      stream.on('response', (fields) => (headers = fields));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ headers, body }));
      stream.on('error', reject);
    });
  } finally {
    session.close();
  }
}

test('an empty poll over h2c: the fields of the flat list, lower case, with a date', async () => {
  const server = await startPolling();
  try {
    const { headers, body } = await h2cGet(server.url, '/poll');
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['content-length'], '2');
    assert.equal(typeof headers.date, 'string');
    assert.equal(body, '[]');
  } finally {
    await server.close();
  }
});

test("a header profile's repeated and connection lines over h2c: both Set-Cookie values, no Connection", async () => {
  const server = await startPolling([
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
    ['Connection', 'keep-alive'],
    ['X-Powered-By', 'test'],
  ]);
  try {
    const { headers, body } = await h2cGet(server.url, '/poll');
    assert.equal(headers[':status'], 200);
    assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(headers.connection, undefined);
    assert.equal(headers['x-powered-by'], 'test');
    assert.equal(headers['content-length'], '2');
    assert.equal(body, '[]');
  } finally {
    await server.close();
  }
});

test("an answer is HEADERS and one DATA frame that ends the stream, on the list path and on Node's own", async () => {
  const plain = await startPolling();
  // Two Set-Cookie lines take Node's own writeHead (servers/transports.ts): its respond() is told not to wait for trailers too.
  const repeated = await startPolling([
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ]);
  try {
    for (const server of [plain, repeated]) {
      const frames = await answerFrames(server.port, '/poll');
      assert.deepEqual(
        frames.map((f) => [f.type, f.flags & FLAG.END_STREAM, f.type === FRAME.DATA ? f.length : null]),
        [
          [FRAME.HEADERS, 0, null],
          // `[]`: 2 bytes, END_STREAM on the frame that carries them.
          [FRAME.DATA, FLAG.END_STREAM, 2],
        ],
      );
    }
  } finally {
    await plain.close();
    await repeated.close();
  }
});
