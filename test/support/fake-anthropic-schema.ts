// The JSON Schema subset that Anthropic accepts for structured outputs (`output_config.format`) and for
// tools declared with `strict: true`, so the fake refuses what the real API refuses.
//
// Source: platform.claude.com/docs/en/build-with-claude/structured-outputs, "JSON Schema limitations"
// (as quoted by several public projects that fetched it, and by the error the API returns, e.g.
// `output_format.schema: For 'integer' type, property 'minimum' is not supported`):
//   Supported: object, array, string, integer, number, boolean, null; `enum` of primitives; `const`;
//     `anyOf`, `allOf` (not with `$ref`); local `$ref` / `$defs` / `definitions`; `default`; `required`;
//     `additionalProperties` (must be false for objects); string `format` date-time, time, date, duration,
//     email, hostname, uri, ipv4, ipv6, uuid; array `minItems` of 0 or 1; `pattern` with simple regexes.
//   Not supported: recursive schemas; complex types in enums; external `$ref`; numerical constraints
//     (minimum, maximum, multipleOf, ...); string constraints (minLength, maxLength); array constraints
//     beyond minItems 0/1; `additionalProperties` other than false; regexes with backreferences,
//     lookahead/lookbehind or word boundaries.
//   Complexity limits per request: 20 strict tools, 24 optional parameters and 16 union-typed
//     parameters (anyOf or type arrays) across all strict schemas.
// The installed SDK agrees: lib/transform-json-schema.js (used by zodOutputFormat) keeps exactly that
// subset and moves every other keyword into `description`.

export const STRICT_LIMITS = { strictTools: 20, optionalParams: 24, unionParams: 16 } as const;

const UNSUPPORTED_KEYWORDS = new Set([
  // numerical constraints
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  // string constraints
  'minLength', 'maxLength',
  // array constraints beyond minItems 0/1 (minItems itself is checked below)
  'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'prefixItems', 'unevaluatedItems',
  // object constraints beyond properties / required / additionalProperties
  'minProperties', 'maxProperties', 'patternProperties', 'propertyNames', 'dependentRequired',
  'dependentSchemas', 'unevaluatedProperties',
  // composition and conditionals other than anyOf / allOf
  'oneOf', 'not', 'if', 'then', 'else',
]);

const SUPPORTED_FORMATS = new Set([
  'date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid',
]);

const JSON_TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean', 'null']);

// Backreferences, lookaround and word boundaries.
const UNSUPPORTED_REGEX = [/\\[1-9]/, /\\k</, /\(\?<?[=!]/, /\\[bB]/];

/** Counts summed over every strict schema of one request, checked against STRICT_LIMITS. */
export interface StrictCounts {
  optionalParams: number;
  unionParams: number;
}

type SchemaNode = Record<string, unknown>;

const isNode = (value: unknown): value is SchemaNode =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isPrimitive = (value: unknown): boolean => value === null || typeof value !== 'object';

/**
 * Returns the first reason the real API would refuse `schema` as a strict schema, or null.
 * `path` prefixes the message (e.g. `tools.0.custom.input_schema`); `counts` accumulates the
 * request-wide optional and union parameter counts.
 */
export function strictSchemaProblem(schema: unknown, path: string, counts: StrictCounts): string | null {
  return checkNode(schema, path, counts) ?? recursionProblem(schema, path);
}

function checkNode(node: unknown, path: string, counts: StrictCounts): string | null {
  if (!isNode(node)) return `${path}: a schema must be a JSON object`;
  const typeName = typeof node.type === 'string' ? node.type : 'schema';
  for (const key of Object.keys(node)) {
    if (UNSUPPORTED_KEYWORDS.has(key)) return `${path}: For '${typeName}' type, property '${key}' is not supported`;
  }
  return (
    typeProblem(node, path) ??
    literalProblem(node, path) ??
    refProblem(node, path) ??
    objectProblem(node, path, counts) ??
    stringProblem(node, path) ??
    arrayProblem(node, path, counts) ??
    compositionProblem(node, path, counts) ??
    definitionsProblem(node, path, counts)
  );
}

function typeProblem(node: SchemaNode, path: string): string | null {
  if (node.type === undefined) return null;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const unknown = types.find((t) => typeof t !== 'string' || !JSON_TYPES.has(t));
  return unknown === undefined ? null : `${path}: unsupported type ${JSON.stringify(unknown)}`;
}

function literalProblem(node: SchemaNode, path: string): string | null {
  if (node.enum !== undefined) {
    if (!Array.isArray(node.enum) || node.enum.length === 0) return `${path}: 'enum' must be a non-empty array`;
    if (!node.enum.every(isPrimitive)) return `${path}: complex types within 'enum' are not supported`;
  }
  if (node.const !== undefined && !isPrimitive(node.const)) return `${path}: complex 'const' values are not supported`;
  return null;
}

function refProblem(node: SchemaNode, path: string): string | null {
  if (node.$ref === undefined) return null;
  if (typeof node.$ref !== 'string' || !node.$ref.startsWith('#')) {
    return `${path}: external '$ref' is not supported (${JSON.stringify(node.$ref)})`;
  }
  return null;
}

function isObjectSchema(node: SchemaNode): boolean {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  return types.includes('object') || node.properties !== undefined;
}

function objectProblem(node: SchemaNode, path: string, counts: StrictCounts): string | null {
  if ('additionalProperties' in node && node.additionalProperties !== false) {
    return `${path}: 'additionalProperties' set to anything other than false is not supported`;
  }
  if (!isObjectSchema(node)) return null;
  if (node.additionalProperties !== false) {
    return `${path}: For 'object' type, 'additionalProperties' must be explicitly set to false`;
  }
  const properties = node.properties ?? {};
  if (!isNode(properties)) return `${path}.properties: must be an object`;
  const required = node.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === 'string')) {
    return `${path}.required: must be an array of property names`;
  }
  const missing = required.find((name) => !(name in properties));
  if (missing !== undefined) return `${path}.required: '${missing}' is not defined in properties`;
  counts.optionalParams += Object.keys(properties).filter((name) => !required.includes(name)).length;
  for (const [name, child] of Object.entries(properties)) {
    const problem = checkNode(child, `${path}.properties.${name}`, counts);
    if (problem) return problem;
  }
  return null;
}

function stringProblem(node: SchemaNode, path: string): string | null {
  if (node.format !== undefined && (typeof node.format !== 'string' || !SUPPORTED_FORMATS.has(node.format))) {
    return `${path}: string format ${JSON.stringify(node.format)} is not supported`;
  }
  if (node.pattern === undefined) return null;
  if (typeof node.pattern !== 'string') return `${path}: 'pattern' must be a string`;
  try {
    new RegExp(node.pattern, 'u');
  } catch {
    return `${path}: invalid regular expression in 'pattern'`;
  }
  if (UNSUPPORTED_REGEX.some((re) => re.test(node.pattern as string))) {
    return `${path}: 'pattern' uses regex features that are not supported (backreferences, lookaround, word boundaries)`;
  }
  return null;
}

function arrayProblem(node: SchemaNode, path: string, counts: StrictCounts): string | null {
  if (node.minItems !== undefined && node.minItems !== 0 && node.minItems !== 1) {
    return `${path}: For 'array' type, 'minItems' values other than 0 or 1 are not supported`;
  }
  if (node.items === undefined) return null;
  if (Array.isArray(node.items)) return `${path}: tuple 'items' are not supported`;
  return checkNode(node.items, `${path}.items`, counts);
}

function compositionProblem(node: SchemaNode, path: string, counts: StrictCounts): string | null {
  if (node.anyOf !== undefined || (Array.isArray(node.type) && node.type.length > 1)) counts.unionParams += 1;
  for (const keyword of ['anyOf', 'allOf'] as const) {
    const variants = node[keyword];
    if (variants === undefined) continue;
    if (!Array.isArray(variants) || variants.length === 0) return `${path}.${keyword}: must be a non-empty array`;
    for (const [i, variant] of variants.entries()) {
      if (keyword === 'allOf' && isNode(variant) && variant.$ref !== undefined) {
        return `${path}.allOf.${i}: 'allOf' with '$ref' is not supported`;
      }
      const problem = checkNode(variant, `${path}.${keyword}.${i}`, counts);
      if (problem) return problem;
    }
  }
  return null;
}

function definitionsProblem(node: SchemaNode, path: string, counts: StrictCounts): string | null {
  for (const keyword of ['$defs', 'definitions'] as const) {
    const defs = node[keyword];
    if (defs === undefined) continue;
    if (!isNode(defs)) return `${path}.${keyword}: must be an object`;
    for (const [name, def] of Object.entries(defs)) {
      const problem = checkNode(def, `${path}.${keyword}.${name}`, counts);
      if (problem) return problem;
    }
  }
  return null;
}

/** A `$ref` that leads back to a schema already being expanded makes the schema recursive. */
function recursionProblem(root: unknown, path: string): string | null {
  const expanding: string[] = [];
  const visit = (node: unknown): string | null => {
    if (Array.isArray(node)) {
      for (const item of node) {
        const found = visit(item);
        if (found) return found;
      }
      return null;
    }
    if (!isNode(node)) return null;
    if (typeof node.$ref === 'string') {
      const ref = node.$ref;
      if (expanding.includes(ref)) return ref;
      expanding.push(ref);
      const found = visit(resolvePointer(root, ref));
      expanding.pop();
      if (found) return found;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === '$defs' || key === 'definitions') continue; // reached through $ref only
      const found = visit(value);
      if (found) return found;
    }
    return null;
  };
  const ref = visit(root);
  return ref === null ? null : `${path}: recursive schemas are not supported ('$ref': ${JSON.stringify(ref)})`;
}

function resolvePointer(root: unknown, ref: string): unknown {
  const segments = ref.replace(/^#\/?/, '').split('/').filter(Boolean);
  let node: unknown = root;
  for (const raw of segments) {
    if (!isNode(node)) return undefined;
    node = node[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
