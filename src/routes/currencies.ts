/** /api/currencies — the currencies users pay in and their administration (SPEC-WAVE2 §12). */
import { Hono } from 'hono';
import { requirePermission } from '../auth/guards.js';
import { created, ok } from '../http/envelope.js';
import { describe } from '../http/route-meta.js';
import { body, idParam, query } from '../http/validate.js';
import { CatalogItemQuery, CatalogListQuery, DeleteResult } from '../schemas/catalog.js';
import { CreateCurrencyBody, CurrencySchema, UpdateCurrencyBody, type CurrencyDto } from '../schemas/currency.js';
import { createCurrency, deleteCurrency, loadAllCurrencies, updateCurrency } from '../services/currencies.js';
import type { AppEnv } from '../types.js';
import { getCatalogItem, listCatalog, type CatalogSource } from './catalog-reads.js';

export const currenciesSource: CatalogSource<CurrencyDto> = {
  name: 'currencies',
  managePermission: 'manage_settings',
  loadAll: (c) => loadAllCurrencies(c.var.db),
  unavailable: 'currency.not_found',
};

export const currencyRoutes = new Hono<AppEnv>()
  .get(
    '/',
    describe({
      operationId: 'listCurrencies', summary: 'List currencies (public)',
      tags: ['currencies'],
      response: CurrencySchema,
      responseKind: 'paginated',
      errors: ['AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    query(CatalogListQuery),
    (c) => listCatalog(c, currenciesSource, c.req.valid('query')),
  )
  .get(
    '/:id',
    describe({
      operationId: 'getCurrency', summary: 'One currency (public)',
      tags: ['currencies'],
      response: CurrencySchema,
      errors: ['NOT_FOUND', 'AUTHENTICATION_ERROR', 'AUTHORIZATION_ERROR'],
    }),
    idParam(),
    query(CatalogItemQuery),
    (c) => getCatalogItem(c, currenciesSource, c.req.valid('param').id, c.req.valid('query')),
  )
  .post(
    '/',
    describe({
      operationId: 'createCurrency', summary: 'Create a currency',
      tags: ['currencies'],
      status: 201,
      response: CurrencySchema,
      errors: ['CONFLICT'],
    }),
    requirePermission('manage_settings'),
    body(CreateCurrencyBody),
    async (c) => created(c, await createCurrency(c, c.req.valid('json'))),
  )
  .put(
    '/:id',
    describe({
      operationId: 'updateCurrency', summary: 'Update a currency',
      tags: ['currencies'],
      response: CurrencySchema,
      errors: ['NOT_FOUND', 'CONFLICT'],
    }),
    requirePermission('manage_settings'),
    idParam(),
    body(UpdateCurrencyBody),
    async (c) => ok(c, await updateCurrency(c, c.req.valid('param').id, c.req.valid('json')), 'ok.updated'),
  )
  .delete(
    '/:id',
    describe({
      operationId: 'deleteCurrency', summary: 'Delete a currency',
      tags: ['currencies'],
      response: DeleteResult,
      errors: ['NOT_FOUND', 'CONFLICT'],
    }),
    requirePermission('manage_settings'),
    idParam(),
    async (c) => {
      const result = await deleteCurrency(c, c.req.valid('param').id);
      return ok(c, result, result.deactivated ? 'ok.deactivated_in_use' : 'ok.deleted');
    },
  );
