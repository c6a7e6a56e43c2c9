import { describe, expect, it } from "vitest";
import { decideFlap, type FlapPolicy, type FlapState, recordRepair } from "../../src/reconciler/flap-guard.js";

const WINDOW = 10 * 60_000;
/** Holds double from one minute, as the reconciler's backoff does. */
const policy: FlapPolicy = { windowMs: WINDOW, threshold: 3, holdDelay: (holds) => 60_000 * 2 ** holds };
const F = "/userSettings/executionRole";

/** One resource's state threaded through decide/repair calls, as the reconciler keeps it. */
function resource(generation = 1) {
  let state: FlapState | undefined;
  return {
    decide(fields: string[], now: number, gen = generation) {
      const r = decideFlap(state, gen, fields, now, policy);
      state = r.state;
      return r.decision;
    },
    repair(fields: string[], now: number, gen = generation) {
      state = recordRepair(state, gen, fields, now, WINDOW);
    },
  };
}

describe("flap guard", () => {
  it("lets the first repairs through and holds once the same field was repaired threshold times in the window", () => {
    const r = resource();
    for (let i = 0; i < 3; i++) {
      expect(r.decide([F], i * 1000)).toEqual({ contested: false });
      r.repair([F], i * 1000);
    }
    expect(r.decide([F], 3000)).toMatchObject({
      contested: true,
      holding: true,
      fields: [F],
      repairs: 3,
      retryAfterMs: 60_000,
    });
  });

  it("repairs once more when the hold is over, then holds twice as long", () => {
    const r = resource();
    for (let i = 0; i < 3; i++) r.repair([F], i);
    expect(r.decide([F], 10)).toMatchObject({ holding: true, retryAfterMs: 60_000 });
    expect(r.decide([F], 60_010)).toMatchObject({ contested: true, holding: false });
    r.repair([F], 60_010);
    expect(r.decide([F], 60_020)).toMatchObject({ holding: true, retryAfterMs: 120_000 });
  });

  it("does not count other fields, repairs outside the window, or an earlier spec", () => {
    const r = resource();
    for (let i = 0; i < 3; i++) r.repair([F], i);
    expect(r.decide(["/userSettings/securityGroups"], 10)).toEqual({ contested: false });
    expect(r.decide([F], 11 * 60_000)).toEqual({ contested: false });
    const c = resource();
    for (let i = 0; i < 3; i++) c.repair([F], i);
    expect(c.decide([F], 10, 2)).toEqual({ contested: false }); // the spec changed: a new intent
  });
});
