/**
 * Policies over every shared resource, end to end (issue 13, the "policy gaps" attack): namespace `mallory` names
 * team-a's S3 prefix, lifecycle config, file system and directory, POSIX uid/gid, an ABAC tag key, or a profile name
 * outside its pattern. Each is refused with Stalled `PolicyViolation` naming the field, the value and the policy,
 * before any SageMaker call; the same resource converges once the policy allows it. The policy CRD's new fields are
 * checked by the API server.
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
const ROLE = "arn:aws:iam::123456789012:role/mallory-studio";
const LCC = "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config";
const POLICY = "SageMakerProfilePolicy/mallory";
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
    namespace: "mallory",
    body: {
      apiVersion: "sagemaker.gitops.io/v1alpha1",
      kind: "SageMakerUserProfile",
      metadata: { name, namespace: "mallory" },
      spec: { domainId: DEMO_DOMAIN, userSettings: { executionRole: ROLE, ...userSettings }, ...spec },
    },
  });

const stalledMessage = async (name: string) =>
  waitFor(`mallory/${name} Stalled PolicyViolation`, async () => {
    const c = condition(await e2e.get("mallory", name), "Stalled");
    return c?.status === "True" && c.reason === "PolicyViolation" ? c.message : undefined;
  });

/** team-a's resources, each in a member the four original policy fields did not constrain. */
const TEAM_A = {
  sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: "s3://team-a-bucket/studio/out" },
  jupyterLabAppSettings: { lifecycleConfigArns: [`${LCC}/team-a-setup`] },
  customFileSystemConfigs: [
    { eFSFileSystemConfig: { fileSystemId: "fs-0aaaaaaaaaaaaaaa1", fileSystemPath: "/team-a" } },
  ],
  customPosixUserConfig: { uid: 20001, gid: 20001 },
};

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.stack.ensureNamespaces(["mallory"]);
  await applyPolicy("mallory", {
    namespaces: ["mallory"],
    userProfileNames: ["{namespace}-*"],
    lifecycleConfigs: [`${LCC}/mallory-*`],
    s3Prefixes: ["s3://mallory-bucket/studio/"],
    fileSystems: ["fs-0bbbbbbbbbbbbbbb2"],
    fileSystemPaths: ["/mallory"],
    posixUids: [{ min: 30000, max: 30999 }],
    posixGids: [{ min: 30000, max: 30999 }],
    forbiddenTagKeys: ["team"],
  });
});
afterAll(async () => {
  await e2e?.close();
});

describe("policies over every shared resource", () => {
  it("refuses team-a's S3 prefix, lifecycle config, file system and POSIX ids before any AWS call", async () => {
    await create("mallory-alice", TEAM_A);
    const message = await stalledMessage("mallory-alice");
    for (const expected of [
      `.spec.userSettings.sharingSettings.s3OutputPath "s3://team-a-bucket/studio/out" is not allowed by ${POLICY} (s3Prefixes: [s3://mallory-bucket/studio/])`,
      `.spec.userSettings.jupyterLabAppSettings.lifecycleConfigArns[0] "${LCC}/team-a-setup" is not allowed by ${POLICY} (lifecycleConfigs: [${LCC}/mallory-*])`,
      `.spec.userSettings.customFileSystemConfigs[0].eFSFileSystemConfig.fileSystemId "fs-0aaaaaaaaaaaaaaa1" is not allowed by ${POLICY} (fileSystems: [fs-0bbbbbbbbbbbbbbb2])`,
      `.spec.userSettings.customFileSystemConfigs[0].eFSFileSystemConfig.fileSystemPath "/team-a" is not allowed by ${POLICY} (fileSystemPaths: [/mallory])`,
      `.spec.userSettings.customPosixUserConfig.uid "20001" is not allowed by ${POLICY} (posixUids: [30000-30999])`,
    ])
      expect(message).toContain(expected);
    // Six violations (the gid too): the message lists five and counts the rest.
    expect(message).toContain("; and 1 more");
    await sleep(300);
    expect(callsAbout("mallory-alice")).toEqual([]);
  });

  it("refuses a profile name outside {namespace}-*, naming the substituted pattern", async () => {
    await create("team-a-alice", {});
    const message = await stalledMessage("team-a-alice");
    expect(message).toBe(
      `.metadata.name "team-a-alice" is not allowed by ${POLICY} (userProfileNames: [mallory-*] ({namespace} = mallory))`,
    );
    expect(callsAbout("team-a-alice")).toEqual([]);
  });

  it("refuses a forbidden tag key whatever its case (IAM reads aws:ResourceTag/team from a tag Team)", async () => {
    await create("mallory-tagger", {}, { tags: [{ key: "Team", value: "team-a" }] });
    expect(await stalledMessage("mallory-tagger")).toBe(
      `.spec.tags[0].key "Team" is not allowed by ${POLICY} (forbiddenTagKeys: [team])`,
    );
    expect(callsAbout("mallory-tagger")).toEqual([]);
  });

  it("the refused resource converges once the policy allows its values", async () => {
    // The platform team decides to share team-a's resources with mallory.
    await applyPolicy("mallory", {
      lifecycleConfigs: [`${LCC}/mallory-*`, `${LCC}/team-a-setup`],
      s3Prefixes: ["s3://mallory-bucket/studio/", "s3://team-a-bucket/studio"],
      fileSystems: ["fs-0aaaaaaaaaaaaaaa1", "fs-0bbbbbbbbbbbbbbb2"],
      fileSystemPaths: ["/mallory", "/team-a"],
      posixUids: [{ min: 20001, max: 20001 }],
      posixGids: [{ min: 20001, max: 20001 }],
      forbiddenTagKeys: [],
    });
    await waitFor("mallory-alice Ready", async () => isReady(await e2e.get("mallory", "mallory-alice")));
    await waitFor("mallory-tagger Ready", async () => isReady(await e2e.get("mallory", "mallory-tagger")));
    const settings = e2e.describe("mallory-alice")?.UserSettings;
    expect(settings?.SharingSettings?.S3OutputPath).toBe("s3://team-a-bucket/studio/out");
    expect(settings?.CustomPosixUserConfig?.Uid).toBe(20001);
    expect(settings?.CustomFileSystemConfigs?.[0]?.EFSFileSystemConfig?.FileSystemId).toBe("fs-0aaaaaaaaaaaaaaa1");
  });

  it("the API server refuses a malformed policy: a POSIX range with min > max, an S3 prefix without a scheme", async () => {
    const refusal = async (spec: SageMakerProfilePolicySpec) => {
      try {
        await applyPolicy("bad", { namespaces: ["mallory"], ...spec });
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
        // Checked by the schema and its rules (an unknown field refused), not stored: the every-namespace example must not
        // apply to the other tests.
        dryRun: "All",
        fieldValidation: "Strict",
      });
  });
});
