/** List + watch through client-node's Watch: resourceVersion resume, 410 Expired, bookmarks, selectors, paging, faults. */
import { PatchStrategy, setHeaderOptions, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/wait.js";
import { type Env, failure, freshNamespace, type Obj, PROFILES, profile, startEnv } from "./helpers.js";

let env: Env;
beforeAll(async () => {
  env = await startEnv({ bookmarkIntervalMs: 200, watchCacheSize: 50 });
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

interface Seen {
  type: string;
  name?: string;
  rv?: string;
  object: Obj & { code?: number; reason?: string; message?: string };
}

/** Starts a watch and records its events; `done` resolves with the error (or null) the stream ended with. */
async function watch(path: string, params: Record<string, string | number | boolean | undefined>) {
  const events: Seen[] = [];
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((r) => {
    resolveDone = r;
  });
  const controller = await new Watch(env.kc).watch(
    path,
    params,
    (type, object: Seen["object"]) =>
      events.push({ type, name: object.metadata?.name, rv: object.metadata?.resourceVersion, object }),
    (err) => resolveDone(err ?? null),
  );
  return { events, done, stop: () => controller.abort() };
}

const nsPath = (ns: string) => `/apis/${PROFILES.group}/${PROFILES.version}/namespaces/${ns}/${PROFILES.plural}`;

describe("watch", () => {
  it("streams ADDED, MODIFIED and DELETED events in order, starting from a list's resourceVersion", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "before") });
    const list = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns })) as {
      metadata: { resourceVersion: string };
    };
    const w = await watch(nsPath(ns), { resourceVersion: list.metadata.resourceVersion });
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "a") });
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "a", body: { metadata: { labels: { x: "1" } } } },
      mergePatch,
    );
    await env.custom.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "a" });
    await waitFor("3 events", () => w.events.length >= 3);
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED a", "MODIFIED a", "DELETED a"]);
    const rvs = w.events.map((e) => Number(e.rv));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(rvs[0]).toBeGreaterThan(Number(list.metadata.resourceVersion));
    w.stop();
  });

  it("without resourceVersion starts with synthetic ADDED events for existing objects", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "one") });
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "two") });
    const w = await watch(nsPath(ns), {});
    await waitFor("initial events", () => w.events.length >= 2);
    expect(w.events.map((e) => `${e.type} ${e.name}`).sort()).toEqual(["ADDED one", "ADDED two"]);
    w.stop();
  });

  it("resumes from a resourceVersion: events missed while disconnected are replayed", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "r"),
    })) as Obj;
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "r", body: { spec: { adoptExisting: true } } },
      mergePatch,
    );
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "s") });
    const w = await watch(nsPath(ns), { resourceVersion: created.metadata.resourceVersion });
    await waitFor("replayed events", () => w.events.length >= 2);
    expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(["MODIFIED r", "ADDED s"]);
    w.stop();
  });

  it("a resourceVersion older than the history gives an ERROR event with a 410 Expired Status", async () => {
    const ns = await freshNamespace(env);
    const created = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "e"),
    })) as Obj;
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "e", body: { spec: { adoptExisting: true } } },
      mergePatch,
    );
    env.kube.faults.expireHistory();
    const w = await watch(nsPath(ns), { resourceVersion: created.metadata.resourceVersion });
    expect(await w.done).toBeNull();
    expect(w.events).toHaveLength(1);
    expect(w.events[0]?.type).toBe("ERROR");
    expect(w.events[0]?.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
    expect(w.events[0]?.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);

    // A fresh list's resourceVersion works again after compaction.
    const list = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns })) as {
      metadata: { resourceVersion: string };
    };
    const w2 = await watch(nsPath(ns), { resourceVersion: list.metadata.resourceVersion });
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "e", body: { metadata: { labels: { k: "v" } } } },
      mergePatch,
    );
    await waitFor("event after relist", () => w2.events.length >= 1);
    expect(w2.events[0]?.type).toBe("MODIFIED");
    w2.stop();
  });

  it("the bounded history (watchCacheSize) expires old resourceVersions on its own", async () => {
    const ns = await freshNamespace(env);
    const first = (await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "h"),
    })) as Obj;
    for (let i = 0; i < 60; i++)
      await env.custom.patchNamespacedCustomObject(
        { ...PROFILES, namespace: ns, name: "h", body: { metadata: { labels: { i: String(i) } } } },
        mergePatch,
      );
    const w = await watch(nsPath(ns), { resourceVersion: first.metadata.resourceVersion });
    await w.done;
    expect(w.events.map((e) => e.object.code)).toEqual([410]);
  });

  it("sends BOOKMARK events with the current resourceVersion when allowed", async () => {
    const ns = await freshNamespace(env);
    const list = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns })) as {
      metadata: { resourceVersion: string };
    };
    const rv = list.metadata.resourceVersion;
    const w = await watch(nsPath(ns), { resourceVersion: rv, allowWatchBookmarks: true });
    await env.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "elsewhere" } } });
    await waitFor("a bookmark", () => w.events.find((e) => e.type === "BOOKMARK" && Number(e.rv) > Number(rv)));
    const bm = w.events.find((e) => e.type === "BOOKMARK");
    expect(bm?.object.kind).toBe("SageMakerUserProfile");
    w.stop();
    const noBookmarks = await watch(nsPath(ns), { resourceVersion: rv, timeoutSeconds: 1 });
    await noBookmarks.done;
    expect(noBookmarks.events.filter((e) => e.type === "BOOKMARK")).toEqual([]);
  });

  it("delayWatches: one resource's events come late and in order while another's go on, with no bookmark ahead of them", async () => {
    const ns = await freshNamespace(env);
    const list = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns })) as {
      metadata: { resourceVersion: string };
    };
    const rv = list.metadata.resourceVersion;
    const lagged = await watch(nsPath(ns), { resourceVersion: rv, allowWatchBookmarks: true });
    const other = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: rv });
    env.kube.faults.delayWatches(PROFILES.plural, 1_000);
    try {
      await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "late") });
      await env.custom.patchNamespacedCustomObject(
        { ...PROFILES, namespace: ns, name: "late", body: { metadata: { labels: { x: "1" } } } },
        mergePatch,
      );
      await env.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "after" } } });
      // The ConfigMap was written after the profile, and its watch has it while the profile's events are held back.
      await waitFor("the ConfigMap's event", () => other.events.some((e) => e.name === "after"));
      expect(lagged.events.filter((e) => e.type !== "BOOKMARK")).toEqual([]);
      await waitFor("the profile's events", () => lagged.events.filter((e) => e.type !== "BOOKMARK").length >= 2);
      const events = lagged.events.filter((e) => e.type !== "BOOKMARK");
      expect(events.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED late", "MODIFIED late"]);
      const first = Number(events[0]?.rv);
      const before = lagged.events.slice(0, lagged.events.indexOf(events[0] as Seen));
      expect(before.filter((e) => Number(e.rv) >= first)).toEqual([]);
    } finally {
      env.kube.faults.delayWatches(PROFILES.plural, 0);
      lagged.stop();
      other.stop();
    }
  });

  it("honours timeoutSeconds: the stream ends cleanly", async () => {
    const ns = await freshNamespace(env);
    const started = Date.now();
    const w = await watch(nsPath(ns), { timeoutSeconds: 1 });
    expect(await w.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("breakWatches cuts open streams: the client sees an error", async () => {
    const ns = await freshNamespace(env);
    const w = await watch(nsPath(ns), {});
    await waitFor("watch registered", () => env.kube.stats().openWatches > 0);
    env.kube.faults.breakWatches();
    const err = await w.done;
    expect(err).toBeInstanceOf(Error);
  });

  it("with a label selector, objects entering and leaving the selection are ADDED and DELETED", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "l") });
    const w = await watch(nsPath(ns), { labelSelector: "team in (data,ml),!paused" });
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "l", body: { metadata: { labels: { team: "data" } } } },
      mergePatch,
    );
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "l", body: { metadata: { labels: { team: "ml" } } } },
      mergePatch,
    );
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "l", body: { metadata: { labels: { paused: "true" } } } },
      mergePatch,
    );
    await waitFor("selector events", () => w.events.length >= 3);
    expect(w.events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    w.stop();
  });

  it("sendInitialEvents ends the initial state with an initial-events-end bookmark (client-go's watch-list)", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "i") });
    const w = await watch(nsPath(ns), {
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      resourceVersionMatch: "NotOlderThan",
    });
    await waitFor("initial events", () => w.events.length >= 2);
    expect(w.events[0]?.type).toBe("ADDED");
    expect(w.events[1]?.type).toBe("BOOKMARK");
    expect(w.events[1]?.object.metadata.annotations).toEqual({ "k8s.io/initial-events-end": "true" });
    w.stop();
  });
});

describe("list", () => {
  it("pages with limit/continue over a consistent snapshot", async () => {
    const ns = await freshNamespace(env);
    for (let i = 0; i < 7; i++)
      await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, `p${i}`) });
    type List = { items: Obj[]; metadata: { continue?: string; resourceVersion: string; remainingItemCount?: number } };
    const first = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns, limit: 3 })) as List;
    expect(first.items.map((i) => i.metadata.name)).toEqual(["p0", "p1", "p2"]);
    expect(first.metadata.remainingItemCount).toBe(4);
    // Created after the first page: not part of this list (its rv is newer than the list's).
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "p9") });
    const names = first.items.map((i) => i.metadata.name);
    let cont = first.metadata.continue;
    while (cont) {
      const page = (await env.custom.listNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        limit: 3,
        _continue: cont,
      })) as List;
      expect(page.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      names.push(...page.items.map((i) => i.metadata.name));
      cont = page.metadata.continue;
    }
    expect(names).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);

    const again = (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns, limit: 3 })) as List;
    env.kube.faults.expireHistory();
    const expired = await failure(
      env.custom.listNamespacedCustomObject({
        ...PROFILES,
        namespace: ns,
        limit: 3,
        _continue: again.metadata.continue,
      }),
    );
    expect(expired).toMatchObject({ code: 410, reason: "Expired" });
  });

  it("filters by label selector (=, !=, in, notin, exists) and by metadata.name field selector", async () => {
    const ns = await freshNamespace(env);
    const mk = (name: string, labels: Record<string, string>) =>
      env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, name, {}, { labels }) });
    await mk("a", { team: "data", tier: "gold" });
    await mk("b", { team: "ml" });
    await mk("c", {});
    const names = async (params: { labelSelector?: string; fieldSelector?: string }) =>
      (
        (await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns, ...params })) as { items: Obj[] }
      ).items.map((i) => i.metadata.name);
    expect(await names({ labelSelector: "team=data" })).toEqual(["a"]);
    expect(await names({ labelSelector: "team!=data" })).toEqual(["b", "c"]);
    expect(await names({ labelSelector: "team in (data, ml)" })).toEqual(["a", "b"]);
    expect(await names({ labelSelector: "team notin (data)" })).toEqual(["b", "c"]);
    expect(await names({ labelSelector: "tier" })).toEqual(["a"]);
    expect(await names({ labelSelector: "!team" })).toEqual(["c"]);
    expect(await names({ fieldSelector: "metadata.name=b" })).toEqual(["b"]);
    expect(await names({ fieldSelector: `metadata.namespace=${ns},metadata.name!=b` })).toEqual(["a", "c"]);
    const bad = await failure(
      env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns, fieldSelector: "spec.domainId=x" }),
    );
    expect(bad).toMatchObject({ code: 400, message: "field label not supported: spec.domainId" });
  });
});
