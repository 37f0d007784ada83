/**
 * Model-facing JSON Schemas, derived from the zod schemas that validate the replies.
 *
 * Anthropic's strict tools and structured outputs accept only a subset of JSON Schema (SPEC §10: types,
 * `enum`, `required`, `additionalProperties: false`; no numeric, length or item-count bounds). So the
 * bounds are taken OUT of the schema and written INTO the property's description, where the model
 * reads them as instructions; zod then checks them, with every bound, on the way back.
 */
import * as z from 'zod';

type Node = Record<string, unknown>;

/** Keywords the API refuses in a strict schema, each turned into words for the description. */
const BOUND_WORDS: Record<string, (v: number) => string> = {
  minimum: (v) => `at least ${v}`,
  maximum: (v) => `at most ${v}`,
  exclusiveMinimum: (v) => `greater than ${v}`,
  exclusiveMaximum: (v) => `less than ${v}`,
  multipleOf: (v) => `a multiple of ${v}`,
  minLength: (v) => `at least ${v} characters`,
  maxLength: (v) => `at most ${v} characters`,
  minItems: (v) => `at least ${v} items`,
  maxItems: (v) => `at most ${v} items`,
};

/** Dropped without a word: zod adds them for `.int()` and they say nothing to a model. */
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/** Other keywords outside the accepted subset; zod does not emit them for our schemas, but never forward them. */
const DROPPED = new Set([
  '$schema', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'prefixItems', 'unevaluatedItems',
  'minProperties', 'maxProperties', 'patternProperties', 'propertyNames', 'dependentRequired',
  'dependentSchemas', 'unevaluatedProperties', 'not', 'if', 'then', 'else', 'pattern', 'format',
]);

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

function strip(node: Node): Node {
  const out: Node = {};
  const words: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key in BOUND_WORDS) {
      if (typeof value === 'number' && Math.abs(value) !== SAFE_INTEGER_BOUND) words.push(BOUND_WORDS[key]!(value));
      continue;
    }
    if (DROPPED.has(key)) continue;
    if (key === 'oneOf') out.anyOf = (value as unknown[]).map((v) => (isNode(v) ? strip(v) : v));
    else if (key === 'properties' && isNode(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isNode(v) ? strip(v) : v]));
    } else if ((key === 'items' || key === 'additionalProperties') && isNode(value)) out[key] = strip(value);
    else if ((key === 'anyOf' || key === 'allOf') && Array.isArray(value)) out[key] = value.map((v) => (isNode(v) ? strip(v) : v));
    else if ((key === '$defs' || key === 'definitions') && isNode(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isNode(v) ? strip(v) : v]));
    } else out[key] = value;
  }
  const isObject = out.type === 'object' || out.properties !== undefined;
  if (isObject) out.additionalProperties = false;
  if (words.length > 0) {
    const hint = `${words.join(', ')}.`;
    out.description = typeof out.description === 'string' ? `${out.description} (${hint})` : hint[0]!.toUpperCase() + hint.slice(1);
  }
  return out;
}

/**
 * The schema sent to the model for `schema`: what the reply must look like, minus every keyword the
 * API refuses. Inline (no $ref) so each section stays a single readable document.
 */
export function modelSchema(schema: z.ZodType): Node {
  const json = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12', reused: 'inline', unrepresentable: 'throw' });
  return strip(json as Node);
}
