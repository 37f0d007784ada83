/**
 * A comparable picture of a database's schema, read from pg_catalog (works on PGlite and PostgreSQL):
 * schemas, relations, columns (type, default, nullability, identity, generation), constraints with
 * their definitions (CHECK expressions included), indexes with definitions, triggers, functions with
 * their full source, types (enums, domains, composites), views, sequences, policies, comments and
 * extensions. Every category is a sorted list of text lines, so two snapshots compare with toEqual
 * and a difference reads as a diff.
 *
 * drizzle's bookkeeping schema is left out: a rollback keeps it by design (it only deletes a row).
 * OIDs are never included, so dropping and recreating an object yields the same lines.
 */
import type { SqlBackend } from '../../src/local/backends.js';

export type SchemaSnapshot = Record<string, string[]>;

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'drizzle')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

const QUERIES: Record<string, string> = {
  schemas: `SELECT n.nspname FROM pg_namespace n WHERE ${USER_NAMESPACE}`,
  relations: `
    SELECT format('%s.%s kind=%s persistence=%s rls=%s', n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c')`,
  columns: `
    SELECT format('%s.%s #%s %s %s null=%s default=%s identity=%s generated=%s collation=%s',
      n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
      pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, co.collname)
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
    WHERE ${USER_NAMESPACE} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped`,
  constraints: `
    SELECT format('%s.%s %s type=%s deferrable=%s deferred=%s validated=%s: %s',
      n.nspname, coalesce(c.relname, t.typname), con.conname, con.contype, con.condeferrable, con.condeferred,
      con.convalidated, pg_get_constraintdef(con.oid, true))
    FROM pg_constraint con
    JOIN pg_namespace n ON n.oid = con.connamespace
    LEFT JOIN pg_class c ON c.oid = con.conrelid
    LEFT JOIN pg_type t ON t.oid = con.contypid
    WHERE ${USER_NAMESPACE}`,
  indexes: `
    SELECT format('%s.%s: %s', n.nspname, ic.relname, pg_get_indexdef(i.indexrelid))
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE ${USER_NAMESPACE}`,
  triggers: `
    SELECT format('%s.%s %s enabled=%s: %s', n.nspname, c.relname, tg.tgname, tg.tgenabled, pg_get_triggerdef(tg.oid, true))
    FROM pg_trigger tg
    JOIN pg_class c ON c.oid = tg.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE} AND NOT tg.tgisinternal`,
  functions: `
    SELECT format('%s.%s(%s) kind=%s: %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,
      CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE pg_get_function_result(p.oid) END)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${USER_NAMESPACE}`,
  types: `
    SELECT format('%s.%s type=%s base=%s notnull=%s default=%s labels=%s', n.nspname, t.typname, t.typtype,
      format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
      (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE ${USER_NAMESPACE} AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c'))`,
  views: `
    SELECT format('%s.%s: %s', n.nspname, c.relname, pg_get_viewdef(c.oid, true))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE} AND c.relkind IN ('v', 'm')`,
  sequences: `
    SELECT format('%s.%s %s start=%s inc=%s min=%s max=%s cycle=%s owned_by=%s', n.nspname, c.relname,
      format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcycle,
      (SELECT format('%s.%s', dc.relname, a.attname) FROM pg_depend dep
         JOIN pg_class dc ON dc.oid = dep.refobjid
         JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
       WHERE dep.objid = c.oid AND dep.classid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i') LIMIT 1))
    FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE}`,
  policies: `
    SELECT format('%s.%s %s %s %s using=%s check=%s', schemaname, tablename, policyname, permissive, cmd, qual, with_check)
    FROM pg_policies n WHERE n.schemaname NOT IN ('pg_catalog', 'information_schema', 'drizzle')`,
  comments: `
    SELECT format('%s.%s col=%s: %s', n.nspname, c.relname, d.objsubid, d.description)
    FROM pg_description d
    JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE}`,
  extensions: `SELECT extname FROM pg_extension`,
};

export async function schemaSnapshot(backend: SqlBackend): Promise<SchemaSnapshot> {
  const snapshot: SchemaSnapshot = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    const result = await backend.query(query, []);
    snapshot[name] = result.rows.map((row) => row[0] ?? '<null>').sort();
  }
  return snapshot;
}

/** Total number of objects, to assert a snapshot is not trivially empty. */
export function snapshotSize(snapshot: SchemaSnapshot): number {
  return Object.values(snapshot).reduce((n, lines) => n + lines.length, 0);
}
