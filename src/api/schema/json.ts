/** JSON values: the object test, deep copy and deep equality the schema engine and the local API server share. Pure. */

export type JsonObject = { [key: string]: unknown };

export const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Copy of a JSON value (several times faster than structuredClone for these small trees). */
export function deepClone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepClone) as T;
  if (typeof v === "object" && v !== null) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      // Assigning `__proto__` would set the copy's prototype and lose the key: define it as the own field it was.
      if (k === "__proto__")
        Object.defineProperty(out, k, { value: deepClone(x), enumerable: true, writable: true, configurable: true });
      else out[k] = deepClone(x);
    }
    return out as T;
  }
  return v;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a) && isObject(b)) {
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    for (const k of ak) if (!(k in b) || !deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** The fields of ObjectMeta; anything else under `metadata` is an unknown field (pruned, or rejected when strict). */
export const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);
