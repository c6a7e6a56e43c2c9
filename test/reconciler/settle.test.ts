import { describe, expect, it } from "vitest";
import { MIN_FIRST_POLL_MS, SettleEstimates } from "../../src/reconciler/settle.js";

describe("SettleEstimates", () => {
  it("times the Describe after a write from what SageMaker was seen to take, and follows it when it slows down", () => {
    const s = new SettleEstimates();
    expect(s.firstPoll("update")).toBeUndefined(); // nothing seen: the poll interval
    s.sent("a", "update", 0, 60_000);
    s.observed("a", "InService", 1_000);
    expect(s.firstPoll("update")).toBe(1_250);
    expect(s.firstPoll("create")).toBeUndefined(); // each kind of write on its own
    // Hits (settled at the first Describe, planned at the estimate) lower it: the true time may be shorter.
    for (let i = 0; i < 5; i++) {
      s.sent("a", "update", 0, s.firstPoll("update") as number);
      s.observed("a", "InService", 1_250);
    }
    expect(s.firstPoll("update")).toBeLessThan(1_250);
    // A hit that came late (a backlog in our own queue) says nothing about SageMaker: the estimate stays.
    const settled = s.expected("update");
    s.sent("a", "update", 0, 1_000);
    s.observed("a", "InService", 30_000);
    expect(s.expected("update")).toBe(settled);
    // A miss (still Updating at 3 s) raises it above what it saw, not to the late Describe that found it done.
    s.sent("a", "update", 0, 60_000);
    s.observed("a", "Updating", 3_000);
    s.observed("a", "InService", 60_000);
    expect(s.expected("update")).toBe(6_000);
  });

  it("learns nothing from a failed write or a forgotten key, and never polls sooner than the minimum", () => {
    const s = new SettleEstimates();
    s.sent("a", "create", 0, 60_000);
    s.observed("a", "Failed", 300);
    s.sent("b", "create", 0, 60_000);
    s.forget("b");
    s.observed("b", "InService", 300);
    expect(s.expected("create")).toBeUndefined();
    s.sent("a", "create", 0, 60_000);
    s.observed("a", "InService", 0);
    expect(s.firstPoll("create")).toBe(MIN_FIRST_POLL_MS);
  });

  it("writes in flight together that all hit lower the estimate once, not once per write", () => {
    // A hundred out-of-band changes repaired together, SageMaker settling each in 200 ms, each Describe on time.
    const s = new SettleEstimates();
    s.sent("first", "update", 0, 1_000);
    s.observed("first", "InService", 400);
    const planned = s.firstPoll("update") as number;
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    for (const k of keys) s.sent(k, "update", 1_000, planned);
    for (const k of keys) s.observed(k, "InService", 1_000 + planned);
    expect(s.expected("update")).toBe(400 * 0.98);
    expect(s.firstPoll("update")).toBeGreaterThan(200); // compounded, it was at the 100 ms floor: every write missed
  });

  it("a miss raises the estimate at once, before the write settles (writes planned meanwhile do not miss too)", () => {
    const s = new SettleEstimates();
    s.sent("a", "update", 0, 1_000);
    s.observed("a", "InService", 160);
    s.sent("b", "update", 0, s.firstPoll("update") as number);
    s.observed("b", "Updating", 199); // SageMaker takes 200 ms: the estimate was too short
    expect(s.expected("update")).toBe(398);
    expect(s.awaiting("b")).toBe(true);
  });

  it("writes in flight together that all miss raise the estimate once, not once per write", () => {
    // The demo's first five creates: each Describe at 1 s finds Pending, each settles by 2 s.
    const s = new SettleEstimates();
    for (const k of ["a", "b", "c", "d", "e"]) s.sent(k, "create", 0, 1_000);
    for (const k of ["a", "b", "c", "d", "e"]) s.observed(k, "Pending", 1_000);
    for (const k of ["a", "b", "c", "d", "e"]) s.observed(k, "InService", 2_000);
    expect(s.expected("create")).toBe(2_000);
    expect(s.firstPoll("create")).toBe(2_500);
  });
});
