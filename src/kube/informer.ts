/**
 * An informer: a watcher feeding a reflector store, plus subscribers told about adds, updates (old and new) and
 * deletes, in order, awaited one at a time. One informer per resource and namespace (or all namespaces).
 */
import { type Logger, silentLogger } from "./log.js";
import type { KubeObject } from "./object.js";
import { type Change, Store, type StoreReader } from "./reflector.js";
import { Watcher, type WatcherEvent, type WatcherOptions, type WatcherStats } from "./watcher.js";

export interface InformerHandlers<T> {
  onAdd?(obj: T): void | Promise<void>;
  onUpdate?(old: T, obj: T): void | Promise<void>;
  onDelete?(obj: T): void | Promise<void>;
}

export interface InformerOptions<T> extends WatcherOptions {
  /** Applied to every object before it is cached; the default drops managedFields and last-applied. */
  transform?: (obj: T) => T;
}

export class Informer<T extends KubeObject = KubeObject> implements StoreReader<T> {
  readonly store: Store<T>;
  readonly watcher: Watcher<T>;
  private readonly subscribers = new Set<InformerHandlers<T>>();
  private readonly log: Logger;
  private running = false;
  private synced = false;
  private readonly whenSynced: Promise<void>;
  private markSynced!: () => void;

  constructor(options: InformerOptions<T>) {
    this.store = new Store<T>(options.transform);
    this.watcher = new Watcher<T>(options);
    this.log = options.log ?? silentLogger;
    this.whenSynced = new Promise((resolve) => {
      this.markSynced = resolve;
    });
  }

  /** Adds a subscriber; returns a function that removes it. */
  subscribe(handlers: InformerHandlers<T>): () => void {
    this.subscribers.add(handlers);
    return () => this.subscribers.delete(handlers);
  }

  /** Lists and watches until `signal` aborts. Resolves when stopped; never rejects. */
  async start(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error("informer already started");
    this.running = true;
    try {
      await this.watcher.run((event) => this.onEvent(event), signal);
    } finally {
      this.running = false;
    }
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }
  list(): T[] {
    return this.store.list();
  }
  keys(): string[] {
    return this.store.keys();
  }
  get size(): number {
    return this.store.size;
  }
  /** Resolves once the first list is in the cache and subscribers have been told about every object in it. */
  ready(): Promise<void> {
    return this.whenSynced;
  }
  isReady(): boolean {
    return this.synced;
  }
  stats(): WatcherStats {
    return this.watcher.stats();
  }

  private async onEvent(event: WatcherEvent<T>): Promise<void> {
    for (const change of this.store.apply(event)) {
      for (const s of this.subscribers) {
        try {
          await notify(s, change);
        } catch (err) {
          this.log.error({ change: change.type, err: String(err) }, "informer subscriber threw");
        }
      }
    }
    if (event.type === "init-done" && !this.synced) {
      this.synced = true;
      this.markSynced();
    }
  }
}

function notify<T>(s: InformerHandlers<T>, c: Change<T>): void | Promise<void> {
  switch (c.type) {
    case "add":
      return s.onAdd?.(c.object);
    case "update":
      return s.onUpdate?.(c.old, c.object);
    case "delete":
      return s.onDelete?.(c.object);
  }
}
