/** Update bodies (PUT) must change something; the check runs only on an otherwise valid body. */
import type * as z from 'zod';

/**
 * An empty object is a 400 ("at least one field is required"). Unknown fields are reported on their
 * own — `{view_count: 0}` names `view_count`, not also the empty root — because the check is skipped
 * while other issues exist.
 */
export function nonEmpty<T extends z.ZodObject>(schema: T) {
  return schema.refine((v) => Object.keys(v as object).length > 0, {
    message: 'at least one field is required',
    when: (payload) => payload.issues.length === 0,
  });
}
