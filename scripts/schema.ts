/**
 * `npm run schema [-- --check]`: writes core/results.schema.json from the one definition in
 * core/results.ts, and targets/target.schema.json from core/target.ts (both generated; never
 * edit them by hand). `--check` writes nothing and
 * exits 1 when the committed file differs. test/core/results-schema.test.ts makes the same check.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { resultsJsonSchema } from '../core/results.ts';
import { TargetFileSchema } from '../core/target.ts';

/** The schema file's text: the generated schema, two-space indented, with a final newline. */
export function resultsSchemaText(): string {
  return `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
}

export const SCHEMA_FILE = new URL('../core/results.schema.json', import.meta.url);

/** The target file schema's text, from the same TypeBox definition the validator uses. */
export function targetSchemaText(): string {
  return `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...TargetFileSchema }, null, 2)}\n`;
}

export const TARGET_SCHEMA_FILE = new URL('../targets/target.schema.json', import.meta.url);

const USAGE = 'usage: npm run schema [-- --check]';

/** The committed file's text, or null when there is none. */
function committedText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** `npm run schema` (argv without the script name). Returns the exit code. */
export function runSchemaScript(argv: string[]): number {
  let check: boolean;
  try {
    check = parseArgs({ args: argv, options: { check: { type: 'boolean' } }, strict: true }).values.check === true;
  } catch (error) {
    process.stderr.write(`npm run schema: ${error instanceof Error ? error.message : String(error)}; the only option is --check\n${USAGE}\n`);
    return 2;
  }
  let stale = false;
  for (const [url, generated, source] of [
    [SCHEMA_FILE, resultsSchemaText(), 'core/results.ts'],
    [TARGET_SCHEMA_FILE, targetSchemaText(), 'core/target.ts'],
  ] as const) {
    const file = fileURLToPath(url);
    const committed = committedText(file);
    if (check) {
      if (committed !== generated) {
        process.stderr.write(`${file} differs from the contract in ${source}: run npm run schema and commit the file\n`);
        stale = true;
      }
      continue;
    }
    if (committed !== generated) writeFileAtomic(file, generated);
    process.stderr.write(`${committed === generated ? 'unchanged' : 'wrote'} ${file}\n`);
  }
  return stale ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runSchemaScript(process.argv.slice(2));
}
