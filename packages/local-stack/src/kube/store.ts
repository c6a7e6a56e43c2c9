/**
 * The object store: one global, monotonically increasing resourceVersion; objects kept per resource in Maps keyed by
 * namespace then name; a bounded history of watch events per resource (the watch cache) and the watchers of that
 * resource, so an event is fanned out only to the watchers of its own resource.
 *
 * Stored objects are never mutated after they are stored: a write stores a new object, so readers can hold on to
 * them and their JSON can be cached.
 */
import type { KubeObject } from "./meta.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredObject {
  readonly obj: KubeObject;
  readonly rv: number;
  /** JSON of `obj`, filled on first serialization. */
  json?: string;
}

export interface WatchEvent {
  readonly type: EventType;
  readonly rv: number;
  readonly object: StoredObject;
  /** The object before this event (MODIFIED and DELETED): lets selector watches turn changes into ADDED/DELETED. */
  readonly previous?: KubeObject;
}

export interface WatchSubscriber {
  deliver(event: WatchEvent): void;
}

/** Ring buffer of the last `capacity` events of one resource. */
class History {
  private readonly events: WatchEvent[] = [];
  private head = 0;
  /** Every event of this resource with rv > startRv is in the buffer. */
  startRv = 0;

  constructor(private readonly capacity: number) {}

  push(e: WatchEvent): void {
    if (this.capacity <= 0) {
      this.startRv = e.rv;
      return;
    }
    if (this.events.length < this.capacity) {
      this.events.push(e);
      return;
    }
    const evicted = this.events[this.head];
    this.events[this.head] = e;
    this.head = (this.head + 1) % this.capacity;
    if (evicted) this.startRv = evicted.rv;
  }

  /** Events after `rv`, oldest first. */
  since(rv: number): WatchEvent[] {
    const n = this.events.length;
    const at = (i: number) => this.events[(this.head + i) % n] as WatchEvent;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid).rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: WatchEvent[] = [];
    for (let i = lo; i < n; i++) out.push(at(i));
    return out;
  }

  clear(startRv: number): void {
    this.events.length = 0;
    this.head = 0;
    this.startRv = startRv;
  }
}

export class Bucket {
  readonly byNamespace = new Map<string, Map<string, StoredObject>>();
  readonly watchers = new Set<WatchSubscriber>();
  readonly history: History;
  size = 0;
  /** Sorted snapshot of all objects, rebuilt lazily after a create or delete (lists are sorted like etcd keys). */
  private sorted?: StoredObject[];

  constructor(historySize: number) {
    this.history = new History(historySize);
  }

  get(namespace: string, name: string): StoredObject | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Objects of one namespace (or all when undefined), sorted by namespace then name. */
  list(namespace?: string): StoredObject[] {
    if (namespace !== undefined) {
      const m = this.byNamespace.get(namespace);
      if (!m) return [];
      return [...m.values()].sort(byName);
    }
    if (!this.sorted) {
      const all: StoredObject[] = [];
      for (const ns of [...this.byNamespace.keys()].sort()) {
        const m = this.byNamespace.get(ns);
        if (m) all.push(...[...m.values()].sort(byName));
      }
      this.sorted = all;
    }
    // Entries may have been replaced by updates since the snapshot: read the live ones.
    return this.sorted.map((s) => this.get(s.obj.metadata.namespace ?? "", s.obj.metadata.name ?? "") ?? s);
  }

  countIn(namespace: string): number {
    return this.byNamespace.get(namespace)?.size ?? 0;
  }

  put(s: StoredObject, isNew: boolean): void {
    const ns = s.obj.metadata.namespace ?? "";
    let m = this.byNamespace.get(ns);
    if (!m) {
      m = new Map();
      this.byNamespace.set(ns, m);
    }
    m.set(s.obj.metadata.name ?? "", s);
    if (isNew) {
      this.size++;
      this.sorted = undefined;
    }
  }

  remove(namespace: string, name: string): void {
    const m = this.byNamespace.get(namespace);
    if (m?.delete(name)) {
      this.size--;
      this.sorted = undefined;
      if (m.size === 0) this.byNamespace.delete(namespace);
    }
  }
}

const byName = (a: StoredObject, b: StoredObject): number => {
  const x = a.obj.metadata.name ?? "";
  const y = b.obj.metadata.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

export class Store {
  private rv = 0;
  private readonly buckets = new Map<string, Bucket>();
  /**
   * Resources whose objects expire a fixed time after their last write, as the generic registry's `TTLFunc` makes
   * etcd do (Events: kube-apiserver `--event-ttl`, 1 h by default). Per resource: object key → expiry, in write order.
   */
  private readonly ttls = new Map<string, { ms: number; expiries: Map<string, number> }>();

  constructor(private readonly historySize: number) {}

  /** Objects of `key` written from now on expire `ms` after their last write. */
  setTtl(key: string, ms: number): void {
    this.ttls.set(key, { ms, expiries: new Map() });
  }

  /** Deletes every object whose TTL has run out by `now` (DELETED watch events, as an etcd lease expiry gives). */
  expire(now = Date.now()): void {
    for (const [key, { expiries }] of this.ttls) {
      const b = this.bucket(key);
      for (const [id, at] of expiries) {
        if (at > now) break; // write order is expiry order: the TTL is the same for every object
        const slash = id.indexOf("/");
        const s = b.get(id.slice(0, slash), id.slice(slash + 1));
        if (s) this.remove(key, { ...s.obj, metadata: { ...s.obj.metadata } }, s);
        expiries.delete(id);
      }
    }
  }

  currentRv(): number {
    return this.rv;
  }

  /** No object of `key` changed after `rv`, as far as its history tells: its current objects are its state at `rv`. */
  unchangedSince(key: string, rv: number): boolean {
    const { history } = this.bucket(key);
    return rv >= history.startRv && history.since(rv).length === 0;
  }

  bucket(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new Bucket(this.historySize);
      // A new resource's history starts now: watching it from an earlier rv misses nothing (it had no objects).
      b.history.startRv = 0;
      this.buckets.set(key, b);
    }
    return b;
  }

  allBuckets(): Iterable<Bucket> {
    return this.buckets.values();
  }

  /** Stores `obj` (its metadata.resourceVersion is set here) and emits ADDED or MODIFIED. */
  write(key: string, obj: KubeObject, previous: StoredObject | undefined): StoredObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const stored: StoredObject = { obj, rv };
    const b = this.bucket(key);
    b.put(stored, previous === undefined);
    const ttl = this.ttls.get(key);
    if (ttl) {
      const id = `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
      ttl.expiries.delete(id); // re-inserted last: a write restarts the TTL
      ttl.expiries.set(id, Date.now() + ttl.ms);
    }
    this.emit(b, { type: previous ? "MODIFIED" : "ADDED", rv, object: stored, previous: previous?.obj });
    return stored;
  }

  /** Removes the object and emits DELETED carrying its final state at a new resourceVersion. */
  remove(key: string, finalObj: KubeObject, previous: StoredObject): StoredObject {
    const rv = ++this.rv;
    finalObj.metadata.resourceVersion = String(rv);
    const stored: StoredObject = { obj: finalObj, rv };
    const b = this.bucket(key);
    b.remove(finalObj.metadata.namespace ?? "", finalObj.metadata.name ?? "");
    this.ttls.get(key)?.expiries.delete(`${finalObj.metadata.namespace ?? ""}/${finalObj.metadata.name ?? ""}`);
    this.emit(b, { type: "DELETED", rv, object: stored, previous: previous.obj });
    return stored;
  }

  private emit(b: Bucket, e: WatchEvent): void {
    b.history.push(e);
    for (const w of b.watchers) w.deliver(e);
  }

  /** Compaction: forget every event, so a watch from any older resourceVersion gets 410 Expired. */
  expireHistory(): void {
    for (const b of this.buckets.values()) b.history.clear(this.rv);
  }
}
