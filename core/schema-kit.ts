/**
 * The schema kit shared by core/'s file contracts (results.json in core/results.ts, target files
 * in core/targets.ts): the TypeBox building blocks they are written in, the check that turns
 * TypeBox's errors into one message, and the one JSON Schema dialect both are published in.
 *
 * The dialect is draft-07 because it is the one TypeBox emits: a Tuple is `items: [...]` with
 * `additionalItems: false`, which draft-07 validators read as a fixed-length tuple, whereas a
 * 2020-12 validator rejects an array-valued `items` outright (2020-12 spells it `prefixItems`).
 * Declaring what is emitted, rather than rewriting keywords, keeps the published file the schema
 * the validator here compiles.
 */
import { Type, type Static, type TLiteral, type TProperties, type TSchema, type TUnion } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { explain } from './schema-explain.ts';

/** The `$schema` every published pushbench schema declares. */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/** How many problems one error message lists before "(and N more)". */
export const SHOWN_PROBLEMS = 5;

const described = (description: string | undefined): { description?: string } => (description === undefined ? {} : { description });

/** An object that accepts no property it does not declare (every object of a file contract is one). */
export function closed<P extends TProperties>(properties: P, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...described(description) });
}

/** `schema` or null. */
export function nullable<T extends TSchema>(schema: T, description?: string) {
  return Type.Union([schema, Type.Null()], described(description));
}

/** A union of string literals from a constant list, typed as that list's members. */
export function literalUnion<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnion<Array<TLiteral<T[number]>>> {
  return Type.Union(values.map((value) => Type.Literal(value)) as Array<TLiteral<T[number]>>, options);
}

/**
 * A checker for `schema`, compiled on first use: every problem of a value as
 * `<JSON path>: expected <what>, found <what>`, empty when it is valid. `semantic` states the
 * rules relating two fields, which a schema cannot; it runs only once the schema holds.
 */
export function problemFinder<T extends TSchema>(schema: T, semantic: (value: Static<T>) => string[]): (data: unknown) => string[] {
  let compiled: ReturnType<typeof TypeCompiler.Compile<T>> | undefined;
  return (data) => {
    compiled ??= TypeCompiler.Compile(schema);
    if (compiled.Check(data)) return semantic(data);
    // A Set: TypeBox reports a missing required property twice (once per pass over the keys).
    return [...new Set([...compiled.Errors(data)].flatMap((error) => explain(error, data)))];
  };
}

/** The first SHOWN_PROBLEMS problems joined by `; `, and how many more there are. */
export function problemList(problems: readonly string[]): string {
  const more = problems.length > SHOWN_PROBLEMS ? ` (and ${problems.length - SHOWN_PROBLEMS} more)` : '';
  return `${problems.slice(0, SHOWN_PROBLEMS).join('; ')}${more}`;
}

// Keywords in reading order (what it is, then what it holds); properties keep the contract's order.
const KEYWORD_ORDER = [
  'title',
  'description',
  'type',
  'const',
  'enum',
  'format',
  'minimum',
  'maximum',
  'anyOf',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
];

/** What a published schema says about itself. */
export interface PublishedSchemaHeader {
  /** Its canonical URL. */
  readonly id: string;
  /** The file it is generated from, named in its `$comment`. */
  readonly source: string;
  readonly title?: string;
  readonly description?: string;
}

/**
 * The published JSON Schema (draft-07, see above) of a TypeBox schema. TypeBox's own markers are
 * symbols and vanish in JSON; keywords are put in reading order; a subschema with an `$id` is
 * written once under `definitions` and referenced where it occurs.
 */
export function publishedJsonSchema(schema: TSchema, header: PublishedSchemaHeader): Record<string, unknown> {
  const definitions: Record<string, unknown> = {};
  const rank = (key: string): number => (KEYWORD_ORDER.includes(key) ? KEYWORD_ORDER.indexOf(key) : KEYWORD_ORDER.length);
  const schemaOf = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(schemaOf);
    if (typeof node !== 'object' || node === null) return node;
    const { $id, ...keywords } = node as Record<string, unknown>;
    const entries = Object.entries(keywords).sort(([a], [b]) => rank(a) - rank(b));
    // `properties` maps property names to schemas: its keys are names, not keywords.
    const body = Object.fromEntries(entries.map(([key, value]) => [key, key === 'properties' ? propertiesOf(value) : schemaOf(value)]));
    if (typeof $id !== 'string') return body;
    definitions[$id] ??= body;
    return { $ref: `#/definitions/${$id}` };
  };
  const propertiesOf = (node: unknown): unknown =>
    Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([name, value]) => [name, schemaOf(value)]));
  const root = schemaOf(JSON.parse(JSON.stringify(schema))) as Record<string, unknown>;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: header.id,
    ...(header.title === undefined ? {} : { title: header.title }),
    ...(header.description === undefined ? {} : { description: header.description }),
    ...root,
    $comment: `Generated from ${header.source} by \`npm run schema\`; do not edit by hand.`,
    ...(Object.keys(definitions).length === 0 ? {} : { definitions }),
  };
}
