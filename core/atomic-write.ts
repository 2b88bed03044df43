/**
 * Atomic file writes: readers (a report renderer, CI, a user opening results.json mid-run) see
 * the old file or the complete new one, never a half-written one, even if the process dies.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes `data` to `target` atomically: creates the folder, writes a temporary file next to the
 * target, fsyncs it and renames it over the target. On failure the temporary file is removed and
 * the error rethrown; the target is then untouched.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = path.dirname(target);
  makeDirectory(dir);
  // Same folder as the target, so the rename never crosses file systems (which is not atomic).
  const temp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, 'wx');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, target);
  } catch (err) {
    if (fd !== null) closeQuietly(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  syncFolder(dir);
}

/**
 * Creates `dir` and any missing parents, one `mkdir` at a time. Node 20's
 * `mkdirSync(dir, { recursive: true })` reports a read-only file system as ENOENT, and
 * spins forever under /proc/sys; one level at a time, the error is the kernel's own
 * (EROFS, EACCES, ENOSPC, ENOTDIR).
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const stat = fs.statSync(current, { throwIfNoEntry: false });
    if (stat !== undefined) {
      if (!stat.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}' (${current} is a file)`), {
          code: 'ENOTDIR',
          path: current,
        });
      break;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      fs.mkdirSync(folder);
    } catch (error) {
      // Another process made it in the meantime: fine.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Writes `value` as 2-space JSON with a trailing newline, atomically. */
export function writeJsonAtomic(target: string, value: unknown): void {
  const json = JSON.stringify(value, null, 2);
  if (json === undefined) throw new TypeError(`cannot write ${String(value)} as JSON to ${target}`);
  writeFileAtomic(target, `${json}\n`);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // The write already failed; that error is the one worth reporting.
  }
}

/** Persists the rename itself. Best effort: some platforms (Windows) cannot open a folder. */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // The file is complete either way; only durability across a power loss is weaker.
  } finally {
    if (fd !== null) closeQuietly(fd);
  }
}
