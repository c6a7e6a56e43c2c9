/** ShardRouting: which keys a replica reconciles and when it may write, on real shard Leases (local API server). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { systemClock } from "../../src/kube/clock.js";
import { silentLogger } from "../../src/kube/log.js";
import { defaultConfig } from "../../src/operator/config.js";
import { ShardRouting } from "../../src/operator/sharding.js";
import { type Cluster, ensureNamespace, startCluster } from "../kube/local.js";
import { waitFor } from "../support/wait.js";

let c: Cluster;
const NS = "routing";
const SHARD = "alpha/us-east-1";
const KEY = "team-a/alice";
const ALICE = {
  metadata: { namespace: "team-a", name: "alice" },
  spec: { domainId: "d-1", accountRef: { name: "alpha" }, region: "us-east-1" },
} as unknown as SageMakerUserProfile;

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
});
afterAll(async () => {
  await c?.close();
});

describe("ShardRouting", () => {
  it("a holder whose renew is late still runs its keys, with writes fenced, instead of dropping them", async () => {
    // A paused or starved process: its clock moves past the renew deadline before its renew loop runs again.
    let jump = 0;
    const clock = { ...systemClock, now: () => Date.now() + jump };
    const config = defaultConfig();
    config.sharding = { enabled: true };
    config.leaderElection = {
      ...config.leaderElection,
      namespace: NS,
      identity: "r1",
      leaseDurationMs: 60_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 30_000,
    };
    const enqueued: string[] = [];
    const routing = new ShardRouting({
      config,
      kubeConfig: c.kubeConfig,
      log: silentLogger,
      clock,
      accounts: {
        decide: () => ({ ok: true, target: { account: "alpha", accountId: "111111111111", region: "us-east-1" } }),
      },
      profiles: () => [ALICE],
      get: (key) => (key === KEY ? ALICE : undefined),
      enqueue: (key) => void enqueued.push(key),
    });
    const stop = new AbortController();
    const done = routing.set.run(stop.signal);
    try {
      await waitFor(
        "the shard held and its key enqueued",
        () => routing.holds(SHARD) && enqueued.includes(KEY),
        10_000,
      );
      const mayWrite = await routing.reconcile(KEY, async () => ({ requeueAfter: routing.mayWrite() ? 1 : 0 }));
      expect(mayWrite).toEqual({ requeueAfter: 1 });

      jump = 3_000;
      let ran = false;
      const late = await routing.reconcile(KEY, async () => {
        ran = true;
        return { requeueAfter: routing.mayWrite() ? 1 : 0 };
      });
      expect(ran).toBe(true);
      expect(late).toEqual({ requeueAfter: 0 });
    } finally {
      stop.abort();
      await done;
    }
  }, 30_000);
});
