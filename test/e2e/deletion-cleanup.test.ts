/**
 * Deleting profiles that still have apps and spaces, end to end (real client-node and AWS SDK against the local
 * servers): DeleteBlocked names what blocks, spec.deletion.cleanup removes the profile's apps and private spaces and
 * nothing else, a new leader finishes a cleanup the old one started, and a namespace of such profiles empties.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

let e2e: E2E;
const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-TeamC";

const profile = (namespace: string, name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name, namespace },
  spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE }, ...spec },
});

async function create(namespace: string, name: string, spec: Record<string, unknown> = {}) {
  await e2e.api.createNamespacedCustomObject({
    group: "sagemaker.gitops.io",
    version: "v1alpha1",
    plural: "sagemakeruserprofiles",
    namespace,
    body: profile(namespace, name, spec),
  });
  await waitFor(`${namespace}/${name} Ready`, async () => isReady(await e2e.get(namespace, name)), 30_000);
}

/** Two apps (one Failed), a private space with an app. */
function startStudio(name: string): void {
  const admin = e2e.sagemaker.admin;
  admin.startApp({ domainId: DEMO_DOMAIN, userProfileName: name, appType: "JupyterLab", appName: "default" });
  admin.startApp({
    domainId: DEMO_DOMAIN,
    userProfileName: name,
    appType: "KernelGateway",
    appName: "datascience-1",
    status: "Failed",
    failureReason: "the kernel image could not be pulled",
  });
  admin.createSpace({
    domainId: DEMO_DOMAIN,
    spaceName: `${name}-space`,
    ownerUserProfileName: name,
    sharingType: "Private",
  });
  admin.startApp({ domainId: DEMO_DOMAIN, spaceName: `${name}-space`, appType: "CodeEditor", appName: "default" });
}

/** Another profile's shared space (with an app) and an app of its own: never the cleanup's to delete. */
function startBobs(): void {
  const admin = e2e.sagemaker.admin;
  admin.createSpace({
    domainId: DEMO_DOMAIN,
    spaceName: "bob-shared",
    ownerUserProfileName: "bob",
    sharingType: "Shared",
  });
  admin.startApp({ domainId: DEMO_DOMAIN, spaceName: "bob-shared", appType: "JupyterLab", appName: "default" });
  admin.startApp({ domainId: DEMO_DOMAIN, userProfileName: "bob", appType: "JupyterLab", appName: "default" });
}

/** Every DeleteApp and DeleteSpace the emulator accepted, as `owner/type/name` and `space:name`. */
const deletions = () =>
  e2e.sagemaker
    .mutations()
    .flatMap((m) =>
      m.op === "DeleteApp"
        ? [
            `${String(m.request.UserProfileName ?? m.request.SpaceName)}/${String(m.request.AppType)}/${String(m.request.AppName)}`,
          ]
        : m.op === "DeleteSpace"
          ? [`space:${String(m.request.SpaceName)}`]
          : [],
    );

beforeAll(async () => {
  e2e = await startE2E({
    stack: {
      sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200, appDeleteMs: 400, spaceDeleteMs: 200 } },
    },
  });
  await e2e.stack.ensureNamespaces(["team-c", "team-d"]);
  await applyPolicy(e2e.stack.kubeConfig, "team-c-cleanup", {
    namespaces: ["team-c"],
    deletionCleanup: "AppsAndSpaces",
  });
  await create("team-c", "bob");
  startBobs();
});
afterAll(async () => {
  await e2e?.close();
});

describe("a profile with 2 apps, a private space and another profile's shared space", () => {
  it("cleanup None: DeleteBlocked names the profile's three, and nothing is deleted", async () => {
    await create("team-c", "alice");
    startStudio("alice");
    e2e.sagemaker.resetCalls();
    await e2e.remove("team-c", "alice");
    const blocked = await waitFor("alice DeleteBlocked", async () => {
      const o = await e2e.get("team-c", "alice");
      return condition(o, "Synced")?.reason === "DeleteBlocked" ? o : undefined;
    });
    expect(condition(blocked, "Synced")?.message).toContain(
      "2 apps: JupyterLab/default (InService), KernelGateway/datascience-1 (Failed); 1 private space: alice-space",
    );
    expect(blocked.status?.deleteBlockedBy).toEqual({ apps: 2, privateSpaces: 1, sharedSpaces: 0 });
    expect(blocked.metadata.finalizers).toContain("sagemaker.gitops.io/finalizer");
    const events = await e2e.stack.kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "team-c" });
    const blockedEvents = events.items.filter((e) => e.reason === "DeleteBlocked" && e.involvedObject.name === "alice");
    expect(blockedEvents[0]?.message).toContain("1 private space: alice-space");
    // It keeps trying (with backoff), and deletes nothing of what blocks it.
    await waitFor("a second refused delete", () => (e2e.sagemaker.calls().DeleteUserProfile?.ResourceInUse ?? 0) >= 2);
    expect(deletions()).toEqual([]);
    expect(e2e.sagemaker.store.apps(DEMO_DOMAIN).filter((a) => a.status === "Deleted")).toEqual([]);
  });

  it("cleanup AppsAndSpaces: the apps and the private space go, the shared space stays, then the profile and the finalizer", async () => {
    await e2e.patch("team-c", "alice", { spec: { deletion: { cleanup: "AppsAndSpaces" } } });
    await waitFor("alice gone", async () => (await e2e.tryGet("team-c", "alice")) === undefined, 30_000);
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "alice")).toBeUndefined();
    expect(deletions().sort()).toEqual([
      "alice-space/CodeEditor/default",
      "alice/JupyterLab/default",
      "alice/KernelGateway/datascience-1",
      "space:alice-space",
    ]);
    expect(e2e.sagemaker.store.spaces(DEMO_DOMAIN).map((s) => s.spaceName)).toEqual(["bob-shared"]);
    const bobs = e2e.sagemaker.store
      .apps(DEMO_DOMAIN)
      .filter((a) => a.userProfileName === "bob" || a.spaceName === "bob-shared");
    expect(bobs.map((a) => a.status)).toEqual(["InService", "InService"]);
  });

  it("cleanup where no policy permits it: Stalled CleanupNotPermitted, nothing deleted", async () => {
    await e2e.stack.ensureNamespaces(["team-d"]);
    await create("team-d", "dave", { deletion: { cleanup: "Apps" } });
    e2e.sagemaker.admin.startApp({
      domainId: DEMO_DOMAIN,
      userProfileName: "dave",
      appType: "JupyterLab",
      appName: "default",
    });
    e2e.sagemaker.resetCalls();
    await e2e.remove("team-d", "dave");
    const stalled = await waitFor("dave CleanupNotPermitted", async () => {
      const o = await e2e.get("team-d", "dave");
      return condition(o, "Stalled")?.reason === "CleanupNotPermitted" ? o : undefined;
    });
    expect(condition(stalled, "Stalled")?.message).toMatch(
      /no SageMakerProfilePolicy covering namespace team-d sets deletionCleanup; the delete is blocked by 1 app: JupyterLab\/default/,
    );
    expect(deletions()).toEqual([]);
    // Granting it lets the cleanup run.
    await applyPolicy(e2e.stack.kubeConfig, "team-d-cleanup", { namespaces: ["team-d"], deletionCleanup: "Apps" });
    await waitFor("dave gone", async () => (await e2e.tryGet("team-d", "dave")) === undefined, 30_000);
    expect(deletions()).toEqual(["dave/JupyterLab/default"]);
  });
});

describe("a namespace deleted with 20 such profiles", () => {
  it("empties: every profile's apps and private space go, then the profiles, then the namespace", async () => {
    const ns = "team-bulk";
    await e2e.stack.ensureNamespaces([ns]);
    await applyPolicy(e2e.stack.kubeConfig, "bulk-cleanup", { namespaces: [ns], deletionCleanup: "AppsAndSpaces" });
    const names = Array.from({ length: 20 }, (_, i) => `u${String(i).padStart(2, "0")}`);
    await Promise.all(names.map((n) => create(ns, n, { deletion: { cleanup: "AppsAndSpaces" } })));
    for (const n of names) startStudio(n);
    e2e.sagemaker.resetCalls();
    const core = e2e.stack.kubeConfig.makeApiClient(CoreV1Api);
    await core.deleteNamespace({ name: ns });
    await waitFor(
      `namespace ${ns} gone`,
      async () => {
        try {
          await core.readNamespace({ name: ns });
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      },
      120_000,
    );
    for (const n of names) expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, n)).toBeUndefined();
    // 3 apps and 1 space per profile, each deleted once; bob's apps and shared spaces untouched.
    expect(deletions()).toHaveLength(80);
    expect(new Set(deletions()).size).toBe(80);
    expect(deletions().filter((d) => d.startsWith("bob"))).toEqual([]);
    expect(e2e.sagemaker.store.spaces(DEMO_DOMAIN).every((s) => s.spaceName === "bob-shared")).toBe(true);
  });
});
