/**
 * The generator's wait for messages of the window still on their way after the drain: it ends
 * once no in-window message arrived for the quiet time, or at the cap; it waits not at all when
 * the last arrival is already that old. Scripted clock: arrivals happen while it sleeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awaitStragglers, ClientTracker, DeliveryRecorder } from '../../load/delivery.ts';

/** A clock that only moves when the waiter sleeps; `arrivals` (µs) become the last arrival as the clock passes them. */
function scripted(start: number, arrivals: number[]) {
  let t = start;
  let last = 0;
  const sleeps: number[] = [];
  const pass = () => {
    for (const a of arrivals) if (a <= t) last = Math.max(last, a);
  };
  pass();
  return {
    lastAt: () => last,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms * 1000;
      pass();
    },
    sleeps,
  };
}

test('no wait when the last in-window arrival is older than the quiet time', async () => {
  const clock = scripted(1_000_000, [600_000]);
  assert.equal(await awaitStragglers(clock.lastAt, clock.now, clock.sleep, 250_000, 5_000_000), 0);
  assert.deepEqual(clock.sleeps, []);
});

test('waits while stragglers arrive, and ends 250 ms after the last of them', async () => {
  // Last arrival 100 ms ago, then two more at +100 ms and +300 ms: quiet from +300 ms, so it ends at +550 ms.
  const clock = scripted(1_000_000, [900_000, 1_100_000, 1_300_000]);
  const waited = await awaitStragglers(clock.lastAt, clock.now, clock.sleep, 250_000, 5_000_000);
  assert.equal(waited, 550_000);
  // Each sleep is what is left of the quiet time since the last arrival seen (ms): 250 - 100, then 250 - 50 twice.
  assert.deepEqual(clock.sleeps, [150, 200, 200]);
});

test('the cap ends a wait on a stream of arrivals that never pauses', async () => {
  const arrivals = Array.from({ length: 200 }, (_, i) => 1_000_000 + i * 100_000);
  const clock = scripted(1_000_000, arrivals);
  assert.equal(await awaitStragglers(clock.lastAt, clock.now, clock.sleep, 250_000, 2_000_000), 2_000_000);
});

test('the recorder remembers when the last message stamped inside the window arrived, not one from outside it', () => {
  const recorder = new DeliveryRecorder();
  recorder.setWindow({ startT: 1_000, endT: 2_000 });
  const client = new ClientTracker('room-0', 0);
  recorder.receive(client, 1, 1_500, 10, 1_600);
  assert.equal(recorder.lastDeliveredAt, 1_600);
  // Stamped after the window's end: not a message of the window.
  recorder.receive(client, 2, 2_100, 10, 2_200);
  assert.equal(recorder.lastDeliveredAt, 1_600);
  recorder.receive(client, 3, 1_900, 10, 2_500);
  assert.equal(recorder.lastDeliveredAt, 2_500);
});
