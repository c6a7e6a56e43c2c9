import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/kube/object.js";
import { RecentWrites } from "../../src/kube/recent-writes.js";

const obj = (rv: string, status = rv): KubeObject & { status: string } => ({
  metadata: { namespace: "ns", name: "a", resourceVersion: rv },
  status,
});

describe("RecentWrites (read-your-writes over the informer cache)", () => {
  it("reads our write until the informer delivers that version or a later one, then the cache", () => {
    const recent = new RecentWrites<ReturnType<typeof obj>>();
    recent.record(obj("12", "written"), obj("10"));
    expect(recent.read("ns/a", obj("10"))?.status).toBe("written");
    recent.observed(obj("11")); // an older event still in flight
    expect(recent.read("ns/a", obj("11"))?.status).toBe("written");
    recent.observed(obj("12"));
    expect(recent.size).toBe(0);
    expect(recent.read("ns/a", obj("12", "cached"))?.status).toBe("cached");
  });

  it("forgets on a later version (a relist can skip ours), on deletion, and never resurrects a deleted object", () => {
    const recent = new RecentWrites<ReturnType<typeof obj>>();
    recent.record(obj("5"), undefined);
    recent.observed(obj("9"));
    expect(recent.size).toBe(0);
    recent.record(obj("10"), undefined);
    expect(recent.read("ns/a", undefined)).toBeUndefined();
    recent.observed(obj("7"), true);
    expect(recent.size).toBe(0);
  });

  it("keeps nothing when the watch delivered the write before its response (the cache is as new already)", () => {
    const recent = new RecentWrites<ReturnType<typeof obj>>();
    recent.record(obj("12", "written"), obj("12", "cached"));
    expect(recent.size).toBe(0);
    expect(recent.read("ns/a", obj("12", "cached"))?.status).toBe("cached");
    recent.record(obj("13", "written"), obj("14", "cached")); // someone else wrote after us, seen first
    expect(recent.size).toBe(0);
  });

  it("treats non-numeric versions as caught up, so an entry cannot outlive the next event", () => {
    const recent = new RecentWrites<ReturnType<typeof obj>>();
    recent.record(obj("b"), undefined);
    recent.observed(obj("a"));
    expect(recent.size).toBe(0);
  });
});
