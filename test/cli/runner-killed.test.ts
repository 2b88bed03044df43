/**
 * kill -9 of the runner: it cannot clean up, so its children (the server and the load
 * generators) must notice the lost IPC channel and exit by themselves. Also when the
 * runner goes away while a child is still starting.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TECHNIQUES } from '../../core/protocol.ts';
import { forkChild } from '../../run/children.ts';
import { BIN } from '../helpers/cli.ts';
import { childPids, killQuietly, waitUntilGone } from '../helpers/processes.ts';

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-kill9-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Generous: a liveness bound for processes that should be gone, not a speed target. */
const GONE_WITHIN_MS = 30_000;

test('after kill -9 of the runner mid-run, its server and generators exit by themselves', { timeout: 120_000 }, async () => {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      '--technique',
      TECHNIQUES.at(-1)!,
      '--clients',
      '4',
      '--generators',
      '2',
      '--duration',
      '30s',
      '--warmup',
      '0',
      '--out',
      path.join(dir, 'killed'),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const measuring = new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('measuring 30000 ms')) resolve();
    });
    child.once('close', () => reject(new Error(`the run ended before measuring: ${stderr}`)));
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await measuring;
  const children = childPids(child.pid!);
  try {
    const commands = children.map((pid) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    assert.equal(commands.filter((c) => /servers\/child\.[jt]s/.test(c)).length, 1, commands.join('\n'));
    assert.equal(commands.filter((c) => /load\/generator-main\.[jt]s/.test(c)).length, 2, commands.join('\n'));
    child.kill('SIGKILL');
    await closed;
    assert.deepEqual(await waitUntilGone(children, GONE_WITHIN_MS), [], 'every child exited on its own');
  } finally {
    for (const pid of children) killQuietly(pid, 'SIGKILL');
  }
});

for (const [name, module, args] of [
  ['server', '../../servers/child.ts', [JSON.stringify({ techniques: TECHNIQUES.slice(0, 1), rate: 0, payloadBytes: 16, holdMs: 1000 })]],
  ['load generator', '../../load/generator-main.ts', []],
  ['publisher', '../../load/publisher-main.ts', []],
] as const) {
  test(`a ${name} child whose runner goes away while it starts exits by itself`, { timeout: 60_000 }, async () => {
    const forked = forkChild(new URL(module, import.meta.url), [...args]);
    const pid = forked.child.pid!;
    try {
      // The channel closes before the child has even loaded its code.
      forked.child.disconnect();
      assert.deepEqual(await waitUntilGone([pid], GONE_WITHIN_MS), []);
    } finally {
      killQuietly(pid, 'SIGKILL');
    }
  });
}
