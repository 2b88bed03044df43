/** Every perf script runs in its quick mode in .ci/run, so none can rot unseen (issue 19). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const scripts = Object.keys(
  (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts,
);
const ci = readFileSync(new URL('.ci/run', root), 'utf8');

test('.ci/run runs every perf:* script of package.json with --quick', () => {
  const loop = /^for script in ([^;]+); do\n\s+npm run -s "\$script" -- --quick\ndone$/m.exec(ci);
  assert.ok(loop, '.ci/run has the quick perf loop');
  const inCi = loop[1]!.trim().split(/\s+/).sort();
  const perf = scripts.filter((name) => name.startsWith('perf:')).sort();
  assert.deepEqual(inCi, perf);
});

test('every perf script reads --quick', () => {
  for (const name of scripts.filter((s) => s.startsWith('perf:'))) {
    const file = `perf/${name.slice('perf:'.length)}.ts`;
    assert.match(readFileSync(new URL(file, root), 'utf8'), /quick/, `${file} has a quick mode`);
  }
});
