/** Sharding's pure core on the fake clock: names, quota, shedding, liveness, and rounds of replicas converging. */
import { describe, expect, it } from "vitest";
import {
  MemberView,
  memberAnnotation,
  membersLeaseName,
  shardLeaseName,
  shardQuota,
  shardsToShed,
} from "../../src/kube/shards.js";
import { FakeClock } from "../support/fake-clock.js";

const LEASE_MS = 15_000;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe("shard Lease names", () => {
  it("are valid, short, stable and distinct for any account and region", () => {
    const shards = ["", "team-a/us-east-1", "team-a/eu-west-1", "Team_B.with spaces/ap-south-1", "x".repeat(300)];
    const names = shards.map((s) => shardLeaseName("sagemaker-profile-operator", s));
    for (const n of names) {
      expect(n).toMatch(NAME);
      expect(n.length).toBeLessThanOrEqual(63);
    }
    expect(new Set(names).size).toBe(shards.length);
    expect(shardLeaseName("sagemaker-profile-operator", "team-a/us-east-1")).toBe(names[1]);
    expect(membersLeaseName("op")).toBe("op-shard-members");
    expect(memberAnnotation(`pod-${"a".repeat(200)}`).split("/")[1]?.length).toBeLessThanOrEqual(63);
  });
});

describe("shard quota and shedding", () => {
  it("lets no replica hold more than ceil(shards / replicas), and together they cover every shard", () => {
    expect(shardQuota(5, 3)).toBe(2);
    expect(shardQuota(6, 3)).toBe(2);
    expect(shardQuota(1, 3)).toBe(1);
    expect(shardQuota(5, 0)).toBe(5);
    expect(shardQuota(0, 2)).toBe(0);
    for (let s = 1; s < 20; s++) for (let r = 1; r < 6; r++) expect(shardQuota(s, r) * r).toBeGreaterThanOrEqual(s);
  });
  it("sheds the surplus, last in name order", () => {
    expect(shardsToShed(["c", "a", "b", "d"], 2)).toEqual(["c", "d"]);
    expect(shardsToShed(["a"], 2)).toEqual([]);
  });
});

describe("MemberView", () => {
  it("counts a replica alive while its heartbeat changes, gone once unchanged for the lease duration", () => {
    const clock = new FakeClock();
    const view = new MemberView(LEASE_MS);
    const a = memberAnnotation("a");
    const b = memberAnnotation("b");
    view.observe({ [a]: "a 1", [b]: "b 1", "other/annotation": "x" }, clock.now());
    expect(view.live(clock.now(), memberAnnotation("self")).size).toBe(3);
    for (let i = 2; i <= 9; i++) {
      clock.advance(2_000);
      view.observe({ [a]: `a ${i}`, [b]: "b 1" }, clock.now()); // b stopped beating
    }
    expect([...view.live(clock.now())]).toEqual([a]);
    expect(view.staleFor(clock.now(), LEASE_MS)).toEqual([b]);
    view.observe({ [a]: "a 10" }, clock.now()); // b pruned from the Lease
    expect(view.staleFor(clock.now(), 0)).toEqual([a]);
  });
});

/** Rounds of replicas following the rules of ShardSet: heartbeat, shed the surplus, take free shards under quota. */
function simulate(replicas: string[], shards: string[], rounds: number, clock: FakeClock, holder: Map<string, string>) {
  const views = new Map(replicas.map((r) => [r, new MemberView(LEASE_MS)]));
  const beats = new Map<string, string>();
  for (let round = 0; round < rounds; round++) {
    clock.advance(2_000);
    for (const r of replicas) beats.set(memberAnnotation(r), `${r} ${clock.now()}`);
    for (const r of replicas) {
      const view = views.get(r) as MemberView;
      view.observe(Object.fromEntries(beats), clock.now());
      const quota = shardQuota(shards.length, view.live(clock.now(), memberAnnotation(r)).size);
      const mine = shards.filter((s) => holder.get(s) === r);
      for (const s of shardsToShed(mine, quota)) holder.delete(s);
      for (const s of shards)
        if (!holder.has(s) && shards.filter((x) => holder.get(x) === r).length < quota) holder.set(s, r);
    }
  }
}

describe("assignment", () => {
  const shards = ["", "a/us-east-1", "a/eu-west-1", "b/us-east-1", "b/eu-west-1"];
  it("splits shards between replicas, each within its quota, every shard held once", () => {
    const clock = new FakeClock();
    const holder = new Map<string, string>();
    // The first replica starts alone and takes everything; the others join and it sheds.
    simulate(["r1"], shards, 1, clock, holder);
    expect(shards.every((s) => holder.get(s) === "r1")).toBe(true);
    simulate(["r1", "r2", "r3"], shards, 3, clock, holder);
    const counts = ["r1", "r2", "r3"].map((r) => shards.filter((s) => holder.get(s) === r).length);
    expect(counts.every((c) => c >= 1 && c <= 2)).toBe(true);
    expect(counts.reduce((x, y) => x + y)).toBe(shards.length);
  });
  it("moves a dead replica's shards to the others once its lease expires", () => {
    const clock = new FakeClock();
    const holder = new Map<string, string>();
    simulate(["r1", "r2", "r3"], shards, 3, clock, holder);
    const r3Shards = shards.filter((s) => holder.get(s) === "r3");
    expect(r3Shards.length).toBeGreaterThan(0);
    // r3 dies: its shard Leases stay held in name until they expire (a lease duration), then r1 and r2 take them.
    const start = clock.now();
    for (const s of r3Shards) holder.delete(s);
    simulate(["r1", "r2"], shards, Math.ceil(LEASE_MS / 2_000) + 1, clock, holder);
    expect(clock.now() - start).toBeLessThanOrEqual(LEASE_MS + 4_000);
    expect(shards.every((s) => holder.get(s) === "r1" || holder.get(s) === "r2")).toBe(true);
    expect(shards.filter((s) => holder.get(s) === "r1").length).toBeLessThanOrEqual(3);
  });
});
