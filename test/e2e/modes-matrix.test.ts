/**
 * The operator under every emulator mode (docs/fidelity.md, "SageMaker: undocumented behaviours"): where AWS does
 * not document what SageMaker does, the operator must work whichever way it does. The modes are binary, and a
 * pairwise covering array (7 rows for up to 15 modes: every value of every mode, and every pair of values of every two
 * modes, in some row) keeps the matrix short. Each row: an adopted profile that needs one update and a created one
 * that needs none converge to zero drift, no update is sent twice, an idle operator describes nothing (no hot loop
 * from timestamp precision), and the List-based resync finds and repairs an out-of-band change.
 */

import { type EmulatorModes, MODE_VALUES } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { DEMO_DOMAIN_SECURITY_GROUP } from "@sagemaker-profile-operator/local-stack/stack";
import { afterEach, describe, expect, it } from "vitest";
import type { UserSettings } from "../../src/api/generated/sagemaker-shapes.js";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { CONFIRM_AFTER_MS } from "../../src/resync/list-resync.js";
import { sleep, waitFor } from "../support/wait.js";
import { DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

type ModeName = keyof EmulatorModes;
const MODES = Object.keys(MODE_VALUES) as ModeName[];

/** Subsets of size k of {1..n}, in lexicographic order. */
function subsets(n: number, k: number, from = 1): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let i = from; i <= n - k + 1; i++) for (const rest of subsets(n, k - 1, i + 1)) out.push([i, ...rest]);
  return out;
}

/**
 * Row 0 is every default; mode i takes its second value in the rows of the i-th 4-subset of {1..6}. Two distinct
 * 4-subsets of 6 rows (with row 0 outside both) always meet and each has a row the other lacks, so they show all
 * four pairs of values: every pair is covered.
 */
const ROWS: EmulatorModes[] = [0, 1, 2, 3, 4, 5, 6].map((row) => {
  const columns = subsets(6, 4);
  return Object.fromEntries(
    MODES.map((mode, i) => [mode, MODE_VALUES[mode][columns[i]?.includes(row) ? 1 : 0]]),
  ) as unknown as EmulatorModes;
});

const NS = "modes";
const LCC = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/team-lcc";
const DOMAIN_ROLE = "arn:aws:iam::123456789012:role/SageMakerStudio-Default";
const PERIOD_MS = 400;

const resource = (name: string, spec: object) => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name, namespace: NS },
  spec: { domainId: DEMO_DOMAIN, ...spec },
});

/** Exists before the operator sees it; differs in every block whose Describe depends on a mode. */
const ADOPTED_STORED: UserSettings = {
  SecurityGroups: ["sg-0own000000000002"],
  JupyterServerAppSettings: {
    DefaultResourceSpec: { InstanceType: "ml.t3.medium", LifecycleConfigArn: LCC },
    LifecycleConfigArns: [LCC],
  },
  RStudioServerProAppSettings: { AccessStatus: "DISABLED" },
};
const ADOPTED = resource("adopted", {
  adoptExisting: true,
  userSettings: {
    // In sync only where Describe fills in the domain's role.
    executionRole: DOMAIN_ROLE,
    // In sync only where Describe aggregates the domain's groups.
    securityGroups: ["sg-0own000000000002", DEMO_DOMAIN_SECURITY_GROUP],
    jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } },
    rStudioServerProAppSettings: { accessStatus: "ENABLED", userGroup: "R_STUDIO_USER" },
  },
});
const CREATED = resource("created", {
  userSettings: {
    executionRole: "arn:aws:iam::123456789012:role/SageMakerStudio-TeamA",
    securityGroups: ["sg-0own000000000001"],
    jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" }, lifecycleConfigArns: [LCC] },
    // Described without UserGroup in one mode, with the default one in the other: in sync either way.
    rStudioServerProAppSettings: { accessStatus: "DISABLED" },
    sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: "s3://team-a-sharing/created/" },
  },
});

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const updatesOf = (e: E2E, name: string) =>
  e.sagemaker.mutations("UpdateUserProfile").filter((m) => m.request.UserProfileName === name);
const calls = (e: E2E, op: string) => Object.values(e.sagemaker.calls()[op] ?? {}).reduce((a, b) => a + b, 0);

async function convergedWithoutDrift(e: E2E, name: string): Promise<SageMakerUserProfile> {
  return waitFor(
    `${name} Ready with no drift`,
    async () => {
      const obj = await e.get(NS, name);
      return isReady(obj, obj.metadata.generation) && obj.status?.drift?.count === 0 ? obj : undefined;
    },
    20_000,
  );
}

/** No Describe at all over several resync periods, once any confirming Describe is done. */
async function expectIdle(e: E2E): Promise<void> {
  await sleep(CONFIRM_AFTER_MS + 2 * PERIOD_MS);
  const describes = calls(e, "DescribeUserProfile");
  const lists = calls(e, "ListUserProfiles");
  const updates = calls(e, "UpdateUserProfile");
  await sleep(6 * PERIOD_MS);
  expect(calls(e, "DescribeUserProfile") - describes, "Describe calls while idle").toBe(0);
  expect(calls(e, "UpdateUserProfile") - updates, "updates while idle").toBe(0);
  // The resync kept running: about one List per period (±10 % jitter).
  expect(calls(e, "ListUserProfiles") - lists).toBeGreaterThanOrEqual(3);
}

describe("the operator under every emulator mode", () => {
  it("the rows cover every value of every mode and every pair of values of every two modes", () => {
    expect(MODES.length).toBeLessThanOrEqual(subsets(6, 4).length);
    expect(ROWS[0]).toEqual(Object.fromEntries(MODES.map((m) => [m, MODE_VALUES[m][0]])));
    for (const [i, a] of MODES.entries())
      for (const b of MODES.slice(i + 1))
        for (const va of MODE_VALUES[a])
          for (const vb of MODE_VALUES[b])
            expect(
              ROWS.some((r) => r[a] === va && r[b] === vb),
              `${a}=${va} with ${b}=${vb}`,
            ).toBe(true);
  });

  it.each(
    ROWS.map(
      (modes) =>
        [
          Object.entries(modes)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
          modes,
        ] as const,
    ),
  )("%s", async (_, modes) => {
    const e = await startE2E({
      stack: { sagemaker: { modes } },
      operator: (c) => {
        c.resyncMode = "list";
        c.resyncPeriodMs = PERIOD_MS;
        c.pollIntervalMs = 200;
      },
    });
    e2e = e;
    expect(e.sagemaker.admin.modes()).toEqual(modes);
    // What the profiles name exists (checked only under referencedResources: checked).
    e.sagemaker.admin.registerResources({ lifecycleConfigs: [LCC] });
    e.sagemaker.admin.createProfile(DEMO_DOMAIN, "adopted", { userSettings: structuredClone(ADOPTED_STORED) });
    await e.stack.ensureNamespaces([NS]);
    for (const body of [ADOPTED, CREATED])
      await e.api.createNamespacedCustomObject({
        group: "sagemaker.gitops.io",
        version: "v1alpha1",
        plural: "sagemakeruserprofiles",
        namespace: NS,
        body,
      });

    // Converges to zero drift; the adopted profile in one update, the created one in none.
    await convergedWithoutDrift(e, "adopted");
    await convergedWithoutDrift(e, "created");
    expect(updatesOf(e, "adopted")).toHaveLength(1);
    expect(updatesOf(e, "created")).toHaveLength(0);
    // Whatever the update semantics, what the spec leaves out of a block it changes is kept.
    expect(e.sagemaker.store.getProfile(DEMO_DOMAIN, "adopted")?.userSettings.JupyterServerAppSettings).toEqual({
      DefaultResourceSpec: { InstanceType: "ml.t3.large", LifecycleConfigArn: LCC },
      LifecycleConfigArns: [LCC],
    });

    await expectIdle(e);

    // Someone edits the created profile in the console: the List-based resync finds it and repairs it once.
    e.sagemaker.admin.setProfile(DEMO_DOMAIN, "created", {
      userSettings: { SharingSettings: { NotebookOutputOption: "Disabled" } },
    });
    await waitFor(
      "the out-of-band change repaired",
      () => {
        const sharing = e.describe("created")?.UserSettings?.SharingSettings;
        return sharing?.NotebookOutputOption === "Allowed" && sharing.S3OutputPath === "s3://team-a-sharing/created/";
      },
      10_000,
    );
    await convergedWithoutDrift(e, "created");
    const repairs = updatesOf(e, "created");
    expect(repairs).toHaveLength(1);
    expect(Object.keys(repairs[0]?.request.UserSettings as object)).toEqual(["SharingSettings"]);

    await expectIdle(e);
    expect(updatesOf(e, "adopted")).toHaveLength(1);
    expect(updatesOf(e, "created")).toHaveLength(1);
  });
});
