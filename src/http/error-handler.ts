/**
 * The single `onError` (three tiers, CONVENTIONS §4) and `notFound`, both rendering the SPEC §1 error
 * envelope. Unknown errors are logged with the request id and answered generically: no stack, no SQL.
 */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConfigError } from '../config.js';
import { isDatabaseUnavailable, isOutOfRange } from '../db/errors.js';
import { AppError, ERROR_STATUS, type ErrorCode, type ValidationIssue } from '../errors.js';
import { pickLanguage, translate } from '../i18n/messages.js';
import type { AppEnv } from '../types.js';
import { nowIso, type ErrorBody } from './envelope.js';
import { log } from './logger.js';

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_ERROR',
  401: 'AUTHENTICATION_ERROR',
  403: 'AUTHORIZATION_ERROR',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

function codeForHttpException(error: HTTPException): ErrorCode {
  if (error.status === 400 && /malformed json/i.test(error.message)) return 'MALFORMED_JSON';
  return HTTP_STATUS_CODES[error.status] ?? (error.status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR');
}

/** Turns anything thrown into an AppError; the bool says whether it was expected. */
export function toAppError(error: unknown): { appError: AppError; expected: boolean } {
  if (error instanceof AppError) return { appError: error, expected: true };
  if (error instanceof HTTPException) {
    const headers = Object.fromEntries(error.getResponse().headers.entries());
    delete headers['content-type'];
    return { appError: new AppError(codeForHttpException(error), { headers }), expected: true };
  }
  if (error instanceof ConfigError) return { appError: new AppError('MISCONFIGURED'), expected: false };
  if (isDatabaseUnavailable(error)) return { appError: new AppError('SERVICE_UNAVAILABLE'), expected: false };
  // The last line behind the bounds of request schemas and MAX_BALANCE: a sum no rule foresaw that
  // leaves a column's range is the request's fault (409), not a server error. Logged all the same.
  if (isOutOfRange(error)) {
    return { appError: new AppError('INVALID_STATE', { message: 'state.value_out_of_range', details: { reason: 'value_out_of_range' } }), expected: false };
  }
  return { appError: new AppError('INTERNAL_ERROR'), expected: false };
}

export function errorBody(c: Context<AppEnv>, error: AppError): ErrorBody {
  const lang = c.var.lang ?? pickLanguage(c.req.header('accept-language'));
  const message = translate(error.messageKey, lang, error.params);
  let details = error.details;
  if (details && Array.isArray(details.issues)) {
    // Issues raised by route rules (fieldError) carry no text of their own: give them the error's.
    const issues = (details.issues as ValidationIssue[]).map((i) => (i.message ? i : { ...i, message }));
    details = { ...details, issues };
  }
  return {
    success: false,
    error: message,
    error_code: error.code,
    status_code: ERROR_STATUS[error.code],
    ...(details ? { details } : {}),
    request_id: c.var.requestId ?? c.res.headers.get('x-request-id') ?? '',
    timestamp: nowIso(),
  };
}

export function renderError(c: Context<AppEnv>, error: AppError): Response {
  const response = c.json(errorBody(c, error), error.status as ContentfulStatusCode);
  for (const [name, value] of Object.entries(error.headers ?? {})) response.headers.set(name, value);
  return response;
}

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const { appError, expected } = toAppError(error);
  if (!expected) {
    const fields =
      error instanceof ConfigError
        ? { problems: error.problems }
        : { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) };
    log('error', 'unhandled error', { request_id: c.var.requestId, code: appError.code, ...fields }, c.var.config?.logLevel);
  }
  return renderError(c, appError);
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  renderError(
    c,
    new AppError('NOT_FOUND', { message: 'http.route_not_found', params: { method: c.req.method, path: c.req.path } }),
  );
