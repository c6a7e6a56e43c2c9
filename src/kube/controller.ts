/**
 * The controller (controller-runtime's Controller, kube-rs `Controller::run(reconcile, error_policy)`): informer events
 * enqueue keys, N workers take keys from the work queue and reconcile them. Reconcile returns an Action; a worker never
 * sleeps, every delay is the queue's (addAfter / addRateLimited).
 */
import { type Clock, systemClock } from "./clock.js";
import { errorMessage, httpStatus } from "./errors.js";
import { deepEqual } from "./json.js";
import { type Logger, silentLogger } from "./log.js";
import { type KubeObject, objectKey } from "./object.js";
import { WorkQueue } from "./workqueue.js";

/**
 * What to do with the key after reconcile. `{}` waits for the next change; `requeueAfter` runs it again after that
 * many ms (and forgets its failures); `requeue: "rateLimited"` runs it again after the queue's per-key backoff.
 */
export interface Action {
  requeueAfter?: number;
  requeue?: "rateLimited";
}

export interface ReconcileContext {
  /** Aborted when the controller's stop deadline has passed: in-flight work should give up. */
  signal: AbortSignal;
  /** Failures since the key last succeeded (the queue's numRequeues). */
  attempt: number;
}

/** What the controller needs from an informer. */
export interface EventSource<T> {
  subscribe(handlers: { onAdd?(obj: T): void; onUpdate?(old: T, obj: T): void; onDelete?(obj: T): void }): () => void;
  ready(): Promise<void>;
  keys(): string[];
}

export type ReconcileResult = "success" | "error" | "requeue" | "requeue_after";

/** Hooks for controller-runtime's controller_runtime_* metrics. */
export interface ControllerObserver {
  reconciled?(result: ReconcileResult, seconds: number): void;
  activeWorkers?(n: number): void;
}

export interface ControllerOptions<T extends KubeObject> {
  name: string;
  informers: EventSource<T>[];
  reconcile(key: string, ctx: ReconcileContext): Promise<Action>;
  /** Maps a thrown error to an Action; by default the key is requeued with the queue's backoff. */
  errorPolicy?(key: string, err: unknown, ctx: ReconcileContext): Action;
  queue?: WorkQueue<string>;
  workers?: number;
  /** Whether an update event should enqueue the key; default `metadataChanged`. */
  enqueueOnUpdate?(old: T, obj: T): boolean;
  /** How long run() waits for in-flight reconciles once its signal aborts. */
  shutdownTimeoutMs?: number;
  observer?: ControllerObserver;
  log?: Logger;
  clock?: Clock;
}

/**
 * The default update filter: enqueue only when generation, deletionTimestamp, annotations or labels changed. A
 * status-only update is skipped, so the operator's own status writes do not cause a reconcile per write; so is a
 * finalizer-only change, which is almost always the operator's own finalizer patch (a removed finalizer is put back by
 * the next reconcile). Objects without metadata.generation are always enqueued.
 */
export function metadataChanged(old: KubeObject, obj: KubeObject): boolean {
  const a = old.metadata ?? {};
  const b = obj.metadata ?? {};
  if (a.generation === undefined || b.generation === undefined) return true;
  return (
    a.generation !== b.generation ||
    !deepEqual(a.deletionTimestamp, b.deletionTimestamp) ||
    !deepEqual(a.annotations ?? {}, b.annotations ?? {}) ||
    !deepEqual(a.labels ?? {}, b.labels ?? {})
  );
}

export class Controller<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly hardStop = new AbortController();
  private readonly stopped: Promise<void>;
  private markStopped!: () => void;
  private stopping: Promise<boolean> | undefined;
  private started = false;
  private active = 0;
  private workers: Promise<void>[] = [];
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly o: ControllerOptions<T>) {
    this.name = o.name;
    this.clock = o.clock ?? systemClock;
    this.queue = o.queue ?? new WorkQueue<string>({ clock: this.clock });
    this.log = o.log ?? silentLogger;
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
  }

  /** Enqueue a key from outside the informers (e.g. a periodic resync found a change). */
  enqueue(key: string, afterMs = 0): void {
    this.queue.addAfter(key, afterMs);
  }

  /**
   * Waits for every informer to sync, enqueues every cached key, starts the workers, and runs until `signal` aborts
   * (then stops within shutdownTimeoutMs) or stop() is called. Can run once.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} already started`);
    this.started = true;
    const filter = this.o.enqueueOnUpdate ?? metadataChanged;
    // The initial list is queued at low priority: changes that arrive meanwhile go first (see WorkQueue).
    let synced = false;
    // Subscribe before waiting, so nothing that changes while the caches sync is missed (the queue de-duplicates).
    for (const informer of this.o.informers) {
      this.unsubscribe.push(
        informer.subscribe({
          onAdd: (obj) => this.queue.add(objectKey(obj), !synced),
          onUpdate: (old, obj) => {
            if (filter(old, obj)) this.queue.add(objectKey(obj));
          },
          onDelete: (obj) => this.queue.add(objectKey(obj)),
        }),
      );
    }
    const onAbort = () => void this.stop(this.o.shutdownTimeoutMs ?? 30_000);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) onAbort();

    await Promise.race([Promise.all(this.o.informers.map((i) => i.ready())), this.stopped]);
    if (!this.stopping) {
      synced = true;
      for (const informer of this.o.informers) for (const key of informer.keys()) this.queue.add(key, true);
      const n = Math.max(1, this.o.workers ?? 1);
      this.log.info({ controller: this.name, workers: n }, "caches synced, starting workers");
      this.workers = Array.from({ length: n }, () => this.worker());
    }
    await this.stopped;
    signal.removeEventListener("abort", onAbort);
  }

  /**
   * Stops taking work and waits up to `deadlineMs` for in-flight reconciles; after the deadline their context signal is
   * aborted. Resolves true if everything in flight finished in time.
   */
  stop(deadlineMs = 30_000): Promise<boolean> {
    this.stopping ??= (async () => {
      for (const u of this.unsubscribe.splice(0)) u();
      const drained = this.queue.shutDownWithDrain().then(() => true);
      let timer: unknown;
      const deadline = new Promise<boolean>((resolve) => {
        timer = this.clock.setTimeout(() => resolve(false), deadlineMs);
      });
      const inTime = await Promise.race([drained, deadline]);
      this.clock.clearTimeout(timer);
      if (!inTime) {
        this.log.warn({ controller: this.name, inFlight: this.queue.inProgress() }, "stop deadline passed");
        this.hardStop.abort(new Error("controller stopped"));
      } else {
        await Promise.all(this.workers);
      }
      this.markStopped();
      return inTime;
    })();
    return this.stopping;
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const started = this.clock.now();
    this.active++;
    this.observe((o) => o.activeWorkers?.(this.active));
    const ctx: ReconcileContext = { signal: this.hardStop.signal, attempt: this.queue.numRequeues(key) };
    let action: Action;
    let result: ReconcileResult;
    try {
      action = (await this.o.reconcile(key, ctx)) ?? {};
      result =
        action.requeue === "rateLimited" ? "requeue" : action.requeueAfter !== undefined ? "requeue_after" : "success";
    } catch (err) {
      // A thrown error never kills the worker: it becomes an Action through the error policy.
      result = "error";
      action = this.policy(key, err, ctx);
    }
    try {
      if (action.requeue === "rateLimited") {
        this.queue.addRateLimited(key);
      } else if (action.requeueAfter !== undefined) {
        this.queue.forget(key);
        this.queue.addAfter(key, action.requeueAfter);
      } else {
        this.queue.forget(key);
      }
    } finally {
      this.queue.done(key);
      this.active--;
      const seconds = (this.clock.now() - started) / 1000;
      this.observe((o) => {
        o.activeWorkers?.(this.active);
        o.reconciled?.(result, seconds);
      });
    }
  }

  /** Metrics hooks must not break the worker loop. */
  private observe(f: (o: ControllerObserver) => void): void {
    if (!this.o.observer) return;
    try {
      f(this.o.observer);
    } catch (err) {
      this.log.warn({ controller: this.name, err: errorText(err) }, "observer threw");
    }
  }

  private policy(key: string, err: unknown, ctx: ReconcileContext): Action {
    this.log.error({ controller: this.name, key, attempt: ctx.attempt, err: errorText(err) }, "reconcile failed");
    if (!this.o.errorPolicy) return { requeue: "rateLimited" };
    try {
      return this.o.errorPolicy(key, err, ctx) ?? { requeue: "rateLimited" };
    } catch (policyErr) {
      this.log.error({ controller: this.name, key, err: errorText(policyErr) }, "error policy threw");
      return { requeue: "rateLimited" };
    }
  }
}

/** API errors by their Status message (ApiException's own message embeds headers); other errors with their stack. */
const errorText = (err: unknown) =>
  httpStatus(err) !== undefined ? errorMessage(err) : err instanceof Error ? (err.stack ?? err.message) : String(err);
