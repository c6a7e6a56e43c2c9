/**
 * The work queue's two lanes at normal priority: keys whose delay came due (the Describe after our own create, a
 * poll, a retry) and keys added now (new objects, edits) are served in turn. With 1,000 new resources applied at once,
 * the Describe that sees the first profile InService must not wait behind the 999 creates still queued (the user would
 * see nothing Ready until the last create was sent), and a mass of due keys must not hold back new keys either.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter } from "../../src/kube/ratelimiter.js";
import { WorkQueue } from "../../src/kube/workqueue.js";
import { FakeClock } from "../support/fake-clock.js";

const namespaceOf = (key: string) => key.slice(0, Math.max(0, key.indexOf("/")));

function lanes(clock = new FakeClock()) {
  const q = new WorkQueue<string>({
    clock,
    fairnessKey: namespaceOf,
    rateLimiter: new ItemExponentialFailureRateLimiter({ baseDelayMs: 100, maxDelayMs: 10_000 }),
  });
  /** One worker: get, done, return the key. */
  const pick = async () => {
    const key = (await q.get()) as string;
    q.done(key);
    return key;
  };
  /** Picks until `key` comes; returns how many picks that took (at most `max`). */
  const picksUntil = async (key: string, max: number) => {
    for (let n = 1; n <= max; n++) if ((await pick()) === key) return n;
    return Number.POSITIVE_INFINITY;
  };
  return { q, clock, pick, picksUntil };
}

const creates = (ns: string, n: number, from = 0) => Array.from({ length: n }, (_, i) => `${ns}/user-${from + i}`);

describe("WorkQueue: a key whose delay came due does not wait behind new keys", () => {
  it("the Describe after the first create goes within two picks although 990 creates are still queued", async () => {
    const { q, clock, pick, picksUntil } = lanes();
    for (const k of creates("team", 1_000)) q.add(k);
    // Ten creates sent 20 ms apart (R = 50), each asking to be described again after the settle estimate.
    for (let i = 0; i < 10; i++) {
      q.addAfter(await pick(), 1_000);
      clock.advance(20);
    }
    clock.advance(1_000);
    expect(q.len()).toBe(1_000);
    // In turn with the creates (two due keys per new one): the ten Describes within 20 picks, in the order they came due.
    const order: string[] = [];
    for (let i = 0; i < 20; i++) order.push(await pick());
    expect(order.filter((k) => Number(k.split("-")[1]) < 10)).toEqual(creates("team", 10));
    expect(order[0]).toBe("team/user-0");
    // Then the next create's Describe, due later, again at once.
    q.addAfter("team/user-10", 500);
    clock.advance(500);
    expect(await picksUntil("team/user-10", 2)).toBeLessThanOrEqual(2);
  });

  it("without a delay the same keys are plain FIFO: a key added again waits behind the backlog (client-go)", async () => {
    const { q, picksUntil, pick } = lanes();
    for (const k of creates("team", 1_000)) q.add(k);
    q.add(await pick()); // a watch event, not a requeue: it is new work
    expect(await picksUntil("team/user-0", 1_000)).toBe(1_000);
  });

  it("new keys still get every third pick while 1,000 retries come due at once", async () => {
    const { q, clock, pick } = lanes();
    for (const k of creates("team", 1_000)) q.addRateLimited(k);
    clock.advance(100);
    const edits = ["team/edited-0", "team/edited-1", "team/edited-2"];
    for (const k of edits) q.add(k);
    const order: string[] = [];
    for (let i = 0; i < 9; i++) order.push(await pick());
    expect(order.filter((k) => k.includes("edited"))).toEqual(edits);
    expect(order.filter((k) => k.includes("user"))).toHaveLength(6);
  });

  it("a backlog of due Describes drains while the creates go on, each adding one more", async () => {
    const { q, clock, pick } = lanes();
    for (const k of creates("team", 1_000)) q.add(k);
    const created = new Set<string>();
    const described = new Set<string>();
    // A stall: 50 creates sent, and their Describes all come due together.
    for (let i = 0; i < 50; i++) {
      const k = await pick();
      created.add(k);
      q.addAfter(k, 100);
    }
    clock.advance(100);
    // From now on each create's Describe comes due right after it is sent.
    for (let i = 0; i < 300; i++) {
      const k = await pick();
      if (created.has(k)) described.add(k);
      else {
        created.add(k);
        q.addAfter(k, 1);
      }
      clock.advance(1);
    }
    // One due key per new one would keep the 50 waiting until the last create: each create adds one as one goes.
    expect(created.size - described.size).toBeLessThanOrEqual(2);
    expect(created.size).toBeGreaterThan(120);
  });

  it("namespaces take turns inside the due lane as in the new one", async () => {
    const { q, clock, pick } = lanes();
    for (const k of creates("busy", 500)) q.add(k);
    for (const k of creates("busy", 500, 500)) q.addAfter(k, 100);
    q.addAfter("quiet/user-0", 100);
    clock.advance(100);
    // One due key of busy, one new key of busy, then quiet's due key, whatever busy's backlogs.
    const order = [await pick(), await pick(), await pick()];
    expect(order).toContain("quiet/user-0");
  });

  it("a namespace with both due and new keys gets one turn per round, as a quiet namespace with only new keys does", async () => {
    const { q, clock, pick } = lanes();
    for (const k of creates("busy", 500)) q.add(k);
    for (const k of creates("busy", 500, 500)) q.addAfter(k, 100);
    clock.advance(100);
    for (const k of creates("quiet", 10)) q.add(k);
    const order: string[] = [];
    for (let i = 0; i < 20; i++) order.push(await pick());
    // Lanes around the namespaces would give busy a due turn and a new turn for quiet's one: 5 of 10 in 20 picks.
    expect(order.filter((k) => k.startsWith("quiet/"))).toEqual(creates("quiet", 10));
    // busy's turns take two due keys, then a new one.
    expect(order.filter((k) => k.startsWith("busy/")).map((k) => Number(k.split("-")[1]) >= 500)).toEqual([
      true,
      true,
      false,
      true,
      true,
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it("a due key of a saturated downstream waits in its place while its namespace's new keys of another go", async () => {
    const throttled = new Set<string>();
    const clock = new FakeClock();
    const q = new WorkQueue<string>({
      clock,
      fairnessKey: namespaceOf,
      // Keys are `<namespace>/<account>-<n>`.
      downstreamOf: (key) => key.slice(key.indexOf("/") + 1).split("-")[0],
      saturated: (d, inProgress) => d !== undefined && inProgress > 0 && throttled.has(d),
    });
    q.add("team/a-0");
    expect(await q.get()).toBe("team/a-0"); // in progress: a's call waits in its limiter
    throttled.add("a");
    q.add("team/b-0");
    q.add("team/b-1");
    q.addAfter("team/a-1", 100);
    clock.advance(100);
    expect([await q.get(), await q.get()]).toEqual(["team/b-0", "team/b-1"]);
    throttled.delete("a");
    q.done("team/a-0");
    expect(await q.get()).toBe("team/a-1");
  });

  it("a key of the initial list whose delay comes due moves up to the due lane", async () => {
    const { q, clock, pick } = lanes();
    for (const k of creates("team", 3)) q.add(k, true);
    q.add("team/edited");
    q.addAfter("team/user-2", 100);
    clock.advance(100);
    expect(q.len()).toBe(4);
    expect([await pick(), await pick(), await pick(), await pick()]).toEqual([
      "team/user-2",
      "team/edited",
      "team/user-0",
      "team/user-1",
    ]);
  });

  it("a key already waiting as new keeps its place when its delay comes due, and is handed out once", async () => {
    const { q, clock, pick } = lanes();
    q.add("team/a");
    q.add("team/b");
    q.addAfter("team/b", 100);
    clock.advance(100);
    expect(q.len()).toBe(2);
    expect([await pick(), await pick()]).toEqual(["team/a", "team/b"]);
    expect(q.len()).toBe(0);
  });

  it("a key that comes due while it is processed is queued in the due lane after done", async () => {
    const { q, clock, pick } = lanes();
    for (const k of creates("team", 5)) q.add(k);
    const first = (await q.get()) as string;
    q.addAfter(first, 100);
    clock.advance(100);
    expect(q.len()).toBe(4); // held back while it is processed
    q.done(first);
    expect(await pick()).toBe(first);
  });

  it("random adds, delays, low adds, gets and dones never hand a key out twice at once and never lose one", async () => {
    const key = fc.constantFrom("a/1", "a/2", "b/1", "b/2");
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant("add" as const), key, low: fc.boolean() }),
            fc.record({ op: fc.constant("after" as const), key, ms: fc.integer({ min: 1, max: 50 }) }),
            fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 50 }) }),
            fc.record({ op: fc.constant("get" as const) }),
            fc.record({ op: fc.constant("done" as const), i: fc.nat(5) }),
          ),
          { maxLength: 80 },
        ),
        async (ops) => {
          const clock = new FakeClock();
          const { q } = lanes(clock);
          const inFlight: string[] = [];
          const owed = new Set<string>();
          /** Delayed keys by when they come due (the earliest wins). */
          const delayed = new Map<string, number>();
          let now = 0;
          const tick = (ms: number) => {
            now += ms;
            clock.advance(ms);
            for (const [k, at] of delayed)
              if (at <= now) {
                owed.add(k);
                delayed.delete(k);
              }
          };
          const take = async () => {
            if (q.len() === 0) return;
            const k = (await q.get()) as string;
            expect(inFlight).not.toContain(k);
            inFlight.push(k);
            owed.delete(k);
          };
          for (const o of ops) {
            if (o.op === "add") {
              q.add(o.key, o.low);
              owed.add(o.key);
            } else if (o.op === "after") {
              q.addAfter(o.key, o.ms);
              delayed.set(o.key, Math.min(delayed.get(o.key) ?? Number.POSITIVE_INFINITY, now + o.ms));
            } else if (o.op === "tick") tick(o.ms);
            else if (o.op === "get") await take();
            else if (inFlight.length > 0) q.done(inFlight.splice(o.i % inFlight.length, 1)[0] as string);
          }
          tick(100);
          for (const k of inFlight.splice(0)) q.done(k);
          // Everything owed comes out, each key once.
          const out: string[] = [];
          while (q.len() > 0) {
            const k = (await q.get()) as string;
            out.push(k);
            q.done(k);
          }
          expect(new Set(out).size).toBe(out.length);
          for (const k of owed) expect(out).toContain(k);
        },
      ),
    );
  });
});
