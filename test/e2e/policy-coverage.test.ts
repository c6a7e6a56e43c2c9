/**
 * Policies over every shared resource, end to end (issue 13, "policy gaps"): a tenant naming another team's S3
 * prefix, lifecycle config, file system, POSIX uid or an ABAC tag key, or a profile name outside its pattern, is
 * refused with Stalled `PolicyViolation` naming the field, the value and the policy, before any SageMaker call; the
 * same resource converges once the policy allows it. The policy CRD's new fields are checked by the API server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SageMakerProfilePolicySpec } from "../../src/policy/index.js";
import { applyPolicy as applyPolicyTo } from "../support/policy.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";

let e2e: E2E;
const ROLE = "arn:aws:iam::123456789012:role/team-a-studio";
const LCC = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config";
const POLICY = "SageMakerProfilePolicy/team-a-shared";
const coords = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakeruserprofiles" };

const applyPolicy = (name: string, spec: SageMakerProfilePolicySpec) => applyPolicyTo(e2e.stack.kubeConfig, name, spec);

/** Every request (reads included) the emulator received about a profile name. */
const callsAbout = (name: string) =>
  e2e.sagemaker
    .requests()
    .filter((r) => r.request.UserProfileName === name || String(r.request.ResourceArn ?? "").endsWith(`/${name}`));

const create = (name: string, userSettings: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  e2e.api.createNamespacedCustomObject({
    ...coords,
    namespace: "team-a",
    body: {
      apiVersion: "sagemaker.gitops.io/v1alpha1",
      kind: "SageMakerUserProfile",
      metadata: { name, namespace: "team-a" },
      spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE, ...userSettings }, ...spec },
    },
  });

const stalledMessage = async (name: string) =>
  waitFor(`team-a/${name} Stalled PolicyViolation`, async () => {
    const c = condition(await e2e.get("team-a", name), "Stalled");
    return c?.status === "True" && c.reason === "PolicyViolation" ? c.message : undefined;
  });

/** Another team's resources, each in a member the four original policy fields did not constrain. */
const OTHER_TEAMS = {
  sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: "s3://team-a-bucket-evil/studio/out" },
  jupyterLabAppSettings: { lifecycleConfigArns: [`${LCC}/team-b-setup`] },
  customFileSystemConfigs: [{ eFSFileSystemConfig: { fileSystemId: "fs-0bbbbbbbbbbbbbbb2", fileSystemPath: "/" } }],
  customPosixUserConfig: { uid: 10001, gid: 1001 },
};

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.stack.ensureNamespaces(["team-a"]);
  await applyPolicy("team-a-shared", {
    namespaces: ["team-a"],
    userProfileNames: ["{namespace}-*"],
    lifecycleConfigs: [`${LCC}/team-a-*`],
    s3Prefixes: ["s3://team-a-bucket/studio/"],
    fileSystems: ["fs-0aaaaaaaaaaaaaaa1"],
    fileSystemPaths: ["/team-a"],
    posixUids: [{ min: 20000, max: 20999 }],
    posixGids: [{ min: 20000, max: 20999 }],
    forbiddenTagKeys: ["team"],
  });
});
afterAll(async () => {
  await e2e?.close();
});

describe("policies over every shared resource", () => {
  it("refuses another team's S3 prefix, lifecycle config, file system and POSIX ids before any AWS call", async () => {
    await create("team-a-mallory", OTHER_TEAMS);
    const message = await stalledMessage("team-a-mallory");
    for (const expected of [
      `.spec.userSettings.sharingSettings.s3OutputPath "s3://team-a-bucket-evil/studio/out" is not allowed by ${POLICY} (s3Prefixes: [s3://team-a-bucket/studio/])`,
      `.spec.userSettings.jupyterLabAppSettings.lifecycleConfigArns[0] "${LCC}/team-b-setup" is not allowed by ${POLICY} (lifecycleConfigs: [${LCC}/team-a-*])`,
      `.spec.userSettings.customFileSystemConfigs[0].eFSFileSystemConfig.fileSystemId "fs-0bbbbbbbbbbbbbbb2" is not allowed by ${POLICY}`,
      `.spec.userSettings.customFileSystemConfigs[0].eFSFileSystemConfig.fileSystemPath "/" is not allowed by ${POLICY} (fileSystemPaths: [/team-a])`,
      `.spec.userSettings.customPosixUserConfig.uid "10001" is not allowed by ${POLICY} (posixUids: [20000-20999])`,
    ])
      expect(message).toContain(expected);
    // Six violations (the gid too): the message lists five and counts the rest.
    expect(message).toContain("; and 1 more");
    await sleep(300);
    expect(callsAbout("team-a-mallory")).toEqual([]);
  });

  it("refuses a profile name outside {namespace}-*, naming the substituted pattern", async () => {
    await create("mallory", {});
    const message = await stalledMessage("mallory");
    expect(message).toBe(
      `.metadata.name "mallory" is not allowed by ${POLICY} (userProfileNames: [team-a-*] ({namespace} = team-a))`,
    );
    expect(callsAbout("mallory")).toEqual([]);
  });

  it("refuses a forbidden tag key whatever its case (IAM reads aws:ResourceTag/team from a tag Team)", async () => {
    await create("team-a-tagger", {}, { tags: [{ key: "Team", value: "team-b" }] });
    expect(await stalledMessage("team-a-tagger")).toBe(
      `.spec.tags[0].key "Team" is not allowed by ${POLICY} (forbiddenTagKeys: [team])`,
    );
    expect(callsAbout("team-a-tagger")).toEqual([]);
  });

  it("the refused resource converges once the policy allows its values", async () => {
    await applyPolicy("team-a-shared", {
      lifecycleConfigs: [`${LCC}/team-a-*`, `${LCC}/team-b-setup`],
      s3Prefixes: ["s3://team-a-bucket/studio/", "s3://team-a-bucket-evil/studio"],
      fileSystems: ["fs-0aaaaaaaaaaaaaaa1", "fs-0bbbbbbbbbbbbbbb2"],
      fileSystemPaths: ["/"],
      posixUids: [{ min: 10000, max: 20999 }],
      posixGids: [{ min: 1001, max: 1001 }],
      forbiddenTagKeys: [],
    });
    await waitFor("team-a-mallory Ready", async () => isReady(await e2e.get("team-a", "team-a-mallory")));
    await waitFor("team-a-tagger Ready", async () => isReady(await e2e.get("team-a", "team-a-tagger")));
    const settings = e2e.describe("team-a-mallory")?.UserSettings;
    expect(settings?.SharingSettings?.S3OutputPath).toBe("s3://team-a-bucket-evil/studio/out");
    expect(settings?.CustomPosixUserConfig?.Uid).toBe(10001);
    expect(settings?.CustomFileSystemConfigs?.[0]?.EFSFileSystemConfig?.FileSystemId).toBe("fs-0bbbbbbbbbbbbbbb2");
  });

  it("the API server refuses a malformed policy: a POSIX range with min > max, an S3 prefix without a scheme", async () => {
    const refusal = async (spec: SageMakerProfilePolicySpec) => {
      try {
        await applyPolicy("bad", { namespaces: ["team-a"], ...spec });
      } catch (err) {
        return String((err as { body?: unknown }).body ?? err);
      }
      return "accepted";
    };
    expect(await refusal({ posixUids: [{ min: 30000, max: 20000 }] })).toContain("min must not be greater than max");
    expect(await refusal({ s3Prefixes: ["team-a-bucket/studio/"] })).toContain("spec.s3Prefixes[0]");
  });

  it("the API server accepts every policy example of docs/guardrails.md", async () => {
    const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "guardrails.md"), "utf8");
    const examples = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => parse(m[1] as string))
      .filter((o) => o?.kind === "SageMakerProfilePolicy");
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const api = e2e.stack.kubeConfig.makeApiClient(CustomObjectsApi);
    for (const body of examples)
      await api.createClusterCustomObject({
        group: "sagemaker.gitops.io",
        version: "v1alpha1",
        plural: "sagemakerprofilepolicies",
        body,
        // Checked by the schema and its rules, not stored: the every-namespace example must not apply to the tests.
        dryRun: "All",
      });
  });
});
