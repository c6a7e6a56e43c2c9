import { describe, expect, it } from "vitest";
import { ItemExponentialFailureRateLimiter } from "../../src/kube/index.js";
import { FlapGuard } from "../../src/reconciler/flap-guard.js";

const guard = () =>
  new FlapGuard({
    windowMs: 10 * 60_000,
    threshold: 3,
    backoff: new ItemExponentialFailureRateLimiter({ baseDelayMs: 60_000, maxDelayMs: 3_600_000 }),
  });
const F = "/userSettings/executionRole";

describe("FlapGuard", () => {
  it("lets the first repairs through and holds once the same field was repaired threshold times in the window", () => {
    const g = guard();
    for (let i = 0; i < 3; i++) {
      expect(g.decide("ns/a", 1, [F], i * 1000)).toEqual({ contested: false });
      g.recordRepair("ns/a", 1, [F], i * 1000);
    }
    const d = g.decide("ns/a", 1, [F], 3000);
    expect(d).toMatchObject({ contested: true, holding: true, fields: [F], repairs: 3, retryAfterMs: 60_000 });
  });

  it("repairs once more when the hold is over, then holds twice as long", () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordRepair("ns/a", 1, [F], i);
    expect(g.decide("ns/a", 1, [F], 10)).toMatchObject({ holding: true, retryAfterMs: 60_000 });
    expect(g.decide("ns/a", 1, [F], 60_010)).toMatchObject({ contested: true, holding: false });
    g.recordRepair("ns/a", 1, [F], 60_010);
    expect(g.decide("ns/a", 1, [F], 60_020)).toMatchObject({ holding: true, retryAfterMs: 120_000 });
  });

  it("does not count other fields, other resources, repairs outside the window, or an earlier spec", () => {
    const g = guard();
    for (let i = 0; i < 3; i++) g.recordRepair("ns/a", 1, [F], i);
    expect(g.decide("ns/a", 1, ["/userSettings/securityGroups"], 10)).toEqual({ contested: false });
    expect(g.decide("ns/b", 1, [F], 10)).toEqual({ contested: false });
    expect(g.decide("ns/a", 1, [F], 11 * 60_000)).toEqual({ contested: false });
    for (let i = 0; i < 3; i++) g.recordRepair("ns/c", 1, [F], i);
    expect(g.decide("ns/c", 2, [F], 10)).toEqual({ contested: false }); // the spec changed: a new intent
  });
});
