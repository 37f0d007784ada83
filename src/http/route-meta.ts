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

/**
 * The document's tags: every operation names at least one, and each is declared at the top level of
 * the document with this description (only the tags some operation uses are emitted).
 */
export const TAGS = {
  system: 'The API index, health check, this document and the interactive reference.',
  auth: 'Accounts and sessions: register, sign in, the signed-in user, password, sign out.',
  analyses: 'Business ideas and their feasibility reports: create, list, read, edit, delete.',
  ai: 'AI work: generating report sections, the assistant, idea checks and direct model calls.',
  'report-shares': 'Public read-only links to a completed report, and the view behind them.',
  credits: 'The credit ledger: balances move only through ledger entries.',
  'credit-packages': 'The catalog of credit packages for sale (public read, admin write).',
  'payment-methods': 'How buyers can pay (public read, admin write).',
  payments: 'Manual payments: a buyer submits proof, an admin approves (credits booked) or rejects.',
  'discount-codes': 'Discount codes: validation by buyers, management by admins.',
  referrals: 'Referral codes and the rewards they earn.',
  notifications: "In-app notifications: the user's own, and admin sends.",
  'activity-feed': "The signed-in user's own event history.",
  'chat-conversations': 'Conversations with the assistant and their messages.',
  settings: 'System settings (admin) and the public subset (costs and bonuses).',
  users: 'User administration.',
  roles: 'Roles and their permissions.',
  'audit-logs': 'The record of every admin action.',
  'email-templates': 'Email templates (English and Arabic) and their previews.',
  competitors: 'The curated competitor catalog that grounds the market research.',
  contact: 'The public contact form and the support inbox behind it.',
  'site-content': 'Public site content: partners, social links and landing statistics.',
  'request-logs': 'The record of API requests kept for support and operations.',
  currencies: 'Currencies users pay in, with their exchange rates (public read, admin write).',
  ngo: 'The NGO programme: organisation requests, vouchers, and the reports they sponsor.',
  'email-outbox': 'Transactional email: the outbox of queued, sent and failed mails, and its administration.',
} as const;

export type Tag = keyof typeof TAGS;

export interface DescribeMeta {
  kind: 'describe';
  /**
   * The operation's stable name in the document and in generated clients: camelCase, unique, a verb a
   * person would write (`login`, `listAnalyses`, `approvePayment`). Renaming one breaks clients.
   */
  operationId: string;
  summary: string;
  // What the operation does, its rules and limits: src/http/operation-docs.ts, under the operationId
  // (kept out of the routes so the Worker bundle carries no reference prose).
  tags: readonly Tag[];
  /** Success status and the schema of `data` (or of the list items when paginated). */
  status?: 200 | 201;
  response?: z.ZodType;
  responseKind?: ResponseKind;
  /** Schema of a paginated list's extra `meta` object. */
  meta?: z.ZodType;
  /** Error codes this route can answer besides the ones its guards and validators imply. */
  errors?: ErrorCode[];
  /**
   * A public catalog read: weak ETag, `Cache-Control: public, max-age=60`, and `304 Not Modified` for a
   * matching `If-None-Match` (SPEC §10).
   */
  etag?: true;
  /** Allowed `sort` columns for lists (besides created_at, updated_at). */
  sort?: string[];
  /**
   * `Accept: text/event-stream` variant of the success response, next to the JSON one: the events by
   * name, each with the schema of its `data` (named schemas, so clients get types for them).
   */
  sse?: { description: string; events: Record<string, z.ZodType> };
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
