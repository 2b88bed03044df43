/**
 * A small validator for the subset of JSON Schema that core/results.schema.json uses
 * (type, const, enum, properties, required, additionalProperties, items, oneOf, $ref,
 * minimum, minItems, maxItems), so tests can hold real results against the schema.
 */
type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer');
}

/** Returns the list of violations (empty when `value` is valid), each with its JSON path. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (typeof schema['$ref'] === 'string') {
    const target = (schema['$ref'] as string).replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Schema)[key], root);
    return validate(value, target as Schema, root, path);
  }
  const errors: string[] = [];
  if ('const' in schema && value !== schema['const']) errors.push(`${path}: expected ${JSON.stringify(schema['const'])}, got ${JSON.stringify(value)}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema['enum'])}`);
  if (schema['type'] !== undefined) {
    const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
    if (!types.some((t) => typeMatches(t, typeOf(value)))) return [...errors, `${path}: expected ${types.join('|')}, got ${typeOf(value)}`];
  }
  if (typeof schema['minimum'] === 'number' && typeof value === 'number' && value < schema['minimum']) errors.push(`${path}: ${value} < ${schema['minimum']}`);
  if (Array.isArray(schema['oneOf'])) {
    const passing = (schema['oneOf'] as Schema[]).filter((s) => validate(value, s, root, path).length === 0).length;
    if (passing !== 1) errors.push(`${path}: matches ${passing} of the oneOf schemas, expected exactly 1`);
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const key of (schema['required'] ?? []) as string[]) if (!(key in object)) errors.push(`${path}: missing required "${key}"`);
    for (const [key, child] of Object.entries(object)) {
      if (properties[key] !== undefined) errors.push(...validate(child, properties[key], root, `${path}.${key}`));
      else if (schema['additionalProperties'] === false) errors.push(`${path}: unexpected property "${key}"`);
      else if (typeof schema['additionalProperties'] === 'object') errors.push(...validate(child, schema['additionalProperties'] as Schema, root, `${path}.${key}`));
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) errors.push(`${path}: fewer than ${schema['minItems']} items`);
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems']) errors.push(`${path}: more than ${schema['maxItems']} items`);
    if (schema['items'] !== undefined) value.forEach((item, i) => errors.push(...validate(item, schema['items'] as Schema, root, `${path}[${i}]`)));
  }
  return errors;
}
