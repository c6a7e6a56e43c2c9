/**
 * The operator under the emulator mode `referencedResources: checked` (SageMaker refusing a profile that names a
 * lifecycle config, image or file system that does not exist; undocumented, docs/fidelity.md): a profile naming a
 * missing one is Stalled with SageMaker's message and tried once per stalled retry, never in a loop; it converges once
 * the resource exists, at the next stalled retry or at once on a spec change. Profiles whose references exist (the
 * examples, registered by the local stack with the demo domain) converge as they do unchecked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, EXAMPLES, isReady, startE2E } from "./harness.js";

const ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-Referenced";
const LCC = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config";
const coords = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };
/** The stalled retry, longer than the quiet window in which nothing may be retried. */
const STALLED_RETRY_MS = 5_000;
const QUIET_MS = 2_500;

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({
    stack: { sagemaker: { modes: { referencedResources: "checked" } } },
    operator: (c) => (c.stalledRetryMs = STALLED_RETRY_MS),
  });
  await e2e.stack.ensureNamespaces(["team-x"]);
});
afterAll(async () => {
  await e2e?.close();
});

const create = (name: string, lifecycleConfig: string) =>
  e2e.api.createNamespacedCustomObject({
    ...coords,
    namespace: "team-x",
    body: {
      apiVersion: "sagemaker.gitops.io/v1alpha1",
      kind: "SageMakerUserProfile",
      metadata: { name, namespace: "team-x" },
      spec: {
        domainId: DEMO_DOMAIN,
        userSettings: { executionRole: ROLE, jupyterLabAppSettings: { lifecycleConfigArns: [lifecycleConfig] } },
      },
    },
  });
const stalledOn = async (name: string) =>
  waitFor(`${name} Stalled ValidationException`, async () => {
    const o = await e2e.get("team-x", name);
    const c = condition(o, "Stalled");
    return c?.status === "True" && c.reason === "ValidationException" ? (o as SageMakerUserProfile) : undefined;
  });
/** CreateUserProfile requests the emulator received for a profile (refused ones included). */
const createsOf = (name: string) =>
  e2e.sagemaker.requests("CreateUserProfile").filter((r) => r.request.UserProfileName === name);

describe("referencedResources: checked", () => {
  it("a missing lifecycle config: Stalled with SageMaker's message, tried once, Ready at the stalled retry once it exists", async () => {
    const arn = `${LCC}/not-yet-there`;
    await create("waits", arn);
    const stalled = await stalledOn("waits");
    expect(condition(stalled, "Stalled")?.message).toContain(
      `The studio lifecycle config ${arn} named at UserSettings.JupyterLabAppSettings.LifecycleConfigArns[0] does not exist.`,
    );
    expect(condition(stalled, "Ready")?.status).toBe("False");

    // No hot loop: across many poll intervals nothing is retried.
    await sleep(QUIET_MS);
    expect(createsOf("waits")).toHaveLength(1);
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "waits")).toBeUndefined();

    // Once the lifecycle config exists, the stalled retry creates the profile, with no change to the spec.
    e2e.sagemaker.admin.registerResources({ lifecycleConfigs: [arn] });
    await waitFor("Ready at the stalled retry", async () => isReady(await e2e.get("team-x", "waits")));
    expect(createsOf("waits")).toHaveLength(2);
    expect(e2e.describe("waits")?.UserSettings?.JupyterLabAppSettings?.LifecycleConfigArns).toEqual([arn]);
  });

  it("a missing lifecycle config: Ready at once when the spec changes after it exists", async () => {
    const arn = `${LCC}/created-later`;
    await create("touched", arn);
    await stalledOn("touched");
    e2e.sagemaker.admin.registerResources({ lifecycleConfigs: [arn] });
    const gen = await e2e.patch("team-x", "touched", { spec: { userSettings: { studioWebPortal: "ENABLED" } } });
    await waitFor("Ready for the new generation", async () => isReady(await e2e.get("team-x", "touched"), gen));
    expect(createsOf("touched")).toHaveLength(2);
    expect(e2e.describe("touched")?.UserSettings?.JupyterLabAppSettings?.LifecycleConfigArns).toEqual([arn]);
  });

  it("profiles whose references exist (the examples, registered with the demo domain) converge as unchecked", async () => {
    e2e.sagemaker.resetCalls();
    const applied = await e2e.stack.apply([EXAMPLES]);
    await waitFor("every example Ready", async () => {
      const objs = await Promise.all(
        applied.map((o) => e2e.get(o.metadata?.namespace as string, o.metadata?.name as string)),
      );
      return objs.every((o) => isReady(o));
    });
    expect(e2e.sagemaker.calls().CreateUserProfile).toEqual({ ok: applied.length });
    // The examples name images, custom images, lifecycle configs and file systems, all of them checked.
    const bob = e2e.describe("bob")?.UserSettings;
    expect(bob?.KernelGatewayAppSettings?.CustomImages?.map((c) => c.AppImageConfigName)).toEqual([
      "team-a-pytorch-config",
      "team-a-jax-config",
    ]);
    expect(e2e.describe("erin")?.UserSettings?.CustomFileSystemConfigs).toHaveLength(3);
  });
});
