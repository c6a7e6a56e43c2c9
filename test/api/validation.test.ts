import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { modelPatternTest } from "../../src/api/model.js";
import {
  type FieldProblem,
  MAX_ALIAS_COUNT,
  parseManifests,
  validateManifestText,
  validateProfile,
} from "../../src/api/validation.js";

const profile = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerUserProfile",
  metadata: { name: "alice", namespace: "team-a", ...metadata },
  spec: { domainId: "d-demo00000001", ...spec },
});
const withSettings = (userSettings: Record<string, unknown>) => profile({ userSettings });
const paths = (problems: FieldProblem[]) => problems.map((p) => p.path);

describe("validateProfile", () => {
  it("accepts a minimal profile and reports nothing", () => {
    expect(validateProfile(profile({}))).toEqual([]);
  });

  it("reports every problem of a document, with kubectl-style paths", () => {
    const problems = validateProfile(
      withSettings({
        securityGroups: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg_bad"],
        customPosixUserConfig: { uid: "200001", gid: 1001 },
      }),
    );
    expect(problems).toEqual([
      { path: ".spec.userSettings.securityGroups", message: "Too many: 6: must have at most 5 items" },
      {
        path: ".spec.userSettings.securityGroups[5]",
        message: `Invalid value: "sg_bad": should match '^(?:[-0-9a-zA-Z]+)$'`,
      },
      {
        path: ".spec.userSettings.customPosixUserConfig.uid",
        message: 'Invalid value: "string": must be of type integer',
      },
    ]);
  });

  it("truncates long enum lists but names the refused value", () => {
    const [problem] = validateProfile(
      withSettings({ jupyterLabAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.huge" } } }),
    );
    expect(problem?.message).toMatch(
      /^Unsupported value: "ml\.t3\.huge": supported values: "system", "ml\.t3\.micro", .*, \.\.\. \(\d+ more\)$/,
    );
    expect(problem?.message.length).toBeLessThan(300);
  });

  it("refuses unknown fields at any depth but not under metadata", () => {
    const problems = validateProfile({
      ...profile({ userSettings: { codeEditorAppSettings: { appLifecycleManagement: { idle: {} } } }, extra: 1 }),
      metadata: { name: "alice", labels: { a: "b" }, annotations: { "x/y": "z" }, somethingNew: true },
    });
    expect(problems).toEqual([
      { path: ".spec.extra", message: 'unknown field "extra"' },
      {
        path: ".spec.userSettings.codeEditorAppSettings.appLifecycleManagement.idle",
        message: 'unknown field "idle"',
      },
    ]);
  });

  it("drops null fields before validating, as the API server does", () => {
    expect(validateProfile(withSettings({ securityGroups: null, executionRole: null }))).toEqual([]);
    expect(validateProfile(profile({ domainId: null }))).toEqual([
      { path: ".spec.domainId", message: "Required value" },
    ]);
  });

  it("does not pile pattern or enum errors on a value of the wrong type", () => {
    expect(validateProfile(withSettings({ studioWebPortal: 1 }))).toEqual([
      { path: ".spec.userSettings.studioWebPortal", message: 'Invalid value: "integer": must be of type string' },
    ]);
  });

  it("evaluates the tag CEL rule and treats tags as a map keyed by key", () => {
    const tags = (keys: string[]) => profile({ tags: keys.map((key) => ({ key, value: "v" })) });
    expect(validateProfile(tags(["team", "owner", "aws-team"]))).toEqual([]);
    expect(paths(validateProfile(tags(["aws:createdBy"])))).toEqual([".spec.tags"]);
    expect(validateProfile(tags(["sagemaker.gitops.io/owner"]))[0]?.message).toContain("are reserved");
    expect(validateProfile(tags(["team", "team"]))).toEqual([
      { path: ".spec.tags[1]", message: 'Duplicate value: {"key":"team"}' },
    ]);
  });

  it("ignores transition rules (they need the stored object): any domainId is fine on its own", () => {
    expect(validateProfile(profile({ domainId: "d-other0000001", userProfileName: "someone-else" }))).toEqual([]);
  });

  it("checks apiVersion, kind and metadata like the API server", () => {
    expect(validateProfile({ ...profile({}), apiVersion: "sagemaker.gitops.io/v1beta1" })).toEqual([
      {
        path: ".apiVersion",
        message: 'Unsupported value: "sagemaker.gitops.io/v1beta1": supported values: "sagemaker.gitops.io/v1alpha1"',
      },
    ]);
    expect(paths(validateProfile({ ...profile({}), kind: undefined }))).toEqual([".kind"]);
    expect(validateProfile({ ...profile({}), metadata: {} })).toEqual([
      { path: ".metadata.name", message: "Required value" },
    ]);
    expect(paths(validateProfile(profile({}, { name: "Alice" })))).toEqual([".metadata.name"]);
    expect(paths(validateProfile(profile({}, { namespace: "Team_A" })))).toEqual([".metadata.namespace"]);
    expect(validateProfile("a string")).toEqual([
      { path: "", message: 'Invalid value: "string": must be of type object' },
    ]);
  });

  it("refuses a metadata.name SageMaker would refuse as the profile name, unless spec.userProfileName is set", () => {
    expect(validateProfile(profile({}, { name: "alice.smith" }))[0]?.message).toContain(
      "used as the SageMaker profile name",
    );
    expect(validateProfile(profile({ userProfileName: "alice-smith" }, { name: "alice.smith" }))).toEqual([]);
  });

  it("a union needs exactly one member", () => {
    const fs = (entry: Record<string, unknown>) => withSettings({ customFileSystemConfigs: [entry] });
    expect(validateProfile(fs({ s3FileSystemConfig: { s3Uri: "s3://bucket/prefix" } }))).toEqual([]);
    expect(validateProfile(fs({}))[0]?.message).toMatch(/^Required value: set exactly one of eFSFileSystemConfig/);
    expect(
      validateProfile(
        fs({ s3FileSystemConfig: { s3Uri: "s3://b" }, eFSFileSystemConfig: { fileSystemId: "fs-0123456789abcdef0" } }),
      )[0]?.message,
    ).toMatch(/^Too many: 2: must have at most 1 items/);
  });
});

describe("patterns are anchored: a valid value with junk around it is refused", () => {
  // [field setter, valid value, junk placement]: junk goes where the pattern would not already allow anything.
  const cases: [string, (v: string) => Record<string, unknown>, string, "suffix" | "prefix"][] = [
    ["security group", (v) => withSettings({ securityGroups: [v] }), "sg-0a1b2c3d4e5f60001", "suffix"],
    ["role ARN", (v) => withSettings({ executionRole: v }), "arn:aws:iam::123456789012:role/Team", "suffix"],
    ["domain id", (v) => profile({ domainId: v }), "d-demo00000001", "suffix"],
    ["profile name", (v) => profile({ userProfileName: v }), "alice-smith", "suffix"],
    [
      "file system id",
      (v) => withSettings({ customFileSystemConfigs: [{ eFSFileSystemConfig: { fileSystemId: v } }] }),
      "fs-0123456789",
      "suffix",
    ],
    ["S3 URI", (v) => withSettings({ sharingSettings: { s3OutputPath: v } }), "s3://bucket/prefix", "prefix"],
    [
      "lifecycle ARN",
      (v) => withSettings({ jupyterLabAppSettings: { lifecycleConfigArns: [v] } }),
      "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/x",
      "prefix",
    ],
    [
      "image ARN",
      (v) => withSettings({ kernelGatewayAppSettings: { defaultResourceSpec: { sageMakerImageArn: v } } }),
      "arn:aws:sagemaker:us-east-1:123456789012:image/team-img",
      "suffix",
    ],
    [
      "repository URL",
      (v) => withSettings({ jupyterLabAppSettings: { codeRepositories: [{ repositoryUrl: v }] } }),
      "https://github.com/org/repo.git",
      "suffix",
    ],
    [
      "secret ARN",
      (v) => withSettings({ canvasAppSettings: { identityProviderOAuthSettings: [{ secretArn: v }] } }),
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
      "prefix",
    ],
    ["tag key", (v) => profile({ tags: [{ key: v, value: "x" }] }), "team", "suffix"],
    [
      "version alias",
      (v) =>
        withSettings({ studioWebPortalSettings: { hiddenSageMakerImageVersionAliases: [{ versionAliases: [v] }] } }),
      "2.0",
      "suffix",
    ],
  ];
  it.each(cases)("%s", (_name, build, valid, where) => {
    expect(validateProfile(build(valid))).toEqual([]);
    const junk = where === "suffix" ? `${valid}#` : `x${valid}`;
    const problems = validateProfile(build(junk));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain(`Invalid value: ${JSON.stringify(junk)}: should match '^(?:`);
  });
});

describe("repository URL pattern (RE2, linear time)", () => {
  const model = "https://([.\\-_a-zA-Z0-9]+/?){3,1016}";

  it("the model's pattern and its RE2 form agree on every value up to the shape's maxLength (JS RegExp as oracle)", () => {
    const original = new RegExp(`^(?:${model})$`, "u");
    const re2 = modelPatternTest(model, 1024);
    const tail = fc.string({ unit: fc.constantFrom("a", "Z", "0", ".", "-", "_", "/", "!", ":"), maxLength: 14 });
    fc.assert(
      fc.property(fc.constantFrom("https://", "http://", "https:/", ""), tail, (scheme, rest) => {
        expect(re2.test(scheme + rest)).toBe(original.test(scheme + rest));
      }),
      { numRuns: 3000 },
    );
    // At the length limit: 1016 one-character runs after the scheme are within both.
    const longest = `https://${"a/".repeat(508)}`;
    expect(longest.length).toBe(1024);
    expect(re2.test(longest)).toBe(true);
  });

  it("refuses a long invalid repository URL (the model's pattern backtracks exponentially on it in JavaScript)", () => {
    const url = `https://${"a-".repeat(400)}!`;
    const problems = validateProfile(
      withSettings({ jupyterServerAppSettings: { codeRepositories: [{ repositoryUrl: url }] } }),
    );
    expect(paths(problems)).toEqual([".spec.userSettings.jupyterServerAppSettings.codeRepositories[0].repositoryUrl"]);
  });

  it("matches model patterns whole, as SageMaker does", () => {
    expect(modelPatternTest("[a-z]+").test("abc1")).toBe(false);
    expect(modelPatternTest("[-0-9a-zA-Z]+").test("sg-1")).toBe(true);
    expect(modelPatternTest("[-0-9a-zA-Z]+").test("sg 1")).toBe(false);
  });
});

describe("parseManifests / validateManifestText", () => {
  const doc = (name: string, extra = "") =>
    `apiVersion: sagemaker.gitops.io/v1alpha1\nkind: SageMakerUserProfile\nmetadata:\n  name: ${name}\n  namespace: team-a\nspec:\n  domainId: d-demo00000001\n${extra}`;

  it("reads every document of a stream and labels them by position, counting empty ones", () => {
    const { documents, problems } = parseManifests(`---\n${doc("a")}---\n---\n${doc("b")}`, "m.yaml");
    expect(problems).toEqual([]);
    expect(documents.map((d) => [d.index, d.name, d.label])).toEqual([
      [1, "a", "m.yaml#1 (team-a/a)"],
      [3, "b", "m.yaml#3 (team-a/b)"],
    ]);
  });

  it("refuses duplicate keys with their line and column", () => {
    const { problems } = parseManifests(`${doc("a")}  domainId: d-other0000001\n`, "m.yaml");
    expect(problems).toEqual([
      { document: "m.yaml#1", path: "", message: "line 8, column 3: Map keys must be unique" },
    ]);
  });

  it("stops an alias bomb before expanding it", () => {
    const levels = Array.from({ length: 12 }, (_, i) => {
      const name = String.fromCharCode(97 + i);
      const items = i === 0 ? '"lol"' : `*${String.fromCharCode(96 + i)}`;
      return `${name}: &${name} [${Array(10).fill(items).join(",")}]`;
    }).join("\n");
    const started = Date.now();
    const { documents, problems } = parseManifests(levels, "bomb.yaml");
    expect(documents).toEqual([]);
    expect(problems[0]?.message).toContain(`YAML aliases expand too much (limit ${MAX_ALIAS_COUNT} per document)`);
    expect(Date.now() - started).toBeLessThan(5_000); // 10^12 strings if it expanded
  });

  it("allows ordinary anchors and aliases", () => {
    const text = `${doc("a", "  userSettings:\n    securityGroups: &sgs [sg-1, sg-2]\n    sharingSettings:\n      notebookOutputOption: Allowed\n")}`;
    expect(validateManifestText(text, "m.yaml").problems).toEqual([]);
  });

  it("reads scalars as kubectl does: YAML 1.1 booleans, timestamps and times stay strings", () => {
    const text = doc(
      "a",
      "  tags:\n    - key: since\n      value: 2024-01-01\n    - key: window\n      value: 12:30\n",
    );
    const { documents, problems } = validateManifestText(text, "m.yaml");
    expect(problems).toEqual([]);
    expect(documents[0]?.object).toMatchObject({
      spec: {
        tags: [
          { key: "since", value: "2024-01-01" },
          { key: "window", value: "12:30" },
        ],
      },
    });
    const yes = validateManifestText(doc("a", "  adoptExisting: yes\n"), "m.yaml");
    expect(yes.problems).toEqual([]);
    expect(yes.documents[0]?.object).toMatchObject({ spec: { adoptExisting: true } });
  });

  it("skips documents of other kinds, and says so", () => {
    const text = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n---\n${doc("a")}`;
    const { documents, skipped, problems } = validateManifestText(text, "m.yaml");
    expect(problems).toEqual([]);
    expect(documents.map((d) => d.label)).toEqual(["m.yaml#2 (team-a/a)"]);
    expect(skipped.map((d) => d.label)).toEqual(["m.yaml#1 (team-a)"]);
  });

  it("an empty file is an error; a file of other kinds is not", () => {
    for (const text of ["", "# nothing\n", "---\n---\n"])
      expect(validateManifestText(text, "e.yaml").problems).toEqual([
        { document: "e.yaml", path: "", message: "no SageMakerUserProfile documents" },
      ]);
    expect(validateManifestText("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n", "c.yaml").problems).toEqual(
      [],
    );
  });

  it("checks policies and accounts against their own CRDs, and keeps them apart from the profiles", () => {
    const policy =
      "apiVersion: sagemaker.gitops.io/v1alpha1\nkind: SageMakerProfilePolicy\nmetadata:\n  name: p\nspec:\n  namespaces: [team-a]\n  deletionCleanup: AppsAndSpaces\n";
    const account =
      'apiVersion: sagemaker.gitops.io/v1alpha1\nkind: SageMakerAccount\nmetadata:\n  name: b\nspec:\n  accountId: "222222222222"\n  regions: [us-east-1]\n  namespaceSelector: {}\n';
    const valid = validateManifestText(`${policy}---\n${account}---\n${doc("a")}`, "m.yaml");
    expect(valid.problems).toEqual([]);
    expect(valid.documents.map((d) => d.label)).toEqual(["m.yaml#3 (team-a/a)"]);
    expect(valid.related.map((d) => d.label)).toEqual(["m.yaml#1 (p)", "m.yaml#2 (b)"]);
    const bad = validateManifestText(
      `${policy.replace("AppsAndSpaces", "Everything")}---\n${account.replace("222222222222", "22")}`,
      "m.yaml",
    ).problems;
    expect([...new Set(bad.map((p) => `${p.document} ${p.path}`))]).toEqual([
      "m.yaml#1 (p) .spec.deletionCleanup",
      "m.yaml#2 (b) .spec.accountId",
    ]);
    expect(bad[0]?.message).toMatch(/^Unsupported value: "Everything": supported values: /);
  });

  it("checks documents that misspell our kind instead of skipping them", () => {
    const text = doc("a").replace("kind: SageMakerUserProfile", "kind: SagemakerUserProfile");
    expect(validateManifestText(text, "m.yaml").problems.map((p) => p.path)).toEqual([".kind"]);
  });
});
