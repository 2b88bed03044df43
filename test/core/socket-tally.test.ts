/**
 * The one socket tally both ends use: a server-side and a client-side tally on the two
 * ends of real loopback connections agree byte for byte, open and after closing, and
 * each closed socket is reported once with its final counts.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { SocketTally } from '../../core/socket-tally.ts';
import { eventually } from '../helpers/wire.ts';

const serverTally = new SocketTally('server', (_socket, up, down) => closedOnServer.push([up, down]));
const clientTally = new SocketTally('client');
const closedOnServer: Array<[number, number]> = [];
let server: net.Server;
let port: number;

before(async () => {
  // The server answers each chunk with twice as many bytes, so up and down differ.
  server = net.createServer((socket) => {
    serverTally.track(socket);
    socket.on('data', (chunk: Buffer) => socket.write(Buffer.concat([chunk, chunk])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function exchange(bytesUp: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  clientTally.track(socket);
  clientTally.track(socket); // a second track counts nothing twice
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.write(Buffer.alloc(bytesUp, 'a'));
  await eventually(() => received === 2 * bytesUp, `${2 * bytesUp} bytes back`);
  return socket;
}

test('both ends count the same bytes, up and down, open and closed', async () => {
  const a = await exchange(100);
  const b = await exchange(7);
  assert.equal(clientTally.openCount, 2);
  assert.equal(clientTally.total, 2);
  assert.deepEqual(clientTally.totals(), { up: 107, down: 214 });
  assert.deepEqual(serverTally.totals(), { up: 107, down: 214 });

  a.end();
  await eventually(() => serverTally.openCount === 1 && clientTally.openCount === 1, 'the first connection to close on both ends');
  assert.deepEqual(closedOnServer, [[100, 200]]);
  // Closed sockets stay counted.
  assert.deepEqual(clientTally.totals(), { up: 107, down: 214 });
  assert.deepEqual(serverTally.totals(), { up: 107, down: 214 });
  assert.equal(clientTally.upOf(b), 7);
  assert.equal(serverTally.downOf([...serverTally.sockets()][0]!), 14);

  b.end();
  await eventually(() => serverTally.openCount === 0 && clientTally.openCount === 0, 'both connections closed');
  assert.deepEqual(closedOnServer, [
    [100, 200],
    [7, 14],
  ]);
  assert.deepEqual(serverTally.totals(), { up: 107, down: 214 });
  assert.equal(serverTally.total, 2);
});
