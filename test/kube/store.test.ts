import { describe, expect, it } from "vitest";
import { metadataChanged } from "../../src/kube/controller.js";
import { deepEqual, mergePatch } from "../../src/kube/json.js";
import { type KubeObject, LAST_APPLIED_ANNOTATION, stripForCache } from "../../src/kube/object.js";
import { Store } from "../../src/kube/reflector.js";

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Thing",
  metadata: { name, namespace: "ns", resourceVersion: rv, ...extra },
});

describe("Store (reflector)", () => {
  it("becomes ready on the first init-done and swaps the list in atomically", async () => {
    const s = new Store();
    let ready = false;
    void s.ready().then(() => {
      ready = true;
    });
    s.apply({ type: "init-start" });
    s.apply({ type: "init-apply", object: obj("a", "1") });
    expect(s.size).toBe(0); // nothing visible mid-list
    const changes = s.apply({ type: "init-done" });
    await Promise.resolve();
    expect(ready).toBe(true);
    expect(s.isReady()).toBe(true);
    expect(changes.map((c) => c.type)).toEqual(["add"]);
    expect(s.get("ns/a")?.metadata?.resourceVersion).toBe("1");
  });

  it("a relist keeps serving the old cache until done, then reports adds, updates and deletes missed meanwhile", () => {
    const s = new Store();
    s.apply({ type: "init-start" });
    s.apply({ type: "init-apply", object: obj("keep", "1") });
    s.apply({ type: "init-apply", object: obj("change", "1") });
    s.apply({ type: "init-apply", object: obj("gone", "1") });
    s.apply({ type: "init-done" });

    s.apply({ type: "init-start" });
    s.apply({ type: "init-apply", object: obj("keep", "1") });
    s.apply({ type: "init-apply", object: obj("change", "5") });
    s.apply({ type: "init-apply", object: obj("new", "6") });
    expect(s.keys().sort()).toEqual(["ns/change", "ns/gone", "ns/keep"]);
    const changes = s.apply({ type: "init-done" });
    expect(changes.map((c) => `${c.type}:${c.object.metadata?.name}`).sort()).toEqual([
      "add:new",
      "delete:gone",
      "update:change",
    ]);
    expect(s.keys().sort()).toEqual(["ns/change", "ns/keep", "ns/new"]);
  });

  it("watch events update the cache with old and new objects; a repeat of the same version is not an update", () => {
    const s = new Store();
    s.apply({ type: "init-start" });
    s.apply({ type: "init-done" });
    expect(s.apply({ type: "applied", object: obj("a", "1") })[0]?.type).toBe("add");
    const [u] = s.apply({ type: "applied", object: obj("a", "2") });
    expect(u?.type === "update" && u.old.metadata?.resourceVersion).toBe("1");
    expect(s.apply({ type: "applied", object: obj("a", "2") })).toEqual([]);
    expect(s.apply({ type: "deleted", object: obj("a", "3") })[0]?.type).toBe("delete");
    expect(s.get("ns/a")).toBeUndefined();
  });

  it("strips managedFields and the last-applied annotation before caching", () => {
    const s = new Store();
    s.apply({ type: "init-start" });
    s.apply({ type: "init-done" });
    const big = obj("a", "1", {
      managedFields: [{ manager: "kubectl", fieldsV1: { "f:spec": {} } }],
      annotations: { [LAST_APPLIED_ANNOTATION]: "{...}", keep: "me" },
    });
    s.apply({ type: "applied", object: big });
    const cached = s.get("ns/a");
    expect(cached?.metadata?.managedFields).toBeUndefined();
    expect(cached?.metadata?.annotations).toEqual({ keep: "me" });
    expect(big.metadata?.managedFields).toBeDefined(); // the input is not mutated
  });

  it("stripForCache returns objects without those fields unchanged", () => {
    const plain = obj("a", "1");
    expect(stripForCache(plain)).toBe(plain);
  });
});

describe("metadataChanged (update filter)", () => {
  const base = obj("a", "1", { generation: 1, labels: { a: "1" }, annotations: { x: "y" }, finalizers: ["f"] });
  const withMeta = (m: Record<string, unknown>) => ({ ...base, metadata: { ...base.metadata, ...m } });

  it("skips status-only updates", () => {
    expect(metadataChanged(base, { ...withMeta({ resourceVersion: "2" }), status: { x: 1 } })).toBe(false);
  });

  it("enqueues on generation, deletionTimestamp, annotations or labels, not on a finalizer-only change", () => {
    expect(metadataChanged(base, withMeta({ generation: 2 }))).toBe(true);
    expect(metadataChanged(base, withMeta({ deletionTimestamp: "2026-01-01T00:00:00Z" }))).toBe(true);
    expect(metadataChanged(base, withMeta({ annotations: { x: "z" } }))).toBe(true);
    expect(metadataChanged(base, withMeta({ labels: {} }))).toBe(true);
    // Our own finalizer patch must not cost a second reconcile (and a second Describe) per new resource.
    expect(metadataChanged(base, withMeta({ finalizers: ["sagemaker.gitops.io/finalizer"] }))).toBe(false);
  });

  it("enqueues when the objects carry no generation", () => {
    expect(metadataChanged(obj("a", "1"), obj("a", "2"))).toBe(true);
  });
});

describe("json helpers", () => {
  it("deepEqual treats undefined properties as absent and compares arrays in order", () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: { b: [{ c: "x" }] } }, { a: { b: [{ c: "x" }] } })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: "1" })).toBe(false);
  });

  it("mergePatch sets changed keys, nulls removed ones, replaces arrays, and is undefined when equal", () => {
    expect(mergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1] }, { a: 1, b: { c: 2 }, l: [1, 2] })).toEqual({
      b: { c: 2, d: null },
      l: [1, 2],
    });
    expect(mergePatch({ a: 1 }, { a: 1 })).toBeUndefined();
  });
});
