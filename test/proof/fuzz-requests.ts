/**
 * Request generators for the fuzz suite (./fuzz.test.ts), built from the app's own OpenAPI document:
 * a JSON Schema → fast-check arbitrary for valid values, and hostile values, bodies, query strings,
 * path ids and headers around them. Everything generated is plain data (a `FuzzRequest`), so a
 * failing case can be printed and replayed from the seed.
 */
import fc from 'fast-check';

type JsonSchema = Record<string, any>;

/** A JSON token written verbatim into the body text (numbers JSON.stringify cannot produce). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may contain RawJson tokens and own `__proto__` keys. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type Principal = 'admin' | 'user' | 'anonymous';

export interface FuzzRequest {
  principal: Principal;
  /** For anonymous requests: the Authorization header sent, if any (never a valid token). */
  authorization?: string;
  /** Path parameter values; `raw` ones are put into the URL unencoded (routing tests). */
  pathParams: Record<string, { value: string; raw: boolean }>;
  /** Query string pairs, in order (repeated names make arrays). */
  query: [string, string][];
  headers: Record<string, string>;
  body:
    | { kind: 'none' }
    | { kind: 'json'; value: unknown; contentType: string }
    | { kind: 'text'; text: string; contentType: string | null };
  /** Which generator produced it, for the tallies. */
  strategy: string;
}

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /api/analyses/{id}. */
  path: string;
  key: string;
  secured: boolean;
  parameters: { name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema }[];
  bodySchema: JsonSchema | undefined;
  responses: string[];
  sse: boolean;
  raw: boolean;
}

export function operationsOf(doc: any): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const success = Object.values<any>(op.responses).find((r) => r.content?.['text/event-stream'] || r.content?.['text/html']);
      out.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        // `{}` among the alternatives: anonymous calls are allowed too (public catalog reads).
        secured: Array.isArray(op.security) && op.security.length > 0 && !op.security.some((s: object) => Object.keys(s).length === 0),
        parameters: op.parameters ?? [],
        bodySchema: op.requestBody?.content?.['application/json']?.schema,
        responses: Object.keys(op.responses),
        sse: Boolean(success?.content?.['text/event-stream']),
        raw: Boolean(success?.content?.['text/html']) || path === '/api/openapi.json',
      });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------ hostile values

const ARABIC = 'فكرة مشروع لتوصيل الطعام في دمشق وحلب مع تطبيق للهاتف';
const RLM = '\u200F';
const RLO = '\u202E';
const EMOJI = '🚀👨‍👩‍👧‍👦🇸🇾';
const NUL = '\u0000';
const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDFFF';

/** Short strings that have broken parsers, databases and log pipelines before. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n\r',
  NUL,
  `abc${NUL}def`,
  `${NUL}`.repeat(20),
  LONE_HIGH,
  LONE_LOW,
  `idea ${LONE_HIGH} with a lone surrogate`,
  `${LONE_LOW}${LONE_HIGH}`,
  ARABIC,
  `${RLM}${ARABIC}${RLM}`,
  `${RLO}gnp.exe`,
  EMOJI,
  EMOJI.repeat(50),
  '\uFEFFbom',
  '\u200B\u200C\u200D',
  '\u2028\u2029',
  'e\u0301\u0301\u0301\u0301\u0301',
  '١٢٣٤٥',
  '𝟏𝟐𝟑',
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(10)',
  "x' UNION SELECT password_hash FROM users --",
  '$1',
  '\\',
  '"',
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  '${process.env.JWT_SECRET_KEY}',
  '%s%s%s%n',
  '../../../../etc/passwd',
  'http://localhost:5432/',
  'javascript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD4=',
  'data:image/png;base64,!!!!',
  'data:image/png;base64,' + 'A'.repeat(1000),
  '\r\nSet-Cookie: a=b',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '0x10',
  '1_000',
  ' 1 ',
  '-0',
  '00000000-0000-0000-0000-000000000000',
  'admin@planlyze.test',
  'ADMIN@PLANLYZE.TEST ',
  'a@b',
  '@',
];

/** Numbers at and beyond every boundary, including tokens JSON.stringify cannot write. */
export const NASTY_NUMBERS: unknown[] = [
  0,
  -1,
  1,
  1.5,
  0.1,
  -0.01,
  0.005,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  1e21,
  1e308,
  -1e308,
  5e-324,
  new RawJson('-0'),
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('1E-400'),
  new RawJson('123456789012345678901234567890'),
  new RawJson('1.00000000000000000000001'),
  new RawJson('9.999999999999999999e2'),
];

const smallString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'grapheme' }),
  fc.string({ maxLength: 20, unit: 'binary' }),
  fc.constantFrom(...NASTY_STRINGS),
);

const mixedUnicodeUnit = fc.constantFrom('a', 'Z', '7', ' ', 'ب', 'ع', RLM, '😀', NUL, LONE_HIGH, '\u0301', '"', '\\');

/** 10 KB to ~200 KB, either one repeated character or a repeated mixed unicode chunk. */
export const hugeString = fc.oneof(
  fc.tuple(fc.constantFrom('A', 'ب', '😀', NUL, ' '), fc.integer({ min: 10_000, max: 200_000 })).map(([ch, n]) =>
    ch.repeat(Math.floor(n / ch.length)),
  ),
  fc.tuple(fc.array(mixedUnicodeUnit, { minLength: 8, maxLength: 32 }), fc.integer({ min: 500, max: 6_000 })).map(
    ([units, times]) => units.join('').repeat(times),
  ),
);

const wrongTypes: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  null,
  true,
  false,
  [],
  {},
  [1, 2, 3],
  ['a'],
  { a: { b: { c: 1 } } },
  { $gt: '' },
  JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
);

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: wrongTypes, weight: 3 },
  { arbitrary: fc.constantFrom(...NASTY_NUMBERS), weight: 3 },
  { arbitrary: smallString, weight: 4 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: fc.array(fc.constantFrom(0, 'x', null), { minLength: 1_000, maxLength: 5_000 }), weight: 1 },
);

// ------------------------------------------------------------------------- JSON Schema → arbitrary

export interface SchemaContext {
  /** Existing ids (users, analyses, …) so valid bodies can reach handlers, not only 404s. */
  knownIds: string[];
  /** Known-good values by property name (package_id, code, referral_code …), mixed into valid values. */
  hints?: Record<string, unknown[]>;
  /** Known-good bodies of this operation (e.g. the fixture user's credentials for login). */
  examples?: unknown[];
}

const IDEA_WORDS = ['a', 'food', 'delivery', 'app', 'for', 'students', 'in', 'Damascus', 'with', 'local', 'farmers', 'and', 'cafés', 'توصيل', 'طعام'];

function stringFor(schema: JsonSchema, name: string | undefined, ctx: SchemaContext): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min + 40, 40);
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.format === 'uuid') {
    return ctx.knownIds.length > 0 ? fc.oneof(fc.constantFrom(...ctx.knownIds), fc.uuid()) : fc.uuid();
  }
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
  }
  if (schema.format === 'email' || name === 'email') {
    return fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/), fc.nat(1_000_000)).map(([u, n]) => `${u}.${n}@fuzz.example`);
  }
  if (name && /password/.test(name)) {
    return fc.stringMatching(/^[A-Za-z]{6,20}[0-9]{2,4}$/);
  }
  if (name && /(url|image)$/.test(name)) {
    return fc.constantFrom('https://example.com/a.png', 'https://cdn.example.org/proof/1.jpg', 'data:image/png;base64,iVBORw0KGgo=');
  }
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  }
  if (min >= 10 || (name && /idea|message|body|prompt|description|content|feedback/.test(name))) {
    const words = fc.array(fc.constantFrom(...IDEA_WORDS), { minLength: Math.ceil(min / 3) + 3, maxLength: Math.ceil(min / 3) + 25 });
    return words.map((w) => w.join(' ')).map((s) => s.slice(0, max)).filter(fits);
  }
  return fc
    .oneof(fc.string({ minLength: Math.max(min, 1), maxLength: Math.min(max, min + 30) }), fc.constantFrom(ARABIC, EMOJI, 'Planlyze'))
    .map((s) => (s.trim().length === 0 ? `x${s}` : s))
    .map((s) => s.slice(0, max))
    .filter(fits);
}

export function fromSchema(schema: JsonSchema | undefined, ctx: SchemaContext, name?: string, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const hinted = name ? ctx.hints?.[name] : undefined;
  if (hinted && hinted.length > 0 && depth < 6) {
    return fc.oneof({ arbitrary: fc.constantFrom(...hinted), weight: 3 }, { arbitrary: fromSchema(schema, { ...ctx, hints: {} }, name, depth + 1), weight: 1 });
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) return fc.oneof(...alternatives.map((s: JsonSchema) => fromSchema(s, ctx, name, depth + 1)));
  if (Array.isArray(schema.allOf)) return fromSchema(Object.assign({}, ...schema.allOf), ctx, name, depth + 1);
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type: string) => fromSchema({ ...schema, type }, ctx, name, depth + 1)));
  }
  switch (schema.type) {
    case 'string':
      return stringFor(schema, name, ctx);
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Math.floor(schema.exclusiveMinimum) + 1 : -1000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? Math.ceil(schema.exclusiveMaximum) - 1 : min + 1000);
      return fc.integer({ min, max });
    }
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? 0;
      const max = schema.maximum ?? schema.exclusiveMaximum ?? min + 1000;
      // Money-shaped: cents, inside the bounds.
      return fc
        .integer({ min: Math.ceil(min * 100), max: Math.floor(max * 100) })
        .map((cents) => cents / 100)
        .filter((n) => (schema.exclusiveMinimum === undefined || n > schema.exclusiveMinimum) && (schema.exclusiveMaximum === undefined || n < schema.exclusiveMaximum));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? minLength + 4, minLength + 4);
      return fc.array(fromSchema(schema.items, ctx, name, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const props: Record<string, JsonSchema> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      if (Object.keys(props).length === 0 && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const key = schema.propertyNames ? fromSchema({ type: 'string', ...schema.propertyNames }, ctx, undefined, depth + 1) : fc.string({ minLength: 1, maxLength: 12 });
        return fc.dictionary(key as fc.Arbitrary<string>, fromSchema(schema.additionalProperties, ctx, undefined, depth + 1), { maxKeys: 4 });
      }
      const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fromSchema(s, ctx, k, depth + 1)]));
      return fc.record(model, { requiredKeys: [...required].filter((k) => k in props) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ------------------------------------------------------------------------------------------ bodies

const SERVER_OWNED_KEYS = ['id', 'status', 'credits', 'user_id', 'report', 'role', 'is_admin', 'created_at', 'password_hash', 'balance', 'view_count', 'deleted_at'];
const extraKey = fc.oneof(
  fc.constantFrom(...SERVER_OWNED_KEYS, '__proto__', 'constructor', 'prototype', '', ' ', 'a.b', ARABIC, EMOJI, NUL),
  fc.string({ minLength: 1, maxLength: 20 }),
);

const JSON_TYPE = 'application/json';
const jsonLikeTypes = fc.constantFrom(JSON_TYPE, 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json', 'application/json; charset=latin1');
const wrongContentTypes = fc.constantFrom(
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzz',
  'application/xml',
  'text/html',
  'application/octet-stream',
  'application/jsonp',
  'json',
  '*/*',
  '',
);

const deepNesting = fc.integer({ min: 100, max: 3_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));

/** Whole bodies of the wrong shape: arrays, scalars, malformed text. */
const nastyWholeBody: fc.Arbitrary<FuzzRequest['body']> = fc.oneof(
  fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<unknown>([], [{}], null, 0, -1, 'string', true, 1e308)).map((value) => ({ kind: 'json' as const, value, contentType: JSON_TYPE })),
  fc
    .constantFrom('{', '}', '{"a":', '{"a" 1}', "{'a':1}", '{"a":1,}', '[1,2', 'nul', 'NaN', 'undefined', '{"a":1}{"b":2}', '\u0000', '\uFEFF{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"email":1e400}', '{"__proto__":{"isAdmin":true}}', '{"a":1,"a":2}', ' \n ')
    .map((text) => ({ kind: 'text' as const, text, contentType: JSON_TYPE })),
  deepNesting.map((text) => ({ kind: 'text' as const, text, contentType: JSON_TYPE })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ kind: 'text' as const, text: Buffer.from(bytes).toString('latin1'), contentType: JSON_TYPE })),
);

/** Names of properties that accept a string (directly or as one alternative). */
function stringProps(schema: JsonSchema): string[] {
  const acceptsString = (s: JsonSchema | undefined): boolean =>
    !!s && (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string')) || (s.anyOf ?? s.oneOf ?? []).some(acceptsString));
  return Object.entries<JsonSchema>(schema.properties ?? {})
    .filter(([, s]) => acceptsString(s) && !s.enum)
    .map(([k]) => k);
}

/** Fragments that keep a string inside its length bounds but carry hostile code points. */
const INJECTED = [NUL, `${NUL}${NUL}`, LONE_HIGH, LONE_LOW, RLM, RLO, EMOJI, 'ب', '\uFEFF', '\u2028', "'", '"', '\\', '%00', '\r\n'];

function inject(value: unknown, fragment: string, at: number): unknown {
  if (typeof value !== 'string' || value.length === 0) return `abcdefghij${fragment}klmnop`;
  const i = at % (value.length + 1);
  return value.slice(0, i) + fragment + value.slice(i);
}

function mutateObject(valid: fc.Arbitrary<unknown>, schema: JsonSchema): fc.Arbitrary<{ value: unknown; strategy: string }> {
  const props = Object.keys(schema.properties ?? {});
  const strings = stringProps(schema);
  const required: string[] = schema.required ?? [];
  const asObject = valid.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as object) } : {}) as Record<string, unknown>);
  const options: { arbitrary: fc.Arbitrary<{ value: unknown; strategy: string }>; weight: number }[] = [
    {
      arbitrary: fc.tuple(asObject, extraKey, nastyValue).map(([o, k, v]) => {
        Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
        return { value: o, strategy: 'extra-field' };
      }),
      weight: 2,
    },
  ];
  if (props.length > 0) {
    options.push(
      { arbitrary: fc.tuple(asObject, fc.constantFrom(...props), nastyValue).map(([o, k, v]) => ({ value: { ...o, [k]: v }, strategy: 'wrong-value' })), weight: 4 },
      { arbitrary: fc.tuple(asObject, fc.constantFrom(...props), hugeString).map(([o, k, v]) => ({ value: { ...o, [k]: v }, strategy: 'huge-string' })), weight: 1 },
      {
        arbitrary: fc.tuple(asObject, fc.constantFrom(...props), fc.constantFrom(...NASTY_STRINGS)).map(([o, k, v]) => ({ value: { ...o, [k]: v }, strategy: 'unicode' })),
        weight: 2,
      },
    );
  }
  if (strings.length > 0) {
    // A valid string with a hostile fragment inside: passes length checks, reaches the handler and the database.
    options.push({
      arbitrary: fc
        .tuple(asObject, fc.constantFrom(...strings), fc.constantFrom(...INJECTED), fc.nat(200))
        .map(([o, k, fragment, at]) => ({ value: { ...o, [k]: inject(o[k], fragment, at) }, strategy: 'inject' })),
      weight: 4,
    });
  }
  if (required.length > 0) {
    options.push({
      arbitrary: fc.tuple(asObject, fc.constantFrom(...required)).map(([o, k]) => {
        delete o[k];
        return { value: o, strategy: 'missing-field' };
      }),
      weight: 1,
    });
  }
  return fc.oneof(...options);
}

/** A body the operation accepts (as far as its schema says), or none when it takes no body. */
export function validBody(op: Operation, ctx: SchemaContext): fc.Arbitrary<FuzzRequest['body']> {
  if (!op.bodySchema) return fc.constant({ kind: 'none' as const });
  const generated = fromSchema(op.bodySchema, ctx);
  const value = ctx.examples?.length ? fc.oneof(fc.constantFrom(...ctx.examples), generated) : generated;
  return fc.tuple(value, jsonLikeTypes).map(([value, contentType]) => ({ kind: 'json' as const, value, contentType }));
}

/** Hostile bodies, each labelled with the strategy that made it. */
export function attackBody(op: Operation, ctx: SchemaContext): fc.Arbitrary<{ body: FuzzRequest['body']; strategy: string }> {
  const schema = op.bodySchema;
  if (!schema) {
    // Body-less operations (DELETE …) given junk anyway. GET cannot carry a body at all.
    return nastyWholeBody.map((body) => ({ body, strategy: 'junk-body' }));
  }
  const generated = fromSchema(schema, ctx);
  const valid = ctx.examples?.length ? fc.oneof(fc.constantFrom(...ctx.examples), generated) : generated;
  const json = (value: unknown, contentType = JSON_TYPE): FuzzRequest['body'] => ({ kind: 'json', value, contentType });
  return fc.oneof(
    { arbitrary: mutateObject(valid, schema).map(({ value, strategy }) => ({ body: json(value), strategy })), weight: 10 },
    { arbitrary: nastyWholeBody.map((body) => ({ body, strategy: 'wrong-shape' })), weight: 3 },
    {
      arbitrary: fc.tuple(valid, wrongContentTypes).map(([v, ct]) => ({ body: { kind: 'text' as const, text: toJsonText(v), contentType: ct || null }, strategy: 'content-type' })),
      weight: 2,
    },
    {
      arbitrary: fc
        .constantFrom<FuzzRequest['body']>({ kind: 'none' }, { kind: 'text', text: '', contentType: JSON_TYPE }, { kind: 'text', text: '   ', contentType: 'text/plain' }, { kind: 'text', text: '{}', contentType: JSON_TYPE })
        .map((body) => ({ body, strategy: 'empty-body' })),
      weight: 2,
    },
    {
      // Over the 1 MiB default limit (8 MiB for payments): 413, never a crash.
      arbitrary: fc.integer({ min: 1_100_000, max: 1_300_000 }).map((n) => ({ body: json({ padding: 'x'.repeat(n) }), strategy: 'over-limit' })),
      weight: 1,
    },
  );
}

// -------------------------------------------------------------------------------- path and query

const BAD_IDS: { value: string; raw: boolean }[] = [
  'not-a-uuid',
  '123',
  '0',
  '-1',
  'null',
  'undefined',
  '00000000-0000-0000-0000-00000000000',
  '00000000-0000-0000-0000-0000000000000',
  '00000000000000000000000000000000',
  '{00000000-0000-4000-8000-000000000000}',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  "' OR '1'='1",
  '1;DROP TABLE users',
  ARABIC,
  EMOJI,
  `${RLO}id`,
  NUL,
  `${NUL}a`,
  LONE_HIGH,
  'x'.repeat(5_000),
].map((value) => ({ value, raw: false }));

const RAW_BAD_IDS: { value: string; raw: boolean }[] = ['%00', '%ZZ', '%E0%A4%A', '%ED%A0%80', '..', '..%2F..%2Fhealth', 'a%2Fb', '%20', 'a b'].map((value) => ({
  value,
  raw: true,
}));

export function validPathValue(name: string, fixtureIds: string[]): fc.Arbitrary<{ value: string; raw: boolean }> {
  const good = fixtureIds.length > 0 ? fixtureIds : ['00000000-0000-4000-8000-000000000000'];
  if (name !== 'id') return fc.constantFrom(...good).map((value) => ({ value, raw: false }));
  return fc
    .oneof(
      { arbitrary: fc.constantFrom(...good), weight: 6 },
      { arbitrary: fc.constantFrom(...good).map((id) => id.toUpperCase()), weight: 1 },
      { arbitrary: fc.uuid({ version: 4 }), weight: 1 },
      { arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'), weight: 1 },
    )
    .map((value) => ({ value, raw: false }));
}

export function badPathValue(name: string): fc.Arbitrary<{ value: string; raw: boolean }> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...BAD_IDS), weight: 3 },
    { arbitrary: fc.constantFrom(...RAW_BAD_IDS), weight: 1 },
    { arbitrary: fc.string({ minLength: 1, maxLength: name === 'token' ? 80 : 60, unit: 'grapheme' }).map((value) => ({ value, raw: false })), weight: 2 },
  );
}

const NASTY_QUERY_VALUES = ['0', '-1', '1.5', '1e3', '1e400', 'abc', '', ' ', '10000', '1000001', '99999999999999999999', 'NaN', 'Infinity', '0x10', '١', 'true', 'null', 'evil', "created_at; DROP TABLE users", 'password_hash', '__proto__', 'constructor', ARABIC, EMOJI, NUL, `a${NUL}b`, LONE_HIGH, `%${NUL}%`, '%', '_', '\\', 'x'.repeat(10_000)];

function specialQueryValues(name: string): string[] {
  if (name === 'page') return ['0', '-1', '1.5', 'abc', '1000001', '999999'];
  if (name === 'per_page') return ['0', '101', '1000', '10000', '-5', '1.0', '100'];
  if (name === 'sort') return ['evil', 'password_hash', 'created_at desc', 'id;--', 'CREATED_AT'];
  if (name === 'order') return ['sideways', 'DESC', 'asc;'];
  return [];
}

const validQueryValue = (schema: JsonSchema, name: string, ctx: SchemaContext) =>
  fromSchema(schema, ctx, name).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

function badQueryValue(schema: JsonSchema, name: string, ctx: SchemaContext): fc.Arbitrary<string> {
  // Free-text parameters (search, filters) reach SQL: give them more hostile code points.
  const freeText = schema.type === 'string' && !schema.enum && !schema.format;
  return fc.oneof(
    { arbitrary: fc.constantFrom(...NASTY_QUERY_VALUES, ...specialQueryValues(name)), weight: 4 },
    { arbitrary: fc.tuple(validQueryValue(schema, name, ctx), fc.constantFrom(...INJECTED), fc.nat(50)).map(([v, f, at]) => String(inject(v, f, at))), weight: freeText ? 5 : 2 },
    { arbitrary: fc.string({ maxLength: 30, unit: 'grapheme' }), weight: 1 },
  );
}

/** Query pairs; with `attack`, one or two parameters get hostile values (or array forms), the rest stay valid. */
export function queryArbitrary(op: Operation, ctx: SchemaContext, attack: boolean): fc.Arbitrary<[string, string][]> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const valid = fc
    .tuple(...params.map((p) => fc.option(validQueryValue(p.schema, p.name, ctx).map((v): [string, string] => [p.name, v]), { freq: 2 })))
    .map((pairs) => pairs.filter((x): x is [string, string] => x !== null));
  if (!attack) return valid;
  const unknown = fc
    .tuple(fc.constantFrom('foo', 'page[]', 'user_id', 'include_inactive', '__proto__', 'sort', ARABIC), fc.constantFrom(...NASTY_QUERY_VALUES))
    .map(([k, v]): [string, string][] => [[k, v]]);
  const attacks: { arbitrary: fc.Arbitrary<[string, string][]>; weight: number }[] = [{ arbitrary: unknown, weight: 1 }];
  for (const p of params) {
    attacks.push(
      { arbitrary: badQueryValue(p.schema, p.name, ctx).map((v): [string, string][] => [[p.name, v]]), weight: 4 },
      {
        arbitrary: fc.tuple(validQueryValue(p.schema, p.name, ctx), badQueryValue(p.schema, p.name, ctx)).map(([a, b]): [string, string][] => [[p.name, a], [p.name, b]]),
        weight: 1,
      },
      { arbitrary: validQueryValue(p.schema, p.name, ctx).map((v): [string, string][] => [[`${p.name}[]`, v], [`${p.name}[0]`, v]]), weight: 1 },
    );
  }
  return fc.tuple(valid, fc.array(fc.oneof(...attacks), { minLength: 1, maxLength: 2 })).map(([base, bad]) => {
    const badNames = new Set(bad.flat().map(([k]) => k));
    return [...base.filter(([k]) => !badNames.has(k)), ...bad.flat()];
  });
}

// ------------------------------------------------------------------------------------------ headers

const benignHeaders = fc
  .record({ 'accept-language': fc.constantFrom('ar', 'en', 'ar-SY,ar;q=0.9,en;q=0.8') }, { requiredKeys: [] })
  .map((h) => h as Record<string, string>);

const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'accept-language': fc.constantFrom('ar', 'en', 'fr', '*', 'ar;q=abc', ',,,', 'x'.repeat(2_000), ''),
      'x-request-id': fc.constantFrom('fuzz-1', 'a'.repeat(129), 'bad id with spaces', '<script>', '../../x', "'; DROP TABLE users"),
      'if-none-match': fc.constantFrom('*', 'W/"abc"', '"', 'W/', '', 'W/"x", *'),
      accept: fc.constantFrom('application/json', '*/*', 'text/html', 'application/xml', ''),
      'content-length': fc.constantFrom('0', '-1', '99999999999'),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not-an-ip', "' OR 1=1", ''),
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => !/[\u0000-\u001f\u007f-\uffff]/.test(v))));

const anonymousAuthorization = fc.option(
  fc.constantFrom('Bearer', 'Bearer ', 'Bearer x', 'Bearer a.b.c', 'Basic YWRtaW46YWRtaW4=', 'Token abc', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', 'bearer null', 'x'.repeat(8_000)),
  { freq: 2 },
);

// ------------------------------------------------------------------------------------------ requests

type Focus = 'valid' | 'body' | 'query' | 'path' | 'headers';

/**
 * One request = one focus of attack, everything else valid, so hostile input gets past the other
 * validators and reaches the handler and the database (a request wrong in three places only ever
 * exercises the first validator).
 */
export function requestArbitrary(op: Operation, ctx: SchemaContext, fixtureIdsFor: (param: string) => string[]): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const hasQuery = op.parameters.some((p) => p.in === 'query');
  const principal = fc.constantFrom<Principal>('admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'user', 'user', 'anonymous', 'anonymous', 'anonymous');
  const focuses: { arbitrary: fc.Arbitrary<Focus>; weight: number }[] = [
    { arbitrary: fc.constant<Focus>('valid'), weight: 2 },
    { arbitrary: fc.constant<Focus>('headers'), weight: 1 },
  ];
  if (op.bodySchema) focuses.push({ arbitrary: fc.constant<Focus>('body'), weight: 6 });
  else if (op.method !== 'GET') focuses.push({ arbitrary: fc.constant<Focus>('body'), weight: 1 });
  if (hasQuery) focuses.push({ arbitrary: fc.constant<Focus>('query'), weight: 4 });
  if (pathParams.length > 0) focuses.push({ arbitrary: fc.constant<Focus>('path'), weight: 3 });

  return fc.oneof(...focuses).chain((focus) => {
    const path = fc.record(
      Object.fromEntries(
        pathParams.map((p) => [p.name, focus === 'path' ? fc.oneof(badPathValue(p.name), validPathValue(p.name, fixtureIdsFor(p.name))) : validPathValue(p.name, fixtureIdsFor(p.name))]),
      ),
    ) as fc.Arbitrary<FuzzRequest['pathParams']>;
    const body = focus === 'body' ? attackBody(op, ctx) : validBody(op, ctx).map((b) => ({ body: b, strategy: focus === 'valid' ? 'valid' : `${focus}` }));
    return fc
      .record({
        principal,
        authorization: anonymousAuthorization,
        pathParams: path,
        query: queryArbitrary(op, ctx, focus === 'query'),
        headers: focus === 'headers' ? hostileHeaders : benignHeaders,
        body,
      })
      .map(({ principal, authorization, pathParams, query, headers, body }) => ({
        principal,
        ...(principal === 'anonymous' && authorization !== null ? { authorization } : {}),
        pathParams,
        query,
        headers,
        body: body.body,
        strategy: body.strategy,
      }));
  });
}

// -------------------------------------------------------------------------------------- describing

function shorten(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length <= 120) return value;
    const head = value.slice(0, 24);
    return `<${value.length} chars starting ${JSON.stringify(head)}>`;
  }
  if (value instanceof RawJson) return `<raw ${value.text}>`;
  if (Array.isArray(value)) return value.length > 10 ? `<array of ${value.length}: ${JSON.stringify(value.slice(0, 3))}…>` : value.map(shorten);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).map((k) => [k, shorten((value as Record<string, unknown>)[k])]));
  return value;
}

/** A readable, bounded description of a request (huge strings summarized) for failure reports. */
export function describeRequest(method: string, url: string, request: FuzzRequest): string {
  const body =
    request.body.kind === 'none'
      ? '(no body)'
      : request.body.kind === 'json'
        ? `${request.body.contentType}: ${JSON.stringify(shorten(request.body.value))}`
        : `${request.body.contentType ?? '(no content-type)'}: ${JSON.stringify(shorten(request.body.text))}`;
  const shortUrl = url.length > 300 ? `${url.slice(0, 300)}…(${url.length} chars)` : url;
  const auth = request.principal === 'anonymous' ? `anonymous${request.authorization ? ` (Authorization: ${String(shorten(request.authorization))})` : ''}` : request.principal;
  return `${method} ${shortUrl} as ${auth}; headers ${JSON.stringify(shorten(request.headers))}; body ${body}`;
}
