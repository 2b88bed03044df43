/**
 * Short polling client: one keep-alive connection, a request every `intervalMs` on a
 * fixed grid at the client's own phase (`ctx.phase`, seeded random: see schedulePhases). When a response comes back
 * after the next poll was due, that poll goes out at once and is counted late. A target
 * that answers one message per poll (Nchan's interval poll) says `repoll`: after an answer
 * that carried something, the client asks again at once, until an answer is empty.
 */
import { nowMicros } from '../../core/protocol.ts';
import { HttpClient } from './http-client.ts';
import { subscriptionPath, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';

/** A seeded PRNG (mulberry32): uniform numbers in [0, 1), the same sequence for the same seed in every process. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** At most this many immediate re-polls in a row, so a server that always answers something cannot spin a client. */
const MAX_REPOLLS = 1000;

export const createPollingDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  // Each poll is attributed to the window by its due time, whole (request and response together).
  const http = new HttpClient(ctx, 60_000, ctx.headers.poll, 'exchange');
  let since = ctx.startSeq;
  let inFlight: Promise<void> | undefined;
  /** Monotonic µs at which the next poll is due. */
  let nextDue = 0;

  /** One poll due at `dueAt` (and its immediate re-polls when the target asks for them, attributed with it). */
  async function poll(late: boolean, dueAt: number): Promise<void> {
    try {
      let again = true;
      for (let round = 0; again && round < MAX_REPOLLS && !http.stopped; round++) {
        ctx.beginExchange(dueAt);
        const answer = await http.poll(subscriptionPath(ctx.subscription, ctx.room, since));
        ctx.endExchange(answer.bytes);
        if (answer.lastSeq > since) since = answer.lastSeq;
        ctx.countRequest(answer.empty, late && round === 0);
        again = ctx.subscription.repoll && !answer.empty;
      }
    } catch (error) {
      http.problem(error);
    }
  }

  function schedule(): void {
    if (http.stopped) return;
    const now = nowMicros();
    const intervalMicros = ctx.intervalMs * 1000;
    nextDue += intervalMicros;
    if (nextDue <= now) {
      // The previous response took longer than the interval: poll now, re-align to the grid.
      nextDue += Math.ceil((now - nextDue) / intervalMicros) * intervalMicros;
      fire(true);
      return;
    }
    http.after((nextDue - now) / 1000, () => fire(false));
  }

  function fire(late: boolean): void {
    inFlight = poll(late, nextDue).then(schedule);
  }

  return {
    async connect() {
      // The first poll opens the connection and proves the endpoint answers (a refusal rejects here); it is due now, before any window.
      ctx.beginExchange(nowMicros());
      const answer = await http.poll(subscriptionPath(ctx.subscription, ctx.room, since));
      if (answer.lastSeq > since) since = answer.lastSeq;
    },
    begin(at) {
      nextDue = at + ctx.phase * ctx.intervalMs * 1000 - ctx.intervalMs * 1000;
      schedule();
    },
    publish: (body, onAccepted) => http.upstream.publish(body, onAccepted),
    stop: () => http.stop(inFlight),
    close: () => http.close(),
  };
};

export default { id: 'polling', create: createPollingDriver } satisfies DriverTechnique;
