/**
 * Child-module resolution in both worlds: from the source a child is the .ts file under the
 * tsx loader; compiled, it is the .js file tsc emitted, forked with no loader. The compiled
 * case is checked for real: the project is built into a temporary package whose node_modules
 * holds only the production dependencies of package-lock.json (no tsx, no typescript), and
 * the compiled runner code there forks a server child and a load-generator child.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TECHNIQUES } from '../../core/protocol.ts';
import { childLaunch, COMPILED, PACKAGE_ROOT } from '../../run/package-layout.ts';
import type { ServerProcessOptions } from '../../run/server-process.ts';
import { build } from '../../scripts/build.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('from the source, a child is its .ts file under the tsx loader', () => {
  assert.equal(COMPILED, false, 'the tests run the TypeScript source');
  assert.equal(fileURLToPath(PACKAGE_ROOT), ROOT);
  const launch = childLaunch(new URL('file:///pkg/servers/child.ts'), false);
  assert.deepEqual(launch, { modulePath: '/pkg/servers/child.ts', execArgv: ['--import', import.meta.resolve('tsx')] });
});

test('compiled, a child is the .js file beside it and no loader', () => {
  assert.deepEqual(childLaunch(new URL('file:///pkg/dist/servers/child.ts'), true), {
    modulePath: '/pkg/dist/servers/child.js',
    execArgv: [],
  });
  assert.deepEqual(childLaunch(new URL('file:///pkg/dist/load/generator-main.mts'), true), {
    modulePath: '/pkg/dist/load/generator-main.mjs',
    execArgv: [],
  });
});

let pkg: string;
before(() => {
  pkg = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'pushbench-compiled-'));
  build(path.join(pkg, 'dist'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(pkg, 'package.json'));
  // The installed layout ships the bin launcher beside dist/, without the cli/*.ts sources.
  fs.mkdirSync(path.join(pkg, 'cli'));
  fs.copyFileSync(path.join(ROOT, 'cli', 'pushbench.js'), path.join(pkg, 'cli', 'pushbench.js'));
  // Only what `npm install pushbench` would install: package-lock entries not marked dev.
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) || entry.dev === true || !fs.existsSync(path.join(ROOT, key))) continue;
    fs.mkdirSync(path.dirname(path.join(pkg, key)), { recursive: true });
    fs.symlinkSync(path.join(ROOT, key), path.join(pkg, key));
  }
});
after(() => fs.rmSync(pkg, { recursive: true, force: true }));

/** Runs an ES module in plain node (no tsx, no NODE_OPTIONS) with `cwd` = the built package. */
function runPlainNode(source: string | null, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = source === null ? args.shift()! : path.join(pkg, 'check.mjs');
  if (source !== null) fs.writeFileSync(file, source);
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { cwd: pkg, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

test('the built package has no tsx to fall back on', () => {
  assert.ok(fs.existsSync(path.join(pkg, 'node_modules', 'ws')), 'production dependencies are there');
  assert.equal(fs.existsSync(path.join(pkg, 'node_modules', 'tsx')), false);
  assert.equal(fs.existsSync(path.join(pkg, 'node_modules', 'typescript')), false);
  assert.deepEqual(
    fs.readdirSync(path.join(pkg, 'dist'), { recursive: true }).filter((f) => String(f).endsWith('.ts')),
    [],
    'no TypeScript in dist/',
  );
  assert.equal(fs.existsSync(path.join(pkg, 'dist', 'cli', 'pushbench.js')), false, 'the launcher is not copied into dist/');
  assert.ok(fs.existsSync(path.join(pkg, 'dist', 'core', 'results.schema.json')), 'assets beside the sources are copied');
});

test('the built package leaves the development-only header capture out and carries its data as JSON', async () => {
  const files = fs.readdirSync(path.join(pkg, 'dist'), { recursive: true }).map(String);
  assert.deepEqual(
    files.filter((f) => /capture-headers|head-recorder/.test(f)),
    [],
    'scripts/ is a development tool, not part of dist/',
  );
  const importsPlaywright = files.filter(
    (f) => f.endsWith('.js') && fs.readFileSync(path.join(pkg, 'dist', f), 'utf8').includes('playwright-core'),
  );
  assert.deepEqual(importsPlaywright, [], 'no shipped module needs playwright-core');
  assert.ok(files.includes(path.join('load', 'captures', 'chromium.json')), 'the capture is copied beside the compiled headers module');
  // Compiled, the browser profile is built from that JSON file.
  const headers = pathToFileURL(path.join(pkg, 'dist', 'load', 'headers.js')).href;
  const result = await runPlainNode(
    `const { HEADER_PROFILES } = await import(${JSON.stringify(headers)}); console.log(HEADER_PROFILES.browser.source);`,
    [],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Chromium 156\.0\.8078\.114 .* captured on 2026-12-01 \(npm run headers:capture\)/);
});

test('installed, the bin launcher runs the compiled CLI without tsx', async () => {
  const result = await runPlainNode(null, [path.join(pkg, 'cli', 'pushbench.js'), '--help']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^usage: pushbench <command>/);
});

test('compiled, the runner forks a server child and a generator child without tsx, and reads its version', async () => {
  const options: ServerProcessOptions = { techniques: [...TECHNIQUES], rate: 1, payloadBytes: 16, holdMs: 1000 };
  const dist = pathToFileURL(path.join(pkg, 'dist/')).href;
  const result = await runPlainNode(
    `
    const { COMPILED } = await import(${JSON.stringify(`${dist}run/package-layout.js`)});
    const { ServerProcess } = await import(${JSON.stringify(`${dist}run/server-process.js`)});
    const { GeneratorProcess } = await import(${JSON.stringify(`${dist}run/generator-process.js`)});
    const { TOOL_VERSION } = await import(${JSON.stringify(`${dist}run/session.js`)});
    const server = await ServerProcess.spawn(JSON.parse(process.argv[2]));
    const { stats } = await server.stats();
    await server.close();
    const generator = GeneratorProcess.spawn();
    const totals = await generator.close();
    console.log(JSON.stringify({ COMPILED, TOOL_VERSION, url: server.url, statsKind: typeof stats, totals }));
    `,
    [JSON.stringify(options)],
  );
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(result.stdout) as { COMPILED: boolean; TOOL_VERSION: string; url: string; statsKind: string; totals: unknown };
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.equal(seen.COMPILED, true);
  assert.equal(seen.TOOL_VERSION, version, 'package.json is found two levels above dist/run/');
  assert.match(seen.url, /^http:\/\/127\.0\.0\.1:\d+/, 'the compiled server child reported ready');
  assert.equal(seen.statsKind, 'object', 'and answered a stats request');
  assert.deepEqual(seen.totals, { up: 0, down: 0 }, 'the compiled generator child answered close');
});
