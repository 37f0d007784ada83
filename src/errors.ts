/**
 * One error class and one table: every error code has exactly one HTTP status (SPEC §1).
 * Routes throw `AppError`; the root `onError` renders it. Messages come from the i18n catalog,
 * so the code never changes with the language.
 */
import type { MessageKey } from './i18n/messages.js';

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  MALFORMED_JSON: 400,
  AUTHENTICATION_ERROR: 401,
  TOKEN_EXPIRED: 401,
  AUTHORIZATION_ERROR: 403,
  EMAIL_NOT_VERIFIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_STATE: 409,
  INSUFFICIENT_CREDITS: 402,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  AI_UNAVAILABLE: 503,
  AI_UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  MISCONFIGURED: 500,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface ValidationIssue {
  path: string;
  message: string;
  code: string;
}

export interface AppErrorOptions {
  /** Catalog key of the human message; defaults to the error code's generic message. */
  message?: MessageKey;
  /** Values interpolated into the message (`{name}` placeholders). */
  params?: Record<string, string | number>;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly messageKey: MessageKey;
  readonly params: Record<string, string | number> | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? code, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.messageKey = options.message ?? code;
    this.params = options.params;
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** A 400 naming one field, for rules that a request schema cannot express (e.g. "unknown referral code"). */
export function fieldError(path: string, code: string, message: MessageKey, details: Record<string, unknown> = {}) {
  return new AppError('VALIDATION_ERROR', {
    message,
    details: { ...details, issues: [{ path, code, message: '' }] satisfies ValidationIssue[] },
  });
}

export const notFound = (message: MessageKey = 'NOT_FOUND') => new AppError('NOT_FOUND', { message });
