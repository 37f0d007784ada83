/**
 * Builds the OpenAPI 3.1 document from the app's own routes: the validators' zod schemas (requests),
 * `describe(...)` (responses, errors) and the auth guards (security, 401/403). Nothing is listed by hand.
 */
import type { Hono } from 'hono';
import * as z from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors.js';
import { readMeta, type AuthMeta, type DescribeMeta, type ValidatorMeta } from './route-meta.js';

type JsonSchema = Record<string, unknown>;

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

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    reused: 'inline',
  }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function successEnvelope(describe: DescribeMeta): JsonSchema {
  const data = describe.response ? jsonSchema(describe.response, 'output') : {};
  if (describe.responseKind === 'paginated') {
    return {
      type: 'object',
      required: ['success', 'message', 'data', 'pagination', 'timestamp'],
      properties: {
        success: { const: true },
        message: { type: 'string' },
        data: { type: 'array', items: data },
        pagination: ref('Pagination'),
        ...(describe.meta ? { meta: jsonSchema(describe.meta, 'output') } : {}),
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

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list.join(' | '),
          content: {
            'application/json': {
              schema: {
                allOf: [ref('ErrorEnvelope')],
                properties: { error_code: { enum: list }, status_code: { const: status } },
              },
            },
          },
          ...(status === 429 ? { headers: { 'Retry-After': { schema: { type: 'integer' } } } } : {}),
        },
      ]),
  );
}

function parameters(validators: ValidatorMeta[]): unknown[] {
  const out: unknown[] = [];
  for (const v of validators) {
    if (v.target === 'json') continue;
    const schema = jsonSchema(v.schema, 'input');
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema.required ?? []) as string[]);
    for (const [name, prop] of Object.entries(props)) {
      out.push({
        name,
        in: v.target === 'param' ? 'path' : 'query',
        required: v.target === 'param' || required.has(name),
        schema: prop,
      });
    }
  }
  return out;
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const d = route.describe;
  const jsonBody = route.validators.find((v) => v.target === 'json');
  const status = String(d?.status ?? 200);
  const success: Record<string, unknown> = {
    description: d?.summary ?? 'Success',
    content: {} as Record<string, unknown>,
  };
  const content = success.content as Record<string, unknown>;
  if (d?.responseKind === 'raw') content['application/json'] = { schema: d.response ? jsonSchema(d.response, 'output') : {} };
  else if (d?.responseKind === 'html') content['text/html'] = { schema: { type: 'string' } };
  else content['application/json'] = { schema: successEnvelope(d ?? { kind: 'describe', summary: '', tags: [] }) };
  if (d?.sse) content['text/event-stream'] = { schema: { type: 'string', description: d.sse.description } };

  const permissions = route.auth?.permissions ?? [];
  const permissionNote =
    permissions.length > 0
      ? `\n\nRequires permission${permissions.length > 1 ? (route.auth?.anyOf ? ' (any of)' : 's') : ''}: ${permissions.map((p) => `\`${p}\``).join(', ')}.`
      : '';
  const sortNote = d?.sort ? `\n\nSortable by: \`created_at\`, \`updated_at\`, ${d.sort.map((s) => `\`${s}\``).join(', ')}.` : '';
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    summary: d?.summary,
    description: `${d?.description ?? ''}${permissionNote}${sortNote}`.trim() || undefined,
    tags: d?.tags,
    ...(route.auth ? { security: [{ bearerAuth: [] }] } : {}),
    parameters: parameters(route.validators),
    ...(jsonBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(jsonBody.schema, 'input') } } } }
      : {}),
    responses: { [status]: success, ...errorResponses(errorCodesOf(route)) },
  };
}

export function buildOpenApiDocument(app: Hono<any, any, any>, info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of collectRoutes(app)) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Planlyze API',
      version: info.version,
      description:
        'Business idea → AI feasibility report, with credits, manual payments, referrals, sharing and an AI assistant. ' +
        'Every response uses the envelope described in the components; send `Accept-Language: ar` for Arabic messages.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Pagination: {
          type: 'object',
          required: ['page', 'per_page', 'total', 'pages'],
          properties: {
            page: { type: 'integer', minimum: 1 },
            per_page: { type: 'integer', minimum: 1 },
            total: { type: 'integer', minimum: 0 },
            pages: { type: 'integer', minimum: 0 },
          },
        },
        ErrorEnvelope: {
          type: 'object',
          required: ['success', 'error', 'error_code', 'status_code', 'request_id', 'timestamp'],
          properties: {
            success: { const: false },
            error: { type: 'string' },
            error_code: { enum: Object.keys(ERROR_STATUS) },
            status_code: { type: 'integer' },
            details: {
              type: 'object',
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
        },
      },
    },
  };
}
