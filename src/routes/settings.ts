/**
 * /api/system-settings — typed settings for administrators (SPEC §4, §10) — and /api/settings, the
 * public subset (costs and bonuses) as one object, served from the catalog cache with an ETag.
 */
import { eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import * as z from 'zod';
import { requirePermission } from '../auth/guards.js';
import { systemSettings } from '../db/schema.js';
import { AppError } from '../errors.js';
import { cachedCatalog, invalidateCatalog, sendPublicCatalog } from '../http/catalog-cache.js';
import { ok, paginated } from '../http/envelope.js';
import { listQuery, pageWindow } from '../http/pagination.js';
import { paginationOf } from '../db/pagination.js';
import { describe } from '../http/route-meta.js';
import { body, params, query } from '../http/validate.js';
import { isoDate, toIso } from '../schemas/common.js';
import { auditIf, auditRowChange } from '../services/conditional-log.js';
import {
  isSettingKey,
  PUBLIC_SETTING_KEYS,
  readSettings,
  SETTING_KEYS,
  SETTINGS,
  settingValue,
  type SettingKey,
} from '../services/settings.js';
import type { AppEnv } from '../types.js';
import { named } from '../schemas/registry.js';

const SettingSchema = named(
  'SystemSetting',
  z.object({
    key: z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]]),
    value: z.number().int(),
    default: z.number().int(),
    minimum: z.number().int(),
    maximum: z.number().int(),
    is_public: z.boolean().describe('Also served by the public GET /api/settings'),
    updated_by: z.uuid().nullable(),
    updated_at: isoDate.nullable().describe('null: never changed (the default applies)'),
  }),
);
type SettingDto = z.infer<typeof SettingSchema>;

const KeyParam = z.object({ key: z.string().min(1).max(64) });
const PutSettingBody = z.strictObject({ value: z.unknown().describe('Typed per key: see the setting’s minimum and maximum') });
const PublicSettingsSchema = named(
  'PublicSettings',
  z.object(
    Object.fromEntries(PUBLIC_SETTING_KEYS.map((k) => [k, z.number().int()])) as Record<SettingKey, z.ZodNumber>,
  ),
);

type SettingRow = typeof systemSettings.$inferSelect;

function serializeSetting(key: SettingKey, row: SettingRow | undefined): SettingDto {
  const spec = SETTINGS[key];
  return {
    key,
    value: settingValue(key, row?.value),
    default: spec.default,
    minimum: spec.schema.minValue ?? 0,
    maximum: spec.schema.maxValue ?? Number.MAX_SAFE_INTEGER,
    is_public: spec.public,
    updated_by: row?.updatedBy ?? null,
    updated_at: row ? toIso(row.updatedAt) : null,
  };
}

function knownKey(key: string): SettingKey {
  if (!isSettingKey(key)) throw new AppError('NOT_FOUND', { message: 'settings.unknown_key', params: { key } });
  return key;
}

export const systemSettingRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listSystemSettings',
      summary: 'List the system settings',
      tags: ['settings'],
      response: SettingSchema,
      responseKind: 'paginated',
    }),
    requirePermission('view_settings'),
    query(listQuery().pick({ page: true, per_page: true })),
    async (c) => {
      const window = pageWindow(c, c.req.valid('query'));
      const rows = await c.var.db.select().from(systemSettings);
      const byKey = new Map(rows.map((r) => [r.key, r]));
      const all = [...SETTING_KEYS].sort().map((k) => serializeSetting(k, byKey.get(k)));
      return paginated(c, all.slice(window.offset, window.offset + window.limit), paginationOf(window, all.length));
    },
  )
  .get(
    '/:key',
    describe({ operationId: 'getSystemSetting', summary: 'One system setting', tags: ['settings'], response: SettingSchema, errors: ['NOT_FOUND'] }),
    requirePermission('view_settings'),
    params(KeyParam),
    async (c) => {
      const key = knownKey(c.req.valid('param').key);
      const [row] = await c.var.db.select().from(systemSettings).where(eq(systemSettings.key, key)).limit(1);
      return ok(c, serializeSetting(key, row));
    },
  )
  .put(
    '/:key',
    describe({
      operationId: 'updateSystemSetting',
      summary: 'Change a system setting',
      tags: ['settings'],
      response: SettingSchema,
      errors: ['NOT_FOUND'],
    }),
    requirePermission('manage_settings'),
    params(KeyParam),
    body(PutSettingBody),
    async (c) => {
      const key = knownKey(c.req.valid('param').key);
      const parsed = SETTINGS[key].schema.safeParse(c.req.valid('json').value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new AppError('VALIDATION_ERROR', {
          details: {
            key,
            minimum: SETTINGS[key].schema.minValue,
            maximum: SETTINGS[key].schema.maxValue,
            issues: [{ path: 'value', code: issue?.code ?? 'invalid', message: issue?.message ?? '' }],
          },
        });
      }
      const value = parsed.data;
      const { db, user } = c.var;
      const where = eq(systemSettings.key, key);
      const audited = { action: 'setting.update', entityType: 'setting', entityId: key };
      const [, , saved] = await db.batch([
        auditRowChange(db, c, { table: systemSettings, where, ...audited, after: { value } }),
        // A key never stored yet has no row to read `before` from: its default was in force.
        auditIf(
          db,
          c,
          { ...audited, before: { value: SETTINGS[key].default }, after: { value } },
          sql`NOT EXISTS (SELECT 1 FROM ${systemSettings} WHERE ${where})`,
        ),
        db
          .insert(systemSettings)
          .values({ key, value, updatedBy: user.id })
          .onConflictDoUpdate({ target: systemSettings.key, set: { value, updatedBy: user.id, updatedAt: sql`now()` } })
          .returning(),
      ]);
      invalidateCatalog(c, 'settings');
      if (key === 'syrian_apps_count') invalidateCatalog(c, 'landing-stats');
      return ok(c, serializeSetting(key, saved[0]), 'ok.setting_updated');
    },
  );

export const publicSettingRoutes = new Hono<AppEnv>().get(
  '/',
  describe({
    operationId: 'getPublicSettings',
    etag: true,
    summary: 'Public settings (costs and bonuses)',
    tags: ['settings'],
    response: PublicSettingsSchema,
  }),
  async (c) => {
    const values = await cachedCatalog(c, 'settings', () => readSettings(c.var.db, PUBLIC_SETTING_KEYS));
    return sendPublicCatalog(c, { source: values, variant: 'all', payload: () => ({ data: values }) }, () => ok(c, values));
  },
);
