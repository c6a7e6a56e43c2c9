/**
 * `diff --live` and the operator agree: for a matrix of cases (create, tags, adoption, ownership, guardrails, a
 * namespace with no policy, coupled members, Observe, in sync), what `diff --live --kube -o json` says the operator would send is exactly what the
 * operator then sends to the emulator, and the outcome it reports is the one the operator ends in. The diff itself
 * sends nothing.
 */

import type { AdminProfileSpec } from "@sagemaker-profile-operator/local-stack/sagemaker/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfileSpec } from "../../src/api/types.js";
import { OWNER_TAG } from "../../src/api/types.js";
import type { SageMakerCall } from "../../src/reconciler/index.js";
import { runCli } from "../cli/run-cli.js";
import { applyPolicy } from "../support/policy.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

const NS = "agree";
const POLICED = "agree-policed";
/** A namespace no policy covers (the operator requires one). */
const BARE = "agree-bare";
const ROLE = "arn:aws:iam::123456789012:role/Allowed-Studio";
const owner = (name: string, namespace = NS) => ({ Key: OWNER_TAG, Value: `e2e/${namespace}/${name}` });

interface Case {
  name: string;
  namespace?: string;
  spec: Partial<SageMakerUserProfileSpec>;
  /** The profile SageMaker has before (none: missing). */
  existing?: AdminProfileSpec;
  /** What the diff says, checked before the operator is compared with it. */
  expect: { ops: string[]; reason: string; changes?: false };
}

const CASES: Case[] = [
  {
    name: "create",
    spec: { tags: [{ key: "team", value: "a" }] },
    expect: { ops: ["CreateUserProfile"], reason: "Creating" },
  },
  {
    name: "tags",
    spec: { tags: [{ key: "team", value: "new" }] },
    existing: {
      userSettings: { ExecutionRole: ROLE },
      tags: [owner("tags"), { Key: "team", Value: "old" }, { Key: "foreign", Value: "x" }],
    },
    expect: { ops: ["AddTags"], reason: "InSync" },
  },
  {
    name: "adopt",
    spec: { adoptExisting: true, tags: [{ key: "team", value: "a" }] },
    existing: { userSettings: { ExecutionRole: ROLE } },
    expect: { ops: ["AddTags", "AddTags"], reason: "InSync" },
  },
  {
    name: "adopt-only",
    spec: { adoptExisting: true },
    existing: { userSettings: { ExecutionRole: ROLE } },
    // The owner tag alone changes nothing in the profile: exported manifests diff clean before they are adopted.
    expect: { ops: ["AddTags"], reason: "InSync", changes: false },
  },
  {
    name: "conflict",
    spec: { adoptExisting: true, userSettings: { executionRole: "arn:aws:iam::123456789012:role/Allowed-Other" } },
    existing: { userSettings: { ExecutionRole: ROLE }, tags: [owner("conflict", "elsewhere")] },
    expect: { ops: [], reason: "OwnershipConflict" },
  },
  {
    name: "exists",
    spec: {},
    existing: { userSettings: { ExecutionRole: ROLE } },
    expect: { ops: [], reason: "AlreadyExists" },
  },
  {
    name: "refused",
    namespace: POLICED,
    spec: { userSettings: { executionRole: "arn:aws:iam::123456789012:role/Admin" } },
    expect: { ops: [], reason: "PolicyViolation" },
  },
  { name: "allowed", namespace: POLICED, spec: {}, expect: { ops: ["CreateUserProfile"], reason: "Creating" } },
  {
    name: "rstudio",
    spec: { userSettings: { executionRole: ROLE, rStudioServerProAppSettings: { accessStatus: "DISABLED" } } },
    existing: {
      userSettings: {
        ExecutionRole: ROLE,
        RStudioServerProAppSettings: { AccessStatus: "ENABLED", UserGroup: "R_STUDIO_ADMIN" },
      },
      tags: [owner("rstudio")],
    },
    expect: { ops: ["UpdateUserProfile"], reason: "Updating" },
  },
  {
    name: "observe",
    spec: { managementPolicy: "Observe", userSettings: { executionRole: ROLE } },
    existing: { userSettings: { ExecutionRole: "arn:aws:iam::123456789012:role/ConsoleEdit" } },
    expect: { ops: [], reason: "DriftDetected" },
  },
  {
    name: "adopt-refused",
    namespace: POLICED,
    spec: { adoptExisting: true },
    existing: { userSettings: { ExecutionRole: ROLE } },
    expect: { ops: [], reason: "AdoptionNotAllowed" },
  },
  { name: "no-policy", namespace: BARE, spec: {}, expect: { ops: [], reason: "NoPolicy" } },
  {
    name: "observe-owned",
    spec: { managementPolicy: "Observe", userSettings: { executionRole: ROLE } },
    existing: { userSettings: { ExecutionRole: ROLE }, tags: [owner("observe-owned", "elsewhere")] },
    expect: { ops: [], reason: "OwnedByAnother", changes: false },
  },
  {
    name: "insync",
    spec: {},
    existing: { userSettings: { ExecutionRole: ROLE }, tags: [owner("insync")] },
    expect: { ops: [], reason: "InSync", changes: false },
  },
];

interface JsonVerdict {
  resource: string;
  outcome: { phase: string; reason: string } | null;
  calls: SageMakerCall[];
  dropped: { path: string }[];
  changes: boolean;
}

/** A planned call as the request SageMaker receives. */
function wire(call: SageMakerCall): { op: string; request: unknown } {
  switch (call.op) {
    case "CreateUserProfile":
    case "UpdateUserProfile":
      return { op: call.op, request: call.request };
    case "DeleteUserProfile":
      return { op: call.op, request: { DomainId: call.domainId, UserProfileName: call.userProfileName } };
    case "AddTags":
      return { op: call.op, request: { ResourceArn: call.arn, Tags: call.tags } };
    case "DeleteTags":
      return { op: call.op, request: { ResourceArn: call.arn, TagKeys: call.keys } };
    case "DeleteApp": {
      const { domainId, appType, appName } = call.app;
      const owner =
        "spaceName" in call.app ? { SpaceName: call.app.spaceName } : { UserProfileName: call.app.userProfileName };
      return { op: call.op, request: { DomainId: domainId, ...owner, AppType: appType, AppName: appName } };
    }
    case "DeleteSpace":
      return { op: call.op, request: { DomainId: call.domainId, SpaceName: call.spaceName } };
  }
}

/** The profile a mutation is about: by name, or by the ARN's last segment (lower case, like SageMaker's ARNs). */
const about = (request: Record<string, unknown>) =>
  String(request.UserProfileName ?? String(request.ResourceArn).split("/").at(-1)).toLowerCase();

let e2e: E2E;
let verdicts: Map<string, JsonVerdict>;

beforeAll(async () => {
  // Policies of this file's own: NS may adopt, POLICED is held to its roles (and may not adopt), BARE has none.
  e2e = await startE2E({ startOperator: false, policy: false });
  await e2e.stack.ensureNamespaces([NS, POLICED, BARE]);
  await applyPolicy(e2e.stack.kubeConfig, "agree-all", { namespaces: [NS], adoption: "Allowed" });
  await applyPolicy(e2e.stack.kubeConfig, "agree-roles", {
    namespaces: [POLICED],
    executionRoles: ["arn:aws:iam::123456789012:role/Allowed-*"],
  });
  for (const c of CASES) {
    if (c.existing) e2e.sagemaker.admin.createProfile(DEMO_DOMAIN, c.name, c.existing);
    const namespace = c.namespace ?? NS;
    await e2e.api.createNamespacedCustomObject({
      group: "sagemaker.gitops.io",
      version: "v1alpha1",
      plural: "sagemakeruserprofiles",
      namespace,
      body: {
        apiVersion: "sagemaker.gitops.io/v1alpha1",
        kind: "SageMakerUserProfile",
        metadata: { name: c.name, namespace },
        spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE }, ...c.spec },
      },
    });
  }
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

describe("diff --live and the operator", () => {
  it("diff --live --kube reports each case's calls and outcome, and sends nothing", async () => {
    const env = {
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SAGEMAKER: e2e.sagemaker.url,
      // STS too, as a CI job's environment reaches it: a resource's ARN is checked against the environment's account.
      AWS_ENDPOINT_URL_STS: e2e.sagemaker.url,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      KUBECONFIG: e2e.kube.kubeconfigPath,
    };
    const r = await runCli(["diff", "--live", "--kube", "--cluster-id", "e2e", "-o", "json"], env);
    expect(r.code, r.stderr).toBe(2);
    verdicts = new Map((JSON.parse(r.stdout) as JsonVerdict[]).map((v) => [v.resource.split("/")[1] as string, v]));
    for (const c of CASES) {
      const v = verdicts.get(c.name);
      expect({
        name: c.name,
        ops: v?.calls.map((x) => x.op),
        reason: v?.outcome?.reason,
        changes: v?.changes,
      }).toEqual({ name: c.name, changes: true, ...c.expect });
    }
    expect(verdicts.get("rstudio")?.dropped.map((d) => d.path)).toEqual([
      "/userSettings/rStudioServerProAppSettings/userGroup",
    ]);
    expect(e2e.sagemaker.mutations()).toEqual([]);
  }, 180_000);

  it("the operator then sends exactly those calls and ends in the outcome the diff reported", async () => {
    expect(verdicts, "the diff ran").toBeDefined();
    await e2e.startOperator();
    for (const c of CASES) {
      const reason = verdicts.get(c.name)?.outcome?.reason;
      await waitFor(`${c.name} settled`, async () => {
        const o = await e2e.get(c.namespace ?? NS, c.name);
        return isReady(o) || condition(o, "Stalled")?.status === "True" || condition(o, "Synced")?.reason === reason;
      });
    }
    await sleep(1_500); // several poll intervals: anything still to be sent would be sent by now
    const sent = e2e.sagemaker.mutations();
    for (const c of CASES) {
      const v = verdicts.get(c.name) as JsonVerdict;
      expect(
        sent.filter((m) => about(m.request) === c.name).map((m) => ({ op: m.op, request: m.request })),
        c.name,
      ).toEqual(v.calls.map(wire));
      const o = await e2e.get(c.namespace ?? NS, c.name);
      if (v.outcome?.phase === "Stalled" || v.outcome?.phase === "Held")
        expect(condition(o, "Synced")?.reason, c.name).toBe(v.outcome.reason);
      else expect(isReady(o), c.name).toBe(true);
    }
  }, 120_000);
});
