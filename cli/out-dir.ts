/**
 * The results folder, checked before a run starts: created one level at a time, so that the
 * error is the real one. Node's recursive mkdir reports a read-only file system as ENOENT and
 * never returns under /proc; creating each missing level with a plain mkdir names EROFS, EACCES
 * or ENOTDIR for what it is, and fails at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.ts';

/** What an errno means for a folder pushbench wants to write into. */
function reason(error: NodeJS.ErrnoException, at: string): string {
  switch (error.code) {
    case 'EROFS':
      return `${at} is on a read-only file system (EROFS)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied to write in ${at} (${error.code})`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `${at} is not a folder (${error.code})`;
    case 'ENOSPC':
      return `no space left on the device of ${at} (ENOSPC)`;
    case 'ENOENT':
      return `folders cannot be created in ${at} (ENOENT)`;
    default:
      return error.message;
  }
}

/**
 * Creates `dir` (and missing parents) and checks it is writable; throws a ConfigError naming the
 * folder and why when it is not (exit 2: nothing has run yet).
 */
export function prepareOutDir(dir: string): void {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let existing = absolute;
  while (!fs.existsSync(existing)) {
    missing.unshift(existing);
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const fail = (error: unknown, at: string): never => {
    throw new ConfigError(
      `cannot write results to --out ${JSON.stringify(dir)}: ${reason(error as NodeJS.ErrnoException, at)}; choose a writable folder`,
      { cause: error },
    );
  };
  for (const level of missing) {
    try {
      fs.mkdirSync(level);
    } catch (error) {
      fail(error, path.dirname(level));
    }
  }
  try {
    if (!fs.statSync(absolute).isDirectory()) fail(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }), absolute);
    fs.accessSync(absolute, fs.constants.W_OK);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    fail(error, absolute);
  }
}
