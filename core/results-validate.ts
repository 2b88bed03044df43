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
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { ResultsFileError } from './errors.ts';
import { ResultsFileSchema, SCHEMA_VERSION, type ResultsFile } from './results.ts';

/** How many problems one error message lists before "(and N more)". */
const SHOWN_PROBLEMS = 5;

// Compiled once, on first use: a results file is validated by every report and compare.
let compiled: ReturnType<typeof TypeCompiler.Compile<typeof ResultsFileSchema>> | undefined;
function checker(): NonNullable<typeof compiled> {
  compiled ??= TypeCompiler.Compile(ResultsFileSchema);
  return compiled;
}

/**
 * Every problem of `data` as a results file, each as `<JSON path>: expected <what>, found <what>`;
 * empty when it is valid. The relational rules run only once the schema holds.
 */
export function resultsProblems(data: unknown): string[] {
  const check = checker();
  if (check.Check(data)) return semanticProblems(data);
  // A Set: TypeBox reports a missing required property twice (once per pass over the keys).
  const problems = new Set<string>();
  for (const error of check.Errors(data)) for (const problem of explain(error, data)) problems.add(problem);
  return [...problems];
}

/**
 * Check that `data` (parsed JSON) is a pushbench results file this version can read.
 * `label` names the file in messages. Throws ResultsFileError; returns the same object typed.
 */
export function validateResults(data: unknown, label: string): ResultsFile {
  if (!isObject(data)) {
    throw new ResultsFileError('PUSHBENCH_RESULTS_SCHEMA', `${label} is not a pushbench results file: expected a JSON object, found ${describeValue(data)}`);
  }
  // Another version is a different contract: say so rather than list its differences as errors.
  if (data['schemaVersion'] !== SCHEMA_VERSION) {
    throw new ResultsFileError(
      'PUSHBENCH_RESULTS_VERSION',
      `${label} has schemaVersion ${describeValue(data['schemaVersion'])}; this pushbench reads schemaVersion ${SCHEMA_VERSION}`,
    );
  }
  const problems = resultsProblems(data);
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
    if (first !== undefined) problems.push(`${path}.id: expected an id unique within the file, found ${describeValue(scenario.id)}, already the id of $.scenarios[${first}]`);
    else firstIndexOfId.set(scenario.id, i);
    for (const [technique, result] of Object.entries(scenario.results)) {
      if (result?.state !== 'completed') continue;
      const at = `${path}.results${pathKey(technique)}`;
      const { expected, delivered, lost } = result.messages;
      if (delivered > expected) problems.push(`${at}.messages.delivered: expected at most messages.expected (${expected}), found ${delivered}`);
      if (lost > expected) problems.push(`${at}.messages.lost: expected at most messages.expected (${expected}), found ${lost}`);
      const requests = result.requests;
      if (requests !== null) {
        if (requests.empty > requests.total) problems.push(`${at}.requests.empty: expected at most requests.total (${requests.total}), found ${requests.empty}`);
        if (requests.late > requests.total) problems.push(`${at}.requests.late: expected at most requests.total (${requests.total}), found ${requests.late}`);
      }
    }
  });
  return problems;
}

// ---- messages from TypeBox's errors ----------------------------------------------------------

/**
 * One TypeBox error as messages. A union error says only "no variant matched"; where the value
 * plainly meant one variant (the one its `state` names, the non-null side of `X | null`), the
 * problems inside that variant are reported instead, so the path reaches the wrong field.
 */
function explain(error: ValueError, root: unknown): string[] {
  const path = jsonPath(error.path, root);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys(propertiesOf(error.schema)).join(', ');
    const name = pointerSegments(error.path).at(-1) ?? '';
    // An object whose keys are ids (`results`, keyed by technique) says what its keys are.
    const keyNoun = (error.schema.propertyNames as { description?: string } | undefined)?.description;
    return [keyNoun === undefined ? `${path}: expected no such field (known: ${known}), found ${describeValue(error.value)}` : `${path}: expected ${keyNoun} (${known}), found ${JSON.stringify(name)}`];
  }
  if (error.type !== ValueErrorType.Union) return [`${path}: expected ${describeSchema(error.schema)}, found ${describeValue(error.value)}`];

  const variants = (error.schema.anyOf ?? []) as TSchema[];
  if (variants.every((v) => literalsOf(v) !== null)) return [`${path}: expected ${describeSchema(error.schema)}, found ${describeValue(error.value)}`];
  const meant = variants.flatMap((variant, i) => (plausible(variant, error.value) ? [i] : []));
  const inner = meant.length === 1 ? error.errors[meant[0]!] : undefined;
  if (inner !== undefined) return [...inner].flatMap((e) => explain(e, root));
  // No variant fits: when the variants are objects told apart by one key (`state`), name that key.
  const key = discriminator(variants);
  if (key !== null && isObject(error.value)) {
    const allowed = variants.flatMap((v) => literalsOf(propertiesOf(v)[key]!) ?? []);
    return [`${path}${pathKey(key)}: expected ${oneOf(allowed)}, found ${describeValue(error.value[key])}`];
  }
  return [`${path}: expected ${describeSchema(error.schema)}, found ${describeValue(error.value)}`];
}

/** What a schema accepts, in words: `an integer ≥ 0`, `one of "a", "b"`, `a string or null`. */
function describeSchema(schema: TSchema): string {
  const literals = literalsOf(schema);
  if (literals !== null) return oneOf(literals);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(describeSchema).join(' or ');
  const bounds = [typeof schema.minimum === 'number' ? `≥ ${schema.minimum}` : '', typeof schema.maximum === 'number' ? `≤ ${schema.maximum}` : ''].filter((b) => b !== '').join(' and ');
  switch (schema.type) {
    case 'integer':
      return bounds === '' ? 'an integer' : `an integer ${bounds}`;
    case 'number':
      return bounds === '' ? 'a finite number' : `a number ${bounds}`;
    case 'string':
      return schema.format === 'date-time' ? 'a date-time string (RFC 3339, e.g. 2025-01-31T12:00:00.000Z)' : 'a string';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'object':
      return 'an object';
    case 'array':
      return Array.isArray(schema.items) ? `[${(schema.items as TSchema[]).map(describeSchema).join(', ')}]` : 'an array';
    default:
      return 'a value of another type';
  }
}

/** A value as a message shows it: strings quoted and cut short, containers by kind. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
}

/** The constant values a schema allows when it is a literal or a union of literals, else null. */
function literalsOf(schema: TSchema): unknown[] | null {
  if ('const' in schema) return [schema.const];
  if (!Array.isArray(schema.anyOf)) return null;
  const values: unknown[] = [];
  for (const variant of schema.anyOf as TSchema[]) {
    const inner = literalsOf(variant);
    if (inner === null) return null;
    values.push(...inner);
  }
  return values;
}

function propertiesOf(schema: TSchema): Record<string, TSchema> {
  return (schema.properties ?? {}) as Record<string, TSchema>;
}

/** Whether `value` is plainly meant as `variant`: same JSON kind, and its literal-valued properties agree. */
function plausible(variant: TSchema, value: unknown): boolean {
  const literals = literalsOf(variant);
  if (literals !== null) return literals.includes(value);
  switch (variant.type) {
    case 'null':
      return value === null;
    case 'object':
      return isObject(value) && Object.entries(propertiesOf(variant)).every(([key, property]) => literalsOf(property)?.includes(value[key]) ?? true);
    case 'array':
      return Array.isArray(value);
    case 'integer':
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === variant.type;
  }
}

/** The one property every object variant of a union fixes to literals (`state`), or null. */
function discriminator(variants: readonly TSchema[]): string | null {
  if (!variants.every((v) => v.type === 'object')) return null;
  const [first, ...rest] = variants;
  if (first === undefined) return null;
  const keys = Object.keys(propertiesOf(first)).filter((key) => rest.every((v) => propertiesOf(v)[key] !== undefined && literalsOf(propertiesOf(v)[key]!) !== null));
  return keys.find((key) => literalsOf(propertiesOf(first)[key]!) !== null) ?? null;
}

// ---- JSON paths ------------------------------------------------------------------------------

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `/scenarios/0/results/sse` as `$.scenarios[0].results.sse`, indexes only where the data holds an array. */
function jsonPath(pointer: string, root: unknown): string {
  let path = '$';
  let node: unknown = root;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(node)) {
      path += `[${segment}]`;
      node = node[Number(segment)];
    } else {
      path += pathKey(segment);
      node = isObject(node) ? node[segment] : undefined;
    }
  }
  return path;
}

function pathKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
