/**
 * Child processes of a run (servers and load generators), forked with an IPC channel:
 * the TypeScript source under tsx in development, the compiled JavaScript when installed
 * (see package-layout.ts). Every child is tracked so that none outlives the
 * runner: on exit, on a crash, and on Ctrl-C they are all killed.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childLaunch, COMPILED, PACKAGE_ROOT } from './package-layout.ts';
import { buildSourceDirs, mirroredModule, sourceMirror } from './source-build.ts';

const live = new Set<ChildProcess>();
/** Process groups of target servers started by spawnGroup, by leader pid: killed as a whole. */
const groups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => killAllChildren());
}

/** Kills every tracked child at once (used on exit and on Ctrl-C), and every process of each target server's group. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) child.kill(signal);
  for (const pgid of groups) killGroup(pgid, signal);
}

/** Signals every process of group `pgid`; false when there is none left. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function liveChildren(): number {
  return live.size + groups.size;
}

export interface ForkedChild {
  child: ChildProcess;
  /** Resolves when the child has exited, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KiB the child wrote to stderr, for error messages. */
  stderrTail(): string;
}

const STDERR_TAIL_BYTES = 4096;

/** The source folders (tsconfig.build.json), read at the first fork. */
let sourceDirs: string[] | undefined;

/** A source-folder child from the transpiled mirror, with no loader; null when there is none. */
function mirroredLaunch(sourceModule: URL): { modulePath: string; execArgv: string[] } | null {
  const root = fileURLToPath(PACKAGE_ROOT);
  const mirror = sourceMirror(root);
  if (mirror === null) return null;
  sourceDirs ??= buildSourceDirs(root);
  const modulePath = mirroredModule(root, mirror, sourceModule, sourceDirs);
  return modulePath === null || !existsSync(modulePath) ? null : { modulePath, execArgv: [] };
}

/**
 * Forks the child module named by its source file (`new URL('../x/child.ts', import.meta.url)`)
 * with an IPC channel, in the world this process runs in unless `compiled` says otherwise
 * (perf/child-start.ts times both). From a source checkout a child of the source folders runs
 * from the transpiled mirror (run/source-build.ts) when it can be built, else under tsx.
 */
export function forkChild(sourceModule: URL, args: string[], compiled?: boolean): ForkedChild {
  installExitHook();
  const launch =
    compiled === undefined && !COMPILED
      ? (mirroredLaunch(sourceModule) ?? childLaunch(sourceModule, false))
      : childLaunch(sourceModule, compiled ?? COMPILED);
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

/**
 * Starts a program (a target's server command) in its own process group, stdout and stderr
 * piped, so that it and everything it starts can be stopped together, also by the exit hook.
 * `release` forgets the group once it is known to be gone.
 */
export function spawnGroup(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ForkedChild & { release(): void } {
  installExitHook();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid !== undefined) groups.add(pgid);
  let tail = '';
  const keep = (chunk: string): void => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  };
  // Both streams: a server may log its errors to either.
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      keep(`${error.message}\n`);
      resolve({ code: null, signal: null });
    });
  });
  return { child, exited, stderrTail: () => tail.trim(), release: () => pgid !== undefined && groups.delete(pgid) };
}

/** Describes how a child ended, with its last stderr lines, for a `failed` result. */
export function describeExit(name: string, exit: { code: number | null; signal: NodeJS.Signals | null }, stderr: string): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const lastLines = stderr.split('\n').filter(Boolean).slice(-5).join(' | ');
  return `${name} ${how}${lastLines ? `: ${lastLines}` : ''}`;
}
