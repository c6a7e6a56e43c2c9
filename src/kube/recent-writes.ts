/**
 * Read-your-writes over an informer cache: the objects the API server returned for our own writes, kept until the
 * informer has caught up. Without it, the next write after a finalizer patch or a status write carries the cached
 * (older) resourceVersion and costs a 409, a GET and a retry. Entries live only until the watch delivers the same
 * or a later version, so the map holds at most the writes in flight. The watch often delivers a write before the
 * write's own response arrives: recording it then would keep a whole object per resource for an event that has come
 * already (a heap snapshot at 2,000 converged resources held 2,000 such objects, managedFields included).
 */
import type { KubeObject } from "./object.js";
import { objectKey } from "./object.js";

export class RecentWrites<T extends KubeObject> {
  private readonly written = new Map<string, T>();

  /** The object a write returned; `cached` is the informer's copy now, which may have it already. */
  record(obj: T, cached: T | undefined): void {
    const key = objectKey(obj);
    if (cached && !isOlder(cached.metadata?.resourceVersion, obj.metadata?.resourceVersion)) this.written.delete(key);
    else this.written.set(key, obj);
  }

  /** The informer delivered `obj` (or its deletion): drop ours once the cache is as new. */
  observed(obj: T, deleted = false): void {
    const key = objectKey(obj);
    const mine = this.written.get(key);
    if (mine && (deleted || !isOlder(obj.metadata?.resourceVersion, mine.metadata?.resourceVersion)))
      this.written.delete(key);
  }

  /** Ours when the cache has not caught up yet, else the cached object. */
  read(key: string, cached: T | undefined): T | undefined {
    return cached ? (this.written.get(key) ?? cached) : undefined;
  }

  get size(): number {
    return this.written.size;
  }
}

/**
 * Whether version `a` is older than `b`. resourceVersions are opaque; the API server's are integers (etcd revisions),
 * and anything else is treated as caught up, so an entry can never outlive the next event.
 */
function isOlder(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}
