/**
 * Short polling client: one keep-alive connection, a request every `intervalMs` on a
 * fixed grid at the client's own phase (`ctx.phase`, seeded random: see load/schedule.ts). When a response comes back
 * after the next poll was due, that poll goes out at once and is counted late. A target
 * that answers one message per poll (Nchan's interval poll) says `repoll`: after an answer
 * that carried something, the client asks again at once, until an answer is empty.
 */
import { nowMicros } from '../../core/protocol.ts';
import { HttpClient, type PollDone } from './http-client.ts';
import { subscriptionPath, type ClientDriver, type DriverContext, type DriverFactory, type DriverTechnique } from './types.ts';

/** At most this many immediate re-polls in a row, so a server that always answers something cannot spin a client. */
const MAX_REPOLLS = 1000;

export const createPollingDriver: DriverFactory = (ctx: DriverContext): ClientDriver => {
  // Each poll is attributed to the window by its due time, whole (request and response together).
  const http = new HttpClient(ctx, 60_000, ctx.headers.poll, 'exchange');
  let since = ctx.startSeq;
  /** Monotonic µs at which the next poll is due. */
  let nextDue = 0;
  // The request path changes only when the cursor moves: most polls of a quiet feed repeat the last one.
  let path = subscriptionPath(ctx.subscription, ctx.room, since);
  let pathSince = since;
  function currentPath(): string {
    if (pathSince !== since) {
      path = subscriptionPath(ctx.subscription, ctx.room, since);
      pathSince = since;
    }
    return path;
  }

  /**
   * The poll under way: its due time (it decides the window of the whole exchange, re-polls
   * included), whether it went out late, and how many requests it has made. A poll is a chain of
   * callbacks, not an async function: thousands of polls a second each saved their promises.
   */
  let dueAt = 0;
  let late = false;
  let round = 0;
  let busy = false;
  /** Settles when the poll under way ends: what stop() waits for. */
  let idle: { promise: Promise<void>; resolve: () => void } | undefined;

  /** One poll due at `nextDue` (and its immediate re-polls when the target asks for them, attributed with it). */
  function fire(isLate: boolean): void {
    busy = true;
    dueAt = nextDue;
    late = isLate;
    round = 0;
    exchange();
  }

  function exchange(): void {
    if (http.stopped) return finished();
    ctx.beginExchange(dueAt);
    http.pollThen(currentPath(), onAnswer);
  }

  // Runs inside the connection's data handler: nothing may escape it.
  const onAnswer: PollDone = (error, answer) => {
    try {
      if (answer === undefined) throw error;
      ctx.endExchange(answer.bytes, answer.parts);
      if (answer.lastSeq > since) since = answer.lastSeq;
      ctx.countRequest(answer.empty, late && round === 0);
      round++;
      if (ctx.subscription.repoll && !answer.empty && round < MAX_REPOLLS && !http.stopped) return exchange();
    } catch (problem) {
      http.problem(problem);
    }
    finished();
  };

  function finished(): void {
    busy = false;
    const waiting = idle;
    idle = undefined;
    waiting?.resolve();
    schedule();
  }

  /** The poll under way as a promise, for stop() to wait on; undefined when none is. */
  function inFlight(): Promise<void> | undefined {
    if (!busy) return undefined;
    if (idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      idle = { promise, resolve };
    }
    return idle.promise;
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
    http.after((nextDue - now) / 1000, fireOnTime);
  }

  const fireOnTime = (): void => fire(false);

  return {
    async connect() {
      // The first poll opens the connection and proves the endpoint answers (a refusal rejects here); it is due now, before any window.
      ctx.beginExchange(nowMicros());
      const answer = await http.poll(currentPath());
      if (answer.lastSeq > since) since = answer.lastSeq;
    },
    begin(at) {
      nextDue = at + ctx.phase * ctx.intervalMs * 1000 - ctx.intervalMs * 1000;
      schedule();
    },
    publish: (body, onAccepted) => http.upstream.publish(body, onAccepted),
    stop: () => http.stop(inFlight()),
    close: () => http.close(),
  };
};

export default { id: 'polling', create: createPollingDriver } satisfies DriverTechnique;
