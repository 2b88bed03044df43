/**
 * When each client acts within a period: the phase of its polls (and of its upstream publishes
 * in chat), seeded so that every generator process deals the same phases to the same clients.
 * Every technique's generator reads it, not only polling's driver.
 */
import { seededRandom } from '../core/protocol.ts';

/**
 * The schedule phase of each of `clients` clients, as a fraction of the period, [0, 1): random
 * from `seed` (recorded in the results), so that the phases change from run to run instead of
 * forming one fixed lattice with the publish grid, but stratified: a seeded permutation deals
 * the clients one each into `clients` equal slots of the period, and each sits at a random point
 * of its slot. The clients together then cover the period evenly, so their mean wait is half a
 * period within 1/clients of it even when the poll interval and the message gap are commensurate
 * (each client then sees the same offset every time: with independent phases the mean of 20
 * clients would be off by 13% of itself, one standard deviation, by chance alone).
 */
export function schedulePhases(seed: number, clients: number): Float64Array {
  const random = seededRandom(seed);
  const slots = Array.from({ length: clients }, (_, i) => i);
  for (let i = clients - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const phases = new Float64Array(clients);
  for (let i = 0; i < clients; i++) phases[i] = (slots[i]! + random()) / clients;
  return phases;
}

/** The seed of the chat publish phases, derived from the run's seed: independent of the poll phases. */
export function publishSeed(seed: number): number {
  return (seed ^ 0x9e3779b9) >>> 0;
}
