/**
 * The first List of a domain no tick has listed yet (a new operator, a domain's first resources): reconciles of new
 * profiles ask for it and create without a Describe first; a List that fails or pages too long leaves them to
 * describe first, as without it.
 */
import { describe, expect, it } from "vitest";
import type { UserProfileDetails } from "../../src/api/generated/sagemaker-shapes.js";
import { ListResync } from "../../src/resync/index.js";
import { FIRST_LIST_RETRY_MS, type ListResyncOptions } from "../../src/resync/list-resync.js";

const START = Date.UTC(2026, 0, 1, 12);

/**
 * A domain `d-1` of profiles p0..p(n-1), listed 100 a page. `fail` makes the next List throw; `hold(page)` makes the
 * List stop before that page until `release()`.
 */
function domain(n: number) {
  const names = Array.from({ length: n }, (_, i) => `p${i}`);
  const clock = { now: START };
  const state = { calls: 0, fail: false, holdAt: -1, errors: 0 };
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  async function* listUserProfiles(domainId: string): AsyncIterable<UserProfileDetails[]> {
    for (let i = 0, page = 0; i < Math.max(names.length, 1); i += 100, page++) {
      if (page === state.holdAt) await released;
      state.calls++;
      if (state.fail) throw new Error("AccessDeniedException");
      yield names
        .slice(i, i + 100)
        .map((name) => ({ DomainId: domainId, UserProfileName: name, LastModifiedTime: new Date(START - 60_000) }));
    }
  }
  const resync = (o: Partial<ListResyncOptions> = {}) =>
    new ListResync({
      listUserProfiles,
      targets: () => names.map((name) => ({ key: `ns/${name}`, domainId: "d-1", profileName: name })),
      enqueue: () => {},
      periodMs: 60_000,
      fullResyncPeriodMs: 3_600_000,
      now: () => clock.now,
      random: () => 0.5,
      onError: () => state.errors++,
      ...o,
    });
  return { names, clock, state, release, resync };
}

describe("ListResync: the first List of a domain, asked for by reconciles", () => {
  it("lists a never-listed domain once for all the reconciles asking, and answers from that List", async () => {
    const d = domain(250);
    const r = d.resync();
    expect(r.absent("d-1", "new-user")).toBe(false); // no List yet: not known absent
    const answers = await Promise.all([
      r.absentSoon("d-1", "new-user"),
      r.absentSoon("d-1", "another-new-user"),
      r.absentSoon("d-1", "P7"), // names are not case sensitive
      r.absentSoon("d-1", "p249"), // on the last page
    ]);
    expect(answers).toEqual([true, true, false, false]);
    expect(d.state.calls).toBe(3); // one List: 3 pages of 100
    // Kept as the domain's last complete List: later reconciles answer without another call.
    expect(await r.absentSoon("d-1", "third-new-user")).toBe(true);
    expect(r.absent("d-1", "p0")).toBe(false);
    expect(d.state.calls).toBe(3);
  });

  it("answers 'there' as soon as a page names the profile, and 'not known' for the rest once the wait is over", async () => {
    const d = domain(250);
    d.state.holdAt = 1; // the second page does not come
    const r = d.resync({ firstListWaitMs: 50 });
    const onFirstPage = r.absentSoon("d-1", "p3");
    const onLaterPage = r.absentSoon("d-1", "p200");
    const missing = r.absentSoon("d-1", "new-user");
    expect(await onFirstPage).toBe(false);
    // Past the wait the List is still paging: described first, as without a List.
    expect(await onLaterPage).toBe(false);
    expect(await missing).toBe(false);
    expect(await r.absentSoon("d-1", "new-user")).toBe(false); // still paging: no second List either
    expect(d.state.calls).toBe(1);
    d.release();
    // Once that List completes it is the domain's listing.
    await expect.poll(() => r.absent("d-1", "new-user")).toBe(true);
    expect(d.state.calls).toBe(3);
  });

  it("falls back to 'not known' on a List error, and lists again only after a while", async () => {
    const d = domain(10);
    d.state.fail = true;
    const r = d.resync();
    expect(await r.absentSoon("d-1", "new-user")).toBe(false);
    expect(d.state.errors).toBe(1);
    d.state.fail = false;
    d.clock.now += FIRST_LIST_RETRY_MS - 1;
    expect(await r.absentSoon("d-1", "new-user")).toBe(false); // no List per reconcile while it fails
    expect(d.state.calls).toBe(1);
    d.clock.now += 1;
    expect(await r.absentSoon("d-1", "new-user")).toBe(true);
    expect(d.state.calls).toBe(2);
  });

  it("answers 'not known' to a reconcile aborted while it waits", async () => {
    const d = domain(10);
    d.state.holdAt = 0;
    const r = d.resync({ firstListWaitMs: 60_000 });
    const stop = new AbortController();
    const answer = r.absentSoon("d-1", "new-user", stop.signal);
    stop.abort();
    expect(await answer).toBe(false);
    d.release();
  });

  it("leaves the period's List resync as it was: the first tick after it enqueues nothing unchanged", async () => {
    const d = domain(120);
    const r = d.resync();
    expect(await r.absentSoon("d-1", "new-user")).toBe(true);
    for (const name of d.names) r.observed(`ns/${name}`, new Date(START - 60_000));
    expect(await r.tick()).toEqual([]);
    expect(d.state.calls).toBe(4); // 2 pages for the first List, 2 for the tick
    expect(r.absent("d-1", "new-user")).toBe(true);
  });
});
