/**
 * The work queue's fairness between namespaces (issue 13, "fair share"): a namespace with a large backlog delays
 * another namespace's keys by a bounded number of picks, is not starved itself, and client-go's guarantees (one worker
 * per key, re-queue after done, delays, rate limiting, shutdown) hold with fairness on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter } from "../../src/kube/ratelimiter.js";
import { WorkQueue } from "../../src/kube/workqueue.js";
import { FakeClock } from "../support/fake-clock.js";

const namespaceOf = (key: string) => key.slice(0, Math.max(0, key.indexOf("/")));

function fairQueue(clock = new FakeClock()) {
  const flows: number[] = [];
  const q = new WorkQueue<string>({
    clock,
    fairnessKey: namespaceOf,
    rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 100, maxDelayMs: 10_000 }),
    observer: { flows: (n) => flows.push(n) },
  });
  /** One worker: get, done, return the key. */
  const pick = async () => {
    const key = (await q.get()) as string;
    q.done(key);
    return key;
  };
  return { q, clock, pick, flows };
}

const busyKeys = (n: number) => Array.from({ length: n }, (_, i) => `busy/p${i}`);
const quietKeys = Array.from({ length: 10 }, (_, i) => `quiet/p${i}`);

describe("WorkQueue fairness: namespaces are served in turn", () => {
  it("serves 10 keys of a quiet namespace within 20 picks while another namespace has 5,000 queued", async () => {
    const { q, pick } = fairQueue();
    for (const k of busyKeys(5_000)) q.add(k);
    for (let i = 0; i < 100; i++) await pick();
    for (const k of quietKeys) q.add(k);

    const picks: string[] = [];
    while (picks.filter((k) => k.startsWith("quiet/")).length < quietKeys.length) picks.push(await pick());
    // The newcomer's first key is the very next pick (it does not join behind the namespace just served), then turns.
    expect(picks[0]).toBe("quiet/p0");
    expect(picks.length).toBe(2 * quietKeys.length - 1);
    // In their own order, and the busy namespace kept getting every other turn meanwhile.
    expect(picks.filter((k) => k.startsWith("quiet/"))).toEqual(quietKeys);
    expect(picks.filter((k) => k.startsWith("busy/"))).toEqual(busyKeys(109).slice(100));
  });

  it("a namespace whose one key comes back right after its pick waits its turn: emptying its queue is no shortcut", async () => {
    const { q, pick } = fairQueue();
    for (const k of busyKeys(100)) q.add(k);
    for (const ns of ["a", "b"]) q.add(`${ns}/k0`);
    await pick(); // busy/p0
    const picks: string[] = [];
    for (let i = 0; i < 9; i++) {
      const key = await pick();
      picks.push(key);
      // A quiet namespace editing one object again and again, each edit as soon as the last was picked.
      if (key.startsWith("quiet/")) q.add(`quiet/k${i}`);
      if (i === 0) q.add("quiet/first");
    }
    // New flows first, in the order they came (a, b, then quiet); after that quiet takes one turn per round, as busy
    // does: each of its re-adds waits for busy's turn, though its queue was empty when it came.
    expect(picks).toEqual([
      "a/k0",
      "b/k0",
      "quiet/first",
      "busy/p1",
      "quiet/k2",
      "busy/p2",
      "quiet/k4",
      "busy/p3",
      "quiet/k6",
    ]);
  });

  it("without a fairnessKey the same adds are one FIFO: the quiet keys wait behind the whole backlog", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock() });
    for (const k of busyKeys(5_000)) q.add(k);
    for (const k of quietKeys) q.add(k);
    const picks: string[] = [];
    for (let i = 0; i < 5_000; i++) picks.push((await q.get()) as string);
    expect(picks.some((k) => k.startsWith("quiet/"))).toBe(false);
  });

  it("never starves the busy namespace: with three namespaces each gets one key per round", async () => {
    const { q, pick } = fairQueue();
    for (let i = 0; i < 50; i++) for (const ns of ["a", "b", "c"]) q.add(`${ns}/k${i}`);
    q.add("a/extra");
    const picks: string[] = [];
    for (let i = 0; i < 151; i++) picks.push(await pick());
    for (let round = 0; round < 50; round++)
      expect(new Set(picks.slice(3 * round, 3 * round + 3).map(namespaceOf))).toEqual(new Set(["a", "b", "c"]));
    expect(picks.at(-1)).toBe("a/extra");
  });

  it("a namespace whose keys come back later (delay, rate limit) joins the round at once", async () => {
    const { q, clock, pick } = fairQueue();
    for (const k of busyKeys(1_000)) q.add(k);
    q.addAfter("quiet/delayed", 500);
    q.addRateLimited("quiet/retried"); // 100 ms: the per-key backoff's first step
    clock.advance(100);
    expect([await pick(), await pick()].sort()).toEqual(["busy/p0", "quiet/retried"]);
    clock.advance(400);
    expect([await pick(), await pick()].sort()).toEqual(["busy/p1", "quiet/delayed"]);
  });

  it("initial-list keys are fair too, and a normal add still goes before them", async () => {
    const { q, pick } = fairQueue();
    for (const k of busyKeys(100)) q.add(k, true);
    q.add("quiet/listed", true);
    expect([await pick(), await pick()]).toEqual(["busy/p0", "quiet/listed"]);
    q.add("busy/p50"); // promoted: normal priority now
    expect(await pick()).toBe("busy/p50");
    expect(await pick()).toBe("busy/p1");
  });

  it("reports how many namespaces have keys waiting (a promoted key counts once)", async () => {
    const { q, pick, flows } = fairQueue();
    q.add("a/1", true);
    q.add("a/1");
    q.add("b/1");
    q.add("b/2");
    expect(q.flows()).toBe(2);
    expect(flows.at(-1)).toBe(2);
    expect(await pick()).toBe("a/1");
    expect(q.flows()).toBe(1);
    await pick();
    await pick();
    expect(q.flows()).toBe(0);
    expect(flows.at(-1)).toBe(0);
    q.add("c/1");
    q.shutDown();
    expect(flows.at(-1)).toBe(0);
  });
});

describe("WorkQueue fairness: client-go's guarantees still hold", () => {
  it("a key added while it is processed is handed out again only after done, and in its namespace's turn", async () => {
    const { q } = fairQueue();
    q.add("a/x");
    q.add("b/y");
    const first = (await q.get()) as string;
    expect(first).toBe("a/x");
    q.add("a/x");
    expect(await q.get()).toBe("b/y");
    let next: string | undefined;
    void q.get().then((k) => {
      next = k;
    });
    await new Promise((r) => setImmediate(r));
    expect(next).toBeUndefined();
    q.done("a/x");
    await new Promise((r) => setImmediate(r));
    expect(next).toBe("a/x");
  });

  it("a key re-added at low priority while it is processed is not counted as waiting until it is done", async () => {
    const { q } = fairQueue();
    q.add("a/x");
    expect(await q.get()).toBe("a/x");
    q.add("a/x", true);
    expect(q.len()).toBe(0);
    q.done("a/x");
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe("a/x");
  });

  it("shutDown hands out nothing more, however many namespaces wait", async () => {
    const { q } = fairQueue();
    for (const k of [...busyKeys(10), ...quietKeys]) q.add(k);
    q.shutDown();
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it("random interleavings across namespaces never process a key twice at once and never lose an add", async () => {
    const keys = ["a/1", "a/2", "a/3", "b/1", "c/1"];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("add" as const), key: fc.constantFrom(...keys), low: fc.boolean() }),
            fc.record({ op: fc.constant("addAfter" as const), key: fc.constantFrom(...keys), ms: fc.nat(300) }),
            fc.record({ op: fc.constant("get" as const) }),
            fc.record({ op: fc.constant("done" as const), i: fc.nat(5) }),
            fc.record({ op: fc.constant("tick" as const), ms: fc.nat(200) }),
          ),
          { maxLength: 80 },
        ),
        async (ops) => {
          const { q, clock } = fairQueue();
          const inFlight: string[] = [];
          const owed = new Set<string>();
          const take = async () => {
            if (q.len() === 0) return;
            // len() > 0 promises a key now: a get() that waits would hang the test, so it fails instead.
            const k = (await Promise.race([q.get(), new Promise((r) => setImmediate(() => r("none")))])) as string;
            expect(k, `len() was ${q.len()}`).not.toBe("none");
            expect(inFlight).not.toContain(k);
            inFlight.push(k);
            owed.delete(k);
          };
          const delayed = new Map<string, number>();
          for (const o of ops) {
            if (o.op === "add") {
              q.add(o.key, o.low);
              owed.add(o.key);
            } else if (o.op === "addAfter") {
              q.addAfter(o.key, o.ms);
              delayed.set(o.key, Math.min(delayed.get(o.key) ?? Number.POSITIVE_INFINITY, clock.now() + o.ms));
            } else if (o.op === "tick") {
              clock.advance(o.ms);
            } else if (o.op === "get") {
              await take();
            } else if (inFlight.length > 0) {
              const [k] = inFlight.splice(o.i % inFlight.length, 1);
              q.done(k as string);
            }
            for (const [k, at] of delayed)
              if (at <= clock.now()) {
                owed.add(k);
                delayed.delete(k);
              }
          }
          clock.advance(1_000);
          for (const k of delayed.keys()) owed.add(k);
          for (;;) {
            for (const k of inFlight.splice(0)) q.done(k);
            if (q.len() === 0) break;
            while (q.len() > 0) await take();
          }
          expect([...owed]).toEqual([]);
          expect(q.flows()).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
