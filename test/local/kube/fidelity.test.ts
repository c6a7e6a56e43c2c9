/**
 * Behaviours of kube-apiserver the operator relies on that no other test pins down, each checked in the server's own
 * words through the real client-node (sources in docs/fidelity.md).
 */
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Env, failure, freshNamespace, type Obj, PROFILES, profile, startEnv } from "./helpers.js";

let env: Env;
beforeAll(async () => {
  env = await startEnv();
});
afterAll(() => env.kube.close());

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const FINALIZER = "sagemaker.gitops.io/finalizer";

describe("finalizers on an object being deleted", () => {
  it("refuses new finalizers, naming them sorted as ValidateNoNewFinalizers does, and still lets ours go", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({
      ...PROFILES,
      namespace: ns,
      body: profile(ns, "d", {}, { finalizers: [FINALIZER] }),
    });
    await env.custom.deleteNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "d" });
    const adding = await failure(
      env.custom.patchNamespacedCustomObject(
        { ...PROFILES, namespace: ns, name: "d", body: { metadata: { finalizers: [FINALIZER, "z.io/b", "a.io/a"] } } },
        mergePatch,
      ),
    );
    expect(adding.code).toBe(422);
    expect(adding.details?.causes).toEqual([
      {
        reason: "FieldValueForbidden",
        field: "metadata.finalizers",
        message:
          'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/a", "z.io/b"}',
      },
    ]);
    const still = (await env.custom.getNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "d" })) as Obj;
    expect(still.metadata.finalizers).toEqual([FINALIZER]);
  });
});

describe("RBAC denials", () => {
  it("answer 403 Forbidden with the authorizer's message and details naming the group and resource", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "r") });
    const lift = env.kube.faults.deny({ verb: "patch", group: PROFILES.group, resource: `${PROFILES.plural}/status` });
    try {
      const denied = await failure(
        env.custom.patchNamespacedCustomObjectStatus(
          { ...PROFILES, namespace: ns, name: "r", body: { status: { profileStatus: "InService" } } },
          mergePatch,
        ),
      );
      expect(denied).toMatchObject({
        code: 403,
        reason: "Forbidden",
        message: `${PROFILES.plural}.${PROFILES.group} "r" is forbidden: User "system:serviceaccount:ops:sagemaker-profile-operator" cannot patch resource "${PROFILES.plural}/status" in API group "${PROFILES.group}" in the namespace "${ns}"`,
        details: { name: "r", group: PROFILES.group, kind: PROFILES.plural },
      });
      // only that verb on that subresource is denied
      await env.custom.patchNamespacedCustomObject(
        { ...PROFILES, namespace: ns, name: "r", body: { metadata: { labels: { a: "b" } } } },
        mergePatch,
      );
    } finally {
      lift();
    }
  });
});

describe("Leases (coordination.k8s.io/v1)", () => {
  it("refuse a non-positive leaseDurationSeconds and negative leaseTransitions (ValidateLeaseSpec)", async () => {
    const ns = await freshNamespace(env);
    const bad = await failure(
      env.coordination.createNamespacedLease({
        namespace: ns,
        body: { metadata: { name: "l" }, spec: { holderIdentity: "a", leaseDurationSeconds: 0, leaseTransitions: -1 } },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.details?.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.leaseDurationSeconds",
        message: "Invalid value: 0: must be greater than 0",
      },
      {
        reason: "FieldValueInvalid",
        field: "spec.leaseTransitions",
        message: "Invalid value: -1: must be greater than or equal to 0",
      },
    ]);
    const lease = await env.coordination.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: "l" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } },
    });
    const zeroed = await failure(
      env.coordination.replaceNamespacedLease({
        namespace: ns,
        name: "l",
        body: { ...lease, spec: { ...lease.spec, leaseDurationSeconds: -5 } },
      }),
    );
    expect(zeroed.code).toBe(422);
  });
});

describe("JSON patch", () => {
  it("refuses more than 10000 operations with 413, before applying any", async () => {
    const ns = await freshNamespace(env);
    await env.custom.createNamespacedCustomObject({ ...PROFILES, namespace: ns, body: profile(ns, "j") });
    const ops = Array.from({ length: 10_001 }, () => ({ op: "test", path: "/metadata/name", value: "j" }));
    const tooMany = await failure(
      env.custom.patchNamespacedCustomObject({ ...PROFILES, namespace: ns, name: "j", body: ops }),
    );
    expect(tooMany).toMatchObject({
      code: 413,
      reason: "RequestEntityTooLarge",
      message: "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
    });
  });
});

describe("object metadata", () => {
  it("refuses label keys that are not qualified names, with apimachinery's messages", async () => {
    const ns = await freshNamespace(env);
    const bad = await failure(
      env.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "c", labels: { "a/b/c": "x", "/empty-prefix": "y" } } },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.details?.causes?.map((c) => `${c.field}: ${c.message}`)).toEqual([
      expect.stringMatching(/^metadata\.labels: Invalid value: "a\/b\/c": a valid label key must consist of /),
      'metadata.labels: Invalid value: "/empty-prefix": prefix part must be non-empty',
    ]);
  });

  it("counts the 256 KiB annotation limit in bytes", async () => {
    const ns = await freshNamespace(env);
    // 90,000 characters of 3 bytes each: 270,000 bytes, over 262,144 although under 262,144 characters.
    const big = await failure(
      env.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "c", annotations: { note: "€".repeat(90_000) } } },
      }),
    );
    expect(big.code).toBe(422);
    expect(big.details?.causes).toEqual([
      {
        reason: "FieldValueTooLong",
        field: "metadata.annotations",
        message: "Too long: may not be more than 262144 bytes",
      },
    ]);
  });
});
