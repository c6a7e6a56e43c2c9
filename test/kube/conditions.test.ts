import { describe, expect, it } from "vitest";
import { findCondition, isConditionTrue, setCondition } from "../../src/kube/conditions.js";

describe("setCondition (kstatus)", () => {
  const t0 = "2026-01-01T00:00:00Z";
  const t1 = new Date("2026-01-01T01:00:00.123Z");

  it("adds a missing condition with lastTransitionTime = now (whole seconds)", () => {
    const out = setCondition(undefined, { type: "Ready", status: "False", reason: "Creating", message: "m" }, t1);
    expect(out).toEqual([
      { type: "Ready", status: "False", reason: "Creating", message: "m", lastTransitionTime: "2026-01-01T01:00:00Z" },
    ]);
  });

  it("keeps lastTransitionTime when the status is unchanged, even if reason and message change", () => {
    const before = setCondition(undefined, { type: "Ready", status: "False", reason: "A", message: "a" }, t0);
    const after = setCondition(
      before,
      { type: "Ready", status: "False", reason: "B", message: "b", observedGeneration: 3 },
      t1,
    );
    expect(after[0]).toMatchObject({ reason: "B", message: "b", observedGeneration: 3, lastTransitionTime: t0 });
  });

  it("moves lastTransitionTime when the status changes, in place, without touching other conditions", () => {
    let list = setCondition(undefined, { type: "Ready", status: "False", reason: "A", message: "" }, t0);
    list = setCondition(list, { type: "Stalled", status: "False", reason: "A", message: "" }, t0);
    const next = setCondition(list, { type: "Ready", status: "True", reason: "InSync", message: "" }, t1);
    expect(next.map((c) => c.type)).toEqual(["Ready", "Stalled"]);
    expect(next[0]?.lastTransitionTime).toBe("2026-01-01T01:00:00Z");
    expect(next[1]).toBe(list[1]);
    expect(list[0]?.status).toBe("False"); // input not mutated
    expect(isConditionTrue(next, "Ready")).toBe(true);
    expect(findCondition(next, "Synced")).toBeUndefined();
  });
});
