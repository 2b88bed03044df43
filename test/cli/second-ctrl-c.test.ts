/**
 * A second Ctrl-C during the clean-up of an interrupted `pushbench run` forces the exit at
 * once and still leaves no child process running, even a frozen one. (SIGTERM naming:
 * test/cli/run-sigterm.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import { BIN } from '../helpers/cli.ts';
import { childPids, killQuietly, waitUntilGone } from '../helpers/processes.ts';

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-signals-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Generous: a liveness bound for processes that should be gone, not a speed target. */
const GONE_WITHIN_MS = 30_000;
const LONG_RUN = ['--clients', '4', '--duration', '30s', '--warmup', '0'];

interface Started {
  child: ChildProcess;
  stderr: () => string;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stderr contains `text`. */
  waitFor: (text: string) => Promise<void>;
}

function startRun(args: string[]): Started {
  const child = spawn(process.execPath, [BIN, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of waiters.filter((w) => stderr.includes(w.text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  child.stdout!.resume();
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stderr: () => stderr,
    closed,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (stderr.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void closed.then(() => reject(new Error(`exited before printing ${JSON.stringify(text)}: ${stderr}`)));
      }),
  };
}

test('a second Ctrl-C during the clean-up forces the exit and still leaves no child', { timeout: 120_000 }, async () => {
  const out = path.join(dir, 'forced');
  const run = startRun(['--technique', TECHNIQUES.at(-1)!, ...LONG_RUN, '--out', out]);
  await run.waitFor('measuring 30000 ms');
  const children = childPids(run.child.pid!);
  const generators = children.filter((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('generator-main'));
  assert.ok(generators.length >= 1 && children.length > generators.length, `a server and a generator run: ${children.join(', ')}`);
  try {
    // A frozen generator makes the clean-up wait for its close timeout: the second Ctrl-C lands while it waits.
    for (const pid of generators) process.kill(pid, 'SIGSTOP');
    run.child.kill('SIGINT');
    await run.waitFor('SIGINT: stopping, cleaning up');
    run.child.kill('SIGINT');
    const { code } = await run.closed;
    assert.equal(code, 130, run.stderr());
    assert.match(run.stderr(), /SIGINT again: forced stop; child processes killed, results not written/);
    assert.equal(fs.existsSync(path.join(out, 'results.json')), false);
    assert.deepEqual(await waitUntilGone(children, GONE_WITHIN_MS), []);
  } finally {
    for (const pid of children) {
      killQuietly(pid, 'SIGCONT');
      killQuietly(pid, 'SIGKILL');
    }
  }
});
