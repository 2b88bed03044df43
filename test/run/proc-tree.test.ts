/**
 * /proc sampling of a server's pid tree: a stat line whose command holds spaces and parentheses,
 * the tree of a process and its descendants, and a real child whose CPU shows.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { nowMicros } from '../../core/protocol.ts';
import { parseStat, sampleTree, treeOf } from '../../run/proc-tree.ts';

test('a stat line is read by fields after the last parenthesis', () => {
  const line =
    '4242 (nginx: worker (x) 1) S 4241 4241 9667 0 -1 4194560 97 0 0 0 30 12 5 3 20 0 1 0 573321 3133440 415 18446744073709551615 1 2';
  assert.deepEqual(parseStat(line), { pid: 4242, ppid: 4241, ticks: 30 + 12 + 5 + 3, rssPages: 415 });
});

test('the tree of a process: itself and every descendant, nothing else', () => {
  const stat = (pid: number, ppid: number) => ({ pid, ppid, ticks: 1, rssPages: 1 });
  const all = [stat(1, 0), stat(10, 1), stat(11, 10), stat(12, 10), stat(13, 11), stat(20, 1)];
  assert.deepEqual(
    treeOf(10, all)
      .map((s) => s.pid)
      .sort(),
    [10, 11, 12, 13],
  );
  assert.deepEqual(treeOf(99, all), []);
});

test('a real shell and its busy child: the tree has both, with CPU and memory', async () => {
  // A busy loop that never ends by itself: the group is killed below.
  const shell = spawn('/bin/sh', ['-c', 'while :; do :; done & wait'], { stdio: 'ignore', detached: true });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sample = sampleTree(shell.pid!, nowMicros);
  // The whole group: the busy child too.
  process.kill(-shell.pid!, 'SIGKILL');
  assert.ok(sample !== null);
  assert.ok(sample.processes >= 2, `${sample.processes} processes`);
  assert.ok(sample.rssBytes > 0);
  assert.ok(sample.cpuMicros > 0, 'the busy loop used CPU');
});
