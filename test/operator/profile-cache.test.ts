import { describe, expect, it } from "vitest";
import { FINALIZER, PAUSED_ANNOTATION, type SageMakerUserProfile } from "../../src/api/types.js";
import { profileCacheTransform } from "../../src/operator/profile-cache.js";

const listed = (): SageMakerUserProfile =>
  ({
    apiVersion: "sagemaker.gitops.io/v1alpha1",
    kind: "SageMakerUserProfile",
    metadata: {
      name: "alice",
      namespace: "team-a",
      uid: "u-1",
      resourceVersion: "42",
      generation: 3,
      deletionTimestamp: "2026-01-01T00:00:00Z",
      finalizers: [FINALIZER, "other.example/keep"],
      labels: { app: "x" },
      annotations: {
        [PAUSED_ANNOTATION]: "true",
        "kubectl.kubernetes.io/last-applied-configuration": "{...a copy of the object...}",
        "argocd.argoproj.io/tracking-id": "app:sagemaker.gitops.io/SageMakerUserProfile:team-a/alice",
      },
      managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: { "f:spec": {} } }],
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "u-2" }],
      creationTimestamp: "2025-12-01T00:00:00Z",
    },
    spec: { domainId: "d-1", userSettings: { executionRole: "arn:aws:iam::123456789012:role/R" } },
    status: {
      observedGeneration: 3,
      userProfileArn: "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-1/alice",
      conditions: [{ type: "Ready", status: "True", reason: "InSync", message: "The profile matches the spec" }],
    },
  }) as unknown as SageMakerUserProfile;

describe("the profile informer's cache transform", () => {
  it("keeps what the reconciler, the update filter and events read", () => {
    const kept = profileCacheTransform(listed());
    const original = listed();
    expect(kept.spec).toEqual(original.spec);
    expect(kept.status).toEqual(original.status);
    expect(kept.metadata).toEqual({
      name: "alice",
      namespace: "team-a",
      uid: "u-1",
      resourceVersion: "42",
      generation: 3,
      deletionTimestamp: "2026-01-01T00:00:00Z",
      finalizers: [FINALIZER, "other.example/keep"],
      labels: { app: "x" },
      annotations: {
        [PAUSED_ANNOTATION]: "true",
        "argocd.argoproj.io/tracking-id": "app:sagemaker.gitops.io/SageMakerUserProfile:team-a/alice",
      },
    });
    expect([kept.apiVersion, kept.kind]).toEqual([original.apiVersion, original.kind]);
  });

  it("drops managedFields and kubectl's last-applied copy, and no annotations are left when that was the only one", () => {
    const obj = listed();
    obj.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": "{}" };
    const kept = profileCacheTransform(obj);
    expect(kept.metadata.annotations).toBeUndefined();
    expect((kept.metadata as Record<string, unknown>).managedFields).toBeUndefined();
  });
});

describe("the cache transform's shared copies", () => {
  const converged = (name: string): SageMakerUserProfile => {
    const obj = listed();
    obj.metadata.name = name;
    const at = "2026-11-30T08:00:00.000Z";
    Object.assign(obj.status as object, {
      userProfileName: name,
      managedTagKeys: ["team", "cost-center"],
      drift: { count: 0, fields: [] },
      lastSyncTime: at,
      conditions: ["Ready", "Synced", "Stalled"].map((type) => ({
        type,
        status: "True",
        reason: "InSync",
        message: "The profile matches the spec",
        lastTransitionTime: at,
      })),
    });
    return obj;
  };

  it("keeps every value: lists, an empty drift, timestamps and names read as before", () => {
    const kept = profileCacheTransform(converged("bob"));
    expect(kept.status).toEqual(converged("bob").status);
    expect(kept.spec).toEqual(converged("bob").spec);
  });

  it("a list resources share is frozen: a change in place throws instead of changing every resource's copy", () => {
    const a = profileCacheTransform(converged("a"));
    const b = profileCacheTransform(converged("b"));
    const keys = a.status?.managedTagKeys as string[];
    expect(() => keys.push("x")).toThrow(TypeError);
    expect(b.status?.managedTagKeys).toEqual(["team", "cost-center"]);
    expect(b.metadata.finalizers).toEqual([FINALIZER, "other.example/keep"]);
  });

  it("conditions alike in many resources (same outcome, same second) are one frozen copy; their values read as before", () => {
    const a = profileCacheTransform(converged("a"));
    const b = profileCacheTransform(converged("b"));
    expect(b.status?.conditions).toBe(a.status?.conditions);
    expect(b.status?.conditions).toEqual(converged("b").status?.conditions);
    const shared = a.status?.conditions as unknown[];
    expect(() => shared.push({})).toThrow(TypeError);
    const later = converged("c");
    for (const c of later.status?.conditions ?? []) c.lastTransitionTime = "2026-11-30T08:00:01.000Z";
    const c = profileCacheTransform(later).status?.conditions;
    expect(c).not.toBe(a.status?.conditions);
    expect(c?.[0]?.lastTransitionTime).toBe("2026-11-30T08:00:01.000Z");
  });

  it("a condition with a field the cache does not know is kept whole, not shared", () => {
    const odd = converged("d");
    Object.assign(odd.status?.conditions?.[0] as object, { severity: "Info" });
    const kept = profileCacheTransform(odd).status?.conditions;
    expect(kept?.[0]).toEqual({ ...converged("d").status?.conditions?.[0], severity: "Info" });
    expect(kept).not.toBe(profileCacheTransform(converged("e")).status?.conditions);
  });

  it("a new version keeps the values of the fields it shares with the version it replaces", () => {
    const first = profileCacheTransform(converged("f"));
    const next = converged("f");
    next.metadata.resourceVersion = "43";
    (next.status as { ownedBy?: string }).ownedBy = "cluster/team-a/f";
    const kept = profileCacheTransform(next, first);
    expect(kept.status?.userProfileArn).toBe(first.status?.userProfileArn);
    expect([kept.metadata.uid, kept.metadata.resourceVersion, kept.status?.ownedBy]).toEqual([
      "u-1",
      "43",
      "cluster/team-a/f",
    ]);
    expect(Object.hasOwn(kept.status ?? {}, "homeEfsFileSystemUid")).toBe(false);
  });

  it("a drifted resource keeps its own drift", () => {
    const obj = converged("c");
    (obj.status as { drift: unknown }).drift = { count: 1, fields: ["/userSettings/executionRole"], detectedTime: "t" };
    expect(profileCacheTransform(obj).status?.drift).toEqual({
      count: 1,
      fields: ["/userSettings/executionRole"],
      detectedTime: "t",
    });
  });
});
