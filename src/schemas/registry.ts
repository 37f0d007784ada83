/**
 * Names for schemas in the OpenAPI document. `named('User', schema)` tags the zod schema with a stable
 * id (zod 4's `meta({ id })`); src/http/openapi-components.ts turns every tagged schema into
 * `#/components/schemas/<id>` and references it wherever it is used, so a client's generated types
 * have a `User`, not 17 inline copies of one. Names are PascalCase and unique: two different schemas
 * given the same name make the document builder throw.
 */
import type * as z from 'zod';

export function named<T extends z.ZodType>(name: string, schema: T, description?: string): T {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new Error(`schema name "${name}" is not PascalCase`);
  return schema.meta(description ? { id: name, description } : { id: name }) as T;
}
