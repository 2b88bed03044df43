/**
 * Clients that hold the server's resources without completing anything: a body sent one
 * byte a second, 2,000 sockets that never send a byte, and a client that writes an 8 MB
 * body the server refuses without reading its answer until it is done. The server answers
 * each with its status, on its own timeout configuration (made small here), and keeps serving.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DRAIN_MAX_BYTES } from '../../servers/http-util.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { eventually, exchangeRaw, getRequest, openRaw, parseResponses } from '../helpers/wire.ts';

describe('slow and idle clients', () => {
  let server: PushServer;
  before(async () => {
    // The idle rule: a connection has HEADERS_TIMEOUT_MS to send a request head, REQUEST_TIMEOUT_MS for the whole request.
    server = await startServer({ rate: 0, headersTimeoutMs: 4000, requestTimeoutMs: 4000, maxMessageBytes: 1024 });
    server.publish('m1');
  });
  after(() => server.close());

  async function assertServes(): Promise<void> {
    assert.equal((await exchangeRaw(server.port, getRequest(server.port, '/poll?since=0'))).status, 200);
  }

  test('a body sent one byte a second is cut by the request timeout with a 408', async () => {
    const client = await openRaw(server.port);
    client.send(
      `POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{`,
    );
    // One more byte a second; the 64 bytes declared would take a minute.
    let sent = 1;
    const drip = setInterval(() => {
      if (sent >= 64 || client.socket.destroyed) return;
      client.send(' ');
      sent++;
    }, 1000);
    try {
      await client.closed;
    } finally {
      clearInterval(drip);
    }
    const [response] = parseResponses(client.text());
    assert.equal(response!.status, 408);
    assert.deepEqual(JSON.parse(response!.body), { error: 'the request did not complete within 4000 ms' });
    assert.ok(sent < 64, 'the body never completed');
    await assertServes();
  });

  test('2,000 idle sockets are counted, do not stop the server, and are closed by its idle rule', async () => {
    const IDLE = 2000;
    // The earlier tests' connections close asynchronously on the server: start from none.
    await eventually(() => server.stats().connections.open === 0, 'no connection left from earlier tests');
    const base = 0;
    const sockets: net.Socket[] = [];
    const answers: string[] = Array.from({ length: IDLE }, () => '');
    const closed: Array<Promise<void>> = [];
    for (let i = 0; i < IDLE; i++) {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (answers[i] += chunk));
      socket.on('error', () => {});
      closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
      sockets.push(socket);
      // In batches the server accepts before the next: an overflowing accept queue would make the kernel retry SYNs a second later.
      if (i % 100 === 99) await eventually(() => server.stats().connections.open >= base + i + 1, `connection ${i + 1} accepted`, 10_000);
    }
    try {
      await eventually(
        () => server.stats().connections.open >= base + IDLE,
        () => `${IDLE} idle connections counted; open: ${server.stats().connections.open}`,
        10_000,
      );
      await assertServes();
      await Promise.all(closed);
      assert.equal(answers.filter((a) => a.startsWith('HTTP/1.1 408 Request Timeout\r\n')).length, IDLE, 'each was told why');
      await eventually(() => server.stats().connections.open === base, 'every idle connection gone on the server too');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await assertServes();
  });

  test('an 8 MB chunked POST from a client that reads only after writing still gets its 413', async () => {
    const client = await openRaw(server.port);
    client.socket.pause(); // the client reads nothing until its whole body is written
    client.send(
      `POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let i = 0; i < 128; i++) client.send(Buffer.concat([Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n')]));
    client.send('0\r\n\r\n');
    await new Promise<void>((resolve) => client.socket.write('', () => resolve()));
    let reset: NodeJS.ErrnoException | undefined;
    client.socket.on('error', (error: NodeJS.ErrnoException) => (reset = error));
    client.socket.resume();
    await client.closed;
    assert.equal(reset, undefined, 'no reset');
    const [response] = parseResponses(client.text());
    assert.equal(response!.status, 413);
    assert.match(response!.head, /\r\nConnection: close\r\n/);
    assert.deepEqual(JSON.parse(response!.body), { error: 'body exceeds the limit of 1024 bytes', limit: 1024 });
    await assertServes();
  });

  test(`the drain is bounded: past ${DRAIN_MAX_BYTES / 1024 / 1024} MiB the connection is cut`, async () => {
    const client = await openRaw(server.port);
    client.send(
      `POST /publish HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nContent-Length: ${64 * DRAIN_MAX_BYTES}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(256 * 1024, 'a');
    let sent = 0;
    let cut = false;
    void client.closed.then(() => (cut = true));
    while (!cut && sent < 4 * DRAIN_MAX_BYTES) {
      if (!client.socket.write(chunk)) {
        await new Promise((resolve) => {
          client.socket.once('drain', resolve);
          client.socket.once('close', resolve);
        });
      }
      sent += chunk.length;
    }
    await client.closed;
    assert.ok(sent < 4 * DRAIN_MAX_BYTES, `cut after ${sent} bytes`);
    assert.equal(parseResponses(client.text())[0]?.status, 413, 'the answer came first');
    await assertServes();
  });
});
