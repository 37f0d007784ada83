/**
 * The one validation wrapper around @hono/zod-validator (CONVENTIONS §5). Every failure becomes a
 * 400 VALIDATION_ERROR whose `details.issues` names every bad field as `{path, message, code}`,
 * in the caller's language. JSON bodies also get: 415 for a non-JSON content type, MALFORMED_JSON for
 * unparsable text, and an empty body treated as `{}` (so body-less actions accept nothing or `{}`).
 */
import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import * as z from 'zod';
import { AppError, type ValidationIssue } from '../errors.js';
import type { Lang } from '../i18n/messages.js';
import { arabicZodErrors } from '../i18n/zod-arabic.js';
import type { AppEnv } from '../types.js';
import { withMeta, type ValidationTarget } from './route-meta.js';

/**
 * Text PostgreSQL cannot store: NUL, and UTF-16 halves without their pair (they have no UTF-8 form).
 * Refused at the edge as a 400 naming the field, instead of failing inside the database as a 500.
 */
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). They reorder
 * what a reader sees ("Trojan Source"): a name holding them can make an admin list show something other
 * than what is stored. Arabic and mixed text needs none of them (the marks U+200E/U+200F stay allowed).
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

function textIssue(path: string[], value: string, what: 'value' | 'field name'): ValidationIssue | undefined {
  const prefix = what === 'value' ? '' : 'the field name ';
  if (UNSTORABLE_TEXT.test(value)) {
    return { path: path.join('.'), code: 'invalid_characters', message: `${prefix}contains characters that cannot be stored (NUL or an unpaired surrogate)` };
  }
  if (BIDI_CONTROLS.test(value)) {
    return { path: path.join('.'), code: 'bidi_control', message: `${prefix}contains bidirectional control characters (U+202A–U+202E, U+2066–U+2069)` };
  }
  return undefined;
}

/** Request bodies deeper than this are refused (no schema of this API nests more than a few levels). */
const MAX_DEPTH = 32;

/** Text refused anywhere in a body, query or path. Walks a parsed value without recursion (a hostile body may nest thousands of levels). */
function unstorableTextIssues(root: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const stack: { value: unknown; path: string[] }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const issue = textIssue(path, value, 'value');
      if (issue) issues.push(issue);
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (path.length >= MAX_DEPTH) {
      issues.push({ path: path.join('.'), code: 'too_deep', message: `nested more than ${MAX_DEPTH} levels` });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const issue = Array.isArray(value) ? undefined : textIssue([...path, key], key, 'field name');
      if (issue) issues.push(issue);
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return issues.slice(0, 100);
}

function assertStorableText(value: unknown, target: ValidationTarget): void {
  const issues = unstorableTextIssues(value);
  if (issues.length > 0) throw new AppError('VALIDATION_ERROR', { details: { target, issues } });
}
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * JSON is UTF-8 (RFC 8259 §8.1) and the body is decoded as UTF-8: a declared charset other than utf-8
 * would be silently misread, so it is refused like any other unsupported media type.
 */
function declaresOtherCharset(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
  return charset !== undefined && !/^utf-?8$/i.test(charset);
}

export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      // One issue per unknown field, each named by its own path (strict schemas, SPEC §1).
      return issue.keys.map((key) => ({
        path: [...base, key].join('.'),
        message: issue.message,
        code: 'unrecognized_key',
      }));
    }
    return [{ path: base.join('.'), message: issue.message, code: issue.code }];
  });
}

export function validationError(error: z.ZodError, target: ValidationTarget | 'body') {
  return new AppError('VALIDATION_ERROR', { details: { target, issues: toIssues(error) } });
}

function localized(schema: z.ZodType, value: unknown, lang: Lang, fallback: z.ZodError): z.ZodError {
  if (lang !== 'ar') return fallback;
  const again = schema.safeParse(value, { error: arabicZodErrors });
  return again.success ? fallback : again.error;
}

function zodValidator<T extends z.ZodType, Target extends ValidationTarget>(target: Target, schema: T) {
  return zValidator(target, schema, (result, c) => {
    if (!result.success) {
      const lang = (c as unknown as Context<AppEnv>).var.lang;
      throw validationError(localized(schema, result.data, lang, result.error as unknown as z.ZodError), target);
    }
  });
}

async function readJsonBody(c: Context<AppEnv>): Promise<void> {
  const text = await c.req.text();
  if (text.trim() === '') {
    // Hono re-reads the cached text for json(); make an empty body parse as {}.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve('{}');
    return;
  }
  const contentType = c.req.header('content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType) || declaresOtherCharset(contentType)) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AppError('MALFORMED_JSON');
  }
  assertStorableText(parsed, 'json');
}

export interface BodyOptions {
  /**
   * Runs before a refused body (415, malformed JSON, validation) is answered — e.g. to count the attempt
   * against a rate limit. It may throw an error of its own (a 429) instead.
   */
  onRefused?: (c: Context<AppEnv>) => Promise<void>;
}

/** Validates the JSON body. The schema should be strict (unknown fields → 400). */
export function body<T extends z.ZodType>(schema: T, options: BodyOptions = {}) {
  const inner = zodValidator('json', schema);
  const handler = (async (c: Context<AppEnv>, next: () => Promise<void>) => {
    let accepted = false;
    const proceed = () => {
      accepted = true;
      return next();
    };
    try {
      await readJsonBody(c);
      // zValidator only parses bodies declared as JSON; an empty body may come with any content type.
      if (!JSON_MEDIA_TYPE.test((c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '')) {
        const parsed = await schema.safeParseAsync({});
        if (!parsed.success) throw validationError(localized(schema, {}, c.var.lang, parsed.error), 'json');
        c.req.addValidatedData('json', parsed.data as object);
        return await proceed();
      }
      return await inner(c as never, proceed);
    } catch (error) {
      // Only the body's own refusal; errors of the handlers after it are theirs.
      if (!accepted && options.onRefused) await options.onRefused(c);
      throw error;
    }
  }) as unknown as typeof inner;
  return withMeta(handler, { kind: 'validator', target: 'json', schema });
}

/** Query and path values are checked for unstorable text before zod sees them. */
function withTextCheck<H extends (c: Context<AppEnv>, next: () => Promise<void>) => unknown>(
  target: 'query' | 'param',
  inner: H,
): H {
  return (async (c: Context<AppEnv>, next: () => Promise<void>) => {
    // Same shape as the validator sees: a repeated query key is an array, a single one a string.
    const value =
      target === 'query'
        ? Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]))
        : c.req.param();
    assertStorableText(value, target);
    return inner(c, next);
  }) as unknown as H;
}

export function query<T extends z.ZodType>(schema: T) {
  return withMeta(withTextCheck('query', zodValidator('query', schema) as never) as ReturnType<typeof zodValidator<T, 'query'>>, {
    kind: 'validator',
    target: 'query',
    schema,
  });
}

export function params<T extends z.ZodType>(schema: T) {
  return withMeta(withTextCheck('param', zodValidator('param', schema) as never) as ReturnType<typeof zodValidator<T, 'param'>>, {
    kind: 'validator',
    target: 'param',
    schema,
  });
}

/** For body-less actions (logout, approve, …): accepts no body or `{}`, refuses anything else. */
export const emptyBody = () => body(z.strictObject({}));

export const IdParam = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
/** `:id` must be a UUID → 400 naming `id` (SPEC §10). */
export const idParam = () => params(IdParam);

export type { MiddlewareHandler };
