import { it } from "vitest";
import { Informer } from "../../src/kube/informer.js";
import { startCluster, ensureNamespace, PROFILES, profile } from "./local.js";

it("scale", async () => {
  const c = await startCluster();
  await ensureNamespace(c, "s");
  const N = Number(process.env.N ?? 1000);
  let i = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (i < N) {
      const k = i++;
      const body = profile("s", `p${k}`, { metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(800) } } });
      await c.customObjects.createNamespacedCustomObject({ ...PROFILES, namespace: "s", body });
    }
  }));
  console.log("created", Date.now() - t0);
  const before = process.memoryUsage().heapUsed;
  const t1 = Date.now();
  const inf = new Informer({ kubeConfig: c.kubeConfig, resource: PROFILES });
  const stop = new AbortController();
  const done = inf.start(stop.signal);
  await inf.ready();
  console.log("synced", inf.size, Date.now() - t1, "ms", "heap delta MB", (process.memoryUsage().heapUsed - before) / 1e6);
  console.log("sample", JSON.stringify(inf.get("s/p1")).length, "bytes");
  stop.abort();
  await done;
  await c.close();
  console.log("closed");
}, 300_000);
