/**
 * Issue 19, the order: at 100,000 WebSocket clients on Nginx + Nchan with 8 workers, publishes took
 * 1.2-7.5 s to answer at 1 msg/s, so pushbench's publisher had two under way at once on separate
 * connections; they reached Nchan in the other order and every client counted one message out of
 * order (100,000). Nchan delivered in the order it took them: that is not out of its own order. The
 * publisher now records which publishes a later one overtook before their answer, and the runner
 * counts those arrivals as `reordered`, not `outOfOrder`.
 *
 * The overlap is made deterministic against the real Nchan: publish 1's body is held back on its
 * connection while publish 2 goes out whole on another and is answered, then publish 1's body is
 * sent. Nchan takes 2 first; every client receives 2, then 1.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { encodeMessage, filler, nowMicros } from '../../core/protocol.ts';
import { Generator } from '../../load/generator.ts';
import { broadcastSpec } from '../helpers/generator-spec.ts';
import { TargetPublisher } from '../../load/publisher.ts';
import { liveChildren } from '../../run/children.ts';
import { deliveryOrder } from '../../run/result-builder.ts';
import { TargetServer } from '../../run/target-server.ts';
import { skipUnless, target } from '../helpers/targets.ts';
import { holdingTarget } from '../helpers/holding-target.ts';

const skip = skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan');
const nchan = target('targets/nchan/target.json');
const CLIENTS = 4;
const PAYLOAD = 40;
/** A bound on waiting for the messages, so that a broken run fails instead of hanging (not a measured threshold). */
const ARRIVAL_BOUND_MS = 20_000;

let server: TargetServer | undefined;
before(async () => {
  if (skip !== false) return;
  const launch = nchan.server;
  if (launch.kind !== 'command') throw new Error('the Nchan target starts its server');
  server = await TargetServer.start(launch.command, nchan.origin!, 'nchan');
});
after(async () => server?.close());

/** Sends `body` as a publish on a connection of its own; the body's second half goes only when `release` is called. */
function heldPublish(origin: string, body: string): { release: () => void; status: Promise<number> } {
  const { hostname, port } = new URL(origin);
  const socket = net.connect(Number(port), hostname);
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST /pub/broadcast HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
  );
  let answer = '';
  const status = new Promise<number>((resolve, reject) => {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
  return { release: () => socket.write(body.slice(half)), status };
}

test('two overlapping publishes taken in the other order are reordered, not out of order', { skip }, async () => {
  const origin = server!.origin;
  const generator = new Generator(
    broadcastSpec({
      technique: 'websocket',
      origin,
      toClient: CLIENTS,
      payloadBytes: PAYLOAD,
      subscription: nchan.subscriptions.websocket!,
    }),
  );
  try {
    const outcome = await generator.connect();
    assert.equal(outcome.connected, CLIENTS, outcome.firstError ?? '');
    const startT = nowMicros();
    generator.setWindow({ startT, endT: startT + 60_000_000 }, startT, null);
    const message = (seq: number): string => encodeMessage({ seq, t: startT + seq * 1000, data: filler(PAYLOAD, seq) });
    // Publish 1 is under way (its head and half its body sent) when publish 2 is sent whole, and answered.
    const first = heldPublish(origin, message(1));
    const second = await fetch(`${origin}/pub/broadcast`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: message(2),
    });
    assert.ok([201, 202].includes(second.status), `publish 2: ${second.status}`);
    await second.arrayBuffer();
    first.release();
    assert.ok([201, 202].includes(await first.status), 'publish 1 accepted');
    const deadline = Date.now() + ARRIVAL_BOUND_MS;
    while (generator.recorder.counts.delivered < 2 * CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const result = await generator.collect();

    assert.equal(result.counts.delivered, 2 * CLIENTS, 'both messages reached every client');
    // Every client received 2, then 1: one late arrival each, after seq 2.
    assert.equal(result.counts.outOfOrder, CLIENTS);
    assert.deepEqual(result.counts.late, { '1': { count: CLIENTS, after: 2 } });
    // Publish 2 was sent before publish 1 was answered: the publisher reports {1: 2}, and none is out of order.
    assert.deepEqual(deliveryOrder([result], { '1': 2 }), { outOfOrder: 0, reordered: CLIENTS });
    // Had publish 1 been answered before publish 2 was sent, Nchan would have broken its own order: out of order.
    assert.deepEqual(deliveryOrder([result], undefined), { outOfOrder: CLIENTS });
    assert.deepEqual(deliveryOrder([result], { '3': 4 }), { outOfOrder: CLIENTS, reordered: 0 });
  } finally {
    await generator.close();
  }
});

test('the publisher records a publish that a later one overtook before its answer', async () => {
  // A server that answers publish 1 only once publish 2 has arrived (and been answered): two under way at once.
  const local = await holdingTarget(201);
  const publisher = new TargetPublisher({ origin: local.origin, publish: nchan.publish!, payloadBytes: PAYLOAD }, (message) =>
    assert.fail(message),
  );
  try {
    // Two publishes due 10 ms apart; the second cannot wait for the first's answer, which waits for it.
    const firstAt = nowMicros() + 20_000;
    publisher.start({ rate: 100, firstAt, until: firstAt + 15_000, startT: firstAt, endT: firstAt + 15_000 });
    const deadline = Date.now() + ARRIVAL_BOUND_MS;
    while (local.requests() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const result = await publisher.collect();
    assert.equal(result.accepted, 2);
    assert.deepEqual(result.overlaps, { '1': 2 }, 'publish 1 was answered after publish 2 was sent');
  } finally {
    await publisher.close();
    await local.close();
  }
});

test('nothing is left running', { skip }, async () => {
  await server?.close();
  server = undefined;
  assert.equal(liveChildren(), 0);
});
