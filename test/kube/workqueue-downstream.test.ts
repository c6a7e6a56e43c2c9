/**
 * The work queue's per-downstream admission (issue 15: throttling in one account or region never slows another): keys
 * of a downstream that `saturated` refuses stay queued in their place while other keys go, so a throttled account's
 * reconciles cannot take every worker; they are handed out, in order, once done() or poke() lets them.
 */
import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/kube/workqueue.js";
import { FakeClock } from "../support/fake-clock.js";

const namespaceOf = (key: string) => key.slice(0, key.indexOf("/"));
/** Keys are `<namespace>/<downstream>-<n>`: the downstream (account) is the name's prefix. */
const downstreamOf = (key: string) => key.slice(key.indexOf("/") + 1).split("-")[0];

/** Takes what a free worker would get now, without waiting. */
async function takeNow(q: WorkQueue<string>): Promise<string | undefined> {
  let got: string | undefined;
  void q.get().then((k) => {
    got = k;
  });
  await Promise.resolve();
  return got;
}

/** A queue whose downstream `a` is saturated while `throttled.a` is set, and any downstream at `cap` keys in progress. */
function queue(cap = Number.POSITIVE_INFINITY) {
  const throttled = { a: false };
  const q = new WorkQueue<string>({
    clock: new FakeClock(),
    fairnessKey: namespaceOf,
    downstreamOf,
    saturated: (d, inProgress) => inProgress > 0 && ((d === "a" && throttled.a) || inProgress >= cap),
  });
  return { q, throttled, take: () => takeNow(q) };
}

describe("WorkQueue admission per downstream", () => {
  it("a saturated downstream's keys wait in place while other downstreams' keys go; poke hands them out in order", async () => {
    const { q, throttled, take } = queue();
    for (let i = 0; i < 5; i++) q.add(`ns-a/a-${i}`);
    for (let i = 0; i < 3; i++) q.add(`ns-b/b-${i}`);
    expect(await take()).toBe("ns-a/a-0");
    throttled.a = true; // a-0's call now waits in a's limiter
    const picks = [await take(), await take(), await take()];
    expect(picks).toEqual(["ns-b/b-0", "ns-b/b-1", "ns-b/b-2"]);
    // Only a's keys are left: a worker asking now waits, it is not handed a key that would only wait too.
    let fourth: string | undefined;
    void q.get().then((k) => {
      fourth = k;
    });
    await Promise.resolve();
    expect(fourth).toBeUndefined();
    expect(q.len()).toBe(4);
    throttled.a = false; // a-0's call was granted
    q.poke();
    await Promise.resolve();
    expect(fourth).toBe("ns-a/a-1");
    // Nothing was lost or reordered.
    q.done("ns-a/a-0");
    expect([await take(), await take(), await take()]).toEqual(["ns-a/a-2", "ns-a/a-3", "ns-a/a-4"]);
  });

  it("counts the keys in progress per downstream: at the cap a key waits until done() frees its downstream", async () => {
    const { q, take } = queue(2);
    for (let i = 0; i < 4; i++) q.add(`ns-a/a-${i}`);
    q.add("ns-b/b-0");
    expect([await take(), await take(), await take()]).toEqual(["ns-a/a-0", "ns-b/b-0", "ns-a/a-1"]);
    let next: string | undefined;
    void q.get().then((k) => {
      next = k;
    });
    await Promise.resolve();
    expect(next).toBeUndefined(); // a has two in progress; b's key is taken
    q.done("ns-b/b-0"); // b's key done changes nothing for a
    await Promise.resolve();
    expect(next).toBeUndefined();
    q.done("ns-a/a-0");
    await Promise.resolve();
    expect(next).toBe("ns-a/a-2");
  });

  it("without downstreams every key may start (client-go's queue)", async () => {
    const q = new WorkQueue<string>({ clock: new FakeClock(), fairnessKey: namespaceOf });
    for (let i = 0; i < 3; i++) q.add(`ns-a/a-${i}`);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(["ns-a/a-0", "ns-a/a-1", "ns-a/a-2"]);
  });

  it("a namespace holding its share of workers waits in place, per flow, while another namespace's key goes", async () => {
    // As the operator sets it: with calls waiting for tokens, one namespace gets at most all workers but one (here 3).
    const tokensShort = { now: true };
    const q = new WorkQueue<string>({
      clock: new FakeClock(),
      fairnessKey: namespaceOf,
      saturated: (_d, _inProgress, flowInProgress) => flowInProgress >= 3 && tokensShort.now,
    });
    const take = () => takeNow(q);
    for (let i = 0; i < 10; i++) q.add(`busy/p-${i}`);
    expect([await take(), await take(), await take()]).toEqual(["busy/p-0", "busy/p-1", "busy/p-2"]);
    // The fourth worker is not handed a busy key (it would only wait for a token)...
    let fourth: string | undefined;
    void q.get().then((k) => {
      fourth = k;
    });
    await Promise.resolve();
    expect(fourth).toBeUndefined();
    // ...so a quiet namespace's edit gets it at once.
    q.add("quiet/p-0");
    await Promise.resolve();
    expect(fourth).toBe("quiet/p-0");
    // A busy key done frees its place: the next busy key goes, in order.
    q.done("busy/p-0");
    expect(await take()).toBe("busy/p-3");
    // With no call waiting for a token, the namespace may use every worker.
    tokensShort.now = false;
    q.done("quiet/p-0");
    expect(await take()).toBe("busy/p-4");
    expect(await take()).toBe("busy/p-5");
  });
});
