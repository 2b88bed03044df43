/**
 * The broadcast schedule's grid, shared by the runner (which starts publishing on it) and the
 * load generators (which wait at a window edge for the last message due before it): both
 * compute it from the same three numbers, so they agree without another message between them.
 */

/**
 * When the broadcast schedule starts: on or after `t0`, on a grid that puts the window's
 * edges halfway between two messages, so that a message is never published at the very
 * instant a byte snapshot is taken (at 1 message per 5 s, one message more or less in a
 * 5 s window doubles the bandwidth measured).
 */
export function firstPublishAt(t0: number, startT: number, rate: number): number {
  const period = 1e6 / rate;
  let at = startT + period / 2;
  while (at - period >= t0) at -= period;
  return Math.round(at);
}

/** The due time (µs) of the last message of the grid due before `edge`, or null when none is. */
export function lastDueBefore(firstAt: number, rate: number, edge: number): number | null {
  if (edge <= firstAt) return null;
  const period = 1e6 / rate;
  return firstAt + Math.ceil((edge - firstAt) / period - 1) * period;
}

/**
 * How far into the gap between two messages an edge snapshot may wait for the last message
 * before the edge to reach every client: edges sit halfway between two messages, so this stops
 * a tenth of a gap before the next one is due.
 */
export const EDGE_WAIT_GAPS = 0.4;
