/** Leader election on Leases against the local API server through the real client-node. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/kube/clock.js";
import { LeaderElector, type LeaderElectorOptions } from "../../src/kube/leader.js";
import { sleep, waitFor } from "../support/wait.js";
import { type Cluster, ensureNamespace, startCluster } from "./local.js";

let c: Cluster;
const NS = "leases";
let n = 0;

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
});
afterAll(async () => {
  await c?.close();
});

interface Candidate {
  identity: string;
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  started: number[];
  stopped: number[];
}

function candidate(lease: string, identity: string, opts: Partial<LeaderElectorOptions> = {}): Candidate {
  const started: number[] = [];
  const stopped: number[] = [];
  const elector = new LeaderElector({
    kubeConfig: c.kubeConfig,
    namespace: NS,
    name: lease,
    identity,
    leaseDurationMs: 4_000,
    renewDeadlineMs: 2_500,
    retryPeriodMs: 250,
    onStartedLeading: () => void started.push(Date.now()),
    onStoppedLeading: () => void stopped.push(Date.now()),
    ...opts,
  });
  const stop = new AbortController();
  return { identity, elector, stop, done: elector.run(stop.signal), started, stopped };
}

const leaders = (cs: Candidate[]) => cs.filter((x) => x.elector.isLeader());

describe("LeaderElector", () => {
  it("elects exactly one leader among candidates and keeps it while it renews", async () => {
    const lease = `one-${++n}`;
    const cs = [candidate(lease, "a"), candidate(lease, "b"), candidate(lease, "c")];
    await waitFor("a leader", () => leaders(cs).length === 1, 15_000);
    const first = leaders(cs)[0];
    // Over several lease durations: never two leaders, and the same one throughout.
    for (let i = 0; i < 40; i++) {
      expect(leaders(cs).length).toBeLessThanOrEqual(1);
      await sleep(150);
    }
    expect(leaders(cs)).toEqual([first]);
    expect(cs.reduce((sum, x) => sum + x.started.length, 0)).toBe(1);
    const lease_ = await c.coordination.readNamespacedLease({ name: lease, namespace: NS });
    expect(lease_.spec?.holderIdentity).toBe(first?.identity);
    for (const x of cs) x.stop.abort();
    await Promise.all(cs.map((x) => x.done));
  });

  it("fences writes as soon as its last renew is older than renewDeadline, before its renew loop runs again", async () => {
    // A paused process (SIGSTOP, a long GC, a VM freeze) sees its clock jump on resume: the first code that runs
    // may be a worker about to write, not the renew loop.
    let jump = 0;
    const clock = { ...systemClock, now: () => Date.now() + jump };
    const a = candidate(`fence-${++n}`, "a", { clock, retryPeriodMs: 60_000, renewDeadlineMs: 2_500 });
    await waitFor("a leads", () => a.elector.isLeader(), 10_000);
    expect(a.elector.holdsLease()).toBe(true);
    jump = 3_000;
    expect(a.elector.isLeader()).toBe(true); // the renew loop has not noticed yet
    expect(a.elector.holdsLease()).toBe(false);
    a.stop.abort();
    await a.done;
  });

  it("releases on stop so a follower takes over well before the lease would expire", async () => {
    const lease = `release-${++n}`;
    const a = candidate(lease, "a", { leaseDurationMs: 10_000, renewDeadlineMs: 6_000 });
    await waitFor("a leads", () => a.elector.isLeader(), 10_000);
    const b = candidate(lease, "b", { leaseDurationMs: 10_000, renewDeadlineMs: 6_000 });
    await sleep(1_000);
    expect(b.elector.isLeader()).toBe(false);
    const stoppedAt = Date.now();
    a.stop.abort();
    await a.done;
    expect(a.stopped.length).toBe(1);
    expect((await c.coordination.readNamespacedLease({ name: lease, namespace: NS })).spec?.holderIdentity).not.toBe(
      "a",
    );
    await waitFor("b takes over", () => b.elector.isLeader(), 9_000);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000); // half the 10 s lease: it was the release, not expiry
    b.stop.abort();
    await b.done;
  });

  it("a leader that dies without releasing is replaced after the lease duration, not before", async () => {
    const lease = `kill-${++n}`;
    const a = candidate(lease, "a", { releaseOnCancel: false });
    await waitFor("a leads", () => a.elector.isLeader(), 10_000);
    const b = candidate(lease, "b");
    await sleep(500);
    const killedAt = Date.now();
    a.stop.abort(); // stops renewing; the lease still names "a"
    await a.done;
    expect((await c.coordination.readNamespacedLease({ name: lease, namespace: NS })).spec?.holderIdentity).toBe("a");
    await waitFor("b takes over", () => b.elector.isLeader(), 15_000);
    const handover = Date.now() - killedAt;
    expect(handover).toBeGreaterThanOrEqual(2_000); // waited for the 4 s lease (minus what had passed since a's renew)
    expect(handover).toBeLessThan(4_000 + 5_000);
    const l = await c.coordination.readNamespacedLease({ name: lease, namespace: NS });
    expect(l.spec?.holderIdentity).toBe("b");
    expect(l.spec?.leaseTransitions).toBe(1);
    b.stop.abort();
    await b.done;
  });

  it("stops leading at once when another holder is observed on the lease", async () => {
    const lease = `steal-${++n}`;
    const a = candidate(lease, "a", { leaseDurationMs: 10_000, renewDeadlineMs: 6_000 });
    await waitFor("a leads", () => a.elector.isLeader(), 10_000);
    const current = await c.coordination.readNamespacedLease({ name: lease, namespace: NS });
    current.spec = { ...current.spec, holderIdentity: "intruder", leaseDurationSeconds: 60 };
    await c.coordination.replaceNamespacedLease({ name: lease, namespace: NS, body: current });
    const stolenAt = Date.now();
    await waitFor("a notices", () => !a.elector.isLeader(), 5_000);
    expect(a.stopped.length).toBe(1);
    expect(Date.now() - stolenAt).toBeLessThan(3_000); // a renew period or two, far below renewDeadline + lease
    a.stop.abort();
    await a.done;
    expect((await c.coordination.readNamespacedLease({ name: lease, namespace: NS })).spec?.holderIdentity).toBe(
      "intruder",
    );
  });
});
