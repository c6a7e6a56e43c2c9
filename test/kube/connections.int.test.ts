/** The operator's REST calls (src/kube/rest.ts) reuse connections; client-node 2.0.1's own API classes open one per call. */
import { existsSync, readdirSync } from "node:fs";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKubeConfig } from "../../src/kube/config.js";
import { objectPath } from "../../src/kube/object.js";
import { KubeApi } from "../../src/kube/rest.js";
import { type Cluster, createProfile, ensureNamespace, PROFILES, startCluster } from "./local.js";

const openFds = () => readdirSync("/proc/self/fd").length;
let c: Cluster;

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, "conn");
  await createProfile(c.customObjects, "conn", "a");
});
afterAll(async () => {
  await c?.close();
});

async function burst(get: () => Promise<unknown>, n: number) {
  for (let i = 0; i < n; i++) await get();
  await Promise.all(Array.from({ length: 20 }, get));
}

describe.runIf(existsSync("/proc/self/fd"))("connection reuse", () => {
  it("200 calls through the operator's KubeApi on loadKubeConfig's KubeConfig do not open 200 sockets", async () => {
    const api = new KubeApi(loadKubeConfig({ path: c.kube.kubeconfigPath }));
    const path = objectPath({ ...PROFILES, namespace: "conn" }, "a");
    const before = openFds();
    await burst(() => api.get(path), 200);
    // 20 concurrent calls may open up to 20 connections (client + server side each); never one per call.
    expect(openFds() - before).toBeLessThan(60);
  });

  it("(baseline) client-node's own API classes open a connection per call, which rest.ts avoids", async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(c.kube.kubeconfigPath);
    const objects = plain.makeApiClient(CustomObjectsApi);
    const before = openFds();
    await burst(() => objects.getNamespacedCustomObject({ ...PROFILES, namespace: "conn", name: "a" }), 200);
    expect(openFds() - before).toBeGreaterThan(200);
  });
});
