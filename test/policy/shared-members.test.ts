/**
 * Policy coverage of the model: this test walks the SageMaker API model on its own (not the table's walker, not a hand
 * list), picks every member that looks like it names something shared (an ARN, a URI, an id, a name, a key...), and
 * fails naming each one the shared-members table neither constrains nor exempts with a reason. When AWS adds an ARN
 * or S3 member to UserSettings and the model is regenerated, this is the test that says which.
 */
import { describe, expect, it } from "vitest";
import { modelShapes, type Shape, specName } from "../../src/api/model.js";
import { policyCrd } from "../../src/policy/crd.js";
import {
  classify,
  evaluatePolicies,
  KINDS,
  type Kind,
  modelLeaves,
  type SageMakerProfilePolicySpec,
  SHARED_MEMBERS,
} from "../../src/policy/index.js";

type Shapes = Readonly<Record<string, Shape>>;
interface Leaf {
  path: string;
  member: string;
  shapeName: string;
  shape: Shape;
}

/** Every leaf under the two request shapes, found by this test's own walk of the model. */
function leavesOf(shapes: Shapes): Leaf[] {
  const out = new Map<string, Leaf>();
  const visit = (name: string, path: string, member: string, depth: number) => {
    const s = shapes[name];
    if (!s || depth > 20) return;
    if (s.type === "structure")
      for (const [m, ref] of Object.entries(s.members ?? {})) visit(ref.shape, path ? `${path}.${m}` : m, m, depth + 1);
    else if (s.type === "list") visit(s.member?.shape ?? "", `${path}[]`, member, depth + 1);
    else out.set(path, { path, member, shapeName: name, shape: s });
  };
  for (const root of ["CreateUserProfileRequest", "UpdateUserProfileRequest"]) visit(root, "", "", 0);
  return [...out.values()];
}

/**
 * Deliberately broad: anything that could name a resource of another team. Enums are AWS's own vocabulary and name
 * nothing a team owns; plain numbers other than ids (sizes, timeouts) are budgets, not shared resources.
 */
const SHARED_LOOKING =
  /arn|uri|url|kms|secret|role|uid|gid|repositor|filesystem|securitygroup|domain|image|bucket|vpc|subnet|key|path|name|signon|tag|account|config|plan|id$/i;
function looksShared(leaf: Leaf): boolean {
  if (leaf.shape.enum) return false;
  const pattern = leaf.shape.pattern ?? "";
  if (/arn:|:\/\/|\bfs-|\bsg-/.test(pattern)) return true;
  if (leaf.shape.type !== "string" && !/^(uid|gid)$/i.test(leaf.member)) return false;
  return SHARED_LOOKING.test(leaf.member) || SHARED_LOOKING.test(leaf.shapeName);
}

const policySpecSchema = policyCrd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec as
  | { properties: Record<string, unknown> }
  | undefined;
const policyFields = Object.keys(policySpecSchema?.properties ?? {});

/** Members that look shared and that no policy field constrains (classified to a kind whose fields all exist). */
function gaps(shapes: Shapes): string[] {
  return leavesOf(shapes)
    .filter(looksShared)
    .filter((leaf) => {
      const c = classify(leaf);
      if (!c) return true;
      if ("exempt" in c) return false;
      return !KINDS[c.kind].fields.every((f) => policyFields.includes(f));
    })
    .map((leaf) => `${leaf.path} (${leaf.shapeName})`);
}

describe("policy coverage of the user profile model", () => {
  it("every member of the request shapes that names something shared is constrained by a policy field or exempted", () => {
    expect(gaps(modelShapes)).toEqual([]);
  });

  it("names a member AWS adds with a new ARN shape; one added with a known shape is covered at once", () => {
    const userSettings = modelShapes.UserSettings as Shape;
    const grown: Shapes = {
      ...modelShapes,
      NotebookJobQueueArn: {
        type: "string",
        pattern: "arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:notebook-job-queue/.*",
        max: 2048,
      },
      UserSettings: {
        ...userSettings,
        members: {
          ...userSettings.members,
          NotebookJobQueueArn: { shape: "NotebookJobQueueArn" },
          ScratchS3Uri: { shape: "S3Uri" },
        },
      },
    };
    expect(gaps(grown)).toEqual(["UserSettings.NotebookJobQueueArn (NotebookJobQueueArn)"]);
    const scratch = modelLeaves(grown).find((l) => l.path === "UserSettings.ScratchS3Uri");
    expect(scratch && classify(scratch)).toEqual({ kind: "s3Uri" });
  });

  it("the table finds the members the issue lists, by path, and every kind is used by the model", () => {
    const expected: Record<string, Kind> = {
      DomainId: "domainId",
      UserProfileName: "userProfileName",
      SingleSignOnUserValue: "singleSignOnUserValue",
      "Tags[].Key": "tagKey",
      "UserSettings.ExecutionRole": "roleArn",
      "UserSettings.CanvasAppSettings.GenerativeAiSettings.AmazonBedrockRoleArn": "roleArn",
      "UserSettings.JupyterLabAppSettings.DefaultResourceSpec.SageMakerImageArn": "imageArn",
      "UserSettings.JupyterLabAppSettings.DefaultResourceSpec.SageMakerImageVersionArn": "imageVersionArn",
      "UserSettings.JupyterLabAppSettings.CustomImages[].ImageName": "imageName",
      "UserSettings.JupyterLabAppSettings.CustomImages[].AppImageConfigName": "appImageConfigName",
      "UserSettings.JupyterLabAppSettings.LifecycleConfigArns[]": "lifecycleConfigArn",
      "UserSettings.JupyterLabAppSettings.BuiltInLifecycleConfigArn": "lifecycleConfigArn",
      "UserSettings.KernelGatewayAppSettings.DefaultResourceSpec.TrainingPlanArn": "trainingPlanArn",
      "UserSettings.CanvasAppSettings.IdentityProviderOAuthSettings[].SecretArn": "secretArn",
      "UserSettings.SharingSettings.S3KmsKeyId": "kmsKeyId",
      "UserSettings.CanvasAppSettings.WorkspaceSettings.S3KmsKeyId": "kmsKeyId",
      "UserSettings.SharingSettings.S3OutputPath": "s3Uri",
      "UserSettings.CanvasAppSettings.WorkspaceSettings.S3ArtifactPath": "s3Uri",
      "UserSettings.CustomFileSystemConfigs[].S3FileSystemConfig.S3Uri": "s3Uri",
      "UserSettings.CustomFileSystemConfigs[].EFSFileSystemConfig.FileSystemId": "fileSystemId",
      "UserSettings.CustomFileSystemConfigs[].FSxLustreFileSystemConfig.FileSystemId": "fileSystemId",
      "UserSettings.CustomFileSystemConfigs[].EFSFileSystemConfig.FileSystemPath": "fileSystemPath",
      "UserSettings.CustomPosixUserConfig.Uid": "posixUid",
      "UserSettings.CustomPosixUserConfig.Gid": "posixGid",
      "UserSettings.JupyterServerAppSettings.CodeRepositories[].RepositoryUrl": "codeRepositoryUrl",
      "UserSettings.SecurityGroups[]": "securityGroupId",
      "UserSettings.CodeEditorAppSettings.DefaultResourceSpec.InstanceType": "instanceType",
    };
    for (const [path, kind] of Object.entries(expected)) expect([path, SHARED_MEMBERS.get(path)]).toEqual([path, kind]);
    expect(SHARED_MEMBERS.has("UserSettings.StudioWebPortalSettings.HiddenInstanceTypes[]")).toBe(false);
    expect(new Set(SHARED_MEMBERS.values())).toEqual(new Set(Object.keys(KINDS)));
  });

  it("every policy field the table names is in the CRD schema and the policy type", () => {
    const fields = Object.values(KINDS).flatMap((k) => [...k.fields]);
    expect(fields.filter((f) => !policyFields.includes(f))).toEqual([]);
    // Compile-time: every field is a key of the spec type.
    const typed: Record<(typeof fields)[number], keyof SageMakerProfilePolicySpec> = Object.fromEntries(
      fields.map((f) => [f, f]),
    ) as never;
    expect(Object.keys(typed).length).toBeGreaterThan(0);
  });
});

/** `.spec.userSettings.customPosixUserConfig.uid` and a spec with `value` there, from a model path. */
function specAt(modelPath: string, value: unknown): { path: string; spec: Record<string, unknown> } {
  const segments = modelPath
    .split(".")
    .map((s) => ({ name: specName(s.replace(/\[\]/g, "")), lists: s.split("[]").length - 1 }));
  const spec: Record<string, unknown> = { domainId: "d-team0000000a" };
  let path = ".spec";
  let node: Record<string, unknown> = spec;
  segments.forEach((seg, i) => {
    path += `.${seg.name}${"[0]".repeat(seg.lists)}`;
    const last = i === segments.length - 1;
    let leaf: unknown = last ? value : {};
    const inner = leaf;
    for (let l = 0; l < seg.lists; l++) leaf = [leaf];
    node[seg.name] = leaf;
    if (!last) node = inner as Record<string, unknown>;
  });
  return { path, spec };
}

/** A value of each kind and a policy entry that allows it. */
const SAMPLES: Record<(typeof KINDS)[Kind]["match"], { value: (k: Kind) => unknown; allow: (k: Kind) => unknown }> = {
  glob: { value: (k) => `${k}-value`, allow: (k) => `${k}-*` },
  prefix: {
    value: (k) => (k === "s3Uri" ? "s3://team-a/studio/x" : "/team-a/x"),
    allow: (k) => (k === "s3Uri" ? "s3://team-a/studio" : "/team-a/"),
  },
  range: { value: () => 20001, allow: () => ({ min: 20000, max: 20999 }) },
  // forbiddenTagKeys: an entry that does not match allows the key.
  tagKey: { value: () => "CostCenter", allow: () => "owner" },
};

describe("every shared member is evaluated", () => {
  const members = [...SHARED_MEMBERS.entries()];
  it.each(members)(
    "%s (%s): refused by a policy that allows nothing, allowed by one that allows the value",
    (modelPath, kind) => {
      const { match, fields } = KINDS[kind];
      const field = fields.at(-1) as string; // forbiddenTagKeys for tags
      const { path, spec } = specAt(modelPath, SAMPLES[match].value(kind));
      const decide = (policy: Record<string, unknown>) =>
        evaluatePolicies({
          resource: { metadata: { name: "team-a-x", namespace: "team-a" }, spec: spec as never },
          policies: [
            {
              apiVersion: "sagemaker.gitops.io/v1alpha1",
              kind: "SageMakerProfilePolicy",
              metadata: { name: "p" },
              spec: { namespaces: ["team-a"], ...policy },
            },
          ],
          namespaceLabels: {},
        });
      const refused = decide({ [field]: match === "tagKey" ? ["*"] : [] });
      expect(refused.allowed).toBe(false);
      if (refused.allowed === false)
        expect(refused.violations.map((v) => [v.field, v.rule.split(":")[0]])).toEqual([[path, field]]);
      expect(decide({ [field]: [SAMPLES[match].allow(kind)] })).toMatchObject({ allowed: true, policies: ["p"] });
    },
  );
});
