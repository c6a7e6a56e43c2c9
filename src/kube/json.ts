/** JSON value helpers: equality and RFC 7386 merge patches, with `undefined` properties treated as absent (as JSON does). */

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) return toJson(a) === toJson(b);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => k in bo && deepEqual(ao[k], bo[k]));
}

const toJson = (v: unknown) => (v instanceof Date ? v.toISOString() : JSON.stringify(v));

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * The RFC 7386 merge patch that turns `from` into `to`: changed keys carry their new value, removed keys carry null,
 * objects recurse, arrays and scalars are replaced whole. Returns undefined when there is nothing to change.
 */
export function mergePatch(from: unknown, to: unknown): unknown {
  if (!isObject(from) || !isObject(to)) return deepEqual(from, to) ? undefined : (to ?? null);
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined) continue;
    const sub = mergePatch(from[k], v);
    if (sub !== undefined) patch[k] = sub;
  }
  for (const [k, v] of Object.entries(from)) if (v !== undefined && to[k] === undefined) patch[k] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}
