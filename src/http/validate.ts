/**
 * The one validation wrapper around @hono/zod-validator (CONVENTIONS §5). Every failure becomes a
 * 400 VALIDATION_ERROR whose `details.issues` names every bad field as `{path, message, code}`,
 * in the caller's language. JSON bodies also get: 415 for a non-JSON content type, MALFORMED_JSON for
 * unparsable text, and an empty body treated as `{}` (so body-less actions accept nothing or `{}`).
 */
import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ar as arabicLocale } from 'zod/locales';
import { AppError, type ValidationIssue } from '../errors.js';
import type { Lang } from '../i18n/messages.js';
import type { AppEnv } from '../types.js';
import { withMeta, type ValidationTarget } from './route-meta.js';

const arabicErrors = arabicLocale().localeError;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

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
  const again = schema.safeParse(value, { error: arabicErrors });
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
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (!JSON_MEDIA_TYPE.test(mediaType)) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  try {
    JSON.parse(text);
  } catch {
    throw new AppError('MALFORMED_JSON');
  }
}

/** Validates the JSON body. The schema should be strict (unknown fields → 400). */
export function body<T extends z.ZodType>(schema: T) {
  const inner = zodValidator('json', schema);
  const handler = (async (c: Context<AppEnv>, next: () => Promise<void>) => {
    await readJsonBody(c);
    // zValidator only parses bodies declared as JSON; an empty body may come with any content type.
    if (!JSON_MEDIA_TYPE.test((c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '')) {
      const parsed = await schema.safeParseAsync({});
      if (!parsed.success) throw validationError(localized(schema, {}, c.var.lang, parsed.error), 'json');
      c.req.addValidatedData('json', parsed.data as object);
      return next();
    }
    return inner(c as never, next);
  }) as unknown as typeof inner;
  return withMeta(handler, { kind: 'validator', target: 'json', schema });
}

export function query<T extends z.ZodType>(schema: T) {
  return withMeta(zodValidator('query', schema), { kind: 'validator', target: 'query', schema });
}

export function params<T extends z.ZodType>(schema: T) {
  return withMeta(zodValidator('param', schema), { kind: 'validator', target: 'param', schema });
}

/** For body-less actions (logout, approve, …): accepts no body or `{}`, refuses anything else. */
export const emptyBody = () => body(z.strictObject({}));

export const IdParam = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
/** `:id` must be a UUID → 400 naming `id` (SPEC §10). */
export const idParam = () => params(IdParam);

export type { MiddlewareHandler };
