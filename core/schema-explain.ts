/**
 * Exact messages from TypeBox's validation errors, shared by every validator of core/ (results
 * files, target files): each problem as `<JSON path>: expected <what>, found <what>`.
 */
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';

/**
 * One TypeBox error as messages. A union error says only "no variant matched"; where the value
 * plainly meant one variant (the one its `state` names, the non-null side of `X | null`), the
 * problems inside that variant are reported instead, so the path reaches the wrong field.
 */
export function explain(error: ValueError, root: unknown): string[] {
  const path = jsonPath(error.path, root);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys(propertiesOf(error.schema)).join(', ');
    const name = pointerSegments(error.path).at(-1) ?? '';
    // An object whose keys are ids (`results`, keyed by technique) says what its keys are.
    const keyNoun = (error.schema.propertyNames as { description?: string } | undefined)?.description;
    return [
      keyNoun === undefined
        ? `${path}: expected no such field (known: ${known}), found ${describeValue(error.value)}`
        : `${path}: expected ${keyNoun} (${known}), found ${JSON.stringify(name)}`,
    ];
  }
  if (error.type !== ValueErrorType.Union)
    return [`${path}: expected ${describeSchema(error.schema)}, found ${describeValue(error.value)}`];

  const variants = (error.schema.anyOf ?? []) as TSchema[];
  if (variants.every((v) => literalsOf(v) !== null))
    return [`${path}: expected ${describeSchema(error.schema)}, found ${describeValue(error.value)}`];
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
  // A union of shapes says what it is in its description (`a cursor: ...`), not "an object or an object".
  if (
    Array.isArray(schema.anyOf) &&
    typeof schema.description === 'string' &&
    (schema.anyOf as TSchema[]).every((v) => v.type === 'object')
  )
    return schema.description;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(describeSchema).join(' or ');
  const bounds = [
    typeof schema.minimum === 'number' ? `≥ ${schema.minimum}` : '',
    typeof schema.maximum === 'number' ? `≤ ${schema.maximum}` : '',
  ]
    .filter((b) => b !== '')
    .join(' and ');
  switch (schema.type) {
    case 'integer':
      return bounds === '' ? 'an integer' : `an integer ${bounds}`;
    case 'number':
      return bounds === '' ? 'a finite number' : `a number ${bounds}`;
    case 'string':
      if (schema.format === 'date-time') return 'a date-time string (RFC 3339, e.g. 2025-01-31T12:00:00.000Z)';
      // A constrained string says what it must be in its description (`a path starting with /`).
      if (typeof schema.pattern === 'string' || typeof schema.minLength === 'number')
        return typeof schema.description === 'string' ? schema.description : `a string matching /${String(schema.pattern ?? '.+')}/`;
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'object':
      return 'an object';
    case 'array':
      if (Array.isArray(schema.items)) return `[${(schema.items as TSchema[]).map(describeSchema).join(', ')}]`;
      return typeof schema.minItems === 'number' && schema.minItems > 0 ? `an array of at least ${schema.minItems}` : 'an array';
    default:
      return 'a value of another type';
  }
}

/** A value as a message shows it: strings quoted and cut short, containers by kind. */
export function describeValue(value: unknown): string {
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
      return (
        isObject(value) &&
        Object.entries(propertiesOf(variant)).every(([key, property]) => literalsOf(property)?.includes(value[key]) ?? true)
      );
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
  const keys = Object.keys(propertiesOf(first)).filter((key) =>
    rest.every((v) => propertiesOf(v)[key] !== undefined && literalsOf(propertiesOf(v)[key]!) !== null),
  );
  return keys.find((key) => literalsOf(propertiesOf(first)[key]!) !== null) ?? null;
}

// ---- JSON paths ------------------------------------------------------------------------------

function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
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

export function pathKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
