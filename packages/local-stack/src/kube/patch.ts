/** The PATCH body types the server accepts (apply patches live in apply.ts). Pure. */
import jsonpatch from "fast-json-patch";
import { badRequest, KubeError } from "./errors.js";
import { deepClone, isObject, type JsonObject } from "./meta.js";

export const MERGE_PATCH = "application/merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";
export const APPLY_PATCH_CBOR = "application/apply-patch+cbor";

export const PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Strategic merge patch, treated as a merge patch (custom resources have no patch strategies) while honouring the
 * directives kubectl may send: `$patch: replace|delete`, `$deleteFromPrimitiveList/<f>`, `$setElementOrder/<f>`,
 * `$retainKeys`.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  const base: JsonObject = directive === "replace" || !isObject(target) ? {} : { ...target };
  const retain = Array.isArray(patch.$retainKeys) ? new Set(patch.$retainKeys as string[]) : undefined;
  if (retain) for (const k of Object.keys(base)) if (!retain.has(k) && !(k in patch)) delete base[k];
  for (const [k, v] of Object.entries(patch)) {
    if (k === "$patch" || k === "$retainKeys" || k.startsWith("$setElementOrder/")) continue;
    if (k.startsWith("$deleteFromPrimitiveList/")) {
      const field = k.slice("$deleteFromPrimitiveList/".length);
      const cur = base[field];
      if (Array.isArray(cur) && Array.isArray(v)) base[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete base[k];
      continue;
    }
    const merged = strategicMergePatch(base[k], v);
    if (merged === undefined) delete base[k];
    else base[k] = merged;
  }
  return base;
}

const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** RFC 6902 JSON patch; a failed `test` or a bad path is a 422 like the real server's. */
export function applyJsonPatch(target: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  // apiserver pkg/endpoints/handlers/patch.go (applyJSPatch, maxJSONPatchOperations)
  if (patch.length > MAX_JSON_PATCH_OPERATIONS)
    throw new KubeError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  try {
    const result = jsonpatch.applyPatch(deepClone(target), patch as jsonpatch.Operation[], true, true).newDocument;
    if (!isObject(result)) throw badRequest("the JSON patch did not produce an object");
    return result;
  } catch (err) {
    if (err instanceof KubeError) throw err;
    const e = err as { name?: string; operation?: { op?: string; path?: string }; message?: string };
    const op = e.operation;
    const message =
      e.name === "TEST_OPERATION_FAILED"
        ? `testing value ${op?.path ?? ""} failed: test failed`
        : op?.path !== undefined
          ? `${op.op ?? "operation"} operation does not apply: doc is missing path: "${op.path}": missing value`
          : (e.message?.split("\n")[0] ?? "invalid JSON patch");
    throw new KubeError(422, "Invalid", message);
  }
}
