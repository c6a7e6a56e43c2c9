/** Fault injection, statistics, authentication, and KubernetesObjectApi (discovery-driven client, server-side apply). */
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/wait.js";
import { type Env, failure, freshNamespace, type Obj, PROFILES, profile as profileObj, startEnv } from "./helpers.js";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("fault injection", () => {
  it("failNext fails only the matching requests, the given number of times", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "f") });
    env.kube.faults.failNext({ verb: "patch", path: /\/status$/, status: 409, count: 2 });
    // A GET and a main-endpoint patch are not affected.
    await env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "f" });
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "f", body: { metadata: { labels: { a: "b" } } } },
      mergePatch,
    );
    const statusPatch = () =>
      env.custom.patchNamespacedCustomObjectStatus(
        { ...PROFILES, namespace: ns, name: "f", body: { status: { profileStatus: "InService" } } },
        mergePatch,
      );
    expect(await failure(statusPatch())).toMatchObject({ code: 409, reason: "Conflict", kind: "Status" });
    expect((await failure(statusPatch())).code).toBe(409);
    const ok = (await statusPatch()) as Obj;
    expect(ok.status?.profileStatus).toBe("InService");
  });

  it("failNext with 503 on lists", async () => {
    env.kube.faults.failNext({ verb: "list", status: 503 });
    const res = await failure(env.custom.listClusterCustomObject(PROFILES));
    expect(res).toMatchObject({ code: 503, reason: "ServiceUnavailable" });
    expect(res.headers["retry-after"]).toBe("1");
    await env.custom.listClusterCustomObject(PROFILES);
  });

  it("setUnavailable answers 503 to everything for a while", async () => {
    env.kube.faults.setUnavailable(3_000);
    expect((await failure(env.core.listNamespace())).code).toBe(503);
    expect((await failure(env.custom.listClusterCustomObject(PROFILES))).code).toBe(503);
    const recovered = await waitFor(
      "the server to be available again",
      () =>
        env.core.listNamespace().then(
          (l) => l,
          () => undefined,
        ),
      20_000,
    );
    expect(recovered.items.length).toBeGreaterThan(0);
  });
});

describe("stats", () => {
  it("counts requests, writes, verbs and watches", async () => {
    const ns = await freshNamespace(env);
    env.kube.resetStats();
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "s") });
    await env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "s" });
    await env.custom.listNamespacedCustomObject({ ...PROFILES, namespace: ns });
    await env.custom.patchNamespacedCustomObject(
      { ...PROFILES, namespace: ns, name: "s", body: { spec: { adoptExisting: true } } },
      mergePatch,
    );
    await env.custom.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "s" });
    const s = env.kube.stats();
    expect(s).toMatchObject({ requests: 5, writes: 3, watches: 0 });
    expect(s.byVerb).toEqual({ create: 1, get: 1, list: 1, patch: 1, delete: 1 });
  });
});

describe("authentication", () => {
  it("with a token, requests without it get 401 and client-node (which sends it over http) works", async () => {
    const secured = await startEnv({ token: "s3cret" });
    try {
      expect(secured.kube.kubeconfig).toContain("token: s3cret");
      expect((await secured.core.listNamespace()).items.length).toBeGreaterThan(0);
      const anonymous = new KubeConfig();
      anonymous.loadFromClusterAndUser(
        { name: "c", server: secured.kube.url, skipTLSVerify: true },
        { name: "nobody" },
      );
      const err = await anonymous
        .makeApiClient(CoreV1Api)
        .listNamespace()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiException);
      expect((err as ApiException<unknown>).code).toBe(401);
    } finally {
      await secured.kube.close();
    }
  });
});

/** KubernetesObjectApi takes its own object type. */
const profile = (...args: Parameters<typeof profileObj>) => profileObj(...args) as KubernetesObject;

describe("KubernetesObjectApi", () => {
  it("finds resources through discovery and does server-side apply: create, update, and remove what is no longer applied", async () => {
    const ns = await freshNamespace(env);
    const desired = profile(
      ns,
      "ssa",
      { userSettings: { securityGroups: ["sg-1"] }, tags: [{ key: "a", value: "1" }] },
      { labels: { x: "1" } },
    );
    const created = (await env.objects.patch(
      desired,
      undefined,
      undefined,
      "gitops",
      true,
      PatchStrategy.ServerSideApply,
    )) as Obj;
    expect(created.spec?.userSettings).toEqual({ securityGroups: ["sg-1"] });
    expect(created.metadata.managedFields?.map((m) => `${m.manager}/${m.operation}`)).toEqual(["gitops/Apply"]);

    const next = profile(ns, "ssa", { adoptExisting: true });
    const applied = (await env.objects.patch(
      next,
      undefined,
      undefined,
      "gitops",
      true,
      PatchStrategy.ServerSideApply,
    )) as Obj;
    // Fields this manager applied before and not now are removed; defaults stay.
    expect(applied.spec?.userSettings).toBeUndefined();
    expect(applied.spec?.tags).toBeUndefined();
    expect(applied.metadata.labels).toBeUndefined();
    expect(applied.spec).toMatchObject({ adoptExisting: true, managementPolicy: "Manage" });
    expect(applied.metadata.generation).toBe(2);

    const read = (await env.objects.read({
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      metadata: { name: "ssa", namespace: ns },
    })) as Obj;
    expect(read.metadata.resourceVersion).toBe(applied.metadata.resourceVersion);
    const other = await failure(
      env.objects.patch(
        profile(ns, "ssa", { adoptExisting: false }),
        undefined,
        undefined,
        "someone-else",
        false,
        PatchStrategy.ServerSideApply,
      ),
    );
    expect(other).toMatchObject({ code: 409, reason: "Conflict" });
    expect(other.message).toContain('conflict with "gitops"');
  });

  it("refuses strategic merge patches (its default) for custom resources with 415, like the real server", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "smp") });
    const res = await failure(env.objects.patch(profile(ns, "smp", { adoptExisting: true })));
    expect(res).toMatchObject({ code: 415, reason: "UnsupportedMediaType" });
    // Built-in kinds accept them (kubectl patches ConfigMaps and Namespaces that way).
    await env.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "c" }, data: { a: "1" } } });
    const cm = (await env.objects.patch({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", namespace: ns },
      data: { b: "2" },
    } as KubernetesObject)) as {
      data?: Record<string, string>;
    };
    expect(cm.data).toEqual({ a: "1", b: "2" });
  });
});
