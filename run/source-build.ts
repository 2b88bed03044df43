/**
 * Children of a run from a source checkout, on plain JavaScript. Under the tsx loader a child
 * takes 0.5-3 s to start on a loaded 2-core machine (the loader's hooks run every import
 * through a worker thread), against 0.4-0.7 s for the same modules compiled; a suite forks
 * about a hundred children. So the first child of a process transpiles the source folders
 * once (esbuild, which tsx itself is built on: every file alone, no bundling, types dropped)
 * into a mirror under node_modules/.cache/pushbench/, keyed by every source file's path, size
 * and modification time, and children are forked from there with no loader. A changed file
 * makes a new key, so a child never runs stale code; when esbuild is missing or fails, the
 * children fall back to the tsx loader.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders a child's modules come from: those `npm run build` compiles (tsconfig.build.json). */
export function buildSourceDirs(root: string): string[] {
  const config = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  return config.include;
}

/** Every file under the source folders, relative to `root`, sorted. */
function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) found.push(path.relative(root, path.join(entry.parentPath, entry.name)));
    }
  }
  return found.sort();
}

/** The cache key of a source tree: every file's path, size and modification time, and the transpiler's version. */
export function sourceKey(root: string, files: readonly string[], transpiler: string): string {
  const hash = createHash('sha256').update(transpiler);
  for (const file of files) {
    const stat = fs.statSync(path.join(root, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Relative `.ts` specifiers in transpiled code become `.js`, as tsc's
 * rewriteRelativeImportExtensions does for dist/: static imports and exports, dynamic
 * `import("...")` and `new URL("...", import.meta.url)` of a child module. esbuild prints
 * every string in double quotes, which is what the pattern expects.
 */
export function rewriteSpecifiers(code: string): string {
  return code.replace(
    /((?:from|import|import\(|new URL\()\s*)"(\.\.?\/[^"]*?)\.([mc]?)ts"/g,
    (_m, head: string, spec: string, flavour: string) => `${head}"${spec}.${flavour}js"`,
  );
}

interface Transpiler {
  version: string;
  transformSync(code: string, options: { loader: 'ts'; format: 'esm'; target: string; sourcefile: string }): { code: string };
}

function loadTranspiler(): Transpiler | null {
  try {
    return createRequire(import.meta.url)('esbuild') as Transpiler;
  } catch {
    return null;
  }
}

/** Transpiles `files` of `root` into `outDir` (TypeScript to .js, everything else copied). */
export function transpileTree(root: string, files: readonly string[], outDir: string, transpiler: Pick<Transpiler, 'transformSync'>): void {
  for (const file of files) {
    const source = path.join(root, file);
    const match = /\.([mc]?)ts$/.exec(file);
    const target = path.join(outDir, match === null ? file : `${file.slice(0, -match[0].length)}.${match[1]}js`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (match === null) {
      fs.copyFileSync(source, target);
      continue;
    }
    const { code } = transpiler.transformSync(fs.readFileSync(source, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcefile: source,
    });
    fs.writeFileSync(target, rewriteSpecifiers(code));
  }
}

let built: string | null | undefined;

/**
 * The folder holding the transpiled mirror of the checkout at `root` (built on first use in
 * this process, reused across processes while the source is unchanged), or null when it cannot
 * be built (the caller then uses the tsx loader).
 */
export function sourceMirror(root: string): string | null {
  if (built !== undefined) return built;
  built = null;
  const transpiler = loadTranspiler();
  if (transpiler === null) return built;
  try {
    const files = sourceFiles(root, buildSourceDirs(root));
    const cache = path.join(root, 'node_modules', '.cache', 'pushbench');
    const dir = path.join(cache, `children-${sourceKey(root, files, `esbuild ${transpiler.version}`)}`);
    if (!fs.existsSync(path.join(dir, '.complete'))) {
      // Built aside and renamed into place: another process never sees half a tree.
      fs.mkdirSync(cache, { recursive: true });
      const temp = fs.mkdtempSync(path.join(cache, 'building-'));
      transpileTree(root, files, temp, transpiler);
      fs.writeFileSync(path.join(temp, '.complete'), '');
      try {
        fs.renameSync(temp, dir);
      } catch {
        // Another process finished the same tree first: use its copy.
        fs.rmSync(temp, { recursive: true, force: true });
      }
      pruneOldMirrors(cache, path.basename(dir));
    }
    built = fs.existsSync(path.join(dir, '.complete')) ? dir : null;
  } catch {
    built = null;
  }
  return built;
}

/** Removes mirrors of older source trees (left by earlier edits) so that the cache stays small. */
function pruneOldMirrors(cache: string, keep: string): void {
  const dayMs = 24 * 3600 * 1000;
  for (const name of fs.readdirSync(cache)) {
    if (name === keep || !/^(children|building)-/.test(name)) continue;
    const full = path.join(cache, name);
    // Only trees nobody is likely to be using: a concurrent process may still fork from a recent one.
    if (Date.now() - fs.statSync(full).mtimeMs > dayMs) fs.rmSync(full, { recursive: true, force: true });
  }
}

/** The transpiled counterpart of a source module of `root`, or null when `sourceModule` is not under one of `dirs`. */
export function mirroredModule(root: string, mirror: string, sourceModule: URL, dirs: readonly string[]): string | null {
  const relative = path.relative(root, fileURLToPath(sourceModule));
  const top = relative.split(path.sep)[0];
  if (top === undefined || !dirs.includes(top)) return null;
  return path.join(mirror, relative.replace(/\.([mc]?)ts$/, '.$1js'));
}
