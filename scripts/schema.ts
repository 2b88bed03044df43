/**
 * `npm run schema`: writes core/results.schema.json from the one definition in core/results.ts,
 * and targets/target.schema.json from core/targets.ts. test/core/results-schema.test.ts and
 * test/core/target-schema.test.ts fail when a committed file differs from what this writes.
 */
import fs from 'node:fs';
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

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFileAtomic(SCHEMA_FILE.pathname, resultsSchemaText());
  fs.mkdirSync(new URL('.', TARGET_SCHEMA_FILE), { recursive: true });
  await writeFileAtomic(TARGET_SCHEMA_FILE.pathname, targetSchemaText());
  process.stderr.write(`wrote ${SCHEMA_FILE.pathname} and ${TARGET_SCHEMA_FILE.pathname}\n`);
}
