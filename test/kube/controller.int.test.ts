/** Controller + informer + status writer end to end against the local API server. */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Controller } from "../../src/kube/controller.js";
import { Informer } from "../../src/kube/informer.js";
import type { KubeObject } from "../../src/kube/object.js";
import { writeStatus } from "../../src/kube/status.js";
import { sleep, waitFor } from "../support/wait.js";
import { type Cluster, createProfile, ensureNamespace, getProfile, PROFILES, startCluster } from "./local.js";

let c: Cluster;
const NS = "ctl";

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, NS);
});
afterAll(async () => {
  await c?.close();
});

const statusOf = (o: KubeObject) => o.status as { observedGeneration?: number } | undefined;

describe("Controller over a real informer", () => {
  it("reconciles every object, is not re-triggered by its own status writes, and reacts to spec changes", async () => {
    for (let i = 0; i < 6; i++) await createProfile(c.customObjects, NS, `p${i}`);
    const informer = new Informer<KubeObject>({ kubeConfig: c.kubeConfig, resource: { ...PROFILES, namespace: NS } });
    const counts = new Map<string, number>();
    const controller = new Controller<KubeObject>({
      name: "test",
      informers: [informer],
      workers: 3,
      reconcile: async (key) => {
        counts.set(key, (counts.get(key) ?? 0) + 1);
        const obj = informer.get(key);
        if (!obj) return {};
        const generation = obj.metadata?.generation ?? 0;
        await writeStatus(c.api, PROFILES, obj, {
          observedGeneration: generation,
          profileStatus: "InService",
        });
        return {};
      },
    });
    const stop = new AbortController();
    const informerDone = informer.start(stop.signal);
    const controllerDone = controller.run(stop.signal);
    await waitFor("first reconciles", () => counts.size === 6, 20_000);
    await waitFor(
      "status written",
      async () => (await getProfile(c.customObjects, NS, "p5")).status !== undefined,
      10_000,
    );
    await sleep(1_000); // the status writes' watch events arrive; none should enqueue
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    await c.customObjects.patchNamespacedCustomObject(
      { ...PROFILES, namespace: NS, name: "p3", body: { spec: { managementPolicy: "Observe" } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await waitFor("reconcile on spec change", () => counts.get(`${NS}/p3`) === 2, 10_000);
    await waitFor(
      "observedGeneration 2",
      async () => statusOf(await getProfile(c.customObjects, NS, "p3"))?.observedGeneration === 2,
      10_000,
    );
    stop.abort();
    await Promise.all([informerDone, controllerDone]);
  });
});
