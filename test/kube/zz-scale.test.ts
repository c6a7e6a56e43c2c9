import { it } from "vitest";
import { Informer } from "../../src/kube/informer.js";
import { startCluster, ensureNamespace, PROFILES, profile } from "./local.js";

it("scale", async () => {
  const c = await startCluster();
  await ensureNamespace(c, "s");
  const t0 = Date.now();
  const N = 10_000;
  let i = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (i < N) {
      const k = i++;
      const body = profile("s", `p${k}`, { metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(800) } } });
      await c.customObjects.createNamespacedCustomObject({ ...PROFILES, namespace: "s", body });
    }
  }));
  console.log("created", Date.now() - t0);
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const t1 = Date.now();
  const inf = new Informer({ kubeConfig: c.kubeConfig, resource: PROFILES });
  const stop = new AbortController();
  const done = inf.start(stop.signal);
  await inf.ready();
  console.log("synced", inf.size, Date.now() - t1, "ms");
  global.gc?.();
  console.log("heap delta MB", (process.memoryUsage().heapUsed - before) / 1e6);
  stop.abort(); await done; await c.close();
}, 300_000);
