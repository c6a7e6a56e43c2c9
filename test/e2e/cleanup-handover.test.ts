/**
 * A deletion cleanup interrupted by the leader's death: two `run --leader-elect` processes, the leader SIGKILLed once
 * it has sent its first DeleteApp; the new leader derives what is left from SageMaker and finishes, and the emulator's
 * request log shows each app and space deleted exactly once, by one process or the other, and nothing of another
 * profile's.
 */
import { CustomObjectsApi } from "@kubernetes/client-node";
import { DEMO_DOMAIN, type LocalStack, startLocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { type OperatorProcess, startOperatorProcess, stopProcess } from "../support/operator-process.js";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";

const NS = "team-k";
const COORDS = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };
let stack: LocalStack;
const processes: OperatorProcess[] = [];

function startOperator(name: string): OperatorProcess {
  const p = startOperatorProcess(stack, {
    name,
    leaderElection: { leaseMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 250 },
    flags: ["--cluster-id=e2e"],
  });
  processes.push(p);
  return p;
}

const becameLeader = (p: OperatorProcess) => p.logs.find((l) => l.msg === "became leader; starting workers");

beforeAll(async () => {
  stack = await startLocalStack({
    // App deletions take long enough for the leader to die in the middle of the cleanup.
    sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200, appDeleteMs: 4000, spaceDeleteMs: 300 } },
  });
  await stack.ensureNamespaces([NS]);
  await applyPolicy(stack.kubeConfig, "team-k-cleanup", { namespaces: [NS], deletionCleanup: "AppsAndSpaces" });
});
afterAll(async () => {
  await Promise.all(processes.map((p) => stopProcess(p)));
  await stack?.close();
});

describe("deletion cleanup across a leader change", () => {
  it("is finished by the next leader with no duplicate and no foreign delete", async () => {
    const a = startOperator("operator-a");
    await waitFor("operator-a leads", () => becameLeader(a), 60_000);
    const api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
    await api.createNamespacedCustomObject({
      ...COORDS,
      namespace: NS,
      body: {
        apiVersion: "sagemaker.gitops.io/v1alpha1",
        kind: "SageMakerUserProfile",
        metadata: { name: "carol", namespace: NS },
        spec: {
          domainId: DEMO_DOMAIN,
          userSettings: { executionRole: "arn:aws:iam::123456789012:role/Studio" },
          deletion: { cleanup: "AppsAndSpaces" },
        },
      },
    });
    await waitFor(
      "carol InService",
      () => stack.sagemaker.store.getProfile(DEMO_DOMAIN, "carol")?.status === "InService",
      30_000,
    );
    const admin = stack.sagemaker.admin;
    admin.createProfile(DEMO_DOMAIN, "dan");
    for (const appName of ["default", "second"])
      admin.startApp({ domainId: DEMO_DOMAIN, userProfileName: "carol", appType: "JupyterLab", appName });
    admin.createSpace({
      domainId: DEMO_DOMAIN,
      spaceName: "carol-space",
      ownerUserProfileName: "carol",
      sharingType: "Private",
    });
    admin.startApp({ domainId: DEMO_DOMAIN, spaceName: "carol-space", appType: "CodeEditor", appName: "default" });
    admin.createSpace({
      domainId: DEMO_DOMAIN,
      spaceName: "dan-shared",
      ownerUserProfileName: "dan",
      sharingType: "Shared",
    });
    admin.startApp({ domainId: DEMO_DOMAIN, spaceName: "dan-shared", appType: "JupyterLab", appName: "default" });
    admin.startApp({ domainId: DEMO_DOMAIN, userProfileName: "dan", appType: "JupyterLab", appName: "default" });

    const b = startOperator("operator-b");
    await waitFor("operator-b started", () => b.started.then(() => true), 60_000);
    await api.deleteNamespacedCustomObject({ ...COORDS, namespace: NS, name: "carol" });
    await waitFor("operator-a's first DeleteApp", () => stack.sagemaker.mutations("DeleteApp").length > 0, 30_000, 10);
    a.kill("SIGKILL");
    await waitFor("operator-b leads", () => becameLeader(b), 30_000);
    await waitFor(
      "carol gone",
      async () => {
        try {
          (await api.getNamespacedCustomObject({ ...COORDS, namespace: NS, name: "carol" })) as SageMakerUserProfile;
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      },
      60_000,
    );
    expect(stack.sagemaker.store.getProfile(DEMO_DOMAIN, "carol")).toBeUndefined();

    // Every request, accepted or not: each target once.
    const target = (r: Record<string, unknown>) =>
      [r.UserProfileName ?? r.SpaceName, r.AppType, r.AppName].filter((x) => x !== undefined).join("/");
    const requests = [...stack.sagemaker.requests("DeleteApp"), ...stack.sagemaker.requests("DeleteSpace")];
    expect(requests.map((r) => target(r.request)).sort()).toEqual([
      "carol-space",
      "carol-space/CodeEditor/default",
      "carol/JupyterLab/default",
      "carol/JupyterLab/second",
    ]);
    expect(new Set(requests.map((r) => r.caller))).toContain("operator-a");
    // The space went after its app was Deleted, which took longer than operator-a lived.
    expect(stack.sagemaker.requests("DeleteSpace").map((r) => r.caller)).toEqual(["operator-b"]);
    expect(stack.sagemaker.store.spaces(DEMO_DOMAIN).map((s) => s.spaceName)).toEqual(["dan-shared"]);
    expect(
      stack.sagemaker.store
        .apps(DEMO_DOMAIN)
        .filter((x) => x.userProfileName === "dan" || x.spaceName === "dan-shared")
        .map((x) => x.status),
    ).toEqual(["InService", "InService"]);
  }, 180_000);
});
