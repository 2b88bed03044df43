/**
 * The clients' schedule phases (short polling's poll phase, chat's publish phase): random from
 * a seed, the same in every process for the same seed, one client in each of N equal slots of
 * the period (so N clients' mean phase is within half a slot of the middle), and the publish
 * phases independent of the poll phases.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../../core/protocol.ts';
import { publishSeed, schedulePhases } from '../../load/schedule.ts';

test('seededRandom: the same sequence for the same seed, another for another, always in [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const c = seededRandom(43);
  const first = Array.from({ length: 100 }, () => a());
  assert.deepEqual(
    first,
    Array.from({ length: 100 }, () => b()),
  );
  assert.notDeepEqual(
    first,
    Array.from({ length: 100 }, () => c()),
  );
  assert.ok(first.every((x) => x >= 0 && x < 1));
});

test('schedulePhases: one client per slot of the period, each at a random point of it', () => {
  for (const clients of [1, 7, 100]) {
    const phases = schedulePhases(1234, clients);
    assert.equal(phases.length, clients);
    const slots = [...phases].map((phase) => Math.floor(phase * clients)).sort((x, y) => x - y);
    assert.deepEqual(
      slots,
      Array.from({ length: clients }, (_, i) => i),
      `${clients} clients fill every slot once`,
    );
    // Slot i holds one phase in [i/N, (i+1)/N): the mean is ((N-1)/2 + mean offset) / N, within 1/(2N) of 1/2.
    const mean = phases.reduce((n, x) => n + x, 0) / clients;
    assert.ok(Math.abs(mean - 0.5) <= 0.5 / clients, `${clients} clients: mean phase ${mean}`);
  }
});

test('schedulePhases: reproducible from the seed, different for another seed, not the golden-ratio lattice', () => {
  assert.deepEqual(schedulePhases(7, 50), schedulePhases(7, 50));
  assert.notDeepEqual(schedulePhases(7, 50), schedulePhases(8, 50));
  // The old fixed spread: client i at frac(i x 0.618...), identical in every run.
  const lattice = Array.from({ length: 50 }, (_, i) => (i * 0.6180339887498949) % 1);
  assert.notDeepEqual([...schedulePhases(7, 50)], lattice);
});

test('publish phases come from their own seed: a client does not publish on its poll phase', () => {
  const seed = 99;
  assert.notEqual(publishSeed(seed), seed);
  const poll = schedulePhases(seed, 20);
  const publish = schedulePhases(publishSeed(seed), 20);
  const same = poll.filter((phase, i) => Math.floor(phase * 20) === Math.floor(publish[i]! * 20)).length;
  // Two independent permutations of 20 slots agree in about one place; the same permutation in all 20.
  assert.ok(same < 10, `${same} of 20 clients publish in their poll slot`);
});
