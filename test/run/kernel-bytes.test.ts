/**
 * Reading the kernel's per-socket byte counters from `ss -tin`: the server's side of each
 * connection on its port, the publisher's connections and listening or closed sockets left out,
 * and the bytes between two snapshots (a socket gone in between is counted as such).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { kernelDelta, kernelSnapshot, parseSs } from '../../run/kernel-bytes.ts';
import { peerEndpoint, TargetPublisher } from '../../load/publisher.ts';

const SS = [
  'LISTEN 0      511    127.0.0.1:8080   0.0.0.0:*',
  '\t bbr cwnd:10',
  'ESTAB  0      0      127.0.0.1:8080 127.0.0.1:42950',
  '\t bbr wscale:10,10 rto:204 rtt:0.018/0.01 mss:32768 cwnd:11 bytes_sent:1100 bytes_acked:1100 bytes_received:250 segs_out:2',
  'ESTAB  0      0      127.0.0.1:8080 127.0.0.1:42951',
  '\t bbr wscale:10,10 rto:204 cwnd:10 bytes_received:77',
  'ESTAB  0      0      127.0.0.1:8080 127.0.0.1:50000',
  '\t bbr bytes_sent:9999 bytes_received:9999',
  // A client on another source address with the publisher's port number: a client, counted.
  'ESTAB  0      0      127.0.0.1:8080 127.0.0.2:50000',
  '\t bbr bytes_sent:120 bytes_received:30',
  'TIME-WAIT 0   0      127.0.0.1:8080 127.0.0.1:42000',
  '\t',
  // Another program's client on 127.0.0.4 whose source port is the server's port number: not the server's socket.
  'ESTAB  0      0      127.0.0.4:8080 127.0.0.1:36203',
  '\t bbr bytes_sent:157 bytes_received:505',
  'ESTAB  0      0      127.0.0.1:9090 127.0.0.1:42952',
  '\t bbr bytes_sent:5 bytes_received:5',
].join('\n');

test('the sockets on the port, by peer, without the listener, a closed socket, another port, another address and the publisher', () => {
  const sockets = parseSs(SS, 8080, new Set(['127.0.0.1:50000']), '127.0.0.1');
  assert.deepEqual(
    [...sockets],
    [
      ['127.0.0.1:42950', { sent: 1100, received: 250 }],
      // ss leaves a zero counter out.
      ['127.0.0.1:42951', { sent: 0, received: 77 }],
      ['127.0.0.2:50000', { sent: 120, received: 30 }],
    ],
  );
});

test('without the server address, a client with the port number as its source port would pass for a server socket (issue 19)', () => {
  assert.ok(parseSs(SS, 8080, new Set()).has('127.0.0.1:36203'));
  assert.ok(!parseSs(SS, 8080, new Set(), '127.0.0.1').has('127.0.0.1:36203'));
  assert.ok(!parseSs(SS.replaceAll('127.0.0.1:8080', '[::ffff:127.0.0.1]:8080'), 8080, new Set(), '127.0.0.1').has('127.0.0.1:36203'));
  assert.equal(parseSs(SS.replaceAll('127.0.0.1:8080', '[::ffff:127.0.0.1]:8080'), 8080, new Set(), '127.0.0.1').size, 4);
});

test('between two snapshots: growth of each socket, a new one from zero, a closed one counted as closed', () => {
  const before = new Map([
    ['a', { sent: 100, received: 10 }],
    ['gone', { sent: 5, received: 5 }],
  ]);
  const after = new Map([
    ['a', { sent: 150, received: 30 }],
    ['new', { sent: 40, received: 7 }],
  ]);
  assert.deepEqual(kernelDelta(before, after), { up: 20 + 7, down: 50 + 40, sockets: 2, closed: 1 });
});

test('a real socket: the kernel counts exactly what was written and read', async () => {
  const server = net.createServer((socket) => socket.on('data', (d) => socket.write(Buffer.concat([d, d]))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  client.write('x'.repeat(1234));
  let received = 0;
  await new Promise<void>((resolve) => client.on('data', (d: Buffer) => (received += d.length) >= 2468 && resolve()));
  const snapshot = await kernelSnapshot(port, new Set<string>(), '127.0.0.1');
  client.destroy();
  server.close();
  assert.ok(snapshot !== null, 'ss is installed');
  assert.deepEqual([...snapshot.values()], [{ sent: 2468, received: 1234 }]);
});

test('a peer as ss writes it: IPv4 as address:port, IPv6 in brackets, an IPv4-mapped address as IPv4', () => {
  assert.equal(peerEndpoint('127.0.0.2', 50000), '127.0.0.2:50000');
  assert.equal(peerEndpoint('::1', 50000), '[::1]:50000');
  assert.equal(peerEndpoint('::ffff:127.0.0.1', 50000), '127.0.0.1:50000');
});

test("the publisher's endpoints are its open connections: a connection it closed gives its port back (a client may reuse it at once on loopback)", async () => {
  const server = net.createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const publisher = new TargetPublisher(
    {
      origin: `http://127.0.0.1:${port}`,
      publish: { method: 'POST', path: '/publish', headers: [], body: '{message}', accepted: [204] },
      payloadBytes: 8,
    },
    () => {},
  );
  try {
    // The warm-up connection: opened, remembered, closed; its endpoint goes with it.
    await publisher.connect();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(publisher.localEndpoints(), []);
  } finally {
    server.close();
  }
});
