/** The controller over an in-memory event source (our own EventSource interface, fed through the real Store). */
import { describe, expect, it } from "vitest";
import { type Action, Controller, type EventSource, type ReconcileContext } from "../../src/kube/controller.js";
import type { KubeObject } from "../../src/kube/object.js";
import { ItemExponentialFailureRateLimiter } from "../../src/kube/ratelimiter.js";
import { type Change, Store } from "../../src/kube/reflector.js";
import type { WatcherEvent } from "../../src/kube/watcher.js";
import { WorkQueue } from "../../src/kube/workqueue.js";
import { FakeClock } from "../support/fake-clock.js";
import { sleep, waitFor } from "../support/wait.js";

type Handlers = Parameters<EventSource<KubeObject>["subscribe"]>[0];

class MemorySource implements EventSource<KubeObject> {
  readonly store = new Store();
  private readonly subs = new Set<Handlers>();
  subscribe(h: Handlers) {
    this.subs.add(h);
    return () => this.subs.delete(h);
  }
  ready() {
    return this.store.ready();
  }
  keys() {
    return this.store.keys();
  }
  emit(e: WatcherEvent<KubeObject>) {
    for (const c of this.store.apply(e)) for (const s of this.subs) notify(s, c);
  }
  sync(objects: KubeObject[]) {
    this.emit({ type: "init-start" });
    for (const o of objects) this.emit({ type: "init-apply", object: o });
    this.emit({ type: "init-done" });
  }
}

function notify(s: Handlers, c: Change<KubeObject>) {
  if (c.type === "add") s.onAdd?.(c.object);
  else if (c.type === "update") s.onUpdate?.(c.old, c.object);
  else s.onDelete?.(c.object);
}

const obj = (name: string, rv = "1", generation = 1): KubeObject => ({
  metadata: { name, namespace: "ns", resourceVersion: rv, generation },
});

function setup(
  reconcile: (key: string, ctx: ReconcileContext) => Promise<Action>,
  opts: { workers?: number; errorPolicy?: (key: string, err: unknown) => Action } = {},
) {
  const source = new MemorySource();
  const queue = new WorkQueue<string>({
    rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 50 }),
  });
  const controller = new Controller({ name: "test", informers: [source], queue, reconcile, ...opts });
  const abort = new AbortController();
  const running = controller.run(abort.signal);
  return { source, queue, controller, abort, running };
}

describe("Controller", () => {
  it("waits for the cache to sync, then reconciles every cached key once", async () => {
    const seen: string[] = [];
    const { source, abort, running } = setup(
      async (key) => {
        seen.push(key);
        return {};
      },
      { workers: 3 },
    );
    await sleep(20);
    expect(seen).toEqual([]); // not synced yet
    source.sync(Array.from({ length: 20 }, (_, i) => obj(`p${i}`)));
    await waitFor("condition", () => seen.length === 20);
    await sleep(30);
    expect(new Set(seen).size).toBe(20);
    expect(seen.length).toBe(20);
    abort.abort();
    await running;
  });

  it("enqueues on add, delete and metadata changes, not on status-only updates", async () => {
    const seen: string[] = [];
    const { source, abort, running } = setup(async (key) => {
      seen.push(key);
      return {};
    });
    source.sync([obj("a")]);
    await waitFor("condition", () => seen.length === 1);
    source.emit({ type: "applied", object: { ...obj("a", "2"), status: { phase: "x" } } });
    await sleep(50);
    expect(seen).toEqual(["ns/a"]);
    source.emit({ type: "applied", object: obj("a", "3", 2) });
    await waitFor("condition", () => seen.length === 2);
    source.emit({ type: "applied", object: obj("b", "4") });
    source.emit({ type: "deleted", object: obj("a", "5", 2) });
    await waitFor("condition", () => seen.length === 4);
    expect(seen.slice(2).sort()).toEqual(["ns/a", "ns/b"]);
    abort.abort();
    await running;
  });

  it("a thrown error becomes a rate-limited retry with a growing attempt count; success resets it", async () => {
    const attempts: number[] = [];
    const { source, queue, abort, running } = setup(async (_key, ctx) => {
      attempts.push(ctx.attempt);
      if (attempts.length <= 3) throw new Error("boom");
      return {};
    });
    source.sync([obj("a")]);
    await waitFor("condition", () => attempts.length === 4);
    expect(attempts).toEqual([0, 1, 2, 3]);
    expect(queue.numRequeues("ns/a")).toBe(0);
    abort.abort();
    await running;
  });

  it("errorPolicy decides what an error means; {} waits for the next change", async () => {
    let calls = 0;
    const policyCalls: string[] = [];
    const { source, abort, running } = setup(
      async () => {
        calls++;
        throw new Error("terminal");
      },
      {
        errorPolicy: (key, err) => {
          policyCalls.push(`${key}:${(err as Error).message}`);
          return {};
        },
      },
    );
    source.sync([obj("a")]);
    await waitFor("condition", () => calls === 1);
    await sleep(100);
    expect(calls).toBe(1);
    expect(policyCalls).toEqual(["ns/a:terminal"]);
    abort.abort();
    await running;
  });

  it("requeueAfter runs the key again after the delay, without a sleeping worker", async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const source = new MemorySource();
    const controller = new Controller({
      name: "t",
      informers: [source],
      clock,
      queue: new WorkQueue<string>({ clock }),
      reconcile: async () => {
        times.push(clock.now());
        return times.length < 3 ? { requeueAfter: 50 } : {};
      },
    });
    const abort = new AbortController();
    const running = controller.run(abort.signal);
    source.sync([obj("a")]);
    await waitFor("the first reconcile", () => times.length === 1);
    clock.advance(49);
    await sleep(20);
    expect(times).toHaveLength(1); // not yet due: the key waits in the queue, no worker is busy
    clock.advance(1);
    await waitFor("the second reconcile", () => times.length === 2);
    clock.advance(50);
    await waitFor("the third reconcile", () => times.length === 3);
    expect([(times[1] ?? 0) - (times[0] ?? 0), (times[2] ?? 0) - (times[1] ?? 0)]).toEqual([50, 50]);
    abort.abort();
    await running;
  });

  it("never reconciles one key in two workers at once, and the last change is always reconciled", async () => {
    let running = 0;
    let maxConcurrent = 0;
    let lastSeenGeneration = 0;
    const source = new MemorySource();
    const controller = new Controller({
      name: "c",
      informers: [source],
      workers: 4,
      reconcile: async () => {
        running++;
        maxConcurrent = Math.max(maxConcurrent, running);
        const g = source.store.get("ns/a")?.metadata?.generation ?? 0;
        await sleep(5);
        lastSeenGeneration = g;
        running--;
        return {};
      },
    });
    const abort = new AbortController();
    const done = controller.run(abort.signal);
    source.sync([obj("a")]);
    for (let g = 2; g <= 40; g++) {
      source.emit({ type: "applied", object: obj("a", String(g), g) });
      await sleep(1);
    }
    await waitFor("condition", () => lastSeenGeneration === 40);
    expect(maxConcurrent).toBe(1);
    abort.abort();
    await done;
  });

  it("stop waits for in-flight reconciles; past the deadline it aborts their signal and reports false", async () => {
    let signal: AbortSignal | undefined;
    const { source, controller } = setup(async (_key, ctx) => {
      signal = ctx.signal;
      await new Promise((r) => ctx.signal.addEventListener("abort", r));
      return {};
    });
    source.sync([obj("a")]);
    await waitFor("condition", () => signal !== undefined);
    expect(await controller.stop(100)).toBe(false);
    expect(signal?.aborted).toBe(true);

    let finished = false;
    const quick = setup(async () => {
      await sleep(50);
      finished = true;
      return {};
    });
    quick.source.sync([obj("a")]);
    await sleep(10);
    expect(await quick.controller.stop(5_000)).toBe(true);
    expect(finished).toBe(true);
    await quick.running;
  });

  it("reports each reconcile's result and duration to the observer", async () => {
    const results: string[] = [];
    const active: number[] = [];
    const source = new MemorySource();
    let n = 0;
    const controller = new Controller({
      name: "obs",
      informers: [source],
      queue: new WorkQueue<string>({
        rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 50 }),
      }),
      reconcile: async (): Promise<Action> => {
        n++;
        if (n === 1) throw new Error("x");
        if (n === 2) return { requeue: "rateLimited" };
        if (n === 3) return { requeueAfter: 10 };
        return {};
      },
      observer: {
        reconciled: (r, seconds) => {
          expect(seconds).toBeGreaterThanOrEqual(0);
          results.push(r);
        },
        activeWorkers: (k) => void active.push(k),
      },
    });
    const abort = new AbortController();
    const done = controller.run(abort.signal);
    source.sync([obj("a")]);
    await waitFor("condition", () => results.length === 4);
    expect(results).toEqual(["error", "requeue", "requeue_after", "success"]);
    expect(Math.max(...active)).toBe(1);
    expect(active.at(-1)).toBe(0);
    abort.abort();
    await done;
  });
});
