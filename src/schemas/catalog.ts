/** Credit packages and payment methods (SPEC §4): request bodies, response shapes, serializers. */
import * as z from 'zod';
import type { creditPackages, paymentMethods } from '../db/schema.js';
import { isoDate, text, toIso } from './common.js';
import { listQuery } from '../http/pagination.js';
import { queryBoolean } from './query-boolean.js';
import { toNumeric, usd, usdInput, UsdAmount } from './money.js';
import { named } from './registry.js';

/** Catalog lists have a fixed order (sort_order, then name); only the page is chosen. */
export const CatalogListQuery = listQuery()
  .pick({ page: true, per_page: true })
  .extend({
    include_inactive: queryBoolean
      .optional()
      .describe('true: also inactive entries; needs the manage permission and is never cached'),
  });
export const CatalogItemQuery = CatalogListQuery.pick({ include_inactive: true });

const features = z.array(text(200)).max(20);
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);

const packageFields = {
  name: text(80),
  name_ar: text(80).nullable(),
  credits: z.number().int().min(1).max(100_000),
  price_usd: usdInput(),
  description: text(1000).nullable(),
  description_ar: text(1000).nullable(),
  features,
  features_ar: features,
  is_active: z.boolean(),
  is_popular: z.boolean(),
  sort_order: sortOrder,
};

export const CreatePackageBody = z.strictObject({
  ...packageFields,
  name_ar: packageFields.name_ar.optional(),
  description: packageFields.description.optional(),
  description_ar: packageFields.description_ar.optional(),
  features: features.default([]),
  features_ar: features.default([]),
  is_active: z.boolean().default(true),
  is_popular: z.boolean().default(false),
  sort_order: sortOrder.default(0),
});

export const UpdatePackageBody = z
  .strictObject(packageFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

export const PackageSchema = named(
  'CreditPackage',
  z.object({
    id: z.uuid(),
    name: z.string(),
    name_ar: z.string().nullable(),
    credits: z.number().int(),
    price_usd: UsdAmount,
    description: z.string().nullable(),
    description_ar: z.string().nullable(),
    features: z.array(z.string()),
    features_ar: z.array(z.string()),
    is_active: z.boolean(),
    is_popular: z.boolean(),
    sort_order: z.number().int(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type PackageDto = z.infer<typeof PackageSchema>;

type PackageRow = typeof creditPackages.$inferSelect;

export function serializePackage(row: PackageRow): PackageDto {
  return {
    id: row.id,
    name: row.name,
    name_ar: row.nameAr,
    credits: row.credits,
    price_usd: usd(row.priceUsd),
    description: row.description,
    description_ar: row.descriptionAr,
    features: row.features,
    features_ar: row.featuresAr,
    is_active: row.isActive,
    is_popular: row.isPopular,
    sort_order: row.sortOrder,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

/** API field names → drizzle columns, for inserts and partial updates (only the given fields). */
export function packageValues(input: Partial<z.infer<typeof UpdatePackageBody>>) {
  return {
    name: input.name,
    nameAr: input.name_ar,
    credits: input.credits,
    priceUsd: input.price_usd === undefined ? undefined : toNumeric(input.price_usd),
    description: input.description,
    descriptionAr: input.description_ar,
    features: input.features,
    featuresAr: input.features_ar,
    isActive: input.is_active,
    isPopular: input.is_popular,
    sortOrder: input.sort_order,
  };
}

const detailValue = z.union([z.string().max(500), z.number(), z.boolean(), z.null()]);
const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048);

const methodFields = {
  name: text(80),
  name_ar: text(80).nullable(),
  type: z
    .string()
    .regex(/^[a-z0-9_]{2,40}$/, 'lower-case letters, digits and _ (2–40)')
    .describe('e.g. bank_transfer, mobile_wallet, cash'),
  details: z
    .record(z.string().min(1).max(64), detailValue)
    .refine((v) => Object.keys(v).length <= 30, 'at most 30 entries')
    .describe('Shown to buyers: account name, number, wallet id …'),
  instructions: text(2000).nullable(),
  instructions_ar: text(2000).nullable(),
  logo_url: httpsUrl.nullable(),
  is_active: z.boolean(),
  sort_order: sortOrder,
};

export const CreateMethodBody = z.strictObject({
  ...methodFields,
  name_ar: methodFields.name_ar.optional(),
  details: methodFields.details.default({}),
  instructions: methodFields.instructions.optional(),
  instructions_ar: methodFields.instructions_ar.optional(),
  logo_url: methodFields.logo_url.optional(),
  is_active: z.boolean().default(true),
  sort_order: sortOrder.default(0),
});

export const UpdateMethodBody = z
  .strictObject(methodFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required');

export const MethodSchema = named(
  'PaymentMethod',
  z.object({
    id: z.uuid(),
    name: z.string(),
    name_ar: z.string().nullable(),
    type: z.string(),
    details: z.record(z.string(), z.unknown()),
    instructions: z.string().nullable(),
    instructions_ar: z.string().nullable(),
    logo_url: z.string().nullable(),
    is_active: z.boolean(),
    sort_order: z.number().int(),
    created_at: isoDate,
    updated_at: isoDate,
  }),
);
export type MethodDto = z.infer<typeof MethodSchema>;

type MethodRow = typeof paymentMethods.$inferSelect;

export function serializeMethod(row: MethodRow): MethodDto {
  return {
    id: row.id,
    name: row.name,
    name_ar: row.nameAr,
    type: row.type,
    details: row.details,
    instructions: row.instructions,
    instructions_ar: row.instructionsAr,
    logo_url: row.logoUrl,
    is_active: row.isActive,
    sort_order: row.sortOrder,
    created_at: toIso(row.createdAt)!,
    updated_at: toIso(row.updatedAt)!,
  };
}

export function methodValues(input: Partial<z.infer<typeof UpdateMethodBody>>) {
  return {
    name: input.name,
    nameAr: input.name_ar,
    type: input.type,
    details: input.details as Record<string, unknown> | undefined,
    instructions: input.instructions,
    instructionsAr: input.instructions_ar,
    logoUrl: input.logo_url,
    isActive: input.is_active,
    sortOrder: input.sort_order,
  };
}

/** The response of a DELETE that found the row referenced and deactivated it instead. */
export const DeleteResult = named(
  'DeletedId',
  z.object({
    id: z.uuid(),
    deactivated: z.boolean().describe('true: the row is referenced by other records and was deactivated instead of deleted'),
  }),
);
