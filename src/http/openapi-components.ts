/**
 * `components.schemas` of the OpenAPI document, built from the same zod schemas that validate and
 * shape the API. Three sources of names:
 *   - schemas tagged with `named('User', …)` (src/schemas/registry.ts): zod extracts them as `$defs`,
 *     which are moved here and referenced as `#/components/schemas/User`;
 *   - scalar shapes repeated all over (ids, timestamps, email addresses): any inline schema equal to one
 *     of SCALARS becomes a reference to it, however the route spelled it (`z.uuid()` anywhere);
 *   - names given by the document builder (request bodies: `<OperationId>Request`), through `add`.
 * A name used for two different schemas is a bug: the build throws, naming it. A schema whose input
 * form (what a client sends) differs from its output form (what the API returns) gets both: `Name`
 * for the output, `NameInput` for the input.
 */
import * as z from 'zod';

export type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const PREFIX = '#/components/schemas/';
/** Marks references made while converting input schemas, until `finish` decides Name or NameInput. */
const INPUT_MARK = '~input';

/** Repeated scalar shapes, referenced by name wherever they occur. */
const SCALARS: Record<string, { schema: z.ZodType; description: string }> = {
  Uuid: { schema: z.uuid(), description: 'An identifier (UUID).' },
  Timestamp: { schema: z.iso.datetime(), description: 'A UTC date and time (ISO 8601, `Z`).' },
  EmailAddress: { schema: z.email(), description: 'An email address.' },
};

function rawJsonSchema(schema: z.ZodType, io: Io): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema;
  return rest;
}

/** JSON with sorted keys, to compare schemas by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const EMPTY_OBJECT = canonical({ type: 'object', properties: {}, additionalProperties: false });

const scalarByShape = new Map(Object.entries(SCALARS).map(([name, s]) => [canonical(rawJsonSchema(s.schema, 'output')), name]));

/**
 * One pass over a converted schema: `#/$defs/X` → a component reference; bounds that only restate
 * JavaScript's safe-integer range (every `z.number().int()`) dropped; scalar shapes → references.
 */
function tidy(node: unknown, io: Io, isRoot = false): unknown {
  if (Array.isArray(node)) return node.map((item) => tidy(item, io));
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
      const name = decodeURIComponent(value.slice('#/$defs/'.length));
      out.$ref = `${PREFIX}${name}${io === 'input' ? INPUT_MARK : ''}`;
    } else if (key === 'properties' || key === '$defs' || key === 'patternProperties') {
      // Maps of names to schemas: the names themselves are not schemas.
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([k, v]) => [k, tidy(v, io)]));
    } else {
      out[key] = tidy(value, io);
    }
  }
  if (out.type === 'integer') {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  if (!isRoot) {
    const { description, ...shape } = out;
    const scalar = scalarByShape.get(canonical(shape));
    if (scalar) return { $ref: `${PREFIX}${scalar}`, ...(description !== undefined ? { description } : {}) };
  }
  return out;
}

export class ComponentSchemas {
  /** Per name, the canonical JSON and body of its output and input forms. */
  private readonly forms = new Map<string, Partial<Record<Io, { key: string; body: JsonSchema }>>>();

  constructor() {
    for (const [name, { schema, description }] of Object.entries(SCALARS)) {
      this.record(name, 'output', { ...(tidy(rawJsonSchema(schema, 'output'), 'output', true) as JsonSchema), description });
    }
  }

  private record(name: string, io: Io, body: JsonSchema) {
    const key = canonical(body);
    const entry = this.forms.get(name) ?? {};
    const existing = entry[io];
    if (existing && existing.key !== key) {
      throw new Error(`OpenAPI: two different ${io} schemas are named "${name}"; give one of them another name`);
    }
    entry[io] = { key, body };
    this.forms.set(name, entry);
  }

  /** The JSON Schema of `schema`, with named parts moved to the components and referenced. */
  schemaOf(schema: z.ZodType, io: Io): JsonSchema {
    const { $defs, ...root } = tidy(rawJsonSchema(schema, io), io, true) as JsonSchema;
    for (const [name, body] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.record(name, io, body);
    return root;
  }

  /**
   * `schema` as a component called `name` (unless it already has a name of its own), returned as a
   * reference. Used for request bodies, which the document names after their operation.
   */
  reference(schema: z.ZodType, io: Io, name: string): JsonSchema {
    const root = this.schemaOf(schema, io);
    if (typeof root.$ref === 'string' && Object.keys(root).length === 1) return root;
    // Body-less actions (approve, logout, mark-all-read …) share one name.
    if (canonical(root) === EMPTY_OBJECT) return this.define('EmptyBody', { ...root, description: 'No fields: send `{}` or no body.' });
    this.record(name, io, root);
    return { $ref: `${PREFIX}${name}${io === 'input' ? INPUT_MARK : ''}` };
  }

  /** A schema written by hand (the envelope, pagination), under `name`. */
  define(name: string, body: JsonSchema): JsonSchema {
    this.record(name, 'output', body);
    return { $ref: `${PREFIX}${name}` };
  }

  /**
   * Settles every input reference (Name, or NameInput when the input form differs from the output
   * form) throughout `document`, and returns the sorted `components.schemas`.
   */
  finish(document: unknown): Record<string, JsonSchema> {
    const inputName = new Map<string, string>();
    const schemas: Record<string, JsonSchema> = {};
    for (const [name, { output, input }] of this.forms) {
      if (output) schemas[name] = output.body;
      if (input) {
        const finalName = !output || output.key === input.key ? name : `${name}Input`;
        if (finalName !== name && this.forms.has(finalName)) {
          throw new Error(`OpenAPI: "${finalName}" is taken; rename the input form of "${name}"`);
        }
        inputName.set(name, finalName);
        schemas[finalName] = input.body;
      }
    }
    const settle = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(settle);
      if (!node || typeof node !== 'object') return;
      const record = node as JsonSchema;
      const ref = record.$ref;
      if (typeof ref === 'string' && ref.endsWith(INPUT_MARK)) {
        const name = ref.slice(PREFIX.length, -INPUT_MARK.length);
        record.$ref = `${PREFIX}${inputName.get(name) ?? name}`;
      }
      Object.values(record).forEach(settle);
    };
    settle(document);
    settle(schemas);
    return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  }
}
