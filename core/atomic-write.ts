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
  fs.mkdirSync(dir, { recursive: true });
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
