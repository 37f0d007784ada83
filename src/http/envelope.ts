/**
 * The response envelope of SPEC §1. Every JSON response goes through one of these helpers, so the
 * shape cannot drift between routes. (`c.get('lang')`, not `c.var.lang`: hono's `c.var` copies every
 * variable into a new object on each read, and these run once per response.)
 */
import type { Context, TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { translate, type MessageKey } from '../i18n/messages.js';
import type { AppEnv } from '../types.js';
import { typed } from './typed-response.js';

import type { JsonPage, Pagination } from '../db/pagination.js';

export const nowIso = () => new Date().toISOString();

export function ok<T, S extends ContentfulStatusCode = 200>(
  c: Context<AppEnv>,
  data: T,
  message: MessageKey = 'ok.generic',
  status?: S,
) {
  return c.json(
    { success: true as const, message: translate(message, c.get('lang')), data, timestamp: nowIso() },
    (status ?? 200) as S,
  );
}

export function created<T>(c: Context<AppEnv>, data: T, message: MessageKey = 'ok.created') {
  return ok(c, data, message, 201);
}

export function deleted(c: Context<AppEnv>, id: string) {
  return ok(c, { id }, 'ok.deleted');
}

export function paginated<T, M extends Record<string, unknown> | undefined = undefined>(
  c: Context<AppEnv>,
  items: T[],
  pagination: Pagination,
  meta?: M,
  message: MessageKey = 'ok.generic',
) {
  return c.json(
    {
      success: true as const,
      message: translate(message, c.get('lang')),
      data: items,
      pagination,
      ...(meta ? { meta } : {}),
      timestamp: nowIso(),
    },
    200,
  );
}

/**
 * `paginated()` for a page PostgreSQL built (db/pagination.ts readJsonPage): the same envelope, key for key,
 * with the items' JSON text placed as `data` without being parsed and serialized again.
 */
export function paginatedJson<T, M extends Record<string, unknown> | undefined = undefined>(
  c: Context<AppEnv>,
  page: JsonPage<T, Record<string, unknown>>,
  meta?: M,
  message: MessageKey = 'ok.generic',
) {
  const head = `{"success":true,"message":${JSON.stringify(translate(message, c.get('lang')))},"data":`;
  const tail = `,"pagination":${JSON.stringify(page.pagination)}${meta ? `,"meta":${JSON.stringify(meta)}` : ''},"timestamp":"${nowIso()}"}`;
  type Body = { success: true; message: string; data: T[]; pagination: Pagination; timestamp: string } & (M extends undefined ? {} : { meta: M });
  return typed<TypedResponse<Body, 200, 'json'>>(c.body(head + page.json + tail, 200, { 'Content-Type': 'application/json' }));
}

export interface ErrorBody {
  success: false;
  error: string;
  error_code: string;
  status_code: number;
  details?: Record<string, unknown>;
  request_id: string;
  timestamp: string;
}
