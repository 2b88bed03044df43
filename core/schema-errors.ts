/**
 * Explains why a value does not match a JSON Schema built with TypeBox, as
 * `PATH: expected WHAT, found VALUE` lines. TypeBox's `Value.Check` decides whether the value
 * is valid; this walker only runs on failure, to name the innermost problem: for a union of
 * objects it descends into the branch the value's discriminator (or kind) selects, instead of
 * stopping at "expected one of the union's branches".
 *
 * It understands the subset of JSON Schema that TypeBox's Object, Array, Tuple, Union,
 * Literal, String, Number, Integer, Boolean and Null produce, which is what core/ defines.
 */

/** A JSON Schema node as TypeBox emits it (the keywords this walker reads). */
interface SchemaNode {
  type?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean;
  items?: SchemaNode | SchemaNode[];
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  description?: string;
  /** What an object's keys are, for the message about an unknown key (e.g. "a technique id"). */
  propertyNames?: { description?: string };
}

/** A short rendering of a received value for a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a schema node accepts, in words. */
export function expectation(schema: SchemaNode): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf;
    if (branches.every((b) => b.const !== undefined)) return `one of ${branches.map((b) => JSON.stringify(b.const)).join(', ')}`;
    return branches.map(expectation).join(' or ');
  }
  switch (schema.type) {
    case 'number':
      return schema.minimum === 0 ? 'a number ≥ 0' : 'a finite number';
    case 'integer':
      return schema.minimum !== undefined ? `an integer ≥ ${schema.minimum}` : 'an integer';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'array':
      return Array.isArray(schema.items) ? `an array of ${schema.items.length}` : 'an array';
    case 'object':
      return 'an object';
    default:
      return 'a valid value';
  }
}

/** Does `value` have the JSON kind `schema` asks for (ignoring its contents)? */
function kindMatches(schema: SchemaNode, value: unknown): boolean {
  if (schema.const !== undefined) return schema.const === value;
  switch (schema.type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'null':
      return value === null;
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
    case 'integer':
      return typeof value === 'number';
    default:
      return false;
  }
}

/**
 * The union branch `value` is meant for: among object branches, the one whose literal
 * properties (such as `state`) all accept the value's; else the only branch of its kind.
 */
function chooseBranch(branches: readonly SchemaNode[], value: unknown): SchemaNode | null {
  const sameKind = branches.filter((b) => kindMatches(b, value) || (b.anyOf !== undefined && b.anyOf.some((x) => kindMatches(x, value))));
  if (sameKind.length === 1) return sameKind[0]!;
  if (!isObject(value)) return null;
  const discriminated = sameKind.filter((branch) =>
    Object.entries(branch.properties ?? {}).every(([key, prop]) => {
      const literals = prop.const !== undefined ? [prop.const] : prop.anyOf?.every((x) => x.const !== undefined) ? prop.anyOf.map((x) => x.const) : null;
      return literals === null || literals.includes(value[key]);
    }),
  );
  return discriminated.length === 1 ? discriminated[0]! : null;
}

/** The literals of `key`, where every branch is an object with a literal-valued `key` (a tagged union). */
function literalsOf(prop: SchemaNode | undefined): unknown[] | null {
  if (prop === undefined) return null;
  if (prop.const !== undefined) return [prop.const];
  if (prop.anyOf !== undefined && prop.anyOf.every((x) => x.const !== undefined)) return prop.anyOf.map((x) => x.const);
  return null;
}

function sharedDiscriminator(branches: readonly SchemaNode[]): { key: string; literals: unknown[] } | null {
  const first = branches[0];
  if (first?.type !== 'object') return null;
  for (const key of Object.keys(first.properties ?? {})) {
    const literals: unknown[] = [];
    let tagged = true;
    for (const branch of branches) {
      const own = branch.type === 'object' ? literalsOf(branch.properties?.[key]) : null;
      if (own === null) tagged = false;
      else literals.push(...own);
    }
    if (tagged) return { key, literals };
  }
  return null;
}

/**
 * Every problem of `value` against `schema`, innermost first found, as
 * `PATH: expected WHAT, found VALUE`.
 */
export function schemaProblems(schema: object, value: unknown, path = '$'): string[] {
  const out: string[] = [];
  walk(schema as SchemaNode, value, path, out);
  return out;
}

function walk(schema: SchemaNode, value: unknown, path: string, out: string[]): void {
  if (schema.anyOf !== undefined) {
    if (schema.anyOf.some((branch) => schemaProblems(branch, value, path).length === 0)) return;
    const branch = chooseBranch(schema.anyOf, value);
    if (branch !== null && !schema.anyOf.every((b) => b.const !== undefined)) {
      walk(branch, value, path, out);
      return;
    }
    const discriminator = isObject(value) ? sharedDiscriminator(schema.anyOf) : null;
    if (discriminator !== null && isObject(value)) {
      const allowed = discriminator.literals.map((l) => JSON.stringify(l)).join(', ');
      out.push(`${path}.${discriminator.key}: expected one of ${allowed}, found ${describeValue(value[discriminator.key])}`);
      return;
    }
    out.push(`${path}: expected ${expectation(schema)}, found ${describeValue(value)}`);
    return;
  }
  if (!kindMatches(schema, value) || (typeof value === 'number' && !Number.isFinite(value))) {
    if (schema.type === 'integer' && typeof value === 'number' && Number.isFinite(value) && Number.isInteger(value)) {
      // an integer below its minimum is reported by the range check below
    } else {
      out.push(`${path}: expected ${expectation(schema)}, found ${describeValue(value)}`);
      return;
    }
  }
  if (typeof value === 'number') {
    if ((schema.type === 'integer' && !Number.isInteger(value)) || (schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum)) {
      out.push(`${path}: expected ${expectation(schema)}, found ${describeValue(value)}`);
    }
    return;
  }
  if (schema.type === 'array' && Array.isArray(value)) {
    if (Array.isArray(schema.items)) {
      if (value.length !== schema.items.length) out.push(`${path}: expected ${expectation(schema)}, found an array of ${value.length}`);
      schema.items.forEach((item, i) => i < value.length && walk(item, value[i], `${path}[${i}]`, out));
    } else if (schema.items !== undefined) {
      const items = schema.items;
      value.forEach((item, i) => walk(items, item, `${path}[${i}]`, out));
    }
    return;
  }
  if (schema.type === 'object' && isObject(value)) {
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      if (!(key in value)) out.push(`${path}.${key}: expected ${expectation(properties[key] ?? {})}, found nothing`);
    }
    for (const [key, item] of Object.entries(value)) {
      const prop = properties[key];
      if (prop !== undefined) walk(prop, item, `${path}.${key}`, out);
      else if (schema.additionalProperties === false) {
        const known = Object.keys(properties).join(', ');
        const keyLabel = schema.propertyNames?.description;
        out.push(
          keyLabel === undefined
            ? `${path}.${key}: expected no such field (known: ${known}), found ${describeValue(item)}`
            : `${path}.${key}: expected ${keyLabel} (${known}), found ${JSON.stringify(key)}`,
        );
      }
    }
  }
}
