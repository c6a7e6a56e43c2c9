/**
 * Which members of a user profile name something shared across teams, and which policy field constrains each: one
 * table, computed from the SageMaker API model (every leaf of the CreateUserProfile and UpdateUserProfile requests,
 * recursively), so a member AWS adds with a known shape (another role ARN, another S3 URI) is constrained the day the
 * model is regenerated. test/policy/shared-members.test.ts walks the model on its own and fails, naming the member,
 * when something that looks shared is neither classified here nor exempted here with a reason.
 *
 * The model extract carries no documentation, so members are classified by shape name and by the shape's pattern
 * (an ARN pattern names its service and resource type: `:iam::...:role/`, `:studio-lifecycle-config/`, ...).
 */
import { modelShapes, type Shape } from "../api/model.js";

/** How a policy field compares values: globs, path-segment prefixes, integer ranges, or tag keys. */
export type Matcher = "glob" | "prefix" | "range" | "tagKey";

/** Each kind of shared thing: the policy fields that constrain it and how values are compared. */
export const KINDS = {
  domainId: { fields: ["domains"], match: "glob" },
  userProfileName: { fields: ["userProfileNames"], match: "glob" },
  singleSignOnUserValue: { fields: ["singleSignOnUserValues"], match: "glob" },
  tagKey: { fields: ["requiredTagKeys", "forbiddenTagKeys"], match: "tagKey" },
  roleArn: { fields: ["executionRoles"], match: "glob" },
  imageArn: { fields: ["images"], match: "glob" },
  imageVersionArn: { fields: ["images"], match: "glob" },
  imageName: { fields: ["imageNames"], match: "glob" },
  appImageConfigName: { fields: ["appImageConfigs"], match: "glob" },
  lifecycleConfigArn: { fields: ["lifecycleConfigs"], match: "glob" },
  trainingPlanArn: { fields: ["trainingPlans"], match: "glob" },
  secretArn: { fields: ["secrets"], match: "glob" },
  kmsKeyId: { fields: ["kmsKeys"], match: "glob" },
  s3Uri: { fields: ["s3Prefixes"], match: "prefix" },
  fileSystemId: { fields: ["fileSystems"], match: "glob" },
  fileSystemPath: { fields: ["fileSystemPaths"], match: "prefix" },
  posixUid: { fields: ["posixUids"], match: "range" },
  posixGid: { fields: ["posixGids"], match: "range" },
  codeRepositoryUrl: { fields: ["codeRepositories"], match: "glob" },
  securityGroupId: { fields: ["securityGroups"], match: "glob" },
  instanceType: { fields: ["instanceTypes"], match: "glob" },
} as const satisfies Record<string, { fields: readonly string[]; match: Matcher }>;

export type Kind = keyof typeof KINDS;
export type PolicyField = (typeof KINDS)[Kind]["fields"][number];

/** A leaf member of the request shapes: its wire path (`UserSettings.SecurityGroups[]`), member and shape. */
export interface ModelLeaf {
  path: string;
  member: string;
  shapeName: string;
  shape: Shape;
}

const pattern = (leaf: ModelLeaf) => leaf.shape.pattern ?? "";

/** Classification rules, first match wins. */
const RULES: { kind: Kind; test: (leaf: ModelLeaf) => boolean }[] = [
  { kind: "domainId", test: (l) => l.shapeName === "DomainId" },
  { kind: "userProfileName", test: (l) => l.shapeName === "UserProfileName" },
  // Its shape is the generic String256, so the member name is all there is.
  { kind: "singleSignOnUserValue", test: (l) => l.member === "SingleSignOnUserValue" },
  { kind: "tagKey", test: (l) => l.shapeName === "TagKey" },
  { kind: "roleArn", test: (l) => /:iam::.*:role\//.test(pattern(l)) },
  { kind: "imageVersionArn", test: (l) => pattern(l).includes(":image-version/") },
  { kind: "imageArn", test: (l) => pattern(l).includes(":image/") },
  { kind: "lifecycleConfigArn", test: (l) => pattern(l).includes(":studio-lifecycle-config/") },
  { kind: "trainingPlanArn", test: (l) => pattern(l).includes(":training-plan/") },
  { kind: "secretArn", test: (l) => pattern(l).includes(":secretsmanager:") },
  { kind: "kmsKeyId", test: (l) => /KmsKey/.test(l.shapeName) },
  // `(https|s3)://...` (S3Uri) and `(s3)://...` (S3SchemaUri).
  { kind: "s3Uri", test: (l) => /s3\)?:\/\//.test(pattern(l)) },
  // `(fs-[0-9a-f]{8,})`: EFS and FSx for Lustre ids share the shape.
  { kind: "fileSystemId", test: (l) => pattern(l).includes("fs-") },
  { kind: "fileSystemPath", test: (l) => l.shapeName === "FileSystemPath" },
  { kind: "posixUid", test: (l) => l.shapeName === "Uid" },
  { kind: "posixGid", test: (l) => l.shapeName === "Gid" },
  { kind: "codeRepositoryUrl", test: (l) => l.shapeName === "RepositoryUrl" },
  { kind: "securityGroupId", test: (l) => l.shapeName === "SecurityGroupId" },
  { kind: "instanceType", test: (l) => l.shapeName === "AppInstanceType" },
  { kind: "imageName", test: (l) => l.shapeName === "ImageName" },
  { kind: "appImageConfigName", test: (l) => l.shapeName === "AppImageConfigName" },
];

/** Members that look shared (by name or shape) but name nothing another team owns, by model path. */
export const NOT_SHARED_MEMBERS: Readonly<Record<string, string>> = {
  "UserSettings.StudioWebPortalSettings.HiddenInstanceTypes[]": "only hides instance types from the user; grants none",
  "UserSettings.CustomFileSystemConfigs[].S3FileSystemConfig.MountPath":
    "a directory inside the user's own space; the bucket it mounts is S3Uri, which is checked",
  SingleSignOnUserIdentifier:
    "its pattern allows only the literal UserName; the identity is SingleSignOnUserValue, which is checked",
  "UserSettings.DefaultLandingUri": "the Studio page the user lands on (studio:: or app:TYPE:), no resource",
  "Tags[].Value": "tag values are the tenant's data; the keys are constrained (requiredTagKeys, forbiddenTagKeys)",
};

/** Shapes that look shared but qualify a member that is checked, wherever they appear. */
export const NOT_SHARED_SHAPES: Readonly<Record<string, string>> = {
  ImageVersionAlias: "a version of the image named by the SageMakerImageArn beside it, which is checked",
  ImageVersionNumber: "a version of the custom image named by ImageName beside it, which is checked",
  ImageVersionAliasPattern: "hides image versions from the user; grants none",
};

/**
 * Values that name nothing and pass every list: SageMaker's `None` for "no training plan" is in the
 * StudioResourceSpecTrainingPlanArn pattern itself.
 */
export const NOTHING_VALUES: Readonly<Partial<Record<Kind, readonly string[]>>> = { trainingPlanArn: ["None"] };

/** The request shapes a profile's spec is sent as. */
export const REQUEST_SHAPES = ["CreateUserProfileRequest", "UpdateUserProfileRequest"] as const;

/** Every leaf member under the given request shapes (union, each path once), following lists and structures. */
export function modelLeaves(
  shapes: Readonly<Record<string, Shape>> = modelShapes,
  roots: readonly string[] = REQUEST_SHAPES,
): ModelLeaf[] {
  const out = new Map<string, ModelLeaf>();
  const walk = (shapeName: string, path: string, member: string, stack: string[]) => {
    const s = shapes[shapeName];
    if (!s || stack.includes(shapeName)) return;
    if (s.type === "structure") {
      for (const [name, ref] of Object.entries(s.members ?? {}))
        walk(ref.shape, path ? `${path}.${name}` : name, name, [...stack, shapeName]);
    } else if (s.type === "list") walk(s.member?.shape ?? "", `${path}[]`, member, [...stack, shapeName]);
    else if (!out.has(path)) out.set(path, { path, member, shapeName, shape: s });
  };
  for (const root of roots) walk(root, "", "", []);
  return [...out.values()];
}

/** The kind of a leaf, or why it is not shared; undefined for both when no rule or exemption knows it. */
export function classify(leaf: ModelLeaf): { kind: Kind } | { exempt: string } | undefined {
  const exempt = NOT_SHARED_MEMBERS[leaf.path] ?? NOT_SHARED_SHAPES[leaf.shapeName];
  if (exempt) return { exempt };
  const rule = RULES.find((r) => r.test(leaf));
  return rule ? { kind: rule.kind } : undefined;
}

/** The table: model member path -> kind, for every shared member of the model. */
export function sharedMembers(leaves: readonly ModelLeaf[] = modelLeaves()): ReadonlyMap<string, Kind> {
  const table = new Map<string, Kind>();
  for (const leaf of leaves) {
    const c = classify(leaf);
    if (c && "kind" in c) table.set(leaf.path, c.kind);
  }
  return table;
}

export const SHARED_MEMBERS: ReadonlyMap<string, Kind> = sharedMembers();
