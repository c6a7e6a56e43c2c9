/** ShardSet: shard Leases split between replicas against the local API server through the real client-node. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShardSet } from "../../src/kube/shard-set.js";
import { sleep, waitFor } from "../support/wait.js";
import { type Cluster, ensureNamespace, startCluster } from "./local.js";

let c: Cluster;
const NS = "shards";

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
});
afterAll(async () => {
  await c?.close();
});

const SHARDS = ["", "a/us-east-1", "a/eu-west-1", "b/us-east-1", "b/eu-west-1"];

function replica(id: string, identity: string, acquired: string[]) {
  const set = new ShardSet({
    kubeConfig: c.kubeConfig,
    namespace: NS,
    id,
    identity,
    leaseDurationMs: 3_000,
    renewDeadlineMs: 2_000,
    retryPeriodMs: 200,
    shards: () => SHARDS,
    onAcquired: (shard) => void acquired.push(shard),
  });
  const stop = new AbortController();
  return { identity, set, stop, done: set.run(stop.signal) };
}

type Replica = ReturnType<typeof replica>;

/** Every shard held by one replica at most (the fence), and each within its part. */
function check(rs: Replica[]) {
  for (const s of SHARDS) expect(rs.filter((r) => r.set.holdsLease(s)).length).toBeLessThanOrEqual(1);
}
const covered = (rs: Replica[]) => SHARDS.every((s) => rs.some((r) => r.set.holdsLease(s)));

describe("ShardSet", () => {
  it("splits the shards between three replicas, and hands a stopped replica's shards to the others", async () => {
    const acquired: string[] = [];
    const rs = ["r1", "r2", "r3"].map((name) => replica("split", name, acquired));
    await waitFor(
      "every shard held, none above its replica's part",
      () => covered(rs) && rs.every((r) => r.set.held().length >= 1 && r.set.held().length <= 2),
      20_000,
    );
    for (let i = 0; i < 20; i++) {
      check(rs);
      await sleep(100);
    }
    const [gone, ...rest] = rs as [Replica, ...Replica[]];
    const moved = gone.set.held();
    gone.stop.abort();
    await gone.done;
    await waitFor("the stopped replica's shards held by the others", () => covered(rest), 10_000);
    for (let i = 0; i < 10; i++) {
      check(rest);
      await sleep(100);
    }
    expect(moved.every((s) => rest.some((r) => r.set.holdsLease(s)))).toBe(true);
    for (const r of rest) r.stop.abort();
    await Promise.all(rest.map((r) => r.done));
  }, 60_000);
});
