/** Runs the real `pushbench` command as a user would, capturing its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../cli/pushbench.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `pushbench ...args` to completion (bounded by `timeoutMs`, then SIGKILL). */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Starts `pushbench ...args` and resolves with the process and its first stdout line. */
export function startCli(
  args: string[],
): Promise<{ child: ChildProcess; firstLine: string; output: () => { stdout: string; stderr: string }; closed: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let resolved = false;
    const closed = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const newline = stdout.indexOf('\n');
      if (!resolved && newline !== -1) {
        resolved = true;
        resolve({ child, firstLine: stdout.slice(0, newline), output: () => ({ stdout, stderr }), closed });
      }
    });
    void closed.then((code) => {
      if (!resolved) reject(new Error(`pushbench ${args.join(' ')} exited ${code} before printing a line: ${stderr}`));
    });
  });
}
