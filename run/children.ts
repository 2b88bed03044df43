/**
 * Child processes of a run (servers and load generators), forked with an IPC channel:
 * the TypeScript source under tsx in development, the compiled JavaScript when installed
 * (see package-layout.ts). Every child is tracked so that none outlives the
 * runner: on exit, on a crash, and on Ctrl-C they are all killed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { childLaunch, COMPILED } from './package-layout.ts';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every tracked child at once (used on exit and on Ctrl-C). */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) child.kill(signal);
}

export function liveChildren(): number {
  return live.size;
}

export interface ForkedChild {
  child: ChildProcess;
  /** Resolves when the child has exited, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB the child wrote to stderr, for error messages. */
  stderrTail(): string;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * Forks the child module named by its source file (`new URL('../x/child.ts', import.meta.url)`)
 * with an IPC channel, in the world this process runs in unless `compiled` says otherwise
 * (perf/child-start.ts times both).
 */
export function forkChild(sourceModule: URL, args: string[], compiled: boolean = COMPILED): ForkedChild {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => killAllChildren());
  }
  const launch = childLaunch(sourceModule, compiled);
  const child = fork(launch.modulePath, args, {
    execArgv: launch.execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  live.add(child);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      live.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  return { child, exited, stderrTail: () => tail.trim() };
}

/** Describes how a child ended, with its last stderr lines, for a `failed` result. */
export function describeExit(name: string, exit: { code: number | null; signal: NodeJS.Signals | null }, stderr: string): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const lastLines = stderr.split('\n').filter(Boolean).slice(-5).join(' | ');
  return `${name} ${how}${lastLines ? `: ${lastLines}` : ''}`;
}
