/** The KubeConfig from loadKubeConfig reuses connections (client-node 2.0.1 alone opens one per request). */
import { existsSync, readdirSync } from "node:fs";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

async function burst(api: CustomObjectsApi, n: number) {
  const get = () => api.getNamespacedCustomObject({ ...PROFILES, namespace: "conn", name: "a" });
  for (let i = 0; i < n; i++) await get();
  await Promise.all(Array.from({ length: 20 }, get));
}

describe.runIf(existsSync("/proc/self/fd"))("connection reuse", () => {
  it("200 API calls through loadKubeConfig's KubeConfig do not open 200 sockets", async () => {
    const before = openFds();
    await burst(c.customObjects, 200);
    // 20 concurrent calls may open up to 20 connections (client + server side each); never one per call.
    expect(openFds() - before).toBeLessThan(60);
  });

  it("(baseline) a plain client-node KubeConfig opens a connection per call, which is what the pool fixes", async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(c.kube.kubeconfigPath);
    const before = openFds();
    await burst(plain.makeApiClient(CustomObjectsApi), 200);
    expect(openFds() - before).toBeGreaterThan(200);
  });
});
