/** Linux process facts from /proc, for tests that check that no process outlives a run. */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process's state letter from /proc/PID/stat (R, S, T, Z, ...), or null when it no longer exists. */
export function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** True while `pid` runs (a zombie has exited: only its parent has not collected it yet). */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

/** The pids whose parent is `parent`. */
export function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // Gone between readdir and read.
    }
  }
  return pids;
}

/**
 * Waits until none of `pids` is alive, polling /proc; returns the ones still alive after
 * `boundMs`. The bound is a liveness limit (a process that never exits), not a speed target:
 * make it generous.
 */
export async function waitUntilGone(pids: readonly number[], boundMs: number): Promise<number[]> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await sleep(50);
  }
}

/** Sends `signal` to `pid`, ignoring a process that is already gone (test cleanup). */
export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
