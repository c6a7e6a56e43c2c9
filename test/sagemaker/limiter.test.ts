/** The shared limiter on a manual clock: tokens, burst, FIFO, concurrency, the mutating budget, abort and AIMD. */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { type CallKind, RateLimiter, type RateLimiterOptions, type Release } from "../../src/sagemaker/index.js";
import { FakeClock } from "../support/fake-clock.js";

/** Lets resolved acquires run their continuations. */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(options: Partial<RateLimiterOptions> = {}) {
  const clock = new FakeClock(0);
  const rates: number[] = [];
  const limiter = new RateLimiter({
    rps: 10,
    burst: 10,
    concurrency: 100,
    clock,
    onRateChange: (r) => rates.push(r),
    ...options,
  });
  /** Start times (fake ms) of granted calls, in grant order, with their labels. */
  const started: { label: string; at: number; release: Release }[] = [];
  const request = (label: string, kind: CallKind = "read", signal?: AbortSignal) =>
    limiter.acquire(kind, signal).then((release) => {
      started.push({ label, at: clock.now(), release });
    });
  const advance = async (ms: number, step = 10) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      await settle();
    }
  };
  return { clock, limiter, started, request, advance, rates };
}

describe("RateLimiter", () => {
  it("lets the burst start at once, then one call per 1/rps, in FIFO order", async () => {
    const { started, request, advance } = setup({ rps: 5, burst: 3 });
    for (let i = 0; i < 8; i++) void request(`c${i}`);
    await settle();
    expect(started.map((s) => s.at)).toEqual([0, 0, 0]);
    await advance(1000);
    expect(started.map((s) => s.at)).toEqual([0, 0, 0, 200, 400, 600, 800, 1000]);
    expect(started.map((s) => s.label)).toEqual(["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
  });

  it("never starts more than burst + rps * span in any span, however calls arrive", async () => {
    const { started, request, advance } = setup({ rps: 4, burst: 2 });
    const arrivals = [0, 0, 0, 0, 0, 130, 140, 900, 2500, 2500, 2500, 2500, 2510, 4000, 4000, 4001];
    let t = 0;
    for (const a of arrivals) {
      await advance(a - t, 1);
      t = a;
      void request(`at${a}`);
    }
    await advance(6000);
    expect(started).toHaveLength(arrivals.length);
    const at = started.map((s) => s.at);
    for (let i = 0; i < at.length; i++)
      for (let j = i; j < at.length; j++)
        expect(j - i + 1).toBeLessThanOrEqual(2 + (4 * ((at[j] as number) - (at[i] as number))) / 1000 + 1e-6);
  });

  it("caps calls in flight; a release lets the next one start", async () => {
    const { limiter, started, request } = setup({ concurrency: 2 });
    for (let i = 0; i < 4; i++) void request(`c${i}`);
    await settle();
    expect(started.map((s) => s.label)).toEqual(["c0", "c1"]);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(2);
    started[0]?.release();
    started[0]?.release(); // twice is harmless
    await settle();
    expect(started.map((s) => s.label)).toEqual(["c0", "c1", "c2"]);
    expect(limiter.active).toBe(2);
  });

  it("run() holds a slot while the call runs, and gives it back when it fails", async () => {
    const { limiter } = setup({ concurrency: 1 });
    await expect(limiter.run("read", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(limiter.active).toBe(0);
    expect(await limiter.run("read", async () => 42)).toBe(42);
  });

  it("gives mutating calls their own, lower budget without making reads wait behind them", async () => {
    const { started, request, advance } = setup({ rps: 10, burst: 10, mutatingRps: 1, mutatingBurst: 1 });
    void request("m1", "mutating");
    void request("m2", "mutating");
    void request("r1");
    void request("m3", "mutating");
    void request("r2");
    await settle();
    expect(started.map((s) => s.label)).toEqual(["m1", "r1", "r2"]);
    await advance(1000);
    expect(started.map((s) => s.label)).toEqual(["m1", "r1", "r2", "m2"]);
    await advance(1000);
    expect(started.map((s) => `${s.label}@${s.at}`)).toEqual(["m1@0", "r1@0", "r2@0", "m2@1000", "m3@2000"]);
  });

  it("a mutating call spends a token of the shared budget too", async () => {
    const { started, request, advance } = setup({ rps: 1, burst: 1, mutatingRps: 5, mutatingBurst: 5 });
    void request("m1", "mutating");
    void request("r1");
    await settle();
    expect(started.map((s) => s.label)).toEqual(["m1"]);
    await advance(1000);
    expect(started.map((s) => s.label)).toEqual(["m1", "r1"]);
  });

  it("an aborted wait rejects with the signal's reason, spends nothing and lets the next caller move up", async () => {
    const { started, request, advance, limiter } = setup({ rps: 1, burst: 1 });
    void request("first");
    const controller = new AbortController();
    const aborted = request("aborted", "read", controller.signal);
    void request("next");
    await settle();
    controller.abort(new Error("shutting down"));
    await expect(aborted).rejects.toThrow("shutting down");
    expect(limiter.waiting).toBe(1);
    await advance(1000);
    expect(started.map((s) => `${s.label}@${s.at}`)).toEqual(["first@0", "next@1000"]);
    await expect(limiter.acquire("read", controller.signal)).rejects.toThrow("shutting down");
  });

  it("on a throttle halves the rate, empties the bucket and reports the new rate", async () => {
    const { limiter, started, request, advance, rates } = setup({ rps: 10, burst: 10 });
    limiter.onThrottle("read");
    expect(limiter.rps).toBe(5);
    expect(rates).toEqual([5]);
    void request("a");
    void request("b");
    await settle();
    expect(started).toHaveLength(0); // the server's bucket is empty; so is ours
    await advance(400);
    expect(started.map((s) => s.at)).toEqual([200, 400]);
  });

  it("counts throttles from calls already in flight once per cooldown, and never goes below minRps", () => {
    const { limiter, clock } = setup({ rps: 8, burst: 8, minRps: 2, increaseIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) limiter.onThrottle("read");
    expect(limiter.rps).toBe(4);
    clock.advance(1000);
    limiter.onThrottle("read");
    expect(limiter.rps).toBe(2);
    clock.advance(1000);
    limiter.onThrottle("read");
    expect(limiter.rps).toBe(2);
  });

  it("climbs back additively on its own (the gauge moves with no calls) to the configured rate", async () => {
    const { limiter, clock, rates } = setup({ rps: 10, burst: 10, increaseStep: 2 });
    limiter.onThrottle("read");
    for (let i = 0; i < 10; i++) clock.advance(1000);
    expect(rates).toEqual([5, 7, 9, 10]);
    expect(limiter.rps).toBe(10);
    expect(clock.pending()).toBe(0); // back at the configured rate: no timer left behind
  });

  it("a throttled mutating call cuts the mutating budget only", () => {
    const { limiter, rates } = setup({ rps: 10, burst: 10, mutatingRps: 2, mutatingBurst: 2 });
    limiter.onThrottle("mutating");
    expect(limiter.mutatingRps).toBe(1);
    expect(limiter.rps).toBe(10);
    expect(rates).toEqual([]);
  });

  it("without a mutating budget, a throttled mutating call cuts the shared rate", () => {
    const { limiter } = setup({ rps: 10, burst: 10 });
    limiter.onThrottle("mutating");
    expect(limiter.rps).toBe(5);
    expect(limiter.mutatingRps).toBeUndefined();
  });

  it("keeps the process alive while a caller waits for a token (a CLI does not exit with its call queued)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "limiter-"));
    try {
      const script = join(dir, "wait.mts");
      const index = resolve("src/sagemaker/index.ts");
      await writeFile(
        script,
        `import { RateLimiter } from ${JSON.stringify(index)};
const limiter = new RateLimiter({ rps: 2, burst: 1, concurrency: 1 });
(await limiter.acquire("read"))();
(await limiter.acquire("read"))();
console.log("second call started");
`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
        cwd: process.cwd(),
      });
      expect(stdout.trim()).toBe("second call started");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
