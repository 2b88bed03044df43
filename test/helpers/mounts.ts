/**
 * Real small file systems for write-failure tests: a tmpfs of a given size (to fill up)
 * that can be remounted read-only. Needs root (or CAP_SYS_ADMIN); where mounting is
 * impossible, `mountTmpfs` returns the reason and the test skips saying so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export type Mounted = { path: string; remountReadOnly: () => void; unmount: () => void } | { skip: string };

/** Mounts a tmpfs of `sizeKiB` at `dir` (created if needed). */
export function mountTmpfs(dir: string, sizeKiB: number): Mounted {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    return { skip: `cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): ${stderr}` };
  }
  return {
    path: dir,
    remountReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir]),
    // Lazy, so that a file a failed test left open cannot keep the mount busy.
    unmount: () => execFileSync('umount', ['-l', dir]),
  };
}

/** Fills the file system holding `dir` until no byte is left but `leaveBytes`, with a file `dir/filler`. */
export function fill(dir: string, leaveBytes = 0): void {
  const fd = fs.openSync(`${dir}/filler`, 'w');
  const chunk = Buffer.alloc(4096, 120);
  try {
    for (;;) {
      const { bavail, bsize } = fs.statfsSync(dir);
      const free = bavail * bsize;
      if (free <= leaveBytes) break;
      const n = Math.min(chunk.length, free - leaveBytes);
      try {
        fs.writeSync(fd, chunk, 0, n);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
