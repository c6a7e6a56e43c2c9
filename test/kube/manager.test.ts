import { describe, expect, it } from "vitest";
import { type LeadershipHooks, Manager, type Runnable } from "../../src/kube/manager.js";

/** A runnable that records when it starts, stops and closes, and stays running until aborted. */
function recorder(log: string[], name: string, opts: { leaderElected?: boolean; stopMs?: number } = {}): Runnable {
  return {
    name,
    leaderElected: opts.leaderElected,
    start: (signal) =>
      new Promise<void>((resolve) => {
        log.push(`start ${name}`);
        signal.addEventListener("abort", () => {
          // Winding down takes a while (an in-flight reconcile).
          setTimeout(() => {
            log.push(`stopped ${name}`);
            resolve();
          }, opts.stopMs ?? 0);
        });
      }),
    close: () => {
      log.push(`close ${name}`);
    },
  };
}

/** Leader election the test drives by hand: acquire() starts a term, lose() ends it; release is logged. */
function fakeElection(log: string[]) {
  let hooks!: LeadershipHooks;
  let lease: AbortController | undefined;
  const election = {
    acquire() {
      lease = new AbortController();
      log.push("acquired");
      hooks.onStartedLeading(lease.signal);
    },
    async lose() {
      lease?.abort();
      await hooks.onStoppedLeading();
    },
    factory: (h: LeadershipHooks) => {
      hooks = h;
      return {
        isLeader: () => lease !== undefined && !lease.signal.aborted,
        run: (signal: AbortSignal) =>
          new Promise<void>((resolve) => {
            signal.addEventListener("abort", async () => {
              lease?.abort();
              await hooks.onStoppedLeading();
              log.push("released");
              resolve();
            });
          }),
      };
    },
  };
  return election;
}

describe("Manager", () => {
  it("starts caches before leader-elected runnables and stops in reverse order", async () => {
    const log: string[] = [];
    const m = new Manager()
      .add(recorder(log, "metrics"))
      .add(recorder(log, "informer"))
      .add(recorder(log, "controller", { leaderElected: true, stopMs: 20 }));
    m.start();
    expect(log).toEqual(["start metrics", "start informer", "start controller"]);
    expect(m.isLeader()).toBe(true);
    await m.stop();
    // The controller finishes its in-flight work before anything else is closed.
    expect(log.indexOf("stopped controller")).toBeLessThan(log.indexOf("stopped metrics"));
    expect(log.slice(-3)).toEqual(["close controller", "close informer", "close metrics"]);
    expect(m.healthy()).toBe(false);
  });

  it("runs leader-elected runnables only while leading, and releases the lease only after they stopped", async () => {
    const log: string[] = [];
    const election = fakeElection(log);
    const m = new Manager({ leaderElection: election.factory })
      .add(recorder(log, "informer"))
      .add(recorder(log, "controller", { leaderElected: true, stopMs: 30 }));
    m.start();
    expect(log).toEqual(["start informer"]);
    expect(m.isLeader()).toBe(false);
    election.acquire();
    expect(log).toEqual(["start informer", "acquired", "start controller"]);
    await m.stop();
    expect(log.indexOf("stopped controller")).toBeLessThan(log.indexOf("released"));
    expect(m.lostLeadership).toBe(false);
  });

  it("stops the whole manager when the lease is lost", async () => {
    const log: string[] = [];
    const election = fakeElection(log);
    const leading: boolean[] = [];
    const m = new Manager({ leaderElection: election.factory, onLeading: (l) => leading.push(l) })
      .add(recorder(log, "informer"))
      .add(recorder(log, "controller", { leaderElected: true }));
    m.start();
    election.acquire();
    await election.lose();
    await m.done;
    expect(m.lostLeadership).toBe(true);
    expect(leading).toEqual([true, false]);
    expect(log).toContain("stopped informer");
  });

  it("stops when a runnable fails, and reports readiness from its runnables", async () => {
    let synced = false;
    let fail!: (err: Error) => void;
    const m = new Manager()
      .add({
        name: "cache",
        start: (s) => new Promise((r) => s.addEventListener("abort", () => r())),
        ready: () => synced,
      })
      .add({ name: "broken", start: () => new Promise((_, reject) => (fail = reject)) });
    m.start();
    expect(m.ready()).toBe(false);
    synced = true;
    expect(m.ready()).toBe(true);
    fail(new Error("boom"));
    await m.done;
    expect(m.healthy()).toBe(false);
  });
});
