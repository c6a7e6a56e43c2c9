/** The informer against the local API server through the real client-node: list, watch, breakage, 410, inactivity. */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Informer, type InformerOptions } from "../../src/kube/informer.js";
import type { KubeObject } from "../../src/kube/object.js";
import { waitFor } from "../support/wait.js";
import { type Cluster, createProfile, ensureNamespace, PROFILES, startCluster } from "./local.js";

let c: Cluster;
const stops: AbortController[] = [];
let nsCounter = 0;

beforeAll(async () => {
  c = await startCluster();
});
afterAll(async () => {
  await c?.close();
});
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

async function freshNamespace(): Promise<string> {
  const ns = `inf-${++nsCounter}`;
  await ensureNamespace(c, ns);
  return ns;
}

type Seen = string[];

function startInformer(namespace: string | undefined, opts: Partial<InformerOptions<KubeObject>> = {}) {
  const informer = new Informer<KubeObject>({
    kubeConfig: c.kubeConfig,
    resource: { ...PROFILES, namespace },
    backoff: { initialMs: 200, maxMs: 1_000 },
    ...opts,
  });
  const seen: Seen = [];
  const name = (o: KubeObject) => o.metadata?.name;
  informer.subscribe({
    onAdd: (o) => void seen.push(`add:${name(o)}`),
    onUpdate: (old, o) =>
      void seen.push(`update:${name(o)}:${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
    onDelete: (o) => void seen.push(`delete:${name(o)}`),
  });
  const stop = new AbortController();
  stops.push(stop);
  const done = informer.start(stop.signal);
  return { informer, seen, stop, done };
}

/** ready() comes before the watch request is open; faults aimed at watches must wait for it. */
async function watching(informer: Informer<KubeObject>) {
  await waitFor("an open watch", () => informer.stats().watches >= 1 && c.kube.stats().openWatches >= 1, 10_000);
}

const labelPatch = (value: string) => ({
  body: { metadata: { labels: { touched: value } } },
  options: setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
});

async function touch(ns: string, name: string, value: string) {
  const p = labelPatch(value);
  await c.customObjects.patchNamespacedCustomObject({ ...PROFILES, namespace: ns, name, body: p.body }, p.options);
}

describe("Informer (local API server)", () => {
  it("lists in pages, becomes ready, then sees add, update (old and new) and delete", async () => {
    const ns = await freshNamespace();
    for (let i = 0; i < 5; i++) await createProfile(c.customObjects, ns, `p${i}`);
    const { informer, seen, stop, done } = startInformer(ns, { pageSize: 2 });
    await informer.ready();
    expect(informer.keys().sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${ns}/p${i}`));
    expect(informer.get(`${ns}/p0`)?.kind).toBe("SageMakerUserProfile");
    expect(seen.filter((s) => s.startsWith("add:")).length).toBe(5);

    await createProfile(c.customObjects, ns, "new");
    await waitFor("add event", () => seen.includes("add:new"), 10_000);
    await touch(ns, "p1", "yes");
    await waitFor("update event", () => seen.some((s) => s.startsWith("update:p1:")), 10_000);
    expect(informer.get(`${ns}/p1`)?.metadata?.labels).toEqual({ touched: "yes" });
    await c.customObjects.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "p2" });
    await waitFor("delete event", () => seen.includes("delete:p2"), 10_000);
    expect(informer.get(`${ns}/p2`)).toBeUndefined();
    expect(informer.stats().lists).toBe(1);
    stop.abort();
    await done;
    expect(informer.stats().state).toBe("empty");
  });

  it("stops promptly when aborted at any point, even right after ready (before the watch request starts)", async () => {
    const ns = await freshNamespace();
    await createProfile(c.customObjects, ns, "a");
    const { informer, stop, done } = startInformer(ns);
    await informer.ready();
    stop.abort();
    const outcome = await Promise.race([done.then(() => "stopped"), new Promise((r) => setTimeout(r, 5_000, "hung"))]);
    expect(outcome).toBe("stopped");
    await waitFor("no open watch left", () => c.kube.stats().openWatches === 0, 5_000);
  });

  it("watches one namespace only when given one, all namespaces otherwise", async () => {
    const a = await freshNamespace();
    const b = await freshNamespace();
    const one = startInformer(a);
    const all = startInformer(undefined);
    await Promise.all([one.informer.ready(), all.informer.ready()]);
    await createProfile(c.customObjects, b, "in-b");
    await createProfile(c.customObjects, a, "in-a");
    await waitFor(
      "condition",
      () => all.informer.get(`${a}/in-a`) !== undefined && one.informer.get(`${a}/in-a`) !== undefined,
    );
    expect(all.informer.get(`${b}/in-b`)).toBeDefined();
    expect(one.informer.get(`${b}/in-b`)).toBeUndefined();
  });

  it("recovers from a watch broken mid-stream without a relist and without missing an event", async () => {
    const ns = await freshNamespace();
    await createProfile(c.customObjects, ns, "a");
    // A re-watch delay of 1-2 s: the changes below surely fall in the gap.
    const { informer, seen } = startInformer(ns, { backoff: { initialMs: 2_000 } });
    await informer.ready();
    await watching(informer);
    const watchesBefore = informer.stats().watches;
    c.kube.faults.breakWatches();
    // Changes made while no watch is open: the re-watch from the last resourceVersion must replay them.
    await createProfile(c.customObjects, ns, "during-gap");
    await touch(ns, "a", "gap");
    await waitFor(
      "events from the gap",
      () => seen.includes("add:during-gap") && informer.get(`${ns}/a`)?.metadata?.labels?.touched === "gap",
      20_000,
    );
    expect(informer.stats().watches).toBeGreaterThan(watchesBefore);
    expect(informer.stats().lists).toBe(1);
    await createProfile(c.customObjects, ns, "after");
    await waitFor("event after recovery", () => seen.includes("add:after"), 10_000);
  });

  it("re-watches from its resourceVersion after watches refused by an HTTP error before their stream (429, 500): no relist, no missed event", async () => {
    const ns = await freshNamespace();
    await createProfile(c.customObjects, ns, "a");
    const { informer, seen } = startInformer(ns);
    await informer.ready();
    await watching(informer);
    const errorsBefore = informer.stats().errors;
    // The real server refuses a watch before its headers with 429 while its watch cache is not ready (Cacher.Watch)
    // and with 500 for what its storage cannot parse; the next two watch requests get those.
    const watchPath = new RegExp(`/namespaces/${ns}/`);
    c.kube.faults.failNext({ verb: "watch", path: watchPath, status: 429 });
    c.kube.faults.failNext({ verb: "watch", path: watchPath, status: 500 });
    c.kube.faults.breakWatches();
    await createProfile(c.customObjects, ns, "while-refused");
    await waitFor("both refusals counted", () => informer.stats().errors >= errorsBefore + 3, 20_000);
    await waitFor("the change made meanwhile", () => seen.includes("add:while-refused"), 20_000);
    expect(informer.stats().lists).toBe(1);
    await createProfile(c.customObjects, ns, "after");
    await waitFor("event after recovery", () => seen.includes("add:after"), 10_000);
  });

  it("relists on 410 Gone and reports what changed while history was lost, including deletes", async () => {
    const ns = await freshNamespace();
    await createProfile(c.customObjects, ns, "stays");
    await createProfile(c.customObjects, ns, "goes");
    const { informer, seen } = startInformer(ns, { backoff: { initialMs: 2_000 } });
    await informer.ready();
    await watching(informer);
    c.kube.faults.breakWatches();
    // While no watch is open: change things, then compact, so the re-watch from our resourceVersion gets 410.
    await c.customObjects.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "goes" });
    await createProfile(c.customObjects, ns, "arrives");
    c.kube.faults.expireHistory();
    await waitFor("a relist", () => informer.stats().lists >= 2, 20_000);
    await waitFor("relist diff", () => seen.includes("delete:goes") && seen.includes("add:arrives"), 10_000);
    expect(informer.stats().gone).toBeGreaterThanOrEqual(1);
    expect(informer.keys().sort()).toEqual([`${ns}/arrives`, `${ns}/stays`]);
    // and it keeps watching afterwards
    await createProfile(c.customObjects, ns, "later");
    await waitFor("event after relist", () => seen.includes("add:later"), 10_000);
  });

  it("keeps retrying a failing list instead of stopping (client-node #2222), then syncs", async () => {
    const ns = await freshNamespace();
    await createProfile(c.customObjects, ns, "x");
    c.kube.faults.failNext({ verb: "list", path: new RegExp(`/namespaces/${ns}/`), status: 500, count: 2 });
    const { informer } = startInformer(ns);
    await informer.ready();
    expect(informer.get(`${ns}/x`)).toBeDefined();
    expect(informer.stats().errors).toBeGreaterThanOrEqual(2);
  });

  it("restarts a watch that stays silent past the inactivity timeout and still sees later events", async () => {
    const ns = await freshNamespace();
    const { informer, seen } = startInformer(ns, { inactivityTimeoutMs: 700 });
    await informer.ready();
    await waitFor("watch restarts", () => informer.stats().inactive >= 2, 20_000);
    expect(informer.stats().lists).toBe(1);
    await createProfile(c.customObjects, ns, "late");
    await waitFor("event after restarts", () => seen.includes("add:late"), 10_000);
  });
});
