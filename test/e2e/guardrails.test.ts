/**
 * Tenant guardrails end to end: SageMakerProfilePolicy resources applied to the local API server refuse resources
 * before any SageMaker call, are re-evaluated when a policy or a namespace's labels change, and never block others.
 */
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerProfilePolicySpec } from "../../src/policy/index.js";
import { applyPolicy as applyPolicyTo, deletePolicy } from "../support/policy.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

let e2e: E2E;
let custom: CustomObjectsApi;
let core: CoreV1Api;
const ROLE_A = "arn:aws:iam::123456789012:role/team-a-studio";

const profile = (namespace: string, name: string, userSettings: Record<string, unknown>, spec = {}) => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name, namespace },
  spec: { domainId: DEMO_DOMAIN, userSettings, ...spec },
});

async function create(obj: ReturnType<typeof profile>) {
  await custom.createNamespacedCustomObject({
    group: "sagemaker.gitops.io",
    version: "v1alpha1",
    plural: "sagemakeruserprofiles",
    namespace: obj.metadata.namespace,
    body: obj,
  });
}

const applyPolicy = (name: string, spec: SageMakerProfilePolicySpec) => applyPolicyTo(e2e.stack.kubeConfig, name, spec);

/** Every request (reads included) the emulator received about a profile name. */
const callsAbout = (name: string) =>
  e2e.sagemaker
    .requests()
    .filter((r) => r.request.UserProfileName === name || String(r.request.ResourceArn ?? "").endsWith(`/${name}`));

const stalled = async (namespace: string, name: string, reason: string) =>
  waitFor(`${namespace}/${name} Stalled ${reason}`, async () => {
    const o = await e2e.get(namespace, name);
    const c = condition(o, "Stalled");
    return c?.status === "True" && c.reason === reason ? o : undefined;
  });

beforeAll(async () => {
  // About policies: none but this file's own, and namespaces without one unconstrained (the NoPolicy default is
  // tested in tenant-attacks.test.ts).
  e2e = await startE2E({ policy: false, operator: (c) => (c.requirePolicy = false) });
  custom = e2e.stack.kubeConfig.makeApiClient(CustomObjectsApi);
  core = e2e.stack.kubeConfig.makeApiClient(CoreV1Api);
  await e2e.stack.ensureNamespaces(["team-a", "team-b"]);
  await core.createNamespace({ body: { metadata: { name: "team-c", labels: { tenant: "external" } } } });
  await applyPolicy("team-a", {
    namespaces: ["team-a"],
    domains: [DEMO_DOMAIN],
    executionRoles: ["arn:aws:iam::123456789012:role/team-a-*"],
    instanceTypes: ["ml.t3.*"],
    securityGroups: ["sg-0a0000000000000a?"],
  });
});
afterAll(async () => {
  await e2e?.close();
});

describe("SageMakerProfilePolicy", () => {
  it("refuses a resource that breaks the policy before any AWS call, while a good one alongside converges", async () => {
    await create(
      profile("team-a", "mallory", {
        executionRole: "arn:aws:iam::123456789012:role/platform-admin",
        jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.p4d.24xlarge" } },
      }),
    );
    await create(profile("team-a", "alice", { executionRole: ROLE_A, securityGroups: ["sg-0a0000000000000a1"] }));
    const refused = await stalled("team-a", "mallory", "PolicyViolation");
    const message = condition(refused, "Stalled")?.message ?? "";
    expect(message).toContain(
      '.spec.userSettings.executionRole "arn:aws:iam::123456789012:role/platform-admin" is not allowed by SageMakerProfilePolicy/team-a (executionRoles: [arn:aws:iam::123456789012:role/team-a-*])',
    );
    expect(message).toContain(".spec.userSettings.jupyterServerAppSettings.defaultResourceSpec.instanceType");
    expect(message).toContain("instanceTypes: [ml.t3.*]");
    expect(condition(refused, "Ready")?.status).toBe("False");
    await waitFor("alice Ready", async () => isReady(await e2e.get("team-a", "alice")));
    await sleep(300);
    expect(callsAbout("mallory")).toEqual([]);
    // A refused resource owns nothing in AWS, so it holds no finalizer: deleting it is never blocked.
    expect(refused.metadata.finalizers ?? []).toEqual([]);
  });

  it("re-evaluates refused resources when the policy changes: allowed now, they converge", async () => {
    await create(profile("team-a", "bob", { executionRole: "arn:aws:iam::123456789012:role/team-b-studio" }));
    await stalled("team-a", "bob", "PolicyViolation");
    expect(callsAbout("bob")).toEqual([]);
    await applyPolicy("team-a", {
      executionRoles: ["arn:aws:iam::123456789012:role/team-a-*", "arn:aws:iam::123456789012:role/team-b-*"],
    });
    await waitFor("bob Ready", async () => isReady(await e2e.get("team-a", "bob")));
    expect(e2e.describe("bob")?.UserSettings?.ExecutionRole).toBe("arn:aws:iam::123456789012:role/team-b-studio");
  });

  it("a tightened policy stops repairs of a resource already in sync (no UpdateUserProfile)", async () => {
    await waitFor("alice Ready", async () => isReady(await e2e.get("team-a", "alice")));
    const updatesBefore = e2e.sagemaker.mutations("UpdateUserProfile").length;
    await applyPolicy("team-a", { securityGroups: ["sg-0a0000000000000a2"] });
    const o = await stalled("team-a", "alice", "PolicyViolation");
    expect(condition(o, "Stalled")?.message).toContain(".spec.userSettings.securityGroups[0]");
    // Someone edits the profile out of band: a refused resource does not repair it.
    e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "alice", {
      userSettings: { ExecutionRole: "arn:aws:iam::123456789012:role/ConsoleEdit" },
    });
    await e2e.patch("team-a", "alice", { metadata: { annotations: { touch: "1" } } });
    await sleep(800);
    expect(e2e.sagemaker.mutations("UpdateUserProfile").length).toBe(updatesBefore);
    await applyPolicy("team-a", { securityGroups: ["sg-0a0000000000000a?"] });
    await waitFor("alice repaired", async () => isReady(await e2e.get("team-a", "alice")));
    expect(e2e.describe("alice")?.UserSettings?.ExecutionRole).toBe(ROLE_A);
  });

  it("selects namespaces by label, and follows label changes", async () => {
    await applyPolicy("external-tenants", {
      namespaceSelector: { matchLabels: { tenant: "external" } },
      instanceTypes: ["ml.t3.medium"],
    });
    await create(
      profile("team-c", "carol", {
        executionRole: ROLE_A,
        kernelGatewayAppSettings: { defaultResourceSpec: { instanceType: "ml.g5.2xlarge" } },
      }),
    );
    const o = await stalled("team-c", "carol", "PolicyViolation");
    expect(condition(o, "Stalled")?.message).toContain("SageMakerProfilePolicy/external-tenants");
    expect(callsAbout("carol")).toEqual([]);
    await core.patchNamespace(
      { name: "team-c", body: { metadata: { labels: { tenant: "internal" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await waitFor("carol Ready once team-c is no longer selected", async () =>
      isReady(await e2e.get("team-c", "carol")),
    );
  });

  it("no policy for a namespace allows everything; deleting a policy re-evaluates", async () => {
    await create(profile("team-b", "dave", { executionRole: "arn:aws:iam::123456789012:role/anything" }));
    await waitFor("dave Ready", async () => isReady(await e2e.get("team-b", "dave")));
    await create(profile("team-a", "erin", { executionRole: "arn:aws:iam::123456789012:role/other" }));
    await stalled("team-a", "erin", "PolicyViolation");
    await deletePolicy(e2e.stack.kubeConfig, "team-a");
    await waitFor("erin Ready", async () => isReady(await e2e.get("team-a", "erin")));
  });

  it("refuses ARNs of another partition (aws-cn, aws-us-gov) for an operator in an aws region", async () => {
    await create(profile("team-b", "frank", { executionRole: "arn:aws-cn:iam::123456789012:role/studio" }));
    await create(
      profile("team-b", "grace", {
        executionRole: "arn:aws:iam::123456789012:role/studio",
        jupyterServerAppSettings: {
          defaultResourceSpec: {
            lifecycleConfigArn: "arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:studio-lifecycle-config/x",
          },
        },
      }),
    );
    for (const name of ["frank", "grace"]) {
      const o = await stalled("team-b", name, "PartitionMismatch");
      expect(condition(o, "Stalled")?.message).toMatch(
        /ARNs must be in partition aws .*this one is in aws-(cn|us-gov)/,
      );
      expect(callsAbout(name)).toEqual([]);
    }
  });
});

describe("ownership", () => {
  it("a resource in another namespace claiming a managed profile gets OwnershipConflict and never writes", async () => {
    await waitFor("dave Ready", async () => isReady(await e2e.get("team-b", "dave")));
    const writes = () =>
      e2e.sagemaker.mutations().filter((m) => callsAbout("dave").some((c) => c.at === m.at && c.op === m.op));
    const before = writes().length;
    await create(
      profile(
        "team-a",
        "dave-twin",
        { executionRole: "arn:aws:iam::123456789012:role/Intruder" },
        { userProfileName: "dave" },
      ),
    );
    const o = await stalled("team-a", "dave-twin", "OwnershipConflict");
    expect(condition(o, "Synced")?.message).toContain("owned by e2e/team-b/dave");
    await sleep(500);
    expect(writes().length).toBe(before);
    expect(e2e.describe("dave")?.UserSettings?.ExecutionRole).toBe("arn:aws:iam::123456789012:role/anything");
  });

  it("two resources applied together for one new profile: one creates and owns it, the other gets OwnershipConflict", async () => {
    const twin = (namespace: string, name: string, role: string) =>
      profile(
        namespace,
        name,
        { executionRole: `arn:aws:iam::123456789012:role/${role}` },
        { userProfileName: "shared" },
      );
    await Promise.all([create(twin("team-b", "claim-b", "first")), create(twin("team-c", "claim-c", "second"))]);
    const outcome = async (namespace: string, name: string) => {
      const o = await e2e.get(namespace, name);
      if (isReady(o)) return "owner";
      const c = condition(o, "Stalled");
      return c?.status === "True" && c.reason === "OwnershipConflict" ? "conflict" : undefined;
    };
    const results = await waitFor("one owner, one conflict", async () => {
      const r = [await outcome("team-b", "claim-b"), await outcome("team-c", "claim-c")];
      return r.every(Boolean) ? r : undefined;
    });
    expect(results.sort()).toEqual(["conflict", "owner"]);
    const winner = (await outcome("team-b", "claim-b")) === "owner" ? "team-b/claim-b" : "team-c/claim-c";
    const tags = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "shared")?.tags ?? [];
    expect(tags).toContainEqual({ Key: "sagemaker.gitops.io/owner", Value: `e2e/${winner}` });
    // The loser's writes never took effect: one successful create, no update, no tag change by it.
    const okWrites = e2e.sagemaker
      .mutations()
      .filter((m) => m.request.UserProfileName === "shared" || String(m.request.ResourceArn ?? "").endsWith("/shared"));
    expect(okWrites.map((m) => m.op)).toEqual(["CreateUserProfile"]);
    const role = winner === "team-b/claim-b" ? "first" : "second";
    expect(e2e.describe("shared")?.UserSettings?.ExecutionRole).toBe(`arn:aws:iam::123456789012:role/${role}`);
  });
});
