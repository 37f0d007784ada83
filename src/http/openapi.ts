/**
 * Builds the OpenAPI 3.1 document from the app's own routes: the validators' zod schemas (requests),
 * `describe(...)` (responses, errors) and the auth guards (security, 401/403). Nothing is listed by hand.
 */
import type { Hono } from 'hono';
import * as z from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { ComponentSchemas, type JsonSchema } from './openapi-components.js';
import { OPERATION_DESCRIPTIONS } from './operation-docs.js';
import { readMeta, TAGS, type AuthMeta, type DescribeMeta, type Tag, type ValidatorMeta } from './route-meta.js';

export interface DocumentedRoute {
  method: string;
  path: string;
  describe: DescribeMeta | undefined;
  validators: ValidatorMeta[];
  auth: AuthMeta | undefined;
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Groups `app.routes` (one entry per handler) into one record per method + path. */
export function collectRoutes(app: Hono<any, any, any>): DocumentedRoute[] {
  const byKey = new Map<string, DocumentedRoute>();
  for (const route of app.routes) {
    if (!HTTP_METHODS.has(route.method)) continue;
    const key = `${route.method} ${route.path}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { method: route.method, path: route.path, describe: undefined, validators: [], auth: undefined };
      byKey.set(key, entry);
    }
    const meta = readMeta(route.handler);
    if (meta?.kind === 'describe') entry.describe = meta;
    else if (meta?.kind === 'validator') entry.validators.push(meta);
    else if (meta?.kind === 'auth') entry.auth = meta;
  }
  return [...byKey.values()];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/** The operationId of a route whose `describe` has none yet (a test lists them): method + path. */
export function fallbackOperationId(method: string, path: string): string {
  return `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`;
}

function successEnvelope(components: ComponentSchemas, describe: DescribeMeta | undefined): JsonSchema {
  const data = describe?.response ? components.schemaOf(describe.response, 'output') : {};
  if (describe?.responseKind === 'paginated') {
    return {
      type: 'object',
      required: ['success', 'message', 'data', 'pagination', 'timestamp'],
      properties: {
        success: { const: true },
        message: { type: 'string' },
        data: { type: 'array', items: data },
        pagination: ref('Pagination'),
        ...(describe.meta ? { meta: components.schemaOf(describe.meta, 'output') } : {}),
        timestamp: { type: 'string', format: 'date-time' },
      },
    };
  }
  return {
    type: 'object',
    required: ['success', 'message', 'data', 'timestamp'],
    properties: {
      success: { const: true },
      message: { type: 'string' },
      data,
      timestamp: { type: 'string', format: 'date-time' },
    },
  };
}

function errorCodesOf(route: DocumentedRoute): ErrorCode[] {
  const codes = new Set<ErrorCode>(route.describe?.errors ?? []);
  if (route.validators.length > 0) codes.add('VALIDATION_ERROR');
  if (route.validators.some((v) => v.target === 'json')) {
    codes.add('MALFORMED_JSON');
    codes.add('UNSUPPORTED_MEDIA_TYPE');
    codes.add('PAYLOAD_TOO_LARGE');
  }
  if (route.auth) {
    codes.add('AUTHENTICATION_ERROR');
    codes.add('TOKEN_EXPIRED');
    if (route.auth.permissions.length > 0) codes.add('AUTHORIZATION_ERROR');
    if (route.auth.verifiedEmail) codes.add('EMAIL_NOT_VERIFIED');
  }
  codes.add('SERVICE_UNAVAILABLE');
  codes.add('INTERNAL_ERROR');
  return [...codes];
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in',
  402: 'Not enough credits',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Too many requests',
  500: 'Server error',
  502: 'The AI provider failed',
  503: 'Unavailable',
};

const pascalCode = (code: string) => code.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _sep, ch: string) => ch.toUpperCase());

/**
 * Error answers, one shared `components.responses` entry per status and set of codes (named after the
 * codes: `NotFound`, `ValidationErrorOrMalformedJson`), referenced by every operation that can give it.
 */
function errorResponses(responses: Record<string, unknown>, codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, unsorted]) => {
        const list = [...unsorted].sort();
        const name = list.map(pascalCode).join('Or');
        responses[name] ??= {
          description: `${STATUS_TEXT[status] ?? 'Error'}: ${list.join(' | ')}`,
          ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } } } : {}),
          content: {
            'application/json': {
              schema: {
                allOf: [ref('ErrorEnvelope')],
                properties: { error_code: { enum: list }, status_code: { const: status } },
              },
            },
          },
        };
        return [String(status), { $ref: `#/components/responses/${name}` }];
      }),
  );
}

/** What a parameter means when its schema does not say: these names mean the same on every route. */
const PARAMETER_TEXT: Record<string, string> = {
  id: 'The id (UUID) of the object.',
  key: 'The setting key.',
  token: 'The share token from the link.',
  page: 'The page number, from 1. Past the last page: an empty `data`.',
  sort: 'The column to sort by.',
  status: 'Only items in this status.',
  is_active: 'Only active (`true`) or inactive (`false`) items.',
  report_type: 'Only reports of this tier.',
  user_id: "Only this user's items (another user's need the permission named in the description).",
  analysis_id: 'Only items about this analysis.',
  type: 'Only entries of this type.',
  actor_id: 'Only actions by this user.',
  entity_type: 'Only actions on this kind of object.',
  entity_id: 'Only actions on this object.',
  industry: 'Only analyses in this industry.',
  q: 'Search text.',
};

function parameters(components: ComponentSchemas, validators: ValidatorMeta[], describe: DescribeMeta | undefined): unknown[] {
  const out: unknown[] = [];
  for (const v of validators) {
    if (v.target === 'json') continue;
    const schema = components.schemaOf(v.schema, 'input');
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema.required ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      const { description, ...rest } = prop;
      out.push({
        name,
        in: v.target === 'param' ? 'path' : 'query',
        required: v.target === 'param' || required.has(name),
        ...(typeof description === 'string' ? { description } : PARAMETER_TEXT[name] ? { description: PARAMETER_TEXT[name] } : {}),
        schema: typeof rest.$ref === 'string' ? { $ref: rest.$ref } : rest,
      });
    }
  }
  if (describe?.etag) {
    out.push({
      name: 'If-None-Match',
      in: 'header',
      required: false,
      description: 'The ETag of a copy the client holds: an unchanged answer is a 304 with no body.',
      schema: { type: 'string' },
    });
  }
  return out;
}

/** Whether the body may be left out: body-less actions accept no body or `{}`. */
function bodyOptional(schema: z.ZodType): boolean {
  try {
    return schema.safeParse({}).success;
  } catch {
    return false;
  }
}

/** The `text/event-stream` variant: one component per stream, a union of `{event, data}` by event name. */
function eventStream(components: ComponentSchemas, operationId: string, sse: NonNullable<DescribeMeta['sse']>): JsonSchema {
  const variants = Object.entries(sse.events).map(([event, data]) => ({
    type: 'object',
    required: ['event', 'data'],
    properties: {
      event: { const: event, description: 'The `event:` line.' },
      data: { ...components.schemaOf(data, 'output'), description: 'The `data:` line, JSON.' },
    },
  }));
  return components.define(`${pascal(operationId)}StreamEvent`, {
    description: `One server-sent event of the stream (\`event:\` and \`data:\` lines). ${sse.description}`,
    oneOf: variants,
  });
}

function operation(components: ComponentSchemas, responses: Record<string, unknown>, route: DocumentedRoute): Record<string, unknown> {
  const d = route.describe;
  const operationId = d?.operationId ?? fallbackOperationId(route.method, route.path);
  const jsonBody = route.validators.find((v) => v.target === 'json');
  const status = String(d?.status ?? 200);
  const content: Record<string, unknown> = {};
  if (d?.responseKind === 'raw') content['application/json'] = { schema: d.response ? components.schemaOf(d.response, 'output') : { type: 'object' } };
  else if (d?.responseKind === 'html') content['text/html'] = { schema: { type: 'string' } };
  else content['application/json'] = { schema: successEnvelope(components, d) };
  if (d?.sse) content['text/event-stream'] = { schema: eventStream(components, operationId, d.sse) };
  const success: Record<string, unknown> = {
    description: d?.sse ? `${d.summary}. JSON by default; send \`Accept: text/event-stream\` for the event stream.` : (d?.summary ?? 'Success'),
    ...(d?.etag
      ? {
          headers: {
            ETag: { description: 'Weak validator of this answer (data and language).', schema: { type: 'string' } },
            'Cache-Control': { description: '`public, max-age=60`, or `private, no-store` with `include_inactive=true`.', schema: { type: 'string' } },
          },
        }
      : {}),
    content,
  };

  const permissions = route.auth?.permissions ?? [];
  const permissionNote =
    permissions.length > 0
      ? `\n\nRequires permission${permissions.length > 1 ? (route.auth?.anyOf ? ' (any of)' : 's') : ''}: ${permissions.map((p) => `\`${p}\``).join(', ')}.`
      : '';
  const sortNote = d?.sort ? `\n\nSortable by: \`created_at\`, \`updated_at\`, ${d.sort.map((s) => `\`${s}\``).join(', ')}.` : '';
  const codes = errorCodesOf(route);
  // Public catalog reads take a token for more (`include_inactive=true`): anonymous or bearer.
  const optionalAuth = !route.auth && d?.etag && codes.includes('AUTHENTICATION_ERROR');
  const security = route.auth ? [{ bearerAuth: [] }] : optionalAuth ? [{}, { bearerAuth: [] }] : [];
  return {
    operationId,
    summary: d?.summary,
    description: `${(d && OPERATION_DESCRIPTIONS[d.operationId]) ?? ''}${permissionNote}${sortNote}`.trim() || undefined,
    tags: d?.tags,
    security,
    parameters: parameters(components, route.validators, d),
    ...(jsonBody
      ? {
          requestBody: {
            required: !bodyOptional(jsonBody.schema),
            content: { 'application/json': { schema: components.reference(jsonBody.schema, 'input', `${pascal(operationId)}Request`) } },
          },
        }
      : {}),
    responses: {
      [status]: success,
      ...(d?.etag ? { '304': { description: 'Not modified: the `If-None-Match` ETag still matches (no body).' } } : {}),
      ...errorResponses(responses, codes),
    },
  };
}

export function buildOpenApiDocument(app: Hono<any, any, any>, info: { version: string }) {
  const components = new ComponentSchemas();
  components.define('Pagination', {
    type: 'object',
    description: 'Where a page sits in a list. An empty list has `pages: 0`.',
    required: ['page', 'per_page', 'total', 'pages'],
    properties: {
      page: { type: 'integer', minimum: 1 },
      per_page: { type: 'integer', minimum: 1 },
      total: { type: 'integer', minimum: 0 },
      pages: { type: 'integer', minimum: 0 },
    },
  });
  components.define('ErrorEnvelope', {
    type: 'object',
    description: 'Every error answer. `error` is the human message (English or Arabic); `error_code` never changes with the language.',
    required: ['success', 'error', 'error_code', 'status_code', 'request_id', 'timestamp'],
    properties: {
      success: { const: false },
      error: { type: 'string' },
      error_code: { enum: Object.keys(ERROR_STATUS) },
      status_code: { type: 'integer' },
      details: {
        type: 'object',
        description: 'Facts about the refusal; `issues` names each refused field of a 400.',
        properties: {
          issues: {
            type: 'array',
            items: {
              type: 'object',
              required: ['path', 'message', 'code'],
              properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } },
            },
          },
        },
      },
      request_id: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
    },
  });

  const paths: Record<string, Record<string, unknown>> = {};
  const responses: Record<string, unknown> = {};
  const usedTags = new Set<string>();
  for (const route of collectRoutes(app)) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(components, responses, route);
    for (const tag of route.describe?.tags ?? []) usedTags.add(tag);
  }
  const schemas = components.finish(paths);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Planlyze API',
      version: info.version,
      description:
        'Business idea → AI feasibility report, with credits, manual payments, referrals, sharing and an AI assistant. ' +
        'Every JSON answer is an envelope: `{success: true, message, data, timestamp}` (lists add `pagination`), or an ' +
        '`ErrorEnvelope`. Send `Accept-Language: ar` for Arabic messages. Typed clients: see the README ("Typed clients").',
      contact: { name: 'Planlyze', url: 'https://planlyze.com' },
      license: { name: 'Proprietary, all rights reserved', url: 'https://planlyze.com' },
    },
    servers: [{ url: '/', description: 'The server that serves this document.' }],
    tags: (Object.keys(TAGS) as Tag[]).filter((tag) => usedTags.has(tag)).map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `token` from register or login.' },
      },
      schemas,
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
