/**
 * Route metadata for the OpenAPI document. Middlewares that matter to the contract (validators,
 * auth guards, `describe`) carry a symbol-keyed record; `openapi.ts` walks `app.routes`, reads the
 * records of each route's handlers and builds the document. So the document is generated from the
 * very schemas and guards that run, and a route without `describe(...)` is detected by a test.
 */
import type { MiddlewareHandler } from 'hono';
import type * as z from 'zod';
import type { ErrorCode } from '../errors.js';
import type { Permission } from '../auth/permissions.js';

export const ROUTE_META = Symbol.for('planlyze.routeMeta');

export type ValidationTarget = 'json' | 'query' | 'param';

export type ResponseKind = 'json' | 'paginated' | 'raw' | 'sse' | 'html';

export interface DescribeMeta {
  kind: 'describe';
  summary: string;
  description?: string;
  tags: string[];
  /** Success status and the schema of `data` (or of the list items when paginated). */
  status?: 200 | 201;
  response?: z.ZodType;
  responseKind?: ResponseKind;
  /** Schema of a paginated list's extra `meta` object. */
  meta?: z.ZodType;
  /** Error codes this route can answer besides the ones its guards and validators imply. */
  errors?: ErrorCode[];
  /** Allowed `sort` columns for lists (besides created_at, updated_at). */
  sort?: string[];
  /** Non-JSON success response (SSE streams alongside the JSON variant). */
  sse?: { description: string };
}

export interface ValidatorMeta {
  kind: 'validator';
  target: ValidationTarget;
  schema: z.ZodType;
}

export interface AuthMeta {
  kind: 'auth';
  permissions: Permission[];
  /** true when the guard accepts any of the permissions (e.g. GET /roles). */
  anyOf?: boolean;
  /** true when the guard also requires a verified email (403 EMAIL_NOT_VERIFIED). */
  verifiedEmail?: boolean;
}

export type RouteMeta = DescribeMeta | ValidatorMeta | AuthMeta;

export function withMeta<H extends MiddlewareHandler<any, any, any>>(handler: H, meta: RouteMeta): H {
  Object.defineProperty(handler, ROUTE_META, { value: meta, enumerable: false });
  return handler;
}

export function readMeta(handler: unknown): RouteMeta | undefined {
  if (typeof handler !== 'function') return undefined;
  return (handler as unknown as Record<symbol, RouteMeta | undefined>)[ROUTE_META];
}

/** Documents a route. It does nothing at run time. */
export function describe(meta: Omit<DescribeMeta, 'kind'>): MiddlewareHandler {
  const passThrough: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  return withMeta(passThrough, { kind: 'describe', ...meta });
}
