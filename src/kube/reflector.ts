/**
 * The reflector (kube-rs `reflector/store.rs`): keeps a Store equal to what the watcher reports. A (re)list is
 * collected aside and swapped in atomically on init-done, so readers never see a half-listed cache, and objects that
 * vanished while the watch was down are reported as deleted.
 */
import { type KubeObject, objectKey, stripForCache } from "./object.js";
import type { WatcherEvent } from "./watcher.js";

export type Change<T> =
  | { type: "add"; object: T }
  | { type: "update"; old: T; object: T }
  | { type: "delete"; object: T };

/** Read side of the cache. */
export interface StoreReader<T> {
  get(key: string): T | undefined;
  list(): T[];
  keys(): string[];
  readonly size: number;
  /** Resolves once the first list has been applied (the "synced" point). */
  ready(): Promise<void>;
  isReady(): boolean;
}

export class Store<T extends KubeObject> implements StoreReader<T> {
  private objects = new Map<string, T>();
  private listing: Map<string, T> | undefined;
  private synced = false;
  private readonly whenReady: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly transform: (obj: T) => T = stripForCache) {
    this.whenReady = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  get size(): number {
    return this.objects.size;
  }

  ready(): Promise<void> {
    return this.whenReady;
  }

  isReady(): boolean {
    return this.synced;
  }

  /** Applies one watcher event and returns what changed for subscribers (nothing until a list completes). */
  apply(event: WatcherEvent<T>): Change<T>[] {
    switch (event.type) {
      case "init-start":
        this.listing = new Map();
        return [];
      case "init-apply": {
        const obj = this.transform(event.object);
        this.listing ??= new Map();
        this.listing.set(objectKey(obj), obj);
        return [];
      }
      case "init-done":
        return this.swap();
      case "applied": {
        const obj = this.transform(event.object);
        const key = objectKey(obj);
        const old = this.objects.get(key);
        this.objects.set(key, obj);
        if (!old) return [{ type: "add", object: obj }];
        if (sameVersion(old, obj)) return [];
        return [{ type: "update", old, object: obj }];
      }
      case "deleted": {
        const key = objectKey(event.object);
        const old = this.objects.get(key);
        this.objects.delete(key);
        return [{ type: "delete", object: old ?? this.transform(event.object) }];
      }
    }
  }

  private swap(): Change<T>[] {
    const next = this.listing ?? new Map<string, T>();
    this.listing = undefined;
    const changes: Change<T>[] = [];
    for (const [key, obj] of next) {
      const old = this.objects.get(key);
      if (!old) changes.push({ type: "add", object: obj });
      else if (!sameVersion(old, obj)) changes.push({ type: "update", old, object: obj });
    }
    for (const [key, old] of this.objects) if (!next.has(key)) changes.push({ type: "delete", object: old });
    this.objects = next;
    if (!this.synced) {
      this.synced = true;
      this.markReady();
    }
    return changes;
  }
}

function sameVersion(a: KubeObject, b: KubeObject): boolean {
  const ra = a.metadata?.resourceVersion;
  return ra !== undefined && ra === b.metadata?.resourceVersion;
}
