import { describe, expect, it } from "vitest";
import type { UserProfileDetails } from "../../src/api/generated/sagemaker-shapes.js";
import { ListResync } from "../../src/resync/index.js";

/** A domain of `n` profiles listed 100 a page, as ListUserProfiles pages them. */
function world(n: number) {
  const modified = new Map<string, number>();
  for (let i = 0; i < n; i++) modified.set(`p${i}`, 1_000);
  let listCalls = 0;
  async function* listUserProfiles(domainId: string): AsyncIterable<UserProfileDetails[]> {
    const all = [...modified].map(([name, t]) => ({
      DomainId: domainId,
      UserProfileName: name,
      LastModifiedTime: new Date(t),
    }));
    for (let i = 0; i < all.length; i += 100) {
      listCalls++;
      yield all.slice(i, i + 100);
    }
  }
  const targets = () => [...Array(n).keys()].map((i) => ({ key: `ns/p${i}`, domainId: "d-1", profileName: `p${i}` }));
  return { modified, listUserProfiles, targets, calls: () => listCalls };
}

describe("ListResync", () => {
  it("enqueues only profiles modified since they were last seen, for one List call per 100 profiles", async () => {
    const w = world(250);
    const enqueued: string[] = [];
    let now = 0;
    const r = new ListResync({
      ...w,
      enqueue: (k) => enqueued.push(k),
      periodMs: 1000,
      fullResyncPeriodMs: 3_600_000,
      now: () => now,
      random: () => 0.5,
    });
    for (const t of w.targets()) r.observed(t.key, new Date(1_000)); // what the start-up reconciles saw
    expect(await r.tick()).toEqual([]);
    expect(w.calls()).toBe(3);
    w.modified.set("p7", 2_000); // an out-of-band change
    w.modified.delete("p9"); // an out-of-band deletion
    now += 1000;
    expect((await r.tick()).sort()).toEqual(["ns/p7", "ns/p9"]);
    now += 1000;
    expect(await r.tick()).toEqual([]); // seen now: not enqueued again
    expect(w.calls()).toBe(9);
    expect(enqueued.sort()).toEqual(["ns/p7", "ns/p9"]);
  });

  it("does not count a change the reconciler has already seen (the operator's own update)", async () => {
    const w = world(3);
    const r = new ListResync({ ...w, enqueue: () => {}, periodMs: 1000, fullResyncPeriodMs: 3_600_000 });
    for (const t of w.targets()) r.observed(t.key, 1_000 / 1000); // epoch seconds, as the SDK's JSON has them
    w.modified.set("p1", 5_000);
    r.observed("ns/p1", new Date(5_000));
    expect(await r.tick()).toEqual([]);
  });

  it("matches names case-insensitively: a spec's Alice is List's alice, not a vanished profile", async () => {
    const w = world(3);
    const enqueued: string[] = [];
    const r = new ListResync({
      listUserProfiles: w.listUserProfiles,
      // SageMaker lower-cases the names it lists (p0, p1, p2); the specs declare them in capitals.
      targets: () => w.targets().map((t) => ({ ...t, profileName: t.profileName.toUpperCase() })),
      enqueue: (k) => enqueued.push(k),
      periodMs: 1000,
      fullResyncPeriodMs: 3_600_000,
      now: () => 0,
      random: () => 0.5,
    });
    for (const t of w.targets()) r.observed(t.key, new Date(1_000));
    expect(await r.tick()).toEqual([]);
    w.modified.set("p1", 2_000);
    expect(await r.tick()).toEqual(["ns/p1"]);
    expect(enqueued).toEqual(["ns/p1"]);
  });

  it("still reconciles every resource once per full-resync period, spread out", async () => {
    const w = world(100);
    let now = 0;
    let i = 0;
    const r = new ListResync({
      ...w,
      enqueue: () => {},
      periodMs: 1000,
      fullResyncPeriodMs: 100_000,
      now: () => now,
      random: () => (i++ % 100) / 100,
    });
    for (const t of w.targets()) r.observed(t.key, new Date(1_000));
    await r.tick();
    const perTick: number[] = [];
    for (let k = 0; k < 10; k++) {
      now += 10_000;
      perTick.push((await r.tick()).length);
    }
    // Due times were spread over the period: about a tenth each tick, never all at once.
    expect(perTick.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...perTick)).toBeLessThanOrEqual(20);
  });
});
