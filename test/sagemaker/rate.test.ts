/** The token bucket and AIMD, pure: time is a number the test chooses. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AimdRate, TokenBucket } from "../../src/sagemaker/index.js";

describe("TokenBucket", () => {
  it("starts full: the burst is available at once, then nothing", () => {
    const b = new TokenBucket(2, 5, 0);
    const taken = Array.from({ length: 8 }, () => b.tryTake(0)).filter(Boolean).length;
    expect(taken).toBe(5);
    expect(b.waitTime(0)).toBeCloseTo(500);
  });

  it("refills continuously, not in windows", () => {
    const b = new TokenBucket(4, 1, 0);
    expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(200)).toBe(false);
    expect(b.waitTime(200)).toBeCloseTo(50);
    expect(b.tryTake(250)).toBe(true);
    // A long idle spell earns no more than the capacity.
    expect(b.available(60_000)).toBe(1);
  });

  it("never lets more through in any time span than burst + rate * span", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 50, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const b = new TokenBucket(rate, burst, 0);
          let t = 0;
          const granted: number[] = [];
          for (const gap of gaps) {
            t += gap;
            if (b.tryTake(t)) granted.push(t);
          }
          for (let i = 0; i < granted.length; i++) {
            for (let j = i; j < granted.length; j++) {
              const span = (granted[j] as number) - (granted[i] as number);
              expect(j - i + 1).toBeLessThanOrEqual(burst + (rate * span) / 1000 + 1e-6);
            }
          }
        },
      ),
    );
  });

  it("keeps earned tokens across a rate change and drops what exceeds a smaller capacity", () => {
    const b = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) b.tryTake(0);
    b.reconfigure(1, 3, 500); // 5 tokens earned at the old rate, capped at the new capacity
    expect(b.available(500)).toBe(3);
    b.drain(500);
    expect(b.waitTime(500)).toBeCloseTo(1000);
  });

  it("refuses a rate or capacity that is not positive", () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, 0)).toThrow(RangeError);
  });
});

describe("AimdRate", () => {
  const opts = {
    maxRps: 10,
    minRps: 1,
    decreaseFactor: 0.5,
    cooldownMs: 1000,
    increaseIntervalMs: 1000,
    increaseStep: 1,
  };

  it("halves the rate on a throttle", () => {
    const a = new AimdRate(opts, 0);
    expect(a.current(0)).toBe(10);
    expect(a.onThrottle(100)).toBe(true);
    expect(a.current(100)).toBe(5);
  });

  it("counts a burst of throttles within the cooldown once", () => {
    const a = new AimdRate(opts, 0);
    a.onThrottle(0);
    for (const t of [10, 200, 999]) expect(a.onThrottle(t)).toBe(false);
    expect(a.current(999)).toBe(5);
    expect(a.onThrottle(1000)).toBe(true);
    expect(a.current(1000)).toBe(2.5);
  });

  it("never goes below the floor", () => {
    const a = new AimdRate({ ...opts, cooldownMs: 100 }, 0);
    for (let t = 0; t < 4_000; t += 200) a.onThrottle(t);
    expect(a.current(4_000)).toBe(1);
    expect(a.onThrottle(4_000)).toBe(false); // already at the floor: no change to report
  });

  it("climbs back one step per quiet interval, up to the configured rate and no further", () => {
    const a = new AimdRate(opts, 0);
    a.onThrottle(0);
    expect(a.current(999)).toBe(5);
    expect(a.current(1000)).toBe(6);
    expect(a.nextStepIn(1000)).toBe(1000);
    expect(a.current(3500)).toBe(8);
    expect(a.current(60_000)).toBe(10);
    expect(a.recovering(60_000)).toBe(false);
    expect(a.nextStepIn(60_000)).toBeUndefined();
  });

  it("restarts the quiet interval on every throttle, counted or not", () => {
    const a = new AimdRate(opts, 0);
    a.onThrottle(0);
    a.onThrottle(900); // within the cooldown: no cut, but not quiet either
    expect(a.current(1500)).toBe(5);
    expect(a.current(1900)).toBe(6);
  });

  it("defaults: floor rps/20, step rps/10", () => {
    const a = new AimdRate({ maxRps: 20, cooldownMs: 100 }, 0);
    for (let t = 0; t < 5_000; t += 500) a.onThrottle(t);
    expect(a.current(5_499)).toBe(1);
    expect(a.current(5_500)).toBe(3);
  });
});
