/**
 * Status writes through the /status subresource, only when the status really changed (no write per resync), as a
 * JSON merge patch guarded by the object's resourceVersion; a 409 Conflict re-reads the object and tries again.
 */
import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { isConflict } from "./errors.js";
import { deepEqual, mergePatch } from "./json.js";
import type { KubeObject, ResourceRef } from "./object.js";

export interface StatusWriteOptions {
  /** Conflicts tolerated before giving up (the error is then thrown). */
  maxConflictRetries?: number;
  /** Gets the object the API server returned (for read-your-writes, see RecentWrites). */
  onWritten?(obj: unknown): void;
  /**
   * Called before every attempt; throwing aborts the write. Leader election's fence: after a 409 the status computed
   * earlier is applied over a fresh read, which is right only while this process still holds the lease (a process
   * paused mid-write would otherwise overwrite its successor's status with its own stale one).
   */
  beforeAttempt?: () => void;
}

/**
 * Writes `status` unless it deep-equals the object's current one. Keys present before and absent now are removed.
 * Returns whether a write happened. Throws on errors other than a bounded number of 409s.
 */
export async function writeStatus<T extends KubeObject & { status?: unknown }>(
  api: CustomObjectsApi,
  resource: Pick<ResourceRef, "group" | "version" | "plural">,
  obj: T,
  status: unknown,
  options: StatusWriteOptions = {},
): Promise<boolean> {
  const maxRetries = options.maxConflictRetries ?? 5;
  const name = obj.metadata?.name ?? "";
  const namespace = obj.metadata?.namespace;
  const coords = { group: resource.group, version: resource.version, plural: resource.plural, name };
  const mergePatchOptions = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    if (deepEqual(current.status, status)) return false;
    options.beforeAttempt?.();
    const body = {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      status: mergePatch(current.status ?? {}, status) ?? {},
    };
    try {
      const written = await (namespace
        ? api.patchNamespacedCustomObjectStatus({ ...coords, namespace, body }, mergePatchOptions)
        : api.patchClusterCustomObjectStatus({ ...coords, body }, mergePatchOptions));
      options.onWritten?.(written);
      return true;
    } catch (err) {
      if (!isConflict(err) || attempt >= maxRetries) throw err;
      // Someone wrote in between (often our own previous write, not yet in the informer cache): re-read and retry.
      current = (await (namespace
        ? api.getNamespacedCustomObject({ ...coords, namespace })
        : api.getClusterCustomObject(coords))) as T;
    }
  }
}
