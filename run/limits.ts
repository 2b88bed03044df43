/**
 * The per-process open-file limit, and the message a user sees when a run would hit it.
 */
import fs from 'node:fs';

/** The soft open-file limit of this process (`ulimit -n`), or null when it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    if (match === null || match[1] === 'unlimited') return null;
    return Number(match[1]);
  } catch {
    return null;
  }
}

/** File descriptors a Node process needs besides its sockets (stdio, IPC, libuv, the event loop). */
export const RESERVED_FDS = 64;

// Defined in core/errors.ts with every other error; exported here for the readers of this module.
export { OpenFileLimitError } from '../core/errors.ts';

/** Explains an open-file limit hit, with the numbers and what to do. */
export function describeOpenFileLimit(where: string, sockets: number, limit: number | null): string {
  const limitText = limit === null ? 'the open-file limit' : `the open-file limit of ${limit} (ulimit -n)`;
  return (
    `${where} needs ${sockets} sockets, over ${limitText}. ` +
    'Each simulated client holds one socket (two for HTTP techniques in the chat workload), and one server process holds them all. ' +
    'Lower --clients, spread the clients over more processes with --generators, or raise the limit with `ulimit -n` where the system allows.'
  );
}
