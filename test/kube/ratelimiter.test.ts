import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ResettingBackoff } from "../../src/kube/backoff.js";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from "../../src/kube/ratelimiter.js";
import { FakeClock } from "../support/fake-clock.js";

describe("ItemExponentialFailureRateLimiter", () => {
  it("doubles per failure of the same key up to the cap, independently per key", () => {
    const l = new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 100 });
    expect([l.when("a"), l.when("a"), l.when("a"), l.when("a"), l.when("a"), l.when("a")]).toEqual([
      5, 10, 20, 40, 80, 100,
    ]);
    expect(l.when("b")).toBe(5);
    expect(l.numRequeues("a")).toBe(6);
    expect(l.numRequeues("b")).toBe(1);
  });

  it("forget resets the key's backoff", () => {
    const l = new ItemExponentialFailureRateLimiter({ baseDelayMs: 5_000, maxDelayMs: 300_000 });
    l.when("a");
    l.when("a");
    l.forget("a");
    expect(l.numRequeues("a")).toBe(0);
    expect(l.when("a")).toBe(5_000);
  });

  it("stays at the cap after very many failures (no overflow to NaN/Infinity)", () => {
    const l = new ItemExponentialFailureRateLimiter({ baseDelayMs: 5_000, maxDelayMs: 300_000 });
    let last = 0;
    for (let i = 0; i < 2_000; i++) last = l.when("a");
    expect(last).toBe(300_000);
  });

  it("full jitter keeps every delay within [0, min(base * 2^n, cap)]", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (randoms) => {
          let i = 0;
          const l = new ItemExponentialFailureRateLimiter({
            baseDelayMs: 5_000,
            maxDelayMs: 300_000,
            jitter: "full",
            random: () => randoms[i % randoms.length] as number,
          });
          for (i = 0; i < randoms.length; i++) {
            const bound = Math.min(5_000 * 2 ** i, 300_000);
            const d = l.when("k");
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(bound);
            expect(d).toBeCloseTo((randoms[i] as number) * bound, 6);
          }
        },
      ),
    );
  });

  it("full jitter with Math.random spreads keys that fail together", () => {
    const l = new ItemExponentialFailureRateLimiter({ baseDelayMs: 5_000, maxDelayMs: 300_000, jitter: "full" });
    const delays = Array.from({ length: 200 }, (_, i) => l.when(`profile-${i}`));
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of delays) expect(d).toBeLessThanOrEqual(5_000);
    expect(new Set(delays.map((d) => Math.floor(d / 500))).size).toBeGreaterThan(5);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through, then spaces calls at 1/qps, and refills over time", () => {
    const clock = new FakeClock();
    const l = new BucketRateLimiter(2, 3, clock);
    expect([l.when("a"), l.when("b"), l.when("c")]).toEqual([0, 0, 0]);
    expect(l.when("d")).toBeCloseTo(500);
    expect(l.when("e")).toBeCloseTo(1_000);
    clock.advance(10_000);
    expect([l.when("f"), l.when("g"), l.when("h")]).toEqual([0, 0, 0]);
    expect(l.when("i")).toBeCloseTo(500);
    expect(l.numRequeues("a")).toBe(0);
  });
});

describe("MaxOfRateLimiter", () => {
  it("returns the longest delay, forwards forget, and reports the most requeues", () => {
    const clock = new FakeClock();
    const perKey = new ItemExponentialFailureRateLimiter({ baseDelayMs: 100, maxDelayMs: 10_000 });
    const bucket = new BucketRateLimiter(1, 2, clock);
    const l = new MaxOfRateLimiter(perKey, bucket);
    expect(l.when("a")).toBe(100); // per-key wins, bucket has tokens
    expect(l.when("a")).toBe(200);
    expect(l.when("b")).toBeCloseTo(1_000); // bucket exhausted: its delay wins over b's 100
    expect(l.numRequeues("a")).toBe(2);
    l.forget("a");
    expect(l.numRequeues("a")).toBe(0);
    expect(perKey.numRequeues("a")).toBe(0);
  });

  it("the controller default is 5 ms per key behind a 10 qps / 100 burst bucket", () => {
    const l = defaultControllerRateLimiter(new FakeClock());
    expect(l.when("x")).toBe(5);
    expect(l.when("x")).toBe(10);
  });
});

describe("ResettingBackoff (watcher)", () => {
  it("grows 800 ms -> 30 s with jitter in [d/2, d] and resets after 120 s without failures", () => {
    const clock = new FakeClock();
    const hi = new ResettingBackoff({ clock, random: () => 0.999999 });
    const seq = Array.from({ length: 8 }, () => Math.round(hi.next()));
    expect(seq).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
    clock.advance(121_000);
    expect(Math.round(hi.next())).toBe(800);
    const lo = new ResettingBackoff({ clock, random: () => 0 });
    expect(lo.next()).toBe(400);
    clock.advance(60_000); // within 120 s of the last failure: keeps growing
    expect(lo.next()).toBe(800);
  });
});
