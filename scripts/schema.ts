/**
 * `npm run schema [-- --check]`: writes core/results.schema.json from the one definition in
 * core/results.ts, and targets/target.schema.json from core/targets.ts (both files are
 * generated, in the one dialect of core/schema-kit.ts; never edit them by hand). `--check` writes nothing and exits 1 when a committed file
 * differs. test/core/results-schema.test.ts and test/core/target-schema.test.ts make the same check.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { resultsJsonSchema } from '../core/results.ts';
import { targetJsonSchema } from '../core/targets.ts';

/** The schema file's text: the generated schema, two-space indented, with a final newline. */
export function resultsSchemaText(): string {
  return `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
}

/** The target-file schema's text, in the same form. */
export function targetSchemaText(): string {
  return `${JSON.stringify(targetJsonSchema(), null, 2)}\n`;
}

export const SCHEMA_FILE = new URL('../core/results.schema.json', import.meta.url);
export const TARGET_SCHEMA_FILE = new URL('../targets/target.schema.json', import.meta.url);

/** Every generated schema file: where it goes, what generates it, and which definition it comes from. */
const SCHEMAS = [
  { url: SCHEMA_FILE, text: resultsSchemaText, source: 'core/results.ts' },
  { url: TARGET_SCHEMA_FILE, text: targetSchemaText, source: 'core/targets.ts' },
] as const;

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
    process.stderr.write(
      `npm run schema: ${error instanceof Error ? error.message : String(error)}; the only option is --check\n${USAGE}\n`,
    );
    return 2;
  }
  let code = 0;
  for (const schema of SCHEMAS) {
    const file = fileURLToPath(schema.url);
    const generated = schema.text();
    const committed = committedText(file);
    if (check) {
      if (committed !== generated) {
        process.stderr.write(`${file} differs from the contract in ${schema.source}: run npm run schema and commit the file\n`);
        code = 1;
      }
      continue;
    }
    if (committed !== generated) writeFileAtomic(file, generated);
    process.stderr.write(`${committed === generated ? 'unchanged' : 'wrote'} ${file}\n`);
  }
  return code;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runSchemaScript(process.argv.slice(2));
}
