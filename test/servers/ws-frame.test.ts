/**
 * The broadcast's frame, made once per message (servers/techniques/websocket.ts textFrame): the
 * bytes ws's own Sender makes for the same payload, at each length form's edges (RFC 6455 §5.2).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { textFrame } from '../../servers/techniques/websocket.ts';

// ws's Sender is exported by ws (ws.Sender) but not typed by @types/ws.
const Sender = createRequire(import.meta.url)('ws').Sender as {
  frame(data: Buffer, options: object): Buffer[];
  new (socket: object): { _state: unknown; _queue: unknown };
};

test("a text frame's header and payload, as ws frames them, at 0, 125, 126, 65,535 and 65,536 bytes", () => {
  for (const [n, head] of [
    [0, 2],
    [125, 2],
    [126, 4],
    [65_535, 4],
    [65_536, 10],
  ] as const) {
    const payload = Buffer.alloc(n, 0x61);
    const frame = textFrame(payload);
    assert.equal(frame.length, head + n, `${n}-byte payload`);
    const theirs = Sender.frame(payload, {
      fin: true,
      rsv1: false,
      opcode: 1,
      mask: false,
      readOnly: true,
    });
    assert.deepEqual(frame, Buffer.concat(theirs), `${n}-byte payload: the same bytes as ws`);
  }
});

test("ws's Sender still has the idle state the broadcast reads (else every frame would take send()'s slower path)", () => {
  const sender = new Sender({ write() {} });
  assert.equal(sender._state, 0);
  assert.deepEqual(sender._queue, []);
});
