import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { UserProfileDetails } from "../../src/api/generated/sagemaker-shapes.js";
import { ListResync } from "../../src/resync/index.js";
import { CONFIRM_AFTER_MS, type ListResyncOptions, MAX_DEFERRED_PERIODS } from "../../src/resync/list-resync.js";

/** The local clock at the start of each test. */
const START = Date.UTC(2026, 0, 1, 12);
/** Profiles last changed an hour before (epoch ms). */
const OLD = START - 3_600_000 + 123;

/** A domain of `n` profiles listed 100 a page, as ListUserProfiles pages them. */
function world(n: number) {
  const modified = new Map<string, number>();
  for (let i = 0; i < n; i++) modified.set(`p${i}`, OLD);
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
  const clock = { now: START };
  const enqueued: string[] = [];
  /** A ListResync over this domain on the world's clock, every second, recording what it enqueues; `o` overrides. */
  const resync = (o: Partial<ListResyncOptions> = {}) =>
    new ListResync({
      listUserProfiles,
      targets,
      enqueue: (k) => enqueued.push(k),
      periodMs: 1000,
      fullResyncPeriodMs: 3_600_000,
      now: () => clock.now,
      random: () => 0.5,
      ...o,
    });
  return { modified, listUserProfiles, targets, calls: () => listCalls, clock, enqueued, resync };
}

describe("ListResync", () => {
  it("enqueues only profiles modified since they were last seen, for one List call per 100 profiles", async () => {
    const w = world(250);
    const r = w.resync();
    for (const t of w.targets()) r.observed(t.key, new Date(OLD)); // what the start-up reconciles saw
    expect(await r.tick()).toEqual([]);
    expect(w.calls()).toBe(3);
    w.modified.set("p7", OLD + 60_000); // an out-of-band change
    w.modified.delete("p9"); // an out-of-band deletion
    w.clock.now += 1000;
    expect((await r.tick()).sort()).toEqual(["ns/p7", "ns/p9"]);
    w.clock.now += 1000;
    expect(await r.tick()).toEqual([]); // seen now: not enqueued again
    expect(w.calls()).toBe(9);
    expect(w.enqueued.sort()).toEqual(["ns/p7", "ns/p9"]);
  });

  it("knows which names the domain's last complete List did not have (nothing before the first List)", async () => {
    const w = world(3);
    const r = w.resync();
    expect(r.absent("d-1", "new-user")).toBe(false); // no List yet: unknown, so not absent
    await r.tick();
    expect(r.absent("d-1", "new-user")).toBe(true);
    expect(r.absent("d-1", "P1")).toBe(false); // names are not case sensitive
    expect(r.absent("d-2", "new-user")).toBe(false); // a domain never listed
    w.modified.set("new-user", OLD);
    await r.tick();
    expect(r.absent("d-1", "new-user")).toBe(false);
  });

  it("does not count a change the reconciler has already seen (the operator's own update)", async () => {
    const w = world(3);
    const r = w.resync();
    for (const t of w.targets()) r.observed(t.key, OLD / 1000); // epoch seconds, as the SDK's JSON has them
    w.modified.set("p1", OLD + 5_000);
    r.observed("ns/p1", new Date(OLD + 5_000));
    expect(await r.tick()).toEqual([]);
  });

  it("enqueues nothing for the operator's own write until the Describe that sees it settle; then changes count again", async () => {
    const w = world(3);
    const r = w.resync();
    for (const t of w.targets()) r.observed(t.key, new Date(OLD));
    r.wrote("ns/p1"); // UpdateUserProfile accepted; its Describe is scheduled
    w.modified.set("p1", OLD + 5_000); // List shows the update before that Describe
    w.clock.now += 1000;
    expect(await r.tick()).toEqual([]);
    r.observed("ns/p1", new Date(OLD + 5_000), false); // still Updating
    w.modified.set("p1", OLD + 6_000); // settled (LastModifiedTime moves again in SageMaker's on-settle behaviour)
    w.clock.now += 1000;
    expect(await r.tick()).toEqual([]);
    r.observed("ns/p1", new Date(OLD + 6_000), true); // the Describe that sees it InService
    w.modified.set("p1", OLD + 60_000); // then someone else changes it
    w.clock.now += 1000;
    expect(await r.tick()).toEqual(["ns/p1"]);
    expect(w.enqueued).toEqual(["ns/p1"]);
  });

  it("does not count a List page older than a Describe made while the List was paged", async () => {
    const w = world(300);
    const r = w.resync({
      listUserProfiles: async function* (domainId) {
        let page = 0;
        for await (const p of w.listUserProfiles(domainId)) {
          yield p;
          if (page++ === 0) {
            // While the later pages are read, p1 (on the first page) is updated and described by the operator.
            w.clock.now += 500;
            r.observed("ns/p1", new Date(OLD + 9_000));
          }
        }
      },
    });
    for (const t of w.targets()) r.observed(t.key, new Date(OLD));
    w.clock.now += 1000;
    expect(await r.tick()).toEqual([]); // the first page still says OLD: older than that Describe
    w.modified.set("p1", OLD + 9_000);
    w.clock.now += 1000;
    expect(await r.tick()).toEqual([]); // and the next List agrees with it
    w.modified.set("p1", OLD + 60_000); // then an out-of-band change
    w.clock.now += 1000;
    expect(await r.tick()).toEqual(["ns/p1"]);
  });

  it("matches names case-insensitively: a spec's Alice is List's alice, not a vanished profile", async () => {
    const w = world(3);
    const r = w.resync({
      // SageMaker lower-cases the names it lists (p0, p1, p2); the specs declare them in capitals.
      targets: () => w.targets().map((t) => ({ ...t, profileName: t.profileName.toUpperCase() })),
    });
    for (const t of w.targets()) r.observed(t.key, new Date(OLD));
    expect(await r.tick()).toEqual([]);
    w.modified.set("p1", OLD + 60_000);
    expect(await r.tick()).toEqual(["ns/p1"]);
    expect(w.enqueued).toEqual(["ns/p1"]);
  });

  it("still reconciles every resource once per full-resync period, spread out", async () => {
    const w = world(100);
    let i = 0;
    const r = w.resync({ fullResyncPeriodMs: 100_000, random: () => (i++ % 100) / 100 });
    for (const t of w.targets()) r.observed(t.key, new Date(OLD));
    await r.tick();
    const perTick: number[] = [];
    for (let k = 0; k < 10; k++) {
      w.clock.now += 10_000;
      perTick.push((await r.tick()).length);
    }
    // Due times were spread over the period: about a tenth each tick, never all at once.
    expect(perTick.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...perTick)).toBeLessThanOrEqual(20);
  });

  it("puts a pass off while the work queue has a backlog, but lists at least every MAX_DEFERRED_PERIODS + 1 periods", async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    try {
      const w = world(250);
      let backlog = true;
      let deferred = 0;
      const r = w.resync({ backlogged: () => backlog, onDeferred: () => deferred++ });
      for (const t of w.targets()) r.observed(t.key, new Date(OLD));
      const running = r.run(stop.signal);
      await vi.advanceTimersByTimeAsync(1000 * MAX_DEFERRED_PERIODS); // periods of 1 s (random() = 0.5: no jitter)
      expect([w.calls(), deferred]).toEqual([0, MAX_DEFERRED_PERIODS]);
      w.modified.set("p7", OLD + 60_000); // an out-of-band change during the backlog
      await vi.advanceTimersByTimeAsync(1000); // the bound: this period lists, backlog or not
      expect([w.calls(), deferred]).toEqual([3, MAX_DEFERRED_PERIODS]);
      expect(w.enqueued).toEqual(["ns/p7"]);
      await vi.advanceTimersByTimeAsync(1000); // still backlogged: put off again
      expect([w.calls(), deferred]).toEqual([3, MAX_DEFERRED_PERIODS + 1]);
      backlog = false;
      await vi.advanceTimersByTimeAsync(2000); // no backlog: every period lists
      expect(w.calls()).toBe(9);
      stop.abort();
      await running;
    } finally {
      stop.abort();
      vi.useRealTimers();
    }
  });
});

describe("ListResync where List and Describe differ in precision (undocumented: emulator modes)", () => {
  type Precision = "ms" | "s";
  const shown = (ms: number, p: Precision) => (p === "s" ? Math.floor(ms / 1000) * 1000 : ms);
  const PERIOD = 1000;

  /**
   * One profile, the operator's own update at `update` (seen by its Describe `describeAfter` ms later), and maybe an
   * out-of-band change `changeAfter` ms after that Describe. The resync ticks every period for 40 s; every key it
   * enqueues is reconciled at once (a Describe at that time). Returns the reconcile times.
   */
  async function run(o: {
    list: Precision;
    describe: Precision;
    phase: number;
    update: number;
    describeAfter: number;
    changeAfter?: number;
  }) {
    let now = START;
    let lastModified = OLD;
    const change = o.changeAfter === undefined ? undefined : o.update + o.describeAfter + o.changeAfter;
    const reconciles: number[] = [];
    const r = new ListResync({
      async *listUserProfiles(domainId) {
        yield [{ DomainId: domainId, UserProfileName: "p", LastModifiedTime: new Date(shown(lastModified, o.list)) }];
      },
      targets: () => [{ key: "ns/p", domainId: "d-1", profileName: "p" }],
      enqueue: () => reconciles.push(now),
      periodMs: PERIOD,
      fullResyncPeriodMs: 24 * 3_600_000,
      now: () => now,
      random: () => 0.5,
    });
    const describe = () => r.observed("ns/p", new Date(shown(lastModified, o.describe)));
    describe(); // start-up
    const events = [
      { at: o.update, run: () => (lastModified = o.update) },
      { at: o.update + o.describeAfter, run: describe },
      ...(change === undefined ? [] : [{ at: change, run: () => (lastModified = change) }]),
    ];
    for (let tick = START + o.phase; tick < START + 40_000; tick += PERIOD) {
      for (const e of events.filter((e) => e.at <= tick)) {
        now = e.at;
        e.run();
      }
      events.splice(0, events.filter((e) => e.at <= tick).length);
      now = tick;
      const before = reconciles.length;
      await r.tick();
      if (reconciles.length > before) describe();
    }
    return { reconciles, change };
  }

  const scenario = fc.record({
    list: fc.constantFrom<Precision>("ms", "s"),
    describe: fc.constantFrom<Precision>("ms", "s"),
    phase: fc.integer({ min: 0, max: PERIOD - 1 }),
    update: fc.integer({ min: START + 2_000, max: START + 5_000 }),
    describeAfter: fc.integer({ min: 0, max: 900 }),
  });

  it("never re-describes every period: at most one confirming Describe after the operator's own change", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { reconciles } = await run(s);
        const seenAt = s.update + s.describeAfter;
        // A tick between the update and the operator's own Describe of it sees a change it cannot yet tell from
        // someone else's: one reconcile, as with exact timestamps. Apart from that, at most one confirming Describe.
        const extra = reconciles.filter((t) => t < s.update || t >= seenAt);
        expect(extra.length).toBeLessThanOrEqual(1);
        for (const t of reconciles) expect(t).toBeLessThanOrEqual(seenAt + CONFIRM_AFTER_MS + PERIOD);
      }),
      { numRuns: 300 },
    );
  });

  it("finds an out-of-band change, even one later in the same second as the last Describe", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 1, max: 3_000 }), async (s, changeAfter) => {
        const { reconciles, change = 0 } = await run({ ...s, changeAfter });
        // A reconcile after the change compares the settings themselves, so it finds the change.
        const found = reconciles.find((t) => t >= change);
        expect(found, JSON.stringify({ ...s, changeAfter, reconciles })).toBeDefined();
        expect(found).toBeLessThanOrEqual(change + CONFIRM_AFTER_MS + 2 * PERIOD);
      }),
      { numRuns: 300 },
    );
  });

  it("does not confirm a profile last changed long ago (clocks agree within SigV4's 5 minutes)", async () => {
    for (const list of ["ms", "s"] as const)
      for (const describe of ["ms", "s"] as const) {
        const { reconciles } = await run({ list, describe, phase: 0, update: START + 60_000, describeAfter: 0 });
        expect(reconciles).toEqual([]);
      }
  });
});

describe("ListResync learning the precision", () => {
  it("asks no confirming Describe for a whole second once both List and Describe have shown milliseconds", async () => {
    const w = world(2);
    const r = w.resync();
    r.observed("ns/p0", new Date(OLD)); // OLD has milliseconds: Describe is fine
    await r.tick(); // and so has List
    const whole = START - 1000; // recent, and a whole second by chance
    w.modified.set("p1", whole);
    r.observed("ns/p1", new Date(whole));
    for (let i = 0; i < 5; i++) {
      w.clock.now += 1000;
      await r.tick();
    }
    expect(w.enqueued).toEqual([]);
  });
});
