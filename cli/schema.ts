/**
 * `npm run schema [-- --check]`: write core/results.schema.json from the results contract in
 * core/results.ts (the file is generated; never edit it by hand). `--check` writes nothing and
 * exits 1 when the committed file differs from what the contract generates.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { RESULTS_SCHEMA_URL, resultsJsonSchemaText } from '../core/results.ts';

const USAGE = 'usage: npm run schema [-- --check]';

/** Reads the committed schema file, or null when there is none. */
function committedText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** `npm run schema` (argv without the script name). Returns the exit code. */
export function runSchemaCommand(argv: string[]): number {
  let check: boolean;
  try {
    check = parseArgs({ args: argv, options: { check: { type: 'boolean' } }, strict: true }).values.check === true;
  } catch (error) {
    process.stderr.write(`npm run schema: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const file = fileURLToPath(RESULTS_SCHEMA_URL);
  const generated = resultsJsonSchemaText();
  const committed = committedText(file);
  if (check) {
    if (committed === generated) return 0;
    process.stderr.write(`${file} differs from the contract in core/results.ts: run npm run schema and commit the result\n`);
    return 1;
  }
  if (committed !== generated) writeFileAtomic(file, generated);
  process.stdout.write(`${committed === generated ? 'unchanged' : 'wrote'} ${file}\n`);
  return 0;
}

process.exitCode = runSchemaCommand(process.argv.slice(2));
