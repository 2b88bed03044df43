/**
 * Ctrl-C during a run against a target pushbench started (nginx + Nchan): the run stops, writes
 * what it has marked interrupted, exits 130, and no process of the server's group is left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { ResultsFile } from '../../core/results.ts';
import { BIN } from '../helpers/cli.ts';
import { skipUnless } from '../helpers/targets.ts';

const skip = skipUnless(['/usr/sbin/nginx', '/usr/share/nginx/modules/ngx_nchan_module.so'], 'apt-get install nginx libnginx-mod-nchan');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-interrupt-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Command lines of the nginx processes pushbench starts (their prefix is a pushbench-target-* temp folder). */
function targetNginx(): string[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmdline.includes('nginx') && cmdline.includes('pushbench-target-') ? [cmdline] : [];
      } catch {
        return [];
      }
    });
}

test('SIGINT in the window: exit 130, results marked interrupted, the nginx group gone', { skip, timeout: 120_000 }, async () => {
  const before = new Set(targetNginx());
  const out = path.join(dir, 'out');
  const child = spawn(
    process.execPath,
    [
      BIN,
      'run',
      '--target-file',
      'targets/nchan/target.json',
      '--technique',
      'websocket',
      '--clients',
      '4',
      '--duration',
      '30s',
      '--warmup',
      '0',
      '--out',
      out,
    ],
    {
      cwd: new URL('../../', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let sawServer = false;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.includes('measuring 30000 ms') && !child.killed) {
      sawServer = targetNginx().some((c) => !before.has(c));
      child.kill('SIGINT');
    }
  });
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 130, stderr);
  assert.ok(sawServer, 'nginx was running while the window was measured');
  const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
  assert.equal(results.state, 'interrupted');
  assert.equal(results.scenarios[0]!.results.websocket!.state, 'interrupted');
  assert.deepEqual(
    targetNginx().filter((c) => !before.has(c)),
    [],
    'no nginx of this run is left',
  );
});
