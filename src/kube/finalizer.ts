/**
 * Adding and removing our finalizer with JSON Patch `test` ops (kube-rs `finalizer.rs`): the patch only applies if the
 * finalizers are still what we read, so another controller's finalizer is never dropped by a stale read-modify-write.
 * A failed test (422) or a conflict (409) re-reads the object and tries again.
 */
import { httpStatus, isNotFound } from "./errors.js";
import { type KubeObject, objectPath, type ResourceRef } from "./object.js";
import { JSON_PATCH, type KubeApi } from "./rest.js";

type Coords = Pick<ResourceRef, "group" | "version" | "plural">;
type Op =
  | { op: "test"; path: string; value: unknown }
  | { op: "add"; path: string; value: unknown }
  | { op: "remove"; path: string };

export interface FinalizerOptions {
  maxRetries?: number;
  /** Gets the object the API server returned (for read-your-writes, see RecentWrites). */
  onWritten?(obj: unknown): void;
}

/** Adds `finalizer` if absent. Returns whether a patch was made. Throws if the object is gone. */
export function addFinalizer(
  api: KubeApi,
  resource: Coords,
  obj: KubeObject,
  finalizer: string,
  options?: FinalizerOptions,
): Promise<boolean> {
  return patchFinalizers(api, resource, obj, options, (current) => {
    const finalizers = current.metadata?.finalizers;
    if (finalizers?.includes(finalizer)) return undefined;
    if (!finalizers || finalizers.length === 0) {
      // No list to test: pin the whole object version instead (an absent path cannot be tested portably).
      return [
        { op: "test", path: "/metadata/resourceVersion", value: current.metadata?.resourceVersion },
        { op: "add", path: "/metadata/finalizers", value: [finalizer] },
      ];
    }
    return [
      { op: "test", path: "/metadata/finalizers", value: finalizers },
      { op: "add", path: "/metadata/finalizers/-", value: finalizer },
    ];
  });
}

/** Removes `finalizer` if present, leaving every other finalizer. Returns whether a patch was made (false if gone). */
export async function removeFinalizer(
  api: KubeApi,
  resource: Coords,
  obj: KubeObject,
  finalizer: string,
  options?: FinalizerOptions,
): Promise<boolean> {
  try {
    return await patchFinalizers(api, resource, obj, options, (current) => {
      const i = current.metadata?.finalizers?.indexOf(finalizer) ?? -1;
      if (i < 0) return undefined;
      return [
        { op: "test", path: `/metadata/finalizers/${i}`, value: finalizer },
        { op: "remove", path: `/metadata/finalizers/${i}` },
      ];
    });
  } catch (err) {
    // Removing the last finalizer of a deleted object can race with its removal: gone is the goal.
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function patchFinalizers(
  api: KubeApi,
  resource: Coords,
  obj: KubeObject,
  options: FinalizerOptions | undefined,
  makePatch: (current: KubeObject) => Op[] | undefined,
): Promise<boolean> {
  const maxRetries = options?.maxRetries ?? 5;
  const path = objectPath({ ...resource, namespace: obj.metadata?.namespace }, obj.metadata?.name ?? "");
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    const body = makePatch(current);
    if (!body) return false;
    try {
      const written = await api.patch(path, body, JSON_PATCH);
      options?.onWritten?.(written);
      return true;
    } catch (err) {
      const code = httpStatus(err);
      // 422: a test op failed (the finalizers moved under us); 409: a conflict. Both mean: read again.
      if ((code !== 422 && code !== 409) || attempt >= maxRetries) throw err;
      current = await api.get<KubeObject>(path);
    }
  }
}
