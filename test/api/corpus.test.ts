/**
 * The examples must be accepted by the CRD validation and by SageMaker's own; every manifest of the invalid corpus
 * must be refused with the problem its leading `# expect:` comments declare.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tagsToSageMaker, userSettingsToSageMaker } from "../../src/api/mapping.js";
import { shape, validateShape } from "../../src/api/model.js";
import { profileName, type SageMakerUserProfile } from "../../src/api/types.js";
import { formatProblem, type ManifestProblem, validateManifestText } from "../../src/api/validation.js";

const root = join(import.meta.dirname, "../..");
const examplesDir = join(root, "examples");
const corpusDir = join(root, "test/corpus/invalid");
const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();

describe("examples", () => {
  const examples = yamlFiles(examplesDir).map((file) => {
    const result = validateManifestText(readFileSync(join(examplesDir, file), "utf8"), file);
    return { file, ...result };
  });

  it("there are at least five", () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(yamlFiles(examplesDir))("%s is valid against the CRD and holds one profile", (file) => {
    const example = examples.find((e) => e.file === file);
    expect(example?.problems.map(formatProblem)).toEqual([]);
    expect(example?.documents).toHaveLength(1);
  });

  it.each(yamlFiles(examplesDir))("%s is a CreateUserProfile request SageMaker accepts", (file) => {
    const resource = examples.find((e) => e.file === file)?.documents[0]?.object as SageMakerUserProfile;
    const request = {
      DomainId: resource.spec.domainId,
      UserProfileName: profileName(resource),
      UserSettings: userSettingsToSageMaker(resource.spec.userSettings ?? {}),
      Tags: tagsToSageMaker(resource.spec.tags ?? []),
    };
    expect(validateShape("CreateUserProfileRequest", request)).toEqual([]);
  });

  it("together declare every UserSettings member, in the demo domain and two team namespaces", () => {
    const resources = examples.flatMap((e) => e.documents.map((d) => d.object as SageMakerUserProfile));
    const declared = new Set(resources.flatMap((r) => Object.keys(userSettingsToSageMaker(r.spec.userSettings ?? {}))));
    const members = Object.keys(shape("UserSettings").members ?? {});
    expect(members).toHaveLength(18);
    expect(members.filter((m) => !declared.has(m))).toEqual([]);
    expect(new Set(resources.map((r) => r.spec.domainId))).toEqual(new Set(["d-demo00000001"]));
    expect(new Set(resources.map((r) => r.metadata.namespace))).toEqual(new Set(["team-a", "team-b"]));
    expect(new Set(resources.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).size).toBe(resources.length);
  });
});

/**
 * `# expect: .path: fragment` means a problem at exactly that path whose message contains the fragment;
 * `# expect: text` (not starting with ".") means a printed problem line containing the text.
 */
function matches(expectation: string, problems: ManifestProblem[]): boolean {
  const field = /^(\.\S*?): (.+)$/.exec(expectation);
  if (field) return problems.some((p) => p.path === field[1] && p.message.includes(field[2] ?? ""));
  return problems.some((p) => formatProblem(p).includes(expectation));
}

describe("invalid corpus", () => {
  const files = yamlFiles(corpusDir);

  it("has at least 40 manifests, each declaring what is expected", () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const file of files) expect(readFileSync(join(corpusDir, file), "utf8")).toMatch(/^# expect: /);
  });

  it.each(files)("%s is refused as declared", (file) => {
    const text = readFileSync(join(corpusDir, file), "utf8");
    const expectations = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1] ?? "");
    const { problems } = validateManifestText(text, file);
    expect(problems.length).toBeGreaterThan(0);
    for (const expectation of expectations)
      expect(
        matches(expectation, problems),
        `${expectation}\n  got:\n  ${problems.map(formatProblem).join("\n  ")}`,
      ).toBe(true);
  });
});
