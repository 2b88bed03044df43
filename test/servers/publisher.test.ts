/**
 * The precise publisher on a scripted clock: the timer is armed PRECISE_LEAD_MICROS before
 * each due time, then a sleep to SPIN_MARGIN_MICROS before it and a busy-wait that ends at the
 * first clock reading at or past the due time; an early timer is re-armed instead of waited
 * on, a late one publishes at once, and every message of the window has its lateness in the
 * histogram. No real time is involved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHistogram } from '../../core/histogram.ts';
import { Feed } from '../../servers/feed.ts';
import {
  LEAD_SHARE_OF_PERIOD,
  MAX_BUSY_WAIT_MICROS,
  PRECISE_LEAD_MICROS,
  Publisher,
  SPIN_MARGIN_MICROS,
  type PublisherClock,
} from '../../servers/publisher.ts';

/**
 * A clock that advances `stepMicros` on every reading, sleeps that overshoot by `oversleepMicros`
 * (as a futex does), and timers that fire only when the test says.
 */
class ScriptedClock implements PublisherClock {
  t = 0;
  armed: Array<{ fn: () => void; delayMs: number }> = [];
  sleeps: number[] = [];
  constructor(
    private readonly stepMicros: number,
    private readonly oversleepMicros = 0,
  ) {}
  now(): number {
    const value = this.t;
    this.t += this.stepMicros;
    return value;
  }
  sleep(micros: number): void {
    this.sleeps.push(micros);
    this.t += micros + this.oversleepMicros;
  }
  setTimer(fn: () => void, delayMs: number): unknown {
    const timer = { fn, delayMs };
    this.armed.push(timer);
    return timer;
  }
  clearTimer(handle: unknown): void {
    this.armed = this.armed.filter((t) => t !== handle);
  }
  deferred: Array<() => void> = [];
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  /** Runs the deferred callbacks at clock time `at`, as the next tick would. */
  tick(at: number): void {
    this.t = at;
    for (const fn of this.deferred.splice(0)) fn();
  }
  /** Fires the one armed timer at clock time `at`. */
  fireAt(at: number): void {
    assert.equal(this.armed.length, 1, 'exactly one timer is armed');
    const timer = this.armed.pop()!;
    this.t = at;
    timer.fn();
  }
}

test('a timer 2 ms ahead, a sleep, then a busy-wait to the due time; early timers re-armed, late ones published at once', () => {
  assert.equal(PRECISE_LEAD_MICROS, 2000);
  assert.equal(MAX_BUSY_WAIT_MICROS, 4000);
  assert.equal(SPIN_MARGIN_MICROS, 400);
  const clock = new ScriptedClock(7, 150);
  const feed = new Feed(16);
  const published: number[] = [];
  feed.subscribe((batch) => published.push(...batch.map((m) => m.t)));
  const publisher = new Publisher(feed, 8, { clock });
  publisher.setWindow(0, 1_000_000);

  // 10 msg/s from t = 100,000 µs; armed at t = 0: (100,000 - 0 - 2,000) µs = 98 ms.
  publisher.start(10, 100_000);
  assert.equal(clock.armed[0]!.delayMs, 98);

  // Fired 1.5 ms before the due time (reading 98,500): a sleep of 1,500 - 400 = 1,100 µs, which
  // overshoots by 150 µs to 99,757 (98,507 + 1,250); the spin's readings 99,757, 99,764, ... reach
  // 100,002 (+ 35 x 7): 245 µs of busy-wait, the loop blocked 1,502 µs, the message 2 µs late.
  clock.fireAt(98_500);
  assert.deepEqual(clock.sleeps, [1100]);
  assert.deepEqual(published, [100_000]);
  assert.equal(publisher.stats.busyWaitMicros, 245);
  assert.equal(publisher.stats.blockedMicros, 1502);
  // Re-armed for 200,000 at the next reading, 100,009, counted from that reading (Node reads a
  // fresh clock when a timer is inserted), not lengthened by the 1,509 µs the callback took:
  // (200,000 - 100,009 - 2,000) / 1000 ms.
  assert.equal(clock.armed[0]!.delayMs, 97.991);

  // Fired 50 ms early (more than MAX_BUSY_WAIT_MICROS ahead): no spin, no message, armed again at the
  // next reading, 150,007: (200,000 - 150,007 - 2,000) / 1000 ms.
  clock.fireAt(150_000);
  assert.deepEqual(published, [100_000]);
  assert.equal(publisher.stats.busyWaitMicros, 245);
  assert.deepEqual(clock.sleeps, [1100], 'no sleep either');
  assert.equal(clock.armed[0]!.delayMs, 47.993);

  // Fired 3 ms after the due time: published at once, no busy-wait, counted as a late tick (> 2 ms).
  clock.fireAt(203_000);
  assert.deepEqual(published, [100_000, 200_000]);
  assert.equal(publisher.stats.busyWaitMicros, 245);
  assert.equal(publisher.stats.lateTicks, 1);
  assert.equal(publisher.stats.maxLateMs, 3);

  // The lateness histogram holds both messages of the window: 2 µs and 3,000 µs.
  const h = decodeHistogram(publisher.latenessHistogram());
  assert.equal(h.totalCount, 2);
  assert.equal(h.minNonZeroValue, 2);
  assert.ok(h.maxValue >= 3000 && h.maxValue <= 3003, `max ${h.maxValue} (3,000 within the histogram's 0.1%)`);
  publisher.stop();
  assert.equal(clock.armed.length, 0, 'stop() clears the timer');
});

test('within the spin margin there is no sleep, only the spin', () => {
  const clock = new ScriptedClock(10);
  const publisher = new Publisher(new Feed(16), 8, { clock });
  publisher.start(10, 100_000);
  clock.fireAt(99_700); // 300 µs before: spin 99,710 ... 100,000
  assert.deepEqual(clock.sleeps, []);
  assert.equal(publisher.stats.busyWaitMicros, 300);
  publisher.stop();
});

test('precise: false is the timer-only publisher: an early timer is re-armed, never spun on', () => {
  const clock = new ScriptedClock(7);
  const feed = new Feed(16);
  const published: number[] = [];
  feed.subscribe((batch) => published.push(...batch.map((m) => m.t)));
  const publisher = new Publisher(feed, 8, { clock, precise: false });
  publisher.start(10, 100_000);
  assert.equal(clock.armed[0]!.delayMs, 100, 'armed for the due time itself');
  clock.fireAt(99_500);
  assert.deepEqual(published, []);
  clock.fireAt(100_800);
  assert.deepEqual(published, [100_000]);
  assert.equal(publisher.stats.busyWaitMicros, 0);
  publisher.stop();
});

test('only messages due inside the window are in the lateness histogram, and a new window starts empty', () => {
  const clock = new ScriptedClock(1);
  const publisher = new Publisher(new Feed(16), 8, { clock });
  publisher.setWindow(200_000, 300_000);
  publisher.start(10, 100_000);
  clock.fireAt(100_010); // due 100,000: before the window
  clock.fireAt(200_020); // due 200,000: inside
  clock.fireAt(300_030); // due 300,000: the window's end is exclusive
  assert.equal(decodeHistogram(publisher.latenessHistogram()).totalCount, 1);
  publisher.setWindow(0, 1);
  assert.equal(decodeHistogram(publisher.latenessHistogram()).totalCount, 0);
  publisher.stop();
});

test("the fan-out: from the message leaving to the tick after its subscribers' deferred writes, for messages due in the window", () => {
  const clock = new ScriptedClock(0);
  const feed = new Feed(16);
  let written = 0;
  feed.subscribe((batch) => (written += batch.length));
  const publisher = new Publisher(feed, 8, { clock });
  publisher.setWindow(200_000, 400_000);
  publisher.start(10, 100_000);
  clock.fireAt(100_000); // due 100,000: before the window, so no fan-out is kept
  clock.tick(100_900);
  clock.fireAt(200_000); // due 200,000: left at 200,000; the deferred writes ran by 200,350
  assert.equal(written, 2, 'the subscribers ran synchronously');
  assert.equal(clock.deferred.length, 1, 'the fan-out ends on the next tick, not before');
  clock.tick(200_350);
  const sample = publisher.sample();
  const fanOut = decodeHistogram(sample.fanOutHistogram);
  assert.equal(fanOut.totalCount, 1);
  assert.ok(fanOut.maxValue >= 350 && fanOut.maxValue <= 351, `fan-out ${fanOut.maxValue} µs`);
  assert.equal(decodeHistogram(sample.latenessHistogram).totalCount, 1);
  publisher.stop();
});

test('at a high rate the lead shrinks to a tenth of the period (1,000 msg/s: 100 µs), and so does the longest wait (200 µs)', () => {
  assert.equal(LEAD_SHARE_OF_PERIOD, 0.1);
  const clock = new ScriptedClock(10);
  const feed = new Feed(16);
  const published: number[] = [];
  feed.subscribe((batch) => published.push(...batch.map((m) => m.t)));
  const publisher = new Publisher(feed, 8, { clock });
  // Armed at reading 0 for 100,000 - 100 µs.
  publisher.start(1000, 100_000);
  assert.equal(clock.armed[0]!.delayMs, 99.9);
  // Fired 500 µs early: more than the 200 µs this rate allows to wait, so re-armed, not waited on.
  clock.fireAt(99_500);
  assert.deepEqual(published, []);
  assert.deepEqual(clock.sleeps, []);
  // Fired 150 µs early: inside the spin margin, a spin of 150 µs and no sleep.
  clock.fireAt(99_850);
  assert.deepEqual(published, [100_000]);
  assert.deepEqual(clock.sleeps, []);
  assert.equal(publisher.stats.busyWaitMicros, 150);
  // At 10 msg/s the period's tenth (10 ms) is longer than PRECISE_LEAD_MICROS, which then applies.
  publisher.start(10, 1_000_000);
  assert.equal(clock.armed.at(-1)!.delayMs, (1_000_000 - clock.t + 10 - PRECISE_LEAD_MICROS) / 1000);
  publisher.stop();
});
