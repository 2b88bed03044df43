/**
 * The delaying TCP proxy: every byte passes, in order, each way; nothing arrives before its
 * delay (a lower bound that holds by construction, not a speed threshold); an end is passed on
 * after the data before it; a connection with nowhere to go is dropped.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DelayProxy } from '../../load/delay-proxy.ts';
import { nowMicros } from '../../core/protocol.ts';

const DELAY_MS = 30;

describe('delay proxy', () => {
  let echo: net.Server;
  let proxy: DelayProxy;

  before(async () => {
    // Echoes every chunk and ends when the client ends.
    echo = net.createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await DelayProxy.start({ delayMs: DELAY_MS, upstream: { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port } });
  });

  after(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  test('bytes come back whole and in order, no sooner than the delay both ways, then the end', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const parts = [Buffer.from('first '), Buffer.from('second '), Buffer.alloc(256 * 1024, 'x'), Buffer.from(' last')];
    const expected = Buffer.concat(parts);
    const received: Buffer[] = [];
    let firstAt = 0;
    const sentAt = nowMicros();
    const ended = new Promise<void>((resolve) => socket.on('end', resolve));
    socket.on('data', (chunk: Buffer) => {
      firstAt ||= nowMicros();
      received.push(chunk);
    });
    for (const part of parts) socket.write(part);
    socket.end();
    await ended;
    assert.deepEqual(Buffer.concat(received), expected);
    const roundTripMs = (firstAt - sentAt) / 1000;
    // Up and back down: each chunk held DELAY_MS in each direction, never released before its due time.
    assert.ok(roundTripMs >= 2 * DELAY_MS, `first byte back after ${roundTripMs} ms`);
    socket.destroy();
  });

  test('separate chunks each come back after both delays, in order, and the proxy records every release it made', async () => {
    const own = await DelayProxy.start({ delayMs: 4, upstream: { host: '127.0.0.1', port: (echo.address() as net.AddressInfo).port } });
    try {
      const socket = net.connect(own.port, '127.0.0.1');
      socket.setNoDelay(true);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const sentAt: number[] = [];
      const backAt: number[] = [];
      let text = '';
      let echoed: (() => void) | null = null;
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        backAt.push(nowMicros());
        echoed?.();
      });
      const letters = 'abcdef';
      for (const letter of letters) {
        // One letter at a time, the next only once the last is back: each is a chunk of its own both ways.
        const back = new Promise<void>((resolve) => {
          echoed = resolve;
        });
        sentAt.push(nowMicros());
        socket.write(letter);
        await back;
      }
      const ended = new Promise<void>((resolve) => socket.on('end', resolve));
      socket.end();
      await ended;
      assert.equal(text, letters);
      for (let i = 0; i < letters.length; i++) {
        const roundTripMs = (backAt[i]! - sentAt[i]!) / 1000;
        assert.ok(roundTripMs >= 2 * 4, `letter ${i} back after ${roundTripMs} ms, before the 8 ms the proxy must hold it`);
      }
      const lateness = own.lateness();
      // Six letters up, six down, and the end each way: every release is recorded, none early.
      assert.equal(lateness.chunks, 2 * letters.length + 2);
      assert.equal(lateness.early, 0);
      assert.ok(lateness.meanMs >= 0 && lateness.meanMs <= lateness.maxMs, JSON.stringify(lateness));
      socket.destroy();
    } finally {
      await own.close();
    }
  });

  test('origin names the listening address, and forwardTo redirects new connections', async () => {
    assert.equal(proxy.origin, `http://127.0.0.1:${proxy.port}`);
    const other = net.createServer((socket) => socket.end('other'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const late = await DelayProxy.start({ delayMs: 1 });
    try {
      // Without an upstream the connection is dropped at once.
      const refused = net.connect(late.port, '127.0.0.1');
      await new Promise<void>((resolve) => refused.on('close', () => resolve()).on('error', () => {}));
      late.forwardTo('127.0.0.1', (other.address() as net.AddressInfo).port);
      const socket = net.connect(late.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await new Promise<void>((resolve) => socket.on('end', resolve));
      assert.equal(Buffer.concat(chunks).toString(), 'other');
      socket.destroy();
    } finally {
      await late.close();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  test('a negative delay is refused, naming the value', async () => {
    await assert.rejects(DelayProxy.start({ delayMs: -1 }), /invalid delayMs: received -1; expected a number >= 0/);
  });
});
