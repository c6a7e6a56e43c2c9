/** Status, finalizer and event writers against the local API server through the real client-node. */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setCondition } from "../../src/kube/conditions.js";
import { httpStatus } from "../../src/kube/errors.js";
import { EventRecorder } from "../../src/kube/events.js";
import { addFinalizer, removeFinalizer } from "../../src/kube/finalizer.js";
import type { KubeObject } from "../../src/kube/object.js";
import { writeStatus } from "../../src/kube/status.js";
import { type Cluster, createProfile, ensureNamespace, getProfile, PROFILES, startCluster } from "./local.js";

let c: Cluster;
const NS = "writers";
let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}`;

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
});
afterAll(async () => {
  await c?.close();
});

const readyStatus = (message: string) => ({
  observedGeneration: 1,
  profileStatus: "InService",
  conditions: setCondition(
    undefined,
    { type: "Ready", status: "True", reason: "InSync", message },
    "2026-01-01T00:00:00Z",
  ),
});

async function jsonPatch(name: string, body: unknown[]) {
  await c.customObjects.patchNamespacedCustomObject(
    { ...PROFILES, namespace: NS, name, body },
    setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
  );
}

describe("writeStatus", () => {
  it("writes through /status only when the status differs", async () => {
    const name = unique("st");
    const created = await createProfile(c.customObjects, NS, name);
    expect(await writeStatus(c.api, PROFILES, created, readyStatus("ok"))).toBe(true);
    const after = await getProfile(c.customObjects, NS, name);
    expect(after.status).toEqual(readyStatus("ok"));
    expect(after.metadata?.generation).toBe(1); // the status subresource does not bump generation

    expect(await writeStatus(c.api, PROFILES, after, readyStatus("ok"))).toBe(false);
    const again = await getProfile(c.customObjects, NS, name);
    expect(again.metadata?.resourceVersion).toBe(after.metadata?.resourceVersion);
  });

  it("removes status fields that the new status no longer has", async () => {
    const name = unique("st");
    const created = await createProfile(c.customObjects, NS, name);
    await writeStatus(c.api, PROFILES, created, { ...readyStatus("x"), failureReason: "boom" });
    const withFailure = await getProfile(c.customObjects, NS, name);
    expect((withFailure.status as { failureReason?: string }).failureReason).toBe("boom");
    await writeStatus(c.api, PROFILES, withFailure, readyStatus("x"));
    expect((await getProfile(c.customObjects, NS, name)).status).toEqual(readyStatus("x"));
  });

  it("on 409 with a stale object re-reads and retries; if the fresh status already matches, writes nothing", async () => {
    const name = unique("st");
    const stale = await createProfile(c.customObjects, NS, name);
    await jsonPatch(name, [{ op: "add", path: "/metadata/labels", value: { someone: "else" } }]);
    expect(await writeStatus(c.api, PROFILES, stale, readyStatus("after conflict"))).toBe(true);
    const fresh = await getProfile(c.customObjects, NS, name);
    expect(fresh.status).toEqual(readyStatus("after conflict"));
    expect(fresh.metadata?.labels).toEqual({ someone: "else" });
    // The same stale object again: the conflict re-read shows the status is already there.
    expect(await writeStatus(c.api, PROFILES, stale, readyStatus("after conflict"))).toBe(false);
  });

  it("retries injected 409s and gives up after the bound", async () => {
    const name = unique("st");
    const obj = await createProfile(c.customObjects, NS, name);
    c.kube.faults.failNext({ verb: "patch", path: new RegExp(`/${name}/status$`), status: 409, count: 2 });
    expect(await writeStatus(c.api, PROFILES, obj, readyStatus("retried"))).toBe(true);
    c.kube.faults.failNext({ verb: "patch", path: new RegExp(`/${name}/status$`), status: 409, count: 10 });
    const err = await writeStatus(c.api, PROFILES, obj, readyStatus("never"), {
      maxConflictRetries: 2,
    }).catch((e: unknown) => e);
    expect(httpStatus(err)).toBe(409);
  });
  it("checks beforeAttempt before every attempt: a conflict retry is abandoned once it throws", async () => {
    const name = unique("st");
    const stale = await createProfile(c.customObjects, NS, name);
    // Someone else (a new leader) wrote the status since `stale` was read.
    await writeStatus(c.api, PROFILES, stale, readyStatus("new leader"));
    let attempts = 0;
    const err = await writeStatus(c.api, PROFILES, stale, readyStatus("deposed leader"), {
      beforeAttempt: () => {
        if (++attempts > 1) throw new Error("lease lost");
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("lease lost");
    expect(attempts).toBe(2);
    expect((await getProfile(c.customObjects, NS, name)).status).toEqual(readyStatus("new leader"));
  });
});

describe("finalizers", () => {
  const ours = "sagemaker.gitops.io/finalizer";
  const foreign = "other.example.com/keep";

  it("adds ours next to a foreign finalizer and removes only ours", async () => {
    const name = unique("fin");
    const obj = await createProfile(c.customObjects, NS, name, { metadata: { finalizers: [foreign] } });
    expect(await addFinalizer(c.api, PROFILES, obj, ours)).toBe(true);
    const withOurs = await getProfile(c.customObjects, NS, name);
    expect(withOurs.metadata?.finalizers).toEqual([foreign, ours]);
    expect(await addFinalizer(c.api, PROFILES, withOurs, ours)).toBe(false); // already there
    expect(await removeFinalizer(c.api, PROFILES, withOurs, ours)).toBe(true);
    expect((await getProfile(c.customObjects, NS, name)).metadata?.finalizers).toEqual([foreign]);
  });

  it("adds to an object without finalizers", async () => {
    const name = unique("fin");
    const obj = await createProfile(c.customObjects, NS, name);
    expect(await addFinalizer(c.api, PROFILES, obj, ours)).toBe(true);
    expect((await getProfile(c.customObjects, NS, name)).metadata?.finalizers).toEqual([ours]);
  });

  it("a stale read never drops a finalizer another controller added or moved meanwhile", async () => {
    const name = unique("fin");
    const created = await createProfile(c.customObjects, NS, name, { metadata: { finalizers: [foreign] } });
    // add with a stale object: someone appended a finalizer after our read
    await jsonPatch(name, [{ op: "add", path: "/metadata/finalizers/-", value: "third.example.com/x" }]);
    expect(await addFinalizer(c.api, PROFILES, created, ours)).toBe(true);
    const current = await getProfile(c.customObjects, NS, name);
    expect(current.metadata?.finalizers).toEqual([foreign, "third.example.com/x", ours]);
    // remove with a stale object: someone inserted at the front, so our index moved (the test op fails -> re-read)
    await jsonPatch(name, [{ op: "add", path: "/metadata/finalizers/0", value: "first.example.com/y" }]);
    expect(await removeFinalizer(c.api, PROFILES, current, ours)).toBe(true);
    expect((await getProfile(c.customObjects, NS, name)).metadata?.finalizers).toEqual([
      "first.example.com/y",
      foreign,
      "third.example.com/x",
    ]);
  });

  it("removing our last finalizer from a deleted object lets it go", async () => {
    const name = unique("fin");
    const obj = await createProfile(c.customObjects, NS, name, { metadata: { finalizers: [ours] } });
    await c.customObjects.deleteNamespacedCustomObject({ ...PROFILES, namespace: NS, name });
    const deleting = await getProfile(c.customObjects, NS, name);
    expect(deleting.metadata?.deletionTimestamp).toBeDefined();
    expect(await removeFinalizer(c.api, PROFILES, obj, ours)).toBe(true);
    const gone = await getProfile(c.customObjects, NS, name).catch((e: unknown) => e);
    expect(httpStatus(gone)).toBe(404);
    // and again, on the object that no longer exists: nothing to do
    expect(await removeFinalizer(c.api, PROFILES, deleting, ours)).toBe(false);
  });
});

describe("EventRecorder", () => {
  async function eventsFor(name: string) {
    const list = await c.events.listNamespacedEvent({ namespace: NS });
    return list.items.filter((e) => e.regarding?.name === name);
  }

  it("aggregates identical events into one Event with series.count and keeps different notes apart", async () => {
    const name = unique("ev");
    const obj: KubeObject = await createProfile(c.customObjects, NS, name);
    const recorder = new EventRecorder({
      kubeConfig: c.kubeConfig,
      reportingController: "sagemaker.gitops.io/operator",
      reportingInstance: "test",
    });
    recorder.event(obj, "Warning", "ResourceInUse", "profile is busy");
    recorder.event(obj, "Warning", "ResourceInUse", "profile is busy");
    recorder.event(obj, "Normal", "Updated", "updated userSettings");
    await recorder.flush();
    const events = await eventsFor(name);
    expect(events.length).toBe(2);
    const inUse = events.find((e) => e.reason === "ResourceInUse");
    expect(inUse?.series?.count).toBe(2);
    expect(inUse?.type).toBe("Warning");
    expect(inUse?.note).toBe("profile is busy");
    expect(inUse?.regarding?.uid).toBe(obj.metadata?.uid);
    expect(events.find((e) => e.reason === "Updated")?.series).toBeUndefined();

    recorder.event(obj, "Warning", "ResourceInUse", "profile is busy");
    await recorder.flush();
    const third = (await eventsFor(name)).find((e) => e.reason === "ResourceInUse");
    expect(third?.series?.count).toBe(3);
    expect((await eventsFor(name)).length).toBe(2);
  });

  it("coalesces a burst of repeats into one write per interval", async () => {
    const name = unique("ev");
    const obj: KubeObject = await createProfile(c.customObjects, NS, name);
    const recorder = new EventRecorder({
      kubeConfig: c.kubeConfig,
      reportingController: "sagemaker.gitops.io/operator",
    });
    const writes = () => (c.kube.stats().byVerb.create ?? 0) + (c.kube.stats().byVerb.patch ?? 0);
    const before = writes();
    for (let i = 0; i < 20; i++) recorder.event(obj, "Warning", "Throttled", "rate exceeded");
    await recorder.flush();
    expect(writes() - before).toBe(2); // the create, then one patch carrying the other 19
    const events = await eventsFor(name);
    expect(events.length).toBe(1);
    expect(events[0]?.series?.count).toBe(20);
  });

  it("writes core v1 Events with count when asked to", async () => {
    const name = unique("ev");
    const obj: KubeObject = await createProfile(c.customObjects, NS, name);
    const recorder = new EventRecorder({
      kubeConfig: c.kubeConfig,
      apiVersion: "v1",
      reportingController: "sagemaker.gitops.io/operator",
      minIntervalMs: 0,
    });
    recorder.event(obj, "Warning", "Throttled", "slow down");
    await recorder.flush();
    recorder.event(obj, "Warning", "Throttled", "slow down");
    await recorder.flush();
    const list = await c.core.listNamespacedEvent({ namespace: NS });
    const mine = list.items.filter((e) => e.involvedObject.name === name);
    expect(mine.length).toBe(1);
    expect(mine[0]?.count).toBe(2);
  });

  it("cuts notes and reasons of multi-byte characters to the server's byte limits, so the Event is accepted", async () => {
    const name = unique("ev");
    const obj: KubeObject = await createProfile(c.customObjects, NS, name);
    const recorder = new EventRecorder({
      kubeConfig: c.kubeConfig,
      reportingController: "sagemaker.gitops.io/operator",
      reportingInstance: "test",
    });
    // 1000 characters but 2000 bytes: within a character count of 1024, over the server's 1024 bytes.
    recorder.event(obj, "Warning", "ValidationException", "é".repeat(1000));
    recorder.event(obj, "Warning", "Ü".repeat(100), `a${"😀".repeat(400)}`);
    await recorder.flush();
    const events = await eventsFor(name);
    expect(events.length).toBe(2);
    const accented = events.find((e) => e.reason === "ValidationException");
    expect(accented?.note).toBe(`${"é".repeat(510)}...`);
    const emoji = events.find((e) => e.reason !== "ValidationException");
    expect(emoji?.reason).toBe("Ü".repeat(64));
    expect(emoji?.note).toBe(`a${"😀".repeat(255)}...`);
  });

  it("starts a new Event when the one it counted on has expired (event TTL)", async () => {
    const name = unique("ev");
    const obj: KubeObject = await createProfile(c.customObjects, NS, name);
    const recorder = new EventRecorder({
      kubeConfig: c.kubeConfig,
      reportingController: "sagemaker.gitops.io/operator",
      minIntervalMs: 0,
    });
    recorder.event(obj, "Warning", "Throttled", "slow down");
    await recorder.flush();
    const [first] = await eventsFor(name);
    c.kube.faults.expireEvents();
    recorder.event(obj, "Warning", "Throttled", "slow down");
    await recorder.flush();
    const events = await eventsFor(name);
    expect(events.length).toBe(1);
    expect(events[0]?.metadata?.name).not.toBe(first?.metadata?.name);
    expect(events[0]?.series?.count).toBe(2);
  });

  it("never throws into the caller when the API refuses the write", async () => {
    const recorder = new EventRecorder({
      kubeConfig: c.kubeConfig,
      reportingController: "sagemaker.gitops.io/operator",
    });
    const ghost: KubeObject = { metadata: { name: "x", namespace: "no-such-namespace-here" } };
    expect(() => recorder.event(ghost, "Normal", "R", "n")).not.toThrow();
    await expect(recorder.flush()).resolves.toBeUndefined();
  });
});
