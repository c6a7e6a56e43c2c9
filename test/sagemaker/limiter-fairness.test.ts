/**
 * The limiter's fair share between namespaces (issue 13, "fair share"), on a manual clock: calls waiting for the
 * mutating budget are granted to namespaces in turn, not in arrival order; the busy namespace is not starved; the
 * configured rates hold whatever the mix.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CallKind, RateLimiter, type RateLimiterOptions } from "../../src/sagemaker/index.js";
import { FakeClock } from "../support/fake-clock.js";

const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(options: Partial<RateLimiterOptions> = {}) {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({
    rps: 100,
    burst: 1,
    mutatingRps: 10,
    mutatingBurst: 1,
    concurrency: 100_000,
    clock,
    ...options,
  });
  /** Granted calls in grant order. */
  const granted: { label: string; flow: string; kind: CallKind; at: number }[] = [];
  const request = (flow: string, label: string, kind: CallKind = "mutating", signal?: AbortSignal) =>
    limiter.acquire(kind, signal, flow).then((release) => {
      granted.push({ label, flow, kind, at: clock.now() });
      release();
    });
  /** Moves time forward timer by timer, letting granted calls record their start at the moment they were granted. */
  const advance = async (ms: number) => {
    const target = clock.now() + ms;
    await settle();
    for (let at = clock.nextTimerAt(); at !== undefined && at <= target; at = clock.nextTimerAt()) {
      clock.advance(at - clock.now());
      await settle();
    }
    clock.advance(target - clock.now());
    await settle();
  };
  return { clock, limiter, granted, request, advance };
}

/** No span of grant times holds more than burst + rate * span calls. */
function expectWithinRate(times: number[], rate: number, burst: number): void {
  for (let i = 0; i < times.length; i++)
    for (let j = i; j < times.length && j < i + 50; j++)
      expect(j - i + 1).toBeLessThanOrEqual(
        burst + (rate * ((times[j] as number) - (times[i] as number))) / 1000 + 1e-6,
      );
}

describe("RateLimiter: fair share of the mutating budget between namespaces", () => {
  it("grants a quiet namespace's 10 mutating calls within 20 grants while another has 5,000 waiting", async () => {
    const { granted, request, advance, limiter } = setup();
    for (let i = 0; i < 5_000; i++) void request("busy", `busy-${i}`);
    await advance(1_000);
    const before = granted.length;
    for (let i = 0; i < 10; i++) void request("quiet", `quiet-${i}`);
    expect(limiter.waitingFlows).toBe(2);
    await advance(2_000);
    const after = granted.slice(before, before + 20);
    expect(after.filter((g) => g.flow === "quiet").map((g) => g.label)).toEqual(
      Array.from({ length: 10 }, (_, i) => `quiet-${i}`),
    );
    // The busy namespace kept every other token: not starved, and still in its own order.
    expect(after.filter((g) => g.flow === "busy").map((g) => g.label)).toEqual(
      Array.from({ length: 10 }, (_, i) => `busy-${before + i}`),
    );
    // One mutating token per 100 ms, whoever gets it.
    expectWithinRate(
      granted.map((g) => g.at),
      10,
      1,
    );
    expect(limiter.waitingFlows).toBe(1);
  });

  it("a namespace that starts waiting gets the next token, ahead of the backlogged namespace served last", async () => {
    const { granted, request, advance } = setup();
    for (let i = 0; i < 100; i++) void request("busy", `busy-${i}`);
    await advance(450); // busy-0 .. busy-4 granted at 0, 100, .. 400 ms
    void request("quiet", "quiet-0");
    await advance(300);
    // Round robin put the newcomer behind busy (just served, so last in turn) only if it had joined first; start-time
    // fair queuing gives it the very next token: one token interval (100 ms) at most, not two.
    expect(granted.slice(4, 8).map((g) => g.label)).toEqual(["busy-4", "quiet-0", "busy-5", "busy-6"]);
    const quiet = granted.find((g) => g.flow === "quiet");
    expect(quiet?.at).toBeLessThanOrEqual(450 + 100 + 5); // timers round up to whole ms
  });

  it("a namespace asking again right after each grant gets one call ahead at most: emptying its queue is no shortcut", async () => {
    const { granted, request, advance } = setup();
    for (let i = 0; i < 100; i++) void request("busy", `busy-${i}`);
    await advance(450);
    let asked = 0;
    const askAgain = (): Promise<void> => request("quiet", `quiet-${asked++}`).then(askAgain);
    void askAgain();
    await advance(2_000);
    // Its first call and the next tie with busy's turn (a newcomer wins a tie); after that the two alternate.
    expect(granted.slice(4, 12).map((g) => g.label)).toEqual([
      "busy-4",
      "quiet-0",
      "quiet-1",
      "busy-5",
      "quiet-2",
      "busy-6",
      "quiet-3",
      "busy-7",
    ]);
  });

  it("a namespace's read before its update does not cost it the next mutating token (a reconcile's Describe)", async () => {
    const { granted, request, advance } = setup();
    for (let i = 0; i < 100; i++) void request("busy", `busy-${i}`);
    await advance(450);
    // Describe, then Update, as a reconcile does: the read takes a shared token (there are plenty), not a turn.
    void request("quiet", "quiet-describe", "read").then(() => request("quiet", "quiet-update"));
    await advance(300);
    expect(granted.slice(4, 9).map((g) => g.label)).toEqual([
      "busy-4",
      "quiet-describe",
      "quiet-update",
      "busy-5",
      "busy-6",
    ]);
  });

  it("in arrival order (one flow), the same 10 calls would wait behind the whole queue", async () => {
    const { granted, request, advance } = setup();
    for (let i = 0; i < 5_000; i++) void request("", `busy-${i}`);
    await advance(1_000);
    for (let i = 0; i < 10; i++) void request("", `quiet-${i}`);
    await advance(2_000);
    expect(granted.some((g) => g.label.startsWith("quiet"))).toBe(false);
  });

  it("a namespace whose reads keep the shared budget busy does not take another's turn for the mutating one", async () => {
    const { granted, request, advance } = setup({ rps: 20, burst: 1, mutatingRps: 2, mutatingBurst: 1 });
    for (let i = 0; i < 100; i++) {
      void request("busy", `busy-read-${i}`, "read");
      void request("busy", `busy-write-${i}`, "mutating");
    }
    await advance(320);
    void request("quiet", "quiet-write");
    await advance(1_000);
    // The next mutating token (at 550 ms) goes to the quiet namespace, though the busy one asked long before.
    const writes = granted.filter((g) => g.kind === "mutating");
    expect(writes.slice(0, 2).map((g) => `${g.label}@${g.at}`)).toEqual(["busy-write-0@50", "quiet-write@550"]);
    // Meanwhile reads went on: reads never wait behind a mutating call short of its budget.
    expect(granted.filter((g) => g.kind === "read").length).toBeGreaterThan(10);
  });

  it("an aborted call leaves its namespace's turn to the others", async () => {
    const { granted, request, advance, limiter } = setup();
    void request("busy", "busy-0");
    void request("busy", "busy-1");
    const controller = new AbortController();
    const quiet = request("quiet", "quiet-0", "mutating", controller.signal);
    await settle();
    controller.abort(new Error("reconcile cancelled"));
    await expect(quiet).rejects.toThrow("reconcile cancelled");
    expect(limiter.waitingFlows).toBe(1);
    await advance(200);
    expect(granted.map((g) => g.label)).toEqual(["busy-0", "busy-1"]);
  });

  it("whatever the namespaces and kinds, never starts more than the configured rates allow and grants every call", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            at: fc.nat(3_000),
            flow: fc.constantFrom("a", "b", "c", ""),
            kind: fc.constantFrom<CallKind>("read", "mutating"),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        async (calls) => {
          const { granted, request, advance } = setup({ rps: 8, burst: 2, mutatingRps: 3, mutatingBurst: 1 });
          const sorted = [...calls].sort((x, y) => x.at - y.at);
          let t = 0;
          for (const [i, c] of sorted.entries()) {
            await advance(c.at - t);
            t = c.at;
            void request(c.flow, `c${i}`, c.kind);
          }
          await advance(30_000);
          expect(granted).toHaveLength(calls.length);
          expectWithinRate(
            granted.map((g) => g.at),
            8,
            2,
          );
          expectWithinRate(
            granted.filter((g) => g.kind === "mutating").map((g) => g.at),
            3,
            1,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
