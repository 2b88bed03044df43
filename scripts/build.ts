/**
 * `npm run build`: compiles the source folders to JavaScript in dist/ (tsc with
 * tsconfig.build.json, which rewrites `./x.ts` import specifiers to `./x.js`), then copies
 * every file of those folders that is not TypeScript (CSS, browser JavaScript, JSON, HTML)
 * to the same relative place under dist/, so that `new URL('./x.css', import.meta.url)` finds
 * its file in both worlds. The bin launcher, cli/pushbench.js, is the one exception: it stays
 * in cli/ and picks the source or dist/ by what sits beside it.
 *
 *   node --import tsx scripts/build.ts [--out-dir DIR]
 *
 * The output folder is emptied first: a module deleted from the source must not live on in dist/.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportError } from '../cli/exit-codes.ts';
import { HELP_ROW, helpLines, parseCommand, stringReader, synopsis, type Flag } from '../cli/flags.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUILD_TSCONFIG = path.join(ROOT, 'tsconfig.build.json');
/** Not assets: files of the source folders that must not be copied into dist/ (relative to the root). */
const NOT_ASSETS: ReadonlySet<string> = new Set(['cli/pushbench.js']);

/** The flags of `npm run build`: the parser and the usage text both read this table. */
const BUILD_FLAGS = {
  outDir: {
    flag: 'out-dir',
    arg: 'DIR',
    help: 'where to write the JavaScript',
    defaultText: 'dist',
    reader: stringReader('a folder path'),
  },
} as const satisfies Record<string, Flag<unknown>>;

const USAGE = `usage: npm run build -- ${synopsis(Object.values(BUILD_FLAGS))}

Options:
${helpLines([...Object.values(BUILD_FLAGS), HELP_ROW])}`;

interface BuildTsconfig {
  include: string[];
  compilerOptions: { outDir: string };
}

/** The source folders and default output folder, read from tsconfig.build.json (the one list of them). */
export function readBuildConfig(): { sourceDirs: string[]; outDir: string } {
  const config = JSON.parse(fs.readFileSync(BUILD_TSCONFIG, 'utf8')) as BuildTsconfig;
  return { sourceDirs: config.include, outDir: path.resolve(ROOT, config.compilerOptions.outDir) };
}

/** Files under `dir` (relative to it) that tsc does not emit: everything but .ts sources. */
export function assetFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || /\.[mc]?ts$/.test(entry.name)) continue;
    found.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return found.sort();
}

/** Compiles into `outDir` and copies the assets; returns the number of assets copied. */
export function build(outDir: string): number {
  const { sourceDirs } = readBuildConfig();
  fs.rmSync(outDir, { recursive: true, force: true });
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', BUILD_TSCONFIG, '--outDir', outDir], { stdio: 'inherit' });
  if (compiled.status !== 0)
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${compiled.status ?? compiled.signal}); nothing usable in ${outDir}`);
  let copied = 0;
  for (const dir of sourceDirs) {
    const sourceDir = path.join(ROOT, dir);
    for (const file of assetFiles(sourceDir)) {
      if (NOT_ASSETS.has(`${dir}/${file.split(path.sep).join('/')}`)) continue;
      const target = path.join(outDir, dir, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(sourceDir, file), target);
      copied += 1;
    }
  }
  return copied;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  let outDir: string;
  try {
    const parsed = parseCommand(process.argv.slice(2), BUILD_FLAGS, { positionals: false });
    if (parsed.help) {
      process.stdout.write(`${USAGE}
`);
      process.exit(0);
    }
    outDir = parsed.values.outDir === undefined ? readBuildConfig().outDir : path.resolve(parsed.values.outDir);
  } catch (error) {
    process.exit(reportError('npm run build', error));
  }
  try {
    const copied = build(outDir);
    process.stdout.write(`built ${path.relative(process.cwd(), outDir) || '.'}/ (${copied} asset${copied === 1 ? '' : 's'} copied beside the JavaScript)
`);
  } catch (error) {
    process.stderr.write(`npm run build: ${(error as Error).message}
`);
    process.exitCode = 1;
  }
}
