/**
 * The machine a run was measured on, stored in results.json next to the figures so that no
 * result travels without its environment.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Environment } from '../core/results.ts';

/** Node, OS, CPU, memory and the git commit of `cwd` (null outside a git checkout or without git). */
export function collectEnvironment(cwd: string = process.cwd()): Environment {
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    platform: process.platform,
    arch: process.arch,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryBytes: os.totalmem(),
    gitCommit: gitCommit(cwd),
  };
}

function gitCommit(cwd: string): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    // SHA-1 or SHA-256 object names; anything else (git prints "HEAD" in an empty repo) is not a commit.
    return /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(out) ? out : null;
  } catch {
    return null;
  }
}
