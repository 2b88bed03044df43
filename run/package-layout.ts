/**
 * Where this code runs from, decided in one place. Two worlds share one source tree:
 *   - development and tests: the TypeScript source (`run/package-layout.ts`) through tsx;
 *   - the installed package: the JavaScript that `npm run build` emits (`dist/run/package-layout.js`),
 *     with no loader at all (tsx is a dev dependency and is not installed).
 * The extension of this very module tells them apart, so nothing depends on an environment
 * variable or on whether a dist/ happens to exist.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when running the compiled JavaScript of dist/, false when running the TypeScript source. */
export const COMPILED = import.meta.url.endsWith('.js');

/**
 * The folder holding package.json: the parent of run/ in the source, of dist/ when compiled,
 * and of node_modules/ for the source's transpiled mirror (run/source-build.ts): the nearest
 * folder above this module that has a package.json.
 */
export const PACKAGE_ROOT = findPackageRoot(new URL('../', import.meta.url));

function findPackageRoot(start: URL): URL {
  for (let dir = start; ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (new URL('../', dir).href === dir.href) return start;
  }
}

/** How to start a child module: the file to fork and the Node flags it needs. */
export interface ChildLaunch {
  modulePath: string;
  execArgv: string[];
}

/**
 * Turns a child module named by its source file (`new URL('../servers/child.ts', import.meta.url)`,
 * written like an import specifier) into what to fork: in the source world the .ts file under
 * the tsx loader; compiled, the .js file tsc emitted beside it, with no loader. Callers always
 * name the .ts file, as imports do, and tsc's rewriteRelativeImportExtensions does the same
 * mapping for imports.
 */
export function childLaunch(sourceModule: URL, compiled: boolean = COMPILED): ChildLaunch {
  if (!compiled) return { modulePath: fileURLToPath(sourceModule), execArgv: ['--import', tsxLoaderUrl()] };
  const compiledModule = new URL(sourceModule.href.replace(/\.([mc]?)ts$/, '.$1js'));
  return { modulePath: fileURLToPath(compiledModule), execArgv: [] };
}

/** The tsx loader, resolved only in the source world (it is not installed with the package). */
function tsxLoaderUrl(): string {
  return import.meta.resolve('tsx');
}
