/**
 * The layering rule of docs/architecture.md: imports flow only downward.
 *
 *   cli/ (entry points) and perf/ sit on top and may import anything below;
 *   run/ -> load/ -> core/;  servers/ -> core/;  reports/ -> core/ only;
 *   core/ imports nothing of the project.
 *
 * The scan reads every relative import (static, dynamic and `new URL(..., import.meta.url)`
 * module references do not count: a forked child is a process boundary, not an import).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** For each layer, the layers it may import (besides itself). */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  servers: ['core'],
  load: ['core'],
  run: ['load', 'core'],
  reports: ['core'],
  cli: ['run', 'load', 'servers', 'reports', 'core'],
  perf: ['cli', 'run', 'load', 'servers', 'reports', 'core'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|js|mjs)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Relative module specifiers imported by `source` (static `from`, bare `import '...'`, dynamic `import()`). */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g;
  for (const match of source.matchAll(pattern)) specs.push(match[2]!);
  return specs;
}

/** Every import of `layers` that breaks ALLOWED, as "file -> target". */
export function violations(root: string, layers: Readonly<Record<string, readonly string[]>>): string[] {
  const found: string[] = [];
  for (const layer of Object.keys(layers)) {
    const dir = path.join(root, layer);
    if (!fs.existsSync(dir)) continue;
    for (const file of sourceFiles(dir)) {
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        const target = path.relative(root, path.resolve(path.dirname(file), spec));
        const targetLayer = target.split(path.sep)[0]!;
        if (targetLayer === layer) continue;
        if (!(targetLayer in layers) || !layers[layer]!.includes(targetLayer)) {
          found.push(`${path.relative(root, file)} -> ${target}`);
        }
      }
    }
  }
  return found;
}

test('imports flow only downward: no layer imports upward or sideways', () => {
  assert.deepEqual(violations(ROOT, ALLOWED), []);
});

test('the scan sees a forbidden import (a report importing the runner fails the rule)', () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'pushbench-imports-'));
  try {
    fs.mkdirSync(path.join(dir, 'reports'));
    fs.mkdirSync(path.join(dir, 'run'));
    fs.mkdirSync(path.join(dir, 'core'));
    fs.writeFileSync(path.join(dir, 'run', 'runner.ts'), 'export const x = 1;\n');
    fs.writeFileSync(path.join(dir, 'core', 'protocol.ts'), "import { x } from '../run/runner.ts';\n");
    fs.writeFileSync(
      path.join(dir, 'reports', 'html.ts'),
      "import { x } from '../run/runner.ts';\nimport { y } from '../core/protocol.ts';\nconst m = await import('../run/runner.ts');\n",
    );
    assert.deepEqual(violations(dir, ALLOWED).sort(), [
      'core/protocol.ts -> run/runner.ts',
      'reports/html.ts -> run/runner.ts',
      'reports/html.ts -> run/runner.ts',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
