/**
 * The read side shared by the catalog routes (credit packages, payment methods): public reads come
 * from the in-isolate cache with ETags; `?include_inactive=true` needs the catalog's manage
 * permission, reads the database and is never cached. Catalogs are small (tens of rows), so a list
 * is read whole in its fixed order and paged in memory — the cached copy serves every page.
 */
import type { Context } from 'hono';
import { requirePermission } from '../auth/guards.js';
import type { Permission } from '../auth/permissions.js';
import { notFound } from '../errors.js';
import { cachedCatalog, sendPrivate, sendPublicCatalog, type CatalogName } from '../http/catalog-cache.js';
import { ok, paginated } from '../http/envelope.js';
import { pageWindow } from '../http/pagination.js';
import { paginationOf } from '../db/pagination.js';
import type { MessageKey } from '../i18n/messages.js';
import type { AppEnv } from '../types.js';

export interface CatalogSource<T extends { id: string; is_active: boolean }> {
  name: CatalogName;
  managePermission: Permission;
  /** Every entry, active or not, in the catalog order. */
  loadAll: (c: Context<AppEnv>) => Promise<T[]>;
  unavailable: MessageKey;
}

/** Signs in and checks the manage permission, only when the request asks for inactive entries. */
async function requireManage(c: Context<AppEnv>, permission: Permission) {
  await requirePermission(permission)(c, async () => {});
}

const activeOnly = <T extends { is_active: boolean }>(c: Context<AppEnv>, source: CatalogSource<T & { id: string }>) =>
  cachedCatalog(c, source.name, async () => (await source.loadAll(c)).filter((row) => row.is_active));

/**
 * A derived view of a catalog list (e.g. packages priced in a currency, SPEC-WAVE2 §12.3): `apply` must
 * return the same array for the same input (memoize it), so the cached ETags keep working; `key` names the view.
 */
export interface CatalogView<T> {
  key: string;
  apply: (rows: T[]) => T[];
}

export async function listCatalog<T extends { id: string; is_active: boolean }>(
  c: Context<AppEnv>,
  source: CatalogSource<T>,
  query: { page: number; per_page?: number | undefined; include_inactive?: boolean | undefined },
  view?: CatalogView<T>,
) {
  const window = pageWindow(c, query);
  if (query.include_inactive) {
    await requireManage(c, source.managePermission);
    const loaded = await source.loadAll(c);
    const all = view ? view.apply(loaded) : loaded;
    const page = all.slice(window.offset, window.offset + window.limit);
    return sendPrivate(c, () => paginated(c, page, paginationOf(window, all.length)));
  }
  const cached = await activeOnly(c, source);
  const active = view ? view.apply(cached) : cached;
  const page = active.slice(window.offset, window.offset + window.limit);
  const pagination = paginationOf(window, active.length);
  const variant = `page ${window.offset}+${window.limit}${view ? ` ${view.key}` : ''}`;
  return sendPublicCatalog(c, { source: active, variant, payload: () => ({ data: page, pagination }) }, () => paginated(c, page, pagination));
}

export async function getCatalogItem<T extends { id: string; is_active: boolean }>(
  c: Context<AppEnv>,
  source: CatalogSource<T>,
  id: string,
  query: { include_inactive?: boolean | undefined },
) {
  if (query.include_inactive) {
    await requireManage(c, source.managePermission);
    const item = (await source.loadAll(c)).find((row) => row.id === id);
    if (!item) throw notFound(source.unavailable);
    return sendPrivate(c, () => ok(c, item));
  }
  const active = await activeOnly(c, source);
  const item = active.find((row) => row.id === id);
  if (!item) throw notFound(source.unavailable);
  return sendPublicCatalog(c, { source: active, variant: `item ${id}`, payload: () => ({ data: item }) }, () => ok(c, item));
}
