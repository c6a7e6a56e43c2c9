import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_TEST_TIMEOUT, lines, runCli } from "./run-cli.js";

describe("validate", { timeout: CLI_TEST_TIMEOUT }, () => {
  it("exits 0 and counts the documents when every manifest is valid", async () => {
    const examples = readdirSync(join(import.meta.dirname, "../../examples")).filter((f) => f.endsWith(".yaml"));
    const r = await runCli(["validate", "-f", "examples"]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(`${examples.length} documents valid\n`);
  });

  it("checks the policies and accounts next to the profiles (a GitOps folder holds all three)", async () => {
    const ok = await runCli(["validate", "-f", "examples/deletion-cleanup", "-f", "examples/policies", "-v"]);
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    expect(lines(ok.stdout)).toContain("examples/deletion-cleanup/policy.yaml#1 (team-c-deletion-cleanup): valid");
    const dir = mkdtempSync(join(tmpdir(), "validate-"));
    writeFileSync(
      join(dir, "account.yaml"),
      'apiVersion: sagemaker.gitops.io/v1alpha1\nkind: SageMakerAccount\nmetadata:\n  name: research\nspec:\n  accountId: "111111111111"\n  regions: [eu-west-1]\n  namespaceSelector: {}\n  defaultRegion: us-east-1\n',
    );
    const bad = await runCli(["validate", "-f", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/account\.yaml#1 \(research\): \.spec: .*defaultRegion/);
  });

  it("exits 1 with one line per problem naming file, document, field path and message", async () => {
    const r = await runCli([
      "validate",
      "-f",
      "examples/data-scientist-basic.yaml",
      "-f",
      "test/corpus/invalid/too-many-security-groups.yaml",
      "-f",
      "test/corpus/invalid/unknown-field-spec.yaml",
    ]);
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toEqual([
      "test/corpus/invalid/too-many-security-groups.yaml#1 (team-a/corpus): .spec.userSettings.securityGroups: Too many: 6: must have at most 5 items",
      "test/corpus/invalid/unknown-field-spec.yaml#1 (team-a/corpus): .spec.domainId: Required value",
      'test/corpus/invalid/unknown-field-spec.yaml#1 (team-a/corpus): .spec.domainID: unknown field "domainID"',
    ]);
    expect(r.stderr).toBe("3 problems in 2 documents (3 sagemaker.gitops.io documents read)\n");
  });

  it("reports every file of a directory, YAML errors with line and column", async () => {
    const r = await runCli(["validate", "-f", "test/corpus/invalid"]);
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    for (const file of readdirSync(join(import.meta.dirname, "../corpus/invalid")))
      expect(
        out.some((l) => l.startsWith(`test/corpus/invalid/${file}`)),
        file,
      ).toBe(true);
    expect(out).toContain("test/corpus/invalid/yaml-duplicate-key.yaml#1: line 10, column 3: Map keys must be unique");
    expect(out).toContain("test/corpus/invalid/empty.yaml: no SageMakerUserProfile documents");
  });

  it("skips other kinds (listed with -v) but fails when no SageMakerUserProfile is found at all", async () => {
    const dir = mkdtempSync(join(tmpdir(), "validate-"));
    writeFileSync(join(dir, "namespace.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n");
    writeFileSync(join(dir, "notes.txt"), "not a manifest");
    const none = await runCli(["validate", "-f", dir, "-v"]);
    expect(none.code).toBe(1);
    expect(lines(none.stdout)).toEqual([
      `${join(dir, "namespace.yaml")}#1 (team-a): skipped (Namespace v1)`,
      `${dir}: no SageMakerUserProfile documents`,
    ]);

    const some = await runCli(["validate", "-f", dir, "-f", "examples/rstudio-user.yaml", "--verbose"]);
    expect(some.code).toBe(0);
    expect(lines(some.stdout)).toEqual([
      `${join(dir, "namespace.yaml")}#1 (team-a): skipped (Namespace v1)`,
      "examples/rstudio-user.yaml#1 (team-b/carol): valid",
      "1 document valid",
    ]);
  });

  it("exits 1 on unreadable paths and on a missing -f", async () => {
    const missing = await runCli(["validate", "-f", "no/such/file.yaml"]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^no\/such\/file\.yaml: cannot read: ENOENT/);

    const usage = await runCli(["validate"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain("validate needs at least one -f FILE or DIRECTORY");
  });
});
