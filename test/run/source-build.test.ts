/**
 * Children from a source checkout run on plain JavaScript: the source folders transpiled once
 * into a mirror keyed by every file's path, size and mtime, with `.ts` specifiers rewritten, and
 * a real child forked from it answers over IPC with no loader.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mirroredModule, rewriteSpecifiers, sourceKey, sourceMirror, transpileTree } from '../../run/source-build.ts';
import { createRequire } from 'node:module';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('relative .ts specifiers become .js: static, dynamic, export and new URL; packages and other strings stay', () => {
  const code = [
    'import { a } from "./a.ts";',
    'export { b } from "../core/b.ts";',
    'import "./side.mts";',
    'const m = await import("./lazy.ts");',
    'const child = new URL("../load/generator-main.ts", import.meta.url);',
    'import ws from "ws";',
    'const text = "notes.ts";',
  ].join('\n');
  assert.equal(
    rewriteSpecifiers(code),
    [
      'import { a } from "./a.js";',
      'export { b } from "../core/b.js";',
      'import "./side.mjs";',
      'const m = await import("./lazy.js");',
      'const child = new URL("../load/generator-main.js", import.meta.url);',
      'import ws from "ws";',
      'const text = "notes.ts";',
    ].join('\n'),
  );
});

test('the key changes when a file changes (size or mtime), so a child never runs stale code', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-key-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export const a = 1;\n');
    const before = sourceKey(dir, ['a.ts'], 'esbuild 1');
    assert.equal(sourceKey(dir, ['a.ts'], 'esbuild 1'), before);
    assert.notEqual(sourceKey(dir, ['a.ts'], 'esbuild 2'), before, 'another transpiler version');
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export const a = 22;\n');
    assert.notEqual(sourceKey(dir, ['a.ts'], 'esbuild 1'), before, 'another size');
    const size = sourceKey(dir, ['a.ts'], 'esbuild 1');
    fs.utimesSync(path.join(dir, 'a.ts'), new Date(), new Date(Date.now() + 5000));
    assert.notEqual(sourceKey(dir, ['a.ts'], 'esbuild 1'), size, 'another mtime');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a transpiled tree runs without a loader: types dropped, imports resolved, assets copied', async () => {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-src-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pushbench-out-'));
  try {
    fs.mkdirSync(path.join(src, 'lib'));
    fs.writeFileSync(
      path.join(src, 'lib', 'twice.ts'),
      'export interface N { n: number }\nexport const twice = (x: N): number => x.n * 2;\n',
    );
    fs.writeFileSync(
      path.join(src, 'lib', 'main.ts'),
      "import { twice, type N } from './twice.ts';\nimport { readFileSync } from 'node:fs';\nconst n: N = { n: 21 };\nconsole.log(twice(n), readFileSync(new URL('./note.txt', import.meta.url), 'utf8'));\n",
    );
    fs.writeFileSync(path.join(src, 'lib', 'note.txt'), 'asset');
    transpileTree(src, ['lib/main.ts', 'lib/note.txt', 'lib/twice.ts'], out, createRequire(import.meta.url)('esbuild'));
    const child = fork(path.join(out, 'lib', 'main.js'), [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    assert.equal(stdout.trim(), '42 asset');
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('the checkout mirror: a server child forked from it with no loader says ready', async () => {
  const mirror = sourceMirror(ROOT);
  assert.notEqual(mirror, null, 'esbuild (a dev dependency) builds the mirror');
  assert.match(mirror!, /node_modules\/\.cache\/pushbench\/children-[0-9a-f]{16}$/);
  const modulePath = mirroredModule(ROOT, mirror!, new URL('../../servers/child.ts', import.meta.url), ['servers'])!;
  assert.equal(modulePath, path.join(mirror!, 'servers', 'child.js'));
  // Not a source folder (tests are not children): no mirror path.
  assert.equal(mirroredModule(ROOT, mirror!, new URL('./source-build.test.ts', import.meta.url), ['servers', 'run']), null);
  const child = fork(modulePath, [JSON.stringify({ techniques: ['websocket'], rate: 0, payloadBytes: 16, holdMs: 1000 })], {
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  const first = await new Promise<{ type?: string }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (c) => reject(new Error(`exited ${c}`)));
  });
  assert.equal(first.type, 'ready');
  child.send({ type: 'close' });
  await new Promise((resolve) => child.once('exit', resolve));
});
