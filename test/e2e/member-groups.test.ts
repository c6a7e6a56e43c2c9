/**
 * Members SageMaker checks together, end to end: spec edits whose update, built as "observed block with the declared
 * fields laid over it", would carry an observed member SageMaker refuses (or that would override the change). The
 * operator leaves those out and converges; the emulator refuses the request that would have carried them.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SageMakerClient, UpdateUserProfileCommand } from "@aws-sdk/client-sagemaker";
import { CustomObjectsApi, EventsV1Api } from "@kubernetes/client-node";
import { LOCAL_CREDENTIALS } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GROUP, PLURAL, VERSION } from "../../src/api/types.js";
import { runCli } from "../cli/run-cli.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

let e2e: E2E;
let sm: SageMakerClient;
const NS = "team-a";
const IMG = (n: string) => `arn:aws:sagemaker:us-east-1:123456789012:image/${n}`;
const VER = (n: string, v: number) => `arn:aws:sagemaker:us-east-1:123456789012:image-version/${n}/${v}`;

async function create(name: string, userSettings: Record<string, unknown>) {
  const api = e2e.stack.kubeConfig.makeApiClient(CustomObjectsApi);
  await api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: NS,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "SageMakerUserProfile",
      metadata: { name, namespace: NS },
      spec: { domainId: DEMO_DOMAIN, userSettings },
    },
  });
  await waitFor(`${name} Ready`, async () => isReady(await e2e.get(NS, name)), 30_000);
}

const updatesOf = (name: string) =>
  e2e.sagemaker.mutations("UpdateUserProfile").filter((m) => m.request.UserProfileName === name);

/** Ready for `generation`, no drift, not stalled, and still so (no further update) a moment later. */
async function convergedOnce(name: string, generation: number) {
  await waitFor(`${name} Ready at generation ${generation}`, async () => isReady(await e2e.get(NS, name), generation));
  const updates = updatesOf(name).length;
  await sleep(1_000); // a few poll intervals: a hot loop would send again
  const o = await e2e.get(NS, name);
  expect(condition(o, "Stalled")?.status).toBe("False");
  expect(o.status?.drift?.count ?? 0).toBe(0);
  expect(updatesOf(name)).toHaveLength(updates);
  expect(updates).toBe(1);
}

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.stack.ensureNamespaces([NS]);
  sm = new SageMakerClient({
    region: "us-east-1",
    endpoint: e2e.sagemaker.url,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  sm?.destroy();
  await e2e?.close();
});

describe("member groups end to end", () => {
  it("disables RStudio for a user in the admin group: sends AccessStatus without the observed UserGroup, converges Ready", async () => {
    await create("rs-admin", { rStudioServerProAppSettings: { accessStatus: "ENABLED", userGroup: "R_STUDIO_ADMIN" } });
    e2e.sagemaker.resetCalls();
    const gen = await e2e.patch(NS, "rs-admin", {
      spec: { userSettings: { rStudioServerProAppSettings: { accessStatus: "DISABLED", userGroup: null } } },
    });
    await convergedOnce("rs-admin", gen);
    expect(updatesOf("rs-admin")[0]?.request.UserSettings).toEqual({
      RStudioServerProAppSettings: { AccessStatus: "DISABLED" },
    });
    expect(e2e.sagemaker.calls().UpdateUserProfile?.ValidationException).toBeUndefined();
    // kubectl describe tells what was left out, and why.
    const events = e2e.stack.kubeConfig.makeApiClient(EventsV1Api);
    await waitFor("an Updated event naming the member left out", async () =>
      (await events.listNamespacedEvent({ namespace: NS })).items.find(
        (ev) =>
          ev.regarding?.name === "rs-admin" &&
          ev.reason === "Updated" &&
          ev.note?.startsWith(
            "Updated (left out rStudioServerProAppSettings.userGroup: checked together with declared members) ",
          ),
      ),
    );
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "rs-admin")?.userSettings.RStudioServerProAppSettings).toEqual({
      AccessStatus: "DISABLED",
    });
    // The request the observed block laid over would make: the emulator refuses it, as SageMaker does.
    await expect(
      sm.send(
        new UpdateUserProfileCommand({
          DomainId: DEMO_DOMAIN,
          UserProfileName: "rs-admin",
          UserSettings: { RStudioServerProAppSettings: { AccessStatus: "DISABLED", UserGroup: "R_STUDIO_ADMIN" } },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("switches the image while the previous image's version ARN is observed: clears the version, converges Ready", async () => {
    await create("img-switch", {
      kernelGatewayAppSettings: {
        defaultResourceSpec: { instanceType: "ml.t3.medium", sageMakerImageArn: IMG("old") },
      },
    });
    // Someone pins a version of the image in the console: observed, not declared.
    const pinned = {
      InstanceType: "ml.t3.medium" as const,
      SageMakerImageArn: IMG("old"),
      SageMakerImageVersionArn: VER("old", 3),
    };
    e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "img-switch", {
      userSettings: { KernelGatewayAppSettings: { DefaultResourceSpec: pinned } },
    });
    e2e.sagemaker.resetCalls();
    const gen = await e2e.patch(NS, "img-switch", {
      spec: { userSettings: { kernelGatewayAppSettings: { defaultResourceSpec: { sageMakerImageArn: IMG("new") } } } },
    });
    await convergedOnce("img-switch", gen);
    expect(updatesOf("img-switch")[0]?.request.UserSettings).toEqual({
      KernelGatewayAppSettings: {
        DefaultResourceSpec: {
          InstanceType: "ml.t3.medium",
          SageMakerImageArn: IMG("new"),
          SageMakerImageVersionArn: "None",
        },
      },
    });
    expect(e2e.describe("img-switch")?.UserSettings?.KernelGatewayAppSettings?.DefaultResourceSpec).toEqual({
      InstanceType: "ml.t3.medium",
      SageMakerImageArn: IMG("new"),
    });
    // Carrying the observed version instead: the new image would not take effect, and the emulator refuses it.
    e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "img-switch", {
      userSettings: { KernelGatewayAppSettings: { DefaultResourceSpec: pinned } },
    });
    await expect(
      sm.send(
        new UpdateUserProfileCommand({
          DomainId: DEMO_DOMAIN,
          UserProfileName: "img-switch",
          UserSettings: {
            KernelGatewayAppSettings: { DefaultResourceSpec: { ...pinned, SageMakerImageArn: IMG("new") } },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("diff --live shows the members a request would leave out, as JSON and as markdown", async () => {
    e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, "live-rs", {
      userSettings: { RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" } },
    });
    const manifest = join(mkdtempSync(join(tmpdir(), "groups-")), "live-rs.yaml");
    writeFileSync(
      manifest,
      `apiVersion: sagemaker.gitops.io/v1alpha1
kind: SageMakerUserProfile
metadata:
  name: live-rs
  namespace: ${NS}
spec:
  domainId: ${DEMO_DOMAIN}
  userSettings:
    rStudioServerProAppSettings:
      accessStatus: DISABLED
`,
    );
    const env = {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SAGEMAKER: e2e.sagemaker.url,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const json = await runCli(["diff", "-f", manifest, "--live", "-o", "json"], env);
    expect(json.code, json.stderr).toBe(2);
    const [verdict] = JSON.parse(json.stdout) as { updateRequest: { UserSettings: unknown }; dropped: unknown[] }[];
    expect(verdict?.updateRequest.UserSettings).toEqual({ RStudioServerProAppSettings: { AccessStatus: "DISABLED" } });
    expect(verdict?.dropped).toEqual([
      expect.objectContaining({
        path: "/userSettings/rStudioServerProAppSettings/userGroup",
        observed: "R_STUDIO_ADMIN",
      }),
    ]);
    const markdown = await runCli(["diff", "-f", manifest, "--live", "-o", "markdown"], env);
    expect(markdown.code, markdown.stderr).toBe(2);
    expect(markdown.stdout).toContain("  Left out of the request (SageMaker checks these members together):");
    expect(markdown.stdout).toContain(
      "  - `- rStudioServerProAppSettings.userGroup: R_STUDIO_ADMIN (SageMaker refuses",
    );
  }, 180_000);
});
