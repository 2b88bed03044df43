/**
 * Validation of a parsed results.json against the one definition in core/results.ts. Entry
 * points call this once; after it, renderers trust the ResultsFile type. Every error names the
 * JSON path, what was expected and what was found.
 */
import { Value } from '@sinclair/typebox/value';
import { ResultsFileError } from './errors.ts';
import { SCHEMA_VERSION, ResultsFileSchema, type ResultsFile } from './results.ts';
import { describeValue, schemaProblems } from './schema-errors.ts';

/** Problems shown in one message; the rest are counted. */
const SHOWN_PROBLEMS = 5;

/**
 * What the schema cannot express: scenario ids unique within the file, and per completed
 * result no more messages delivered than expected, nor lost than expected.
 */
export function semanticProblems(results: ResultsFile): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  results.scenarios.forEach((scenario, i) => {
    if (ids.has(scenario.id)) problems.push(`$.scenarios[${i}].id: expected an id unique within the file, found ${describeValue(scenario.id)}`);
    ids.add(scenario.id);
    for (const [technique, result] of Object.entries(scenario.results)) {
      if (result?.state !== 'completed') continue;
      const path = `$.scenarios[${i}].results.${technique}.messages`;
      const m = result.messages;
      if (m.delivered > m.expected) problems.push(`${path}.delivered: expected at most messages.expected (${m.expected}), found ${m.delivered}`);
      if (m.lost > m.expected) problems.push(`${path}.lost: expected at most messages.expected (${m.expected}), found ${m.lost}`);
    }
  });
  return problems;
}

/**
 * Check that `data` (parsed JSON) is a pushbench results file this version can read.
 * `label` names the file in messages. Throws ResultsFileError; returns the same object typed.
 */
export function validateResults(data: unknown, label: string): ResultsFile {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', `${label} is not a pushbench results file: expected a JSON object, found ${describeValue(data)}`);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new ResultsFileError('PUSHBENCH_RESULTS_VERSION', `${label} has schemaVersion ${describeValue(version)}; this pushbench reads schemaVersion ${SCHEMA_VERSION}`);
  }
  const problems = Value.Check(ResultsFileSchema, data) ? semanticProblems(data as ResultsFile) : schemaProblems(ResultsFileSchema as object, data);
  if (problems.length > 0) {
    const shown = problems.slice(0, SHOWN_PROBLEMS).join('; ');
    const more = problems.length > SHOWN_PROBLEMS ? ` (and ${problems.length - SHOWN_PROBLEMS} more)` : '';
    throw new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', `${label} is not a valid pushbench results file: ${shown}${more}`);
  }
  return data as ResultsFile;
}

/** Parse and validate the text of a results file. `label` names the file in messages. */
export function parseResults(text: string, label: string): ResultsFile {
  let data: unknown;
  try {
    // A byte-order mark is not JSON, but editors add one; it carries no meaning here.
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ResultsFileError('PUSHBENCH_RESULTS_JSON', `${label} is not valid JSON: ${reason}`, { cause: error });
  }
  return validateResults(data, label);
}
