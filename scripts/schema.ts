/**
 * `npm run schema`: writes core/results.schema.json from the one definition in core/results.ts.
 * test/core/results-schema.test.ts fails when the committed file differs from what this writes.
 */
import { writeFileAtomic } from '../core/atomic-write.ts';
import { resultsJsonSchema } from '../core/results.ts';

/** The schema file's text: the generated schema, two-space indented, with a final newline. */
export function resultsSchemaText(): string {
  return `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
}

export const SCHEMA_FILE = new URL('../core/results.schema.json', import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFileAtomic(SCHEMA_FILE.pathname, resultsSchemaText());
  process.stderr.write(`wrote ${SCHEMA_FILE.pathname}\n`);
}
