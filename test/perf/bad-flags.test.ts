/** The perf scripts' new flags refuse bad input with exit code 2, naming the value received and the values allowed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (script: string, args: string[]): { status: number | null; stderr: string } => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `perf/${script}.ts`, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
};

test('perf:capacity --wire h3: exit 2, naming h3 and the wires allowed', () => {
  const { status, stderr } = run('capacity', ['--wire', 'h3']);
  assert.equal(status, 2);
  assert.match(stderr, /invalid --wire: received "h3"; allowed: a comma-separated list of http, h2/);
});

test('perf:servers --scale-clients x: exit 2, naming x and what is expected', () => {
  const { status, stderr } = run('servers', ['--scale-clients', 'x']);
  assert.equal(status, 2);
  assert.match(stderr, /invalid --scale-clients: received "x"; expected an integer >= 0/);
});

test('perf:servers --only everything: exit 2, naming the comparisons allowed', () => {
  const { status, stderr } = run('servers', ['--only', 'everything']);
  assert.equal(status, 2);
  assert.match(stderr, /everything/);
  assert.match(stderr, /scale/);
});
