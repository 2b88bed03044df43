/**
 * Issue 19, the window's bytes: at 100,000 WebSocket clients on Nginx + Nchan every generator
 * process was saturated, and libuv's poll phase read every ready socket (up to 48 × 1,024 events)
 * before the timers ran, so the whole window's messages were read before either edge timer. Both
 * edges were then taken at one instant: 0 bytes and 0 messages between them in all 20 processes,
 * while every message was delivered. The start edge is now also taken by the first message of the
 * window a process handles.
 *
 * The late loop is made deterministic: the generator's edge timers are held (a subclass keeps them)
 * until every message has been read, then run in order, as a saturated loop runs them. Real Nchan,
 * real WebSocket clients, three messages published with stamps before, inside and inside the window.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeMessage, filler, nowMicros } from '../../core/protocol.ts';
import { Generator } from '../../load/generator.ts';
import { broadcastSpec } from '../helpers/generator-spec.ts';
import { windowEdges } from '../../run/result-builder.ts';
import { TargetServer } from '../../run/target-server.ts';
import { liveChildren } from '../../run/children.ts';
import { skipUnless, target, tinyParams } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan');
const nchan = target('targets/nchan/target.json');
const CLIENTS = 6;
const PAYLOAD = 40;
/** A bound on waiting for the messages to arrive, so that a broken run fails instead of hanging (not a measured threshold). */
const ARRIVAL_BOUND_MS = 20_000;

/** A generator whose timers run only when the test says: a loop that read every socket before its timers. */
class LateTimers extends Generator {
  readonly held: Array<{ when: number; fn: () => void }> = [];
  protected override at(when: number, fn: () => void): void {
    this.held.push({ when, fn });
  }
  /** Runs the held timers, and those they set, in due order. */
  runTimers(): void {
    while (this.held.length > 0) {
      this.held.sort((a, b) => a.when - b.when);
      this.held.shift()!.fn();
    }
  }
}

let server: TargetServer | undefined;
before(async () => {
  if (skip !== false) return;
  const launch = nchan.server;
  if (launch.kind !== 'command') throw new Error('the Nchan target starts its server');
  server = await TargetServer.start(launch.command, nchan.origin!, 'nchan');
});
after(async () => server?.close());

test('a late event loop still measures the window: the start edge is taken by its first message', { skip }, async () => {
  const origin = server!.origin;
  const generator = new LateTimers(
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
    // A 1 msg/s grid with the edges halfway between messages: stamps 500 ms before the start, 500 ms and 1,500 ms after it.
    const startT = nowMicros() + 60_000_000;
    const endT = startT + 2_000_000;
    generator.setWindow({ startT, endT }, nowMicros(), null);
    const stamps = [startT - 500_000, startT + 500_000, startT + 1_500_000];
    for (const [i, t] of stamps.entries()) {
      const seq = i + 1;
      // One at a time, each answered before the next is sent: one worker takes them in this order.
      const response = await fetch(`${origin}/pub/broadcast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: encodeMessage({ seq, t, data: filler(PAYLOAD, seq) }),
      });
      assert.ok([201, 202].includes(response.status), `publish ${seq}: ${response.status}`);
      await response.arrayBuffer();
    }
    // Every client has the two messages of the window (by their stamps) before any edge timer runs.
    const deadline = Date.now() + ARRIVAL_BOUND_MS;
    while (generator.recorder.counts.delivered < 2 * CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(generator.recorder.counts.delivered, 2 * CLIENTS, 'both messages of the window reached every client');
    generator.runTimers();
    const result = await generator.collect();

    // Without the message's start edge both timers ran at one instant, after every message: 0 bytes, 0 messages.
    const received = result.counts.receivedInWindow;
    // The unit that carried the first message of the window was read before the edge; every other client's two come after it.
    assert.ok(received >= 2 * (CLIENTS - 1), `the window holds the other clients' messages: ${received}`);
    // Each message is one unmasked text frame under 126 bytes (RFC 6455 5.2): a 2-byte header, then the JSON pushbench published.
    assert.deepEqual(result.bytes, { up: 0, down: result.counts.payloadInWindow + 2 * received }, 'bytes are the frames counted');
    const [start, end] = result.edges!;
    assert.equal(start!.edge, 'start');
    assert.equal(start!.byMessage, true, 'the start edge was read by the first message of the window');
    assert.equal(end!.edge, 'end');
    assert.equal(end!.byMessage, undefined, 'the end edge by its (late) timer');
    assert.match(
      windowEdges(tinyParams({ clients: CLIENTS, rate: 1 }), [result])!.note,
      /1 start edge\(s\) of 1 generator process\(es\) were read when the process first handled a message of the window/,
    );
  } finally {
    await generator.close();
  }
});

test('nothing is left running', { skip }, async () => {
  await server?.close();
  server = undefined;
  assert.equal(liveChildren(), 0);
});
