import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter } from "../../src/kube/ratelimiter.js";
import { WorkQueue } from "../../src/kube/workqueue.js";
import { FakeClock } from "../support/fake-clock.js";

const flush = () => new Promise<void>((r) => setImmediate(r));

function queue(clock = new FakeClock(), baseDelayMs = 10) {
  const q = new WorkQueue<string>({
    clock,
    rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs, maxDelayMs: 10_000 }),
  });
  return { q, clock };
}

describe("WorkQueue: de-duplication and one worker per key", () => {
  it("merges duplicate adds and hands keys out in FIFO order", async () => {
    const { q } = queue();
    for (const k of ["a", "b", "a", "c", "b"]) q.add(k);
    expect(q.len()).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["a", "b", "c"]);
  });

  it("a key added while it is processed is queued once more after done, never handed out twice at once", async () => {
    const { q } = queue();
    q.add("a");
    expect(await q.get()).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0); // held back while "a" is processing
    let second: string | undefined;
    void q.get().then((k) => {
      second = k;
    });
    await flush();
    expect(second).toBeUndefined();
    q.done("a");
    await flush();
    expect(second).toBe("a");
    expect(q.len()).toBe(0); // the two adds merged into one
  });

  it("a waiting get() receives the next added key", async () => {
    const { q } = queue();
    const pending = q.get();
    q.add("x");
    expect(await pending).toBe("x");
  });

  it("random interleavings of add/get/done never process a key twice at once and never lose an add", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("add" as const), key: fc.constantFrom("a", "b", "c") }),
            fc.record({ op: fc.constant("get" as const) }),
            fc.record({ op: fc.constant("done" as const), i: fc.nat(5) }),
          ),
          { maxLength: 60 },
        ),
        async (ops) => {
          const { q } = queue();
          const inFlight: string[] = [];
          // keys added since they were last handed out: each must be handed out again later
          const owed = new Set<string>();
          const take = async () => {
            if (q.len() === 0) return;
            const k = (await q.get()) as string;
            expect(inFlight).not.toContain(k);
            inFlight.push(k);
            owed.delete(k);
          };
          for (const o of ops) {
            if (o.op === "add") {
              q.add(o.key);
              owed.add(o.key);
            } else if (o.op === "get") {
              await take();
            } else if (inFlight.length > 0) {
              const [k] = inFlight.splice(o.i % inFlight.length, 1);
              q.done(k as string);
            }
          }
          // drain: finish everything, and every owed key comes out exactly once more
          for (;;) {
            for (const k of inFlight.splice(0)) q.done(k);
            if (q.len() === 0) break;
            while (q.len() > 0) await take();
          }
          expect([...owed]).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("WorkQueue: delays", () => {
  it("releases delayed keys in time order", async () => {
    const { q, clock } = queue();
    q.addAfter("a", 300);
    q.addAfter("b", 100);
    q.addAfter("c", 200);
    expect(q.len()).toBe(0);
    clock.advance(150);
    expect(q.len()).toBe(1);
    clock.advance(1_000);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["b", "c", "a"]);
  });

  it("the earliest time wins and a key waits only once", async () => {
    const { q, clock } = queue();
    q.addAfter("a", 5_000);
    q.addAfter("a", 100);
    q.addAfter("b", 100);
    q.addAfter("b", 5_000);
    expect(q.delayedLen()).toBe(2);
    clock.advance(100);
    expect(q.len()).toBe(2);
    clock.advance(10_000);
    expect(q.len()).toBe(2);
  });

  it("uses one timer for the whole heap, not one per key", () => {
    const { q, clock } = queue();
    for (let i = 0; i < 1_000; i++) q.addAfter(`k${i}`, 1 + ((i * 7919) % 5_000));
    expect(q.delayedLen()).toBe(1_000);
    expect(clock.pending()).toBe(1);
    clock.advance(2_500);
    expect(clock.pending()).toBe(1);
    clock.advance(2_500);
    expect(q.len()).toBe(1_000);
    expect(clock.pending()).toBe(0);
  });

  it("addAfter with 0 adds at once", async () => {
    const { q } = queue();
    q.addAfter("now", 0);
    expect(q.len()).toBe(1);
  });

  it("addRateLimited backs off per key; forget resets it", async () => {
    const { q, clock } = queue(new FakeClock(), 100);
    q.addRateLimited("a"); // 100
    clock.advance(99);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(await q.get()).toBe("a");
    q.done("a");
    q.addRateLimited("a"); // 200
    clock.advance(199);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues("a")).toBe(2);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
  });
});

describe("WorkQueue: shutdown", () => {
  it("shutDown wakes waiting workers with undefined and ignores new keys", async () => {
    const { q, clock } = queue();
    const waiting = q.get();
    q.addAfter("later", 100);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add("x");
    clock.advance(1_000);
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
    expect(clock.pending()).toBe(0);
  });

  it("shutDownWithDrain resolves only when keys in progress are done", async () => {
    const { q } = queue();
    q.add("a");
    q.add("b");
    const a = await q.get();
    let drained = false;
    void q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await flush();
    expect(drained).toBe(false);
    expect(await q.get()).toBeUndefined(); // "b" is not handed out any more
    q.done(a as string);
    await flush();
    expect(drained).toBe(true);
  });
});

describe("WorkQueue: observer", () => {
  it("reports depth, adds, retries, queue latency, work duration and unfinished work", async () => {
    const clock = new FakeClock();
    const seen = {
      depth: [] as number[],
      adds: 0,
      retries: 0,
      latency: [] as number[],
      work: [] as number[],
      unfinished: [] as number[],
      longest: [] as number[],
    };
    const q = new WorkQueue<string>({
      clock,
      rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 10, maxDelayMs: 100 }),
      observer: {
        depth: (n) => seen.depth.push(n),
        add: () => seen.adds++,
        retry: () => seen.retries++,
        latency: (s) => seen.latency.push(s),
        workDuration: (s) => seen.work.push(s),
        unfinishedWork: (s) => seen.unfinished.push(s),
        longestRunning: (s) => seen.longest.push(s),
      },
    });
    q.add("a");
    q.add("a");
    q.add("b");
    expect(seen.adds).toBe(2);
    expect(seen.depth.at(-1)).toBe(2);
    clock.advance(2_000);
    const k = await q.get();
    expect(seen.latency).toEqual([2]);
    expect(seen.depth.at(-1)).toBe(1);
    clock.advance(1_000);
    expect(seen.unfinished.at(-1)).toBeCloseTo(1);
    expect(seen.longest.at(-1)).toBeCloseTo(1);
    clock.advance(500);
    q.done(k as string);
    expect(seen.work).toEqual([1.5]);
    q.addRateLimited("c");
    expect(seen.retries).toBe(1);
    q.shutDown();
  });
});

describe("WorkQueue: low priority (the initial list)", () => {
  it("hands out normal keys before low ones, and a normal add promotes a waiting low key", async () => {
    const { q } = queue();
    for (const k of ["init-1", "init-2", "init-3"]) q.add(k, true);
    q.add("edited");
    q.add("init-3"); // a watch event for a key still waiting in the initial backlog
    q.add("init-1", true); // a duplicate low add changes nothing
    expect(q.len()).toBe(4);
    const order: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) order.push(await q.get());
    expect(order).toEqual(["edited", "init-3", "init-1", "init-2"]);
  });

  it("a low key re-added at normal priority while it is processed comes back at normal priority", async () => {
    const { q } = queue();
    q.add("a", true);
    expect(await q.get()).toBe("a");
    q.add("b", true);
    q.add("a", true);
    q.add("a");
    q.done("a");
    expect(await q.get()).toBe("a");
    q.done("a");
    expect(await q.get()).toBe("b");
  });
});
