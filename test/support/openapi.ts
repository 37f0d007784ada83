/**
 * The served OpenAPI document with its local `$ref`s replaced by what they point to, for tests that
 * read a schema in place (`…schema.properties.email`). A reference met again inside itself stays a
 * `$ref` (none today; this keeps a recursive schema from looping).
 */
export function dereference<T>(document: T): T {
  const root = document as Record<string, unknown>;
  const resolve = (pointer: string): unknown =>
    pointer
      .slice(2)
      .split('/')
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
  const walk = (node: unknown, active: Set<string>): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, active));
    if (!node || typeof node !== 'object') return node;
    const { $ref, ...rest } = node as Record<string, unknown>;
    if (typeof $ref === 'string' && $ref.startsWith('#/') && !active.has($ref)) {
      const target = walk(resolve($ref), new Set([...active, $ref]));
      const siblings = walk(rest, active) as Record<string, unknown>;
      return Object.keys(siblings).length > 0 ? { ...(target as Record<string, unknown>), ...siblings } : target;
    }
    return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, active)]));
  };
  return walk(document, new Set()) as T;
}
