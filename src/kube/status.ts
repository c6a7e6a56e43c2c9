/**
 * Status writes through the /status subresource, only when the status really changed (no write per resync), as a
 * JSON merge patch guarded by the object's resourceVersion; a 409 Conflict re-reads the object and tries again.
 */
import { isConflict } from "./errors.js";
import { deepEqual, mergePatch } from "./json.js";
import { type KubeObject, objectPath, type ResourceRef } from "./object.js";
import { type KubeApi, MERGE_PATCH } from "./rest.js";

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
  api: KubeApi,
  resource: Pick<ResourceRef, "group" | "version" | "plural">,
  obj: T,
  status: unknown,
  options: StatusWriteOptions = {},
): Promise<boolean> {
  const maxRetries = options.maxConflictRetries ?? 5;
  const ref = { ...resource, namespace: obj.metadata?.namespace };
  const name = obj.metadata?.name ?? "";
  let current = obj;
  for (let attempt = 0; ; attempt++) {
    if (deepEqual(current.status, status)) return false;
    options.beforeAttempt?.();
    const body = {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      status: mergePatch(current.status ?? {}, status) ?? {},
    };
    try {
      const written = await api.patch(objectPath(ref, name, "status"), body, MERGE_PATCH);
      options.onWritten?.(written);
      return true;
    } catch (err) {
      if (!isConflict(err) || attempt >= maxRetries) throw err;
      // Someone wrote in between (often our own previous write, not yet in the informer cache): re-read and retry.
      current = await api.get<T>(objectPath(ref, name));
    }
  }
}
