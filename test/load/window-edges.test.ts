/**
 * The window's byte snapshots wait for a quiet moment. At scale a fan-out can outlast half
 * the gap between messages, so the message due before an edge is still landing when the edge
 * comes; the snapshot then waits until every client of the process has it (and before the next
 * one is due), so that message is wholly outside the window at the start edge. When the wait
 * runs out (here: the message due before the end edge never comes), the result says how many
 * clients were behind instead of silently straddling the edge.
 *
 * The slow fan-out is made deterministic: the message due 500 ms before the window starts is
 * published only after the start edge has fired, so it reaches the clients after the edge, as
 * the tail of a slow fan-out does. 20 WebSocket clients, 1 msg/s grid (edges halfway between).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { encodeMessage, nowMicros } from '../../core/protocol.ts';
import { PLAIN_WS_TECHNIQUE } from '../../core/techniques.ts';
import { Generator } from '../../load/generator.ts';
import { broadcastSpec } from '../helpers/generator-spec.ts';
import { BUILTIN_TARGET } from '../../run/targets.ts';
import { windowEdges } from '../../run/result-builder.ts';
import { startServer, type PushServer } from '../../servers/server.ts';
import { tinyParams } from '../helpers/tiny-params.ts';

const CLIENTS = 20;
const DATA = 'x'.repeat(40);

let server: PushServer | undefined;
after(async () => server?.close());

function sleepUntil(micros: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, (micros - nowMicros()) / 1000)));
}

test('an edge waits for the last message before it to land; a wait that runs out is reported', async () => {
  server = await startServer({ techniques: [PLAIN_WS_TECHNIQUE], rate: 0, payloadBytes: DATA.length });
  const notBeforeT = nowMicros();
  const generator = new Generator(
    broadcastSpec({
      technique: PLAIN_WS_TECHNIQUE,
      origin: server.url,
      toClient: CLIENTS,
      payloadBytes: DATA.length,
      notBeforeT,
      subscription: BUILTIN_TARGET.subscriptions[PLAIN_WS_TECHNIQUE]!,
    }),
  );
  const outcome = await generator.connect();
  assert.equal(outcome.connected, CLIENTS, outcome.firstError ?? '');

  // The grid: messages due at startT - 500 ms, startT + 500 ms, startT + 1,500 ms (the last before the end edge).
  const beginAt = nowMicros();
  const startT = beginAt + 600_000;
  const endT = startT + 2_000_000;
  generator.setWindow({ startT, endT }, beginAt, null);

  await sleepUntil(startT + 20_000);
  // The message due before the start edge, landing after it: the tail of a slow fan-out.
  const late = { seq: server.publish(DATA, startT - 500_000), t: startT - 500_000 };
  await sleepUntil(startT + 500_000);
  const inWindow = { seq: server.publish(DATA, startT + 500_000), t: startT + 500_000 };
  // The one due at startT + 1,500 ms is never published: the end edge waits for it in vain.
  await sleepUntil(endT + 450_000);
  const result = await generator.collect();
  await generator.close();

  // One text frame, worked out by hand: `{"seq":S,"t":T,"data":"xx...x"}` behind a 2-byte header
  // (FIN + opcode, then a 7-bit length: the payload is under 126 bytes and a server does not mask, RFC 6455 5.2).
  const frameBytes = (m: { seq: number; t: number }): number =>
    2 + '{"seq":'.length + String(m.seq).length + ',"t":'.length + String(m.t).length + ',"data":"'.length + DATA.length + '"}'.length;
  assert.deepEqual([late.seq, inWindow.seq], [1, 2], "the late message is the feed's first, the window's its second");
  assert.equal(
    frameBytes(inWindow),
    Buffer.byteLength(encodeMessage({ ...inWindow, data: DATA })) + 2,
    'the hand count agrees with the encoder',
  );
  assert.equal(result.counts.receivedInWindow, CLIENTS, "only the window's message counts beside its bytes");
  // Exactly one frame per client: with the late frame inside the window this would be CLIENTS * (frameBytes(late) + frameBytes(inWindow)).
  assert.deepEqual(
    result.bytes,
    { up: 0, down: CLIENTS * frameBytes(inWindow) },
    "the late message's bytes fell before the start snapshot",
  );

  const [start, end] = result.edges!;
  assert.equal(start!.edge, 'start');
  assert.equal(start!.clientsBehind, 0, 'the start edge was read once every client had the late message');
  assert.ok(start!.waitedMicros >= 20_000, `it waited past the late publish: ${start!.waitedMicros} µs`);
  assert.equal(end!.edge, 'end');
  assert.equal(end!.clientsBehind, CLIENTS, 'no client got the message due before the end edge');

  const summary = windowEdges(tinyParams({ clients: CLIENTS, rate: 1 }), [result])!;
  assert.equal(summary.clientsBehind, CLIENTS);
  assert.match(summary.note, /^at the end edge 20 client\(s\) still lacked the last message before the edge when the wait for it ran out/);
});
