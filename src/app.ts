/**
 * createApp(): the one Hono app, readable top to bottom — middleware order, route groups, errors.
 * The same app runs on Workers (src/index.ts), on Node (src/node.ts) and in tests (app.request).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from './errors.js';
import { appContext, languageContext } from './http/context.js';
import { LOCAL_SCALAR_PATH, serveDocsPage, serveScalarBundle } from './http/docs-page.js';
import { notFound, onError } from './http/error-handler.js';
import { requestLogger } from './http/logger.js';
import { requestLogRecorder } from './http/request-log.js';
import { describe } from './http/route-meta.js';
import { activityFeedRoutes } from './routes/activity-feed.js';
import { analysesRoutes } from './routes/analyses.js';
import { authRoutes } from './routes/auth.js';
import { chatConversationsRoutes } from './routes/chat-conversations.js';
import { emailTemplatesRoutes } from './routes/email-templates.js';
import { notificationsRoutes } from './routes/notifications.js';
import { reportSharesRoutes } from './routes/report-shares.js';
import { APP_VERSION, healthRoutes } from './routes/system.js';
import { aiAnalysesRoutes } from './routes/ai-analyses.js';
import { aiRoutes } from './routes/ai.js';
import { competitorRoutes } from './routes/competitors.js';
import { auditLogRoutes } from './routes/audit-logs.js';
import { creditPackageRoutes } from './routes/credit-packages.js';
import { currencyRoutes } from './routes/currencies.js';
import { ngoRoutes } from './routes/ngo.js';
import { voucherRedemptionRoutes } from './routes/voucher-redemptions.js';
import { discountCodeRoutes } from './routes/discount-codes.js';
import { paymentMethodRoutes } from './routes/payment-methods.js';
import { paymentRoutes } from './routes/payments.js';
import { referralRoutes } from './routes/referrals.js';
import { roleRoutes } from './routes/roles.js';
import { publicSettingRoutes, systemSettingRoutes } from './routes/settings.js';
import { transactionRoutes } from './routes/transactions.js';
import { userRoutes } from './routes/users.js';
import { contactMessageRoutes, contactRoutes } from './routes/contact.js';
import { landingStatsRoutes } from './routes/landing-stats.js';
import { requestLogRoutes } from './routes/request-logs.js';
import { partnerRoutes, socialMediaRoutes } from './routes/site-content.js';
import { dispatchQueuedMail } from './email/delivery.js';
import { accountEmailRoutes } from './routes/account-email.js';
import { emailOutboxRoutes, emailTemplateSendRoutes, userEmailRoutes } from './routes/email-outbox.js';
import type { AppEnv } from './types.js';

const MiB = 1024 * 1024;
const DEFAULT_BODY_LIMIT = 1 * MiB;
/** Routes that take more than the default (SPEC §1: payment creation carries an image proof). */
const BODY_LIMIT_OVERRIDES: Record<string, number> = { 'POST /api/payments': 8 * MiB };

/** An incoming X-Request-Id is echoed only when it looks like an id; anything else is replaced. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Headers known before the handler runs are set BEFORE `next()`: they then go into the Response the
 * handler (or onError / notFound) creates. Set after it, `c.header()` rebuilds the finished Response
 * around its body stream, which on Node turns @hono/node-server's direct string write into a stream
 * copy (measured: about a third of a cached catalog read's time).
 */
const requestId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const id = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : crypto.randomUUID();
  c.set('requestId', id);
  c.header('X-Request-Id', id);
  await next();
};

/** Built once per size (not per request); the route decides which one applies. */
const bodyLimits = new Map<number, MiddlewareHandler<AppEnv>>();
function bodyLimitOf(maxSize: number): MiddlewareHandler<AppEnv> {
  let limiter = bodyLimits.get(maxSize);
  if (!limiter) {
    limiter = bodyLimit({
      maxSize,
      onError: (c) => {
        // Answered before the body was read: the unread rest would be parsed as the next request on a
        // keep-alive connection, so this answer closes it (Node honours it; Workers drop the header).
        c.header('Connection', 'close');
        throw new AppError('PAYLOAD_TOO_LARGE');
      },
    });
    bodyLimits.set(maxSize, limiter);
  }
  return limiter;
}

/** Methods whose body no route reads: not inspected (on Node, looking at it builds a full Request). */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const limitBodySize: MiddlewareHandler<AppEnv> = (c, next) =>
  BODYLESS_METHODS.has(c.req.method)
    ? next()
    : bodyLimitOf(BODY_LIMIT_OVERRIDES[`${c.req.method} ${c.req.path}`] ?? DEFAULT_BODY_LIMIT)(c, next);

/** CORS from CORS_ORIGINS (read per request from the parsed config; the middleware is built once). */
const corsMiddleware: MiddlewareHandler<AppEnv> = cors({
  origin: (origin, c: Context<AppEnv>) => {
    const allowed = c.var.config.corsOrigins;
    if (allowed === '*') return '*';
    return allowed.includes(origin) ? origin : null;
  },
  allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type', 'Accept', 'Accept-Language', 'If-None-Match', 'X-Request-Id'],
  exposeHeaders: ['X-Request-Id', 'Retry-After', 'ETag', 'Content-Language'],
  maxAge: 600,
});

/**
 * hono's CORS for requests that carry an `Origin` (browsers' cross-origin requests and preflights).
 * Without one there is nothing to allow — CORS headers only speak to browsers — so the request skips it
 * and gets just `Vary: Origin` (a shared cache must not hand this response to a cross-origin page). hono's
 * middleware sets headers around the finished Response, which costs every request a rebuilt Response
 * (see requestId); server-to-server callers and same-origin navigations no longer pay for that.
 */
const corsFromConfig: MiddlewareHandler<AppEnv> = (c, next) => {
  if (c.req.header('origin') !== undefined) return corsMiddleware(c, next);
  c.header('Vary', 'Origin', { append: true });
  return next();
};

const securityHeaders = secureHeaders();

export interface AppOptions {
  /**
   * Builds `GET /api/openapi.json` from the app's own routes: `buildOpenApiDocument` (src/http/openapi.ts),
   * passed by the Node entry and the tests. The Worker passes none: it is deployed with the document as a
   * static asset generated at build time (scripts/build-worker-assets.ts, wrangler.toml `[assets]`), which
   * Cloudflare serves before the Worker runs. So neither the builder nor the reference prose
   * (src/http/operation-docs.ts) is in the Worker bundle (issue 10 §2).
   */
  openApiDocument?: (app: Hono<any, any, any>, info: { version: string }) => unknown;
}

export function createApp(options: AppOptions = {}) {
  const app = new Hono<AppEnv>();

  app.use('*', requestId);
  app.use('*', languageContext);
  app.use('*', requestLogger);
  app.use('*', requestLogRecorder);
  app.use('*', securityHeaders);
  app.use('*', appContext);
  app.use('*', corsFromConfig);
  app.use('*', limitBodySize);
  app.use('*', dispatchQueuedMail);

  // Route groups. Each module is a chained Hono router; keep one line per group.
  const api = new Hono<AppEnv>()
    .route('/', healthRoutes)
    .route('/auth', authRoutes)
    // ── economy (credits, money, administration) ──
    .route('/transactions', transactionRoutes)
    .route('/users', userRoutes)
    .route('/credit-packages', creditPackageRoutes)
    .route('/payment-methods', paymentMethodRoutes)
    .route('/payments', paymentRoutes)
    .route('/currencies', currencyRoutes)
    .route('/ngo', ngoRoutes)
    .route('/analyses', voucherRedemptionRoutes)
    .route('/discount-codes', discountCodeRoutes)
    .route('/referrals', referralRoutes)
    .route('/system-settings', systemSettingRoutes)
    .route('/settings', publicSettingRoutes)
    .route('/roles', roleRoutes)
    .route('/audit-logs', auditLogRoutes)
    // ── content (analyses, shares, notifications, conversations, templates) ──
    .route('/analyses', analysesRoutes)
    .route('/report-shares', reportSharesRoutes)
    .route('/notifications', notificationsRoutes)
    .route('/activity-feed', activityFeedRoutes)
    .route('/chat-conversations', chatConversationsRoutes)
    .route('/email-templates', emailTemplatesRoutes)
    // ── ai ──
    .route('/ai', aiRoutes)
    .route('/analyses', aiAnalysesRoutes)
    // ── public site and support desk ──
    .route('/contact', contactRoutes)
    .route('/contact-messages', contactMessageRoutes)
    .route('/partners', partnerRoutes)
    .route('/social-media', socialMediaRoutes)
    .route('/landing-stats', landingStatsRoutes)
    .route('/api-request-logs', requestLogRoutes)
    .route('/competitors', competitorRoutes)
    // ── email (SPEC-WAVE2 §11) ──
    .route('/auth', accountEmailRoutes)
    .route('/users', userEmailRoutes)
    .route('/email-outbox', emailOutboxRoutes)
    .route('/email-templates', emailTemplateSendRoutes)
    ;

  // `routed` is the same app, typed with every route: what a typed hono/client (`hc<AppType>`) needs.
  const routed = app.route('/api', api);

  const buildDocument = options.openApiDocument;
  let openApiDocument: unknown;
  app.get(
    '/api/openapi.json',
    describe({ operationId: 'getOpenApiDocument', summary: 'This OpenAPI 3.1 document', tags: ['system'], responseKind: 'raw' }),
    (c) => {
      if (!buildDocument) throw new AppError('NOT_FOUND');
      return c.json((openApiDocument ??= buildDocument(app, { version: APP_VERSION })));
    },
  );
  app.get(
    '/api/docs',
    describe({ operationId: 'getDocs', summary: 'Interactive API reference (HTML)', tags: ['system'], responseKind: 'html' }),
    serveDocsPage,
  );
  app.get(
    LOCAL_SCALAR_PATH,
    describe({
      operationId: 'getDocsScript',
      summary: 'The API reference script (JavaScript)',
      tags: ['system'],
      responseKind: 'raw',
      errors: ['NOT_FOUND'],
    }),
    serveScalarBundle,
  );

  app.onError(onError);
  app.notFound(notFound);
  return routed;
}

export type App = ReturnType<typeof createApp>;
/** For typed clients: `hc<AppType>('https://api.planlyze.com')`. */
export type AppType = App;
