/**
 * The runtime validator of results.json, compiled from the one definition in core/results.ts.
 * Entry points call it once on every file they read; after it, renderers trust the ResultsFile type.
 * Every problem names the JSON path, what was expected and what was found.
 *
 * Two parts: the schema (types, enumerations, required and unknown properties, non-negative counts
 * and byte totals), checked by TypeBox, whose own error list is turned into exact messages here;
 * and `semanticProblems`, the few rules that relate two figures of one file and which a JSON
 * Schema cannot state.
 */
import { ResultsFileError } from './errors.ts';
import { describeValue, isObject, pathKey } from './schema-explain.ts';
import { ResultsFileSchema, SCHEMA_VERSION, type ResultsFile } from './results.ts';
import { problemFinder, problemList } from './schema-kit.ts';

/**
 * Every problem of `data` as a results file, each as `<JSON path>: expected <what>, found <what>`;
 * empty when it is valid. The relational rules run only once the schema holds. Compiled on first
 * use: a results file is validated by every report and compare.
 */
export const resultsProblems: (data: unknown) => string[] = problemFinder(ResultsFileSchema, semanticProblems);

/**
 * Check that `data` (parsed JSON) is a pushbench results file this version can read.
 * `label` names the file in messages. Throws ResultsFileError; returns the same object typed.
 */
export function validateResults(data: unknown, label: string): ResultsFile {
  if (!isObject(data)) {
    throw new ResultsFileError(
      'PUSHBENCH_RESULTS_SCHEMA',
      `${label} is not a pushbench results file: expected a JSON object, found ${describeValue(data)}`,
    );
  }
  // Another version is a different contract: say so rather than list its differences as errors.
  if (data.schemaVersion !== SCHEMA_VERSION) {
    throw new ResultsFileError(
      'PUSHBENCH_RESULTS_VERSION',
      `${label} has schemaVersion ${describeValue(data.schemaVersion)}; this pushbench reads schemaVersion ${SCHEMA_VERSION}`,
    );
  }
  const problems = resultsProblems(data);
  if (problems.length > 0)
    throw new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', `${label} is not a valid pushbench results file: ${problemList(problems)}`);
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

/**
 * The rules of results.json that relate figures to each other, which a JSON Schema cannot state:
 * scenario ids are unique (compare and the charts match scenarios by id), a technique never
 * delivers or loses more messages than were expected, and an HTTP technique's empty and late
 * requests are among the requests it sent.
 */
export function semanticProblems(results: ResultsFile): string[] {
  const problems: string[] = [];
  const firstIndexOfId = new Map<string, number>();
  results.scenarios.forEach((scenario, i) => {
    const path = `$.scenarios[${i}]`;
    const first = firstIndexOfId.get(scenario.id);
    if (first !== undefined)
      problems.push(
        `${path}.id: expected an id unique within the file, found ${describeValue(scenario.id)}, already the id of $.scenarios[${first}]`,
      );
    else firstIndexOfId.set(scenario.id, i);
    for (const [technique, result] of Object.entries(scenario.results)) {
      if (result?.state !== 'completed') continue;
      const at = `${path}.results${pathKey(technique)}`;
      const { expected, delivered, lost } = result.messages;
      if (delivered > expected)
        problems.push(`${at}.messages.delivered: expected at most messages.expected (${expected}), found ${delivered}`);
      if (lost > expected) problems.push(`${at}.messages.lost: expected at most messages.expected (${expected}), found ${lost}`);
      const requests = result.requests;
      if (requests !== null) {
        if (requests.empty > requests.total)
          problems.push(`${at}.requests.empty: expected at most requests.total (${requests.total}), found ${requests.empty}`);
        if (requests.late > requests.total)
          problems.push(`${at}.requests.late: expected at most requests.total (${requests.total}), found ${requests.late}`);
      }
    }
  });
  return problems;
}
