/**
 * Policy evaluation of each kind of shared resource beyond the four original fields: S3 and file system path prefixes
 * (by whole segments), POSIX id ranges, `{namespace}` patterns, profile names, SSO values, tag keys (ignoring case),
 * code repository URLs, training plans; and how several covering policies combine.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import {
  evaluatePolicies,
  KINDS,
  type PolicyDecision,
  pathPrefixMatch,
  type SageMakerProfilePolicySpec,
  violationMessage,
} from "../../src/policy/index.js";

type Spec = Partial<SageMakerUserProfile["spec"]> & Record<string, unknown>;
const ROLE = "arn:aws:iam::123456789012:role/team-a-studio";

const decide = (spec: Spec, policies: SageMakerProfilePolicySpec[], name = "team-a-alice", namespace = "team-a") =>
  evaluatePolicies({
    resource: { metadata: { name, namespace }, spec: { domainId: "d-team0000000a", ...spec } as never },
    policies: policies.map((p, i) => ({
      apiVersion: "sagemaker.gitops.io/v1alpha1",
      kind: "SageMakerProfilePolicy",
      metadata: { name: `p${i}` },
      spec: { namespaces: [namespace], ...p },
    })),
    namespaceLabels: {},
  });

const fields = (d: PolicyDecision) => (d.allowed === false ? d.violations.map((v) => v.field) : []);
const settings = (userSettings: Record<string, unknown>): Spec => ({
  userSettings: { executionRole: ROLE, ...userSettings },
});
const s3Output = (path: string) =>
  settings({ sharingSettings: { notebookOutputOption: "Allowed", s3OutputPath: path } });

describe("s3Prefixes: whole path segments, not string prefixes", () => {
  const policy = { s3Prefixes: ["s3://team-a-bucket/studio/"] };
  it.each([
    ["s3://team-a-bucket/studio/out", true],
    ["s3://team-a-bucket/studio/", true],
    ["s3://team-a-bucket/studio", true],
    ["s3://team-a-bucket/studio/a/b/c.ipynb", true],
    ["s3://team-a-bucket-evil/studio/out", false],
    ["s3://team-a-bucket/studio-evil/out", false],
    ["s3://team-a-bucket/other/studio/", false],
    ["s3://team-a-bucket/studio/../other", false],
    ["s3://team-a-bucket/studio/%2e%2e/other", false],
    ["s3://team-a-bucket/studio//x", false],
    ["s3://team-a-bucket/studio/x%2F..%2F..%2Fother", false],
    ["https://team-a-bucket/studio/out", false],
    ["s3://team-a-bucket", false],
  ])("%s allowed: %s", (path, allowed) => {
    expect(decide(s3Output(path), [policy]).allowed).toBe(allowed);
  });

  it("covers the Canvas artifact path and S3 file systems, naming each field", () => {
    const d = decide(
      settings({
        canvasAppSettings: { workspaceSettings: { s3ArtifactPath: "s3://team-b/canvas" } },
        customFileSystemConfigs: [{ s3FileSystemConfig: { s3Uri: "s3://team-b/data", mountPath: "/mnt" } }],
      }),
      [policy],
    );
    expect(fields(d)).toEqual([
      ".spec.userSettings.canvasAppSettings.workspaceSettings.s3ArtifactPath",
      ".spec.userSettings.customFileSystemConfigs[0].s3FileSystemConfig.s3Uri",
    ]);
  });

  it("a prefix is never matched by a value whose bucket only starts with the prefix's (property)", () => {
    const seg = fc.stringMatching(/^[a-z0-9-]{1,8}$/);
    fc.assert(
      fc.property(seg, fc.array(seg, { maxLength: 3 }), fc.array(seg, { maxLength: 3 }), seg, (b, p, rest, tail) => {
        const prefix = `s3://${b}/${p.join("/")}`;
        expect(pathPrefixMatch(prefix, `s3://${b}/${[...p, ...rest].join("/")}`)).toBe(true);
        expect(pathPrefixMatch(prefix, `s3://${b}${tail}/${[...p, ...rest].join("/")}`)).toBe(false);
        if (p.length)
          expect(pathPrefixMatch(prefix, `s3://${b}/${[...p.slice(0, -1), `${p.at(-1)}${tail}`].join("/")}`)).toBe(
            false,
          );
      }),
    );
  });
});

describe("file systems", () => {
  const efs = (fileSystemId: string, fileSystemPath: string) =>
    settings({ customFileSystemConfigs: [{ eFSFileSystemConfig: { fileSystemId, fileSystemPath } }] });
  const policy = { fileSystems: ["fs-0aaaaaaaaaaaaaaa1"], fileSystemPaths: ["/team-a"] };
  it("constrains the file system id (EFS and FSx) and the directory by segments", () => {
    expect(decide(efs("fs-0aaaaaaaaaaaaaaa1", "/team-a/notebooks"), [policy]).allowed).toBe(true);
    expect(fields(decide(efs("fs-0bbbbbbbbbbbbbbb2", "/team-a"), [policy]))).toEqual([
      ".spec.userSettings.customFileSystemConfigs[0].eFSFileSystemConfig.fileSystemId",
    ]);
    for (const path of ["/", "/team-a-evil", "/team-a/../team-b"])
      expect(fields(decide(efs("fs-0aaaaaaaaaaaaaaa1", path), [policy]))).toEqual([
        ".spec.userSettings.customFileSystemConfigs[0].eFSFileSystemConfig.fileSystemPath",
      ]);
    const fsx = settings({
      customFileSystemConfigs: [{ fSxLustreFileSystemConfig: { fileSystemId: "fs-0ccccccccccccccc3" } }],
    });
    expect(fields(decide(fsx, [policy]))).toEqual([
      ".spec.userSettings.customFileSystemConfigs[0].fSxLustreFileSystemConfig.fileSystemId",
    ]);
  });
});

describe("POSIX ids: inclusive ranges", () => {
  const posix = (uid: number, gid: number) => settings({ customPosixUserConfig: { uid, gid } });
  const policy = { posixUids: [{ min: 20000, max: 20999 }], posixGids: [{ min: 20000, max: 20000 }] };
  it("allows ids inside a range (bounds included), refuses others and names the range", () => {
    expect(decide(posix(20000, 20000), [policy]).allowed).toBe(true);
    expect(decide(posix(20999, 20000), [policy]).allowed).toBe(true);
    const d = decide(posix(10001, 1001), [policy]);
    expect(fields(d)).toEqual([
      ".spec.userSettings.customPosixUserConfig.uid",
      ".spec.userSettings.customPosixUserConfig.gid",
    ]);
    expect(d.allowed === false && violationMessage(d.violations)).toContain(
      'uid "10001" is not allowed by SageMakerProfilePolicy/p0 (posixUids: [20000-20999])',
    );
  });
  it("[] forbids a custom POSIX config; omitted allows any", () => {
    expect(decide(posix(20000, 20000), [{ posixUids: [] }]).allowed).toBe(false);
    expect(decide(posix(4000000, 4000000), [{}]).allowed).toBe(true);
  });
});

describe("{namespace} patterns", () => {
  it("userProfileNames checks spec.userProfileName, else metadata.name, with the namespace substituted", () => {
    const policy = { userProfileNames: ["{namespace}-*"] };
    expect(decide({}, [policy], "team-a-alice").allowed).toBe(true);
    const d = decide({}, [policy], "alice");
    expect(d.allowed === false && d.violations).toEqual([
      {
        field: ".metadata.name",
        value: "alice",
        source: "SageMakerProfilePolicy/p0",
        rule: "userProfileNames: [team-a-*] ({namespace} = team-a)",
      },
    ]);
    expect(fields(decide({ userProfileName: "team-b-alice" }, [policy], "team-a-alice"))).toEqual([
      ".spec.userProfileName",
    ]);
    expect(decide({ userProfileName: "team-a-bob" }, [policy], "anything").allowed).toBe(true);
  });

  it("one baseline policy for every namespace can pin each to its own roles and buckets", () => {
    const baseline = {
      namespaces: [],
      namespaceSelector: {},
      executionRoles: ["arn:aws:iam::123456789012:role/{namespace}-*"],
      s3Prefixes: ["s3://studio-bucket/{namespace}/"],
    };
    const spec = {
      userSettings: { executionRole: ROLE, sharingSettings: { s3OutputPath: "s3://studio-bucket/team-a/x" } },
    };
    expect(decide(spec, [baseline], "x", "team-a").allowed).toBe(true);
    expect(fields(decide(spec, [baseline], "x", "team-b"))).toEqual([
      ".spec.userSettings.executionRole",
      ".spec.userSettings.sharingSettings.s3OutputPath",
    ]);
  });
});

describe("tag keys, compared ignoring case", () => {
  const tags = (...keys: string[]): Spec => ({ tags: keys.map((key) => ({ key, value: "v" })) });
  it("forbiddenTagKeys refuses a key in any case; requiredTagKeys needs a key in any case", () => {
    expect(fields(decide(tags("owner", "TEAM"), [{ forbiddenTagKeys: ["team", "aws:*"] }]))).toEqual([
      ".spec.tags[1].key",
    ]);
    expect(decide(tags("Cost-Center"), [{ requiredTagKeys: ["cost-center"] }]).allowed).toBe(true);
    const d = decide(tags("owner"), [{ requiredTagKeys: ["cost-center", "owner"] }]);
    expect(d.allowed === false && d.violations).toEqual([
      {
        field: ".spec.tags",
        value: "owner",
        source: "SageMakerProfilePolicy/p0",
        rule: "requiredTagKeys: [cost-center, owner]: no tag key matches cost-center (compared ignoring case)",
      },
    ]);
    expect(fields(decide({}, [{ requiredTagKeys: ["cost-center"] }]))).toEqual([".spec.tags"]);
  });
});

describe("the other glob fields", () => {
  it("singleSignOnUserValues", () => {
    const policy = { singleSignOnUserValues: ["*@team-a.example.com"] };
    expect(decide({ singleSignOnUserValue: "alice@team-a.example.com" }, [policy]).allowed).toBe(true);
    expect(fields(decide({ singleSignOnUserValue: "ceo@example.com" }, [policy]))).toEqual([
      ".spec.singleSignOnUserValue",
    ]);
  });

  it("codeRepositories: a URL with . or .. segments is refused even by a matching glob", () => {
    const repo = (repositoryUrl: string) =>
      settings({ jupyterLabAppSettings: { codeRepositories: [{ repositoryUrl }] } });
    const policy = { codeRepositories: ["https://github.com/team-a/*"] };
    expect(decide(repo("https://github.com/team-a/notebooks"), [policy]).allowed).toBe(true);
    for (const url of ["https://github.com/team-a/../team-b/secrets", "https://github.com/team-a/%2E%2E/team-b/x"]) {
      const d = decide(repo(url), [policy]);
      expect(d.allowed === false && d.violations[0]?.rule).toBe(
        "codeRepositories: URLs with . or .. path segments are refused",
      );
    }
  });

  it("images cover image and image version ARNs; trainingPlans let None (no plan) through", () => {
    const image = "arn:aws:sagemaker:us-east-1:123456789012:image";
    const spec = (arn: string, trainingPlanArn = "None") =>
      settings({ jupyterLabAppSettings: { defaultResourceSpec: { sageMakerImageArn: arn, trainingPlanArn } } });
    const policy = { images: [`${image}*/team-a-*`], trainingPlans: [] };
    expect(decide(spec(`${image}/team-a-gpu`), [policy]).allowed).toBe(true);
    expect(decide(spec(`${image}-version/team-a-gpu/3`), [policy]).allowed).toBe(true);
    expect(
      fields(decide(spec(`${image}/team-b-gpu`, "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p"), [policy])),
    ).toEqual([
      ".spec.userSettings.jupyterLabAppSettings.defaultResourceSpec.sageMakerImageArn",
      ".spec.userSettings.jupyterLabAppSettings.defaultResourceSpec.trainingPlanArn",
    ]);
  });
});

describe("several policies", () => {
  it("every covering policy must be satisfied: ranges and prefixes intersect", () => {
    const posix = settings({ customPosixUserConfig: { uid: 12000, gid: 12000 } });
    const a = { posixUids: [{ min: 10000, max: 20000 }] };
    const b = { posixUids: [{ min: 15000, max: 30000 }] };
    expect(decide(posix, [a]).allowed).toBe(true);
    const d = decide(posix, [a, b]);
    expect(d.allowed === false && d.violations.map((v) => v.source)).toEqual(["SageMakerProfilePolicy/p1"]);
  });

  it("every field of the table is free when omitted (a policy with only namespaces allows any value)", () => {
    const all = settings({
      customPosixUserConfig: { uid: 10001, gid: 1001 },
      sharingSettings: { s3OutputPath: "s3://anything/x", s3KmsKeyId: "alias/any" },
    });
    expect(decide({ ...all, tags: [{ key: "team", value: "x" }] }, [{}], "x").allowed).toBe(true);
  });

  it("never throws on junk in any of the table's fields (policies the schema would refuse)", () => {
    const policyFields = [...new Set(Object.values(KINDS).flatMap((k) => [...k.fields]))];
    const junk = fc.oneof(
      fc.anything(),
      fc.array(fc.oneof(fc.anything(), fc.record({ min: fc.anything(), max: fc.anything() }))),
    );
    const spec = fc.record(Object.fromEntries(policyFields.map((f) => [f, junk])), { requiredKeys: [] });
    const posix = settings({
      customPosixUserConfig: { uid: 20000, gid: 20000 },
      sharingSettings: { s3OutputPath: "s3://b/k" },
    });
    fc.assert(
      fc.property(spec, fc.anything(), (policy, value) => {
        decide({ ...posix, tags: [{ key: "k", value: "v" }] }, [policy as SageMakerProfilePolicySpec]);
        decide({ singleSignOnUserValue: value, userSettings: { customPosixUserConfig: { uid: value } } } as Spec, [
          policy as SageMakerProfilePolicySpec,
        ]);
      }),
      { numRuns: 300 },
    );
  });
});
