/**
 * The HTTP/2 response head written from a flat list (servers/transports.ts: straight to the core
 * API's respond()) carries the same fields the compatibility layer would: the handler's fields
 * lower case, a date, and a list with a repeated name or a Connection line (Node's own path):
 * both values kept, Connection dropped.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { startServer } from '../../servers/server.ts';

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
  const server = await startServer({ wire: 'h2c', rate: 0, techniques: ['polling'] });
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
  const server = await startServer({
    wire: 'h2c',
    rate: 0,
    techniques: ['polling'],
    responseHeaders: [
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Connection', 'keep-alive'],
      ['X-Powered-By', 'test'],
    ],
  });
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
