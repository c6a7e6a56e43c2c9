/**
 * The user docs stay complete as the code moves: every chart value and operator flag in docs/configuration.md, every
 * exported metric in docs/metrics.md, every condition reason in docs/troubleshooting.md, and a least-privilege IAM
 * policy in docs/iam-policy.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { operatorFlags } from "../../src/cli/commands/run.js";
import { OperatorMetrics } from "../../src/metrics/index.js";
import { chartDir, repoRoot } from "./helm.js";

const read = (...p: string[]) => readFileSync(join(repoRoot, ...p), "utf8");

/** Values documented as a whole (Kubernetes objects passed through, maps of labels). */
const PASSTHROUGH = new Set([
  "resources",
  "podSecurityContext",
  "securityContext",
  "livenessProbe",
  "readinessProbe",
  "podDisruptionBudget.maxUnavailable",
  "podDisruptionBudget.minAvailable",
  "metrics.grafanaDashboard.labels",
]);

function valuePaths(value: unknown, prefix = ""): string[] {
  if (prefix && (PASSTHROUGH.has(prefix) || value === null || typeof value !== "object" || Array.isArray(value)))
    return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (prefix && entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => valuePaths(v, prefix ? `${prefix}.${k}` : k));
}

describe("docs/configuration.md", () => {
  const doc = read("docs", "configuration.md");
  it("documents every chart value", () => {
    const values = parseYaml(readFileSync(join(chartDir, "values.yaml"), "utf8"));
    const paths = valuePaths(values);
    expect(paths.length).toBeGreaterThan(60);
    expect(paths.filter((p) => !doc.includes(`\`${p}\``))).toEqual([]);
  });
  it("documents every operator flag", () => {
    const flags = operatorFlags(new Command("run")).options.map((o) => o.long as string);
    expect(flags.filter((f) => !new RegExp(`\`${f}( [A-Z]+)?\``).test(doc))).toEqual([]);
  });
});

describe("docs/metrics.md", () => {
  it("documents every metric the operator registers", () => {
    const doc = read("docs", "metrics.md");
    const names = (
      new OperatorMetrics({ processMetrics: false }).registry.getMetricsAsArray() as unknown as { name: string }[]
    ).map((m) => m.name);
    expect(names.length).toBeGreaterThan(15);
    // A table row naming the metric (cells may be padded for alignment).
    expect(names.filter((n) => !new RegExp(`\\| \`${n}\` +\\|`).test(doc))).toEqual([]);
  });
});

describe("docs/troubleshooting.md", () => {
  const headings = new Set(
    [...read("docs", "troubleshooting.md").matchAll(/^#{2,4} (.+)$/gm)].flatMap((m) => (m[1] as string).split(/,\s*/)),
  );
  it("has a section for every condition reason", () => {
    const reasons = [
      "Creating",
      "ProfilePending",
      "ProfileUpdating",
      "ProfileDeleting",
      "Updating",
      "Deleting",
      "ResourceInUse",
      "DeleteBlocked",
      "CleaningUp",
      "CleanupNotPermitted",
      "Throttled",
      "TransientError",
      "ValidationException",
      "AccessDeniedException",
      "ResourceLimitExceeded",
      "Failed",
      "Update_Failed",
      "Delete_Failed",
      "AlreadyExists",
      "OwnershipConflict",
      "DriftDetected",
      "Paused",
      "NotFound",
      "InSync",
    ];
    // Plus any literal reason the reconciler sets, so a new one cannot go undocumented.
    for (const file of ["reconciler.ts", "cleanup.ts", "error-policy.ts"])
      for (const m of read("src", "reconciler", file).matchAll(/reason: "([A-Za-z_]+)"/g)) reasons.push(m[1] as string);
    expect([...new Set(reasons)].filter((r) => !headings.has(r))).toEqual([]);
  });
});

describe("docs/iam-policy.json", () => {
  interface Statement {
    Sid: string;
    Effect: string;
    Action: string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
  }
  const policy = JSON.parse(read("docs", "iam-policy.json")) as { Version: string; Statement: Statement[] };
  const statements = policy.Statement;
  const sagemakerActions = new Set(statements.flatMap((s) => s.Action).filter((a) => a.startsWith("sagemaker:")));

  it("allows exactly the SageMaker calls the operator makes, no wildcard action", () => {
    expect([...sagemakerActions].sort()).toEqual(
      [
        "sagemaker:AddTags",
        "sagemaker:CreateUserProfile",
        "sagemaker:DeleteApp",
        "sagemaker:DeleteSpace",
        "sagemaker:DeleteTags",
        "sagemaker:DeleteUserProfile",
        "sagemaker:DescribeDomain",
        "sagemaker:DescribeUserProfile",
        "sagemaker:ListApps",
        "sagemaker:ListSpaces",
        "sagemaker:ListTags",
        "sagemaker:ListUserProfiles",
        "sagemaker:UpdateUserProfile",
      ].sort(),
    );
    for (const s of statements) {
      expect(s.Effect).toBe("Allow");
      for (const a of s.Action) expect(a, s.Sid).not.toContain("*");
    }
  });

  it("scopes every call to domain, user-profile, app or space ARNs, except the List calls (no resource-level support)", () => {
    const lists = ["sagemaker:ListUserProfiles", "sagemaker:ListApps", "sagemaker:ListSpaces"];
    for (const s of statements) {
      const resources = [s.Resource].flat();
      if (s.Action.some((a) => lists.includes(a))) {
        expect(
          s.Action.every((a) => lists.includes(a)),
          `${s.Sid}: only List calls on Resource *`,
        ).toBe(true);
        expect(s.Resource).toBe("*");
        continue;
      }
      for (const r of resources) {
        expect(r, s.Sid).toMatch(
          /^arn:aws:(sagemaker:REGION:ACCOUNT_ID:(domain\/DOMAIN_ID|(user-profile|app|space)\/DOMAIN_ID\/\*)|iam::ACCOUNT_ID:role\/.+)$/,
        );
      }
      // DeleteApp and DeleteSpace touch only apps and spaces, never a profile or a domain.
      if (s.Action.some((a) => a === "sagemaker:DeleteApp" || a === "sagemaker:DeleteSpace"))
        for (const r of resources) expect(r, s.Sid).toMatch(/:(app|space)\/DOMAIN_ID\/\*$/);
    }
  });

  it("grants DeleteApp on owner-tagged apps, and on untagged ones only beside DeleteSpace (AppsAndSpaces)", () => {
    const deleteApp = statements.filter((s) => s.Action.includes("sagemaker:DeleteApp"));
    const tagged = deleteApp.filter((s) => s.Condition?.StringLike?.["aws:ResourceTag/sagemaker.gitops.io/owner"]);
    expect(tagged.map((s) => s.Sid)).toEqual(["CleanupOwnedProfilesApps"]);
    const untagged = deleteApp.filter((s) => !tagged.includes(s));
    expect(untagged.map((s) => s.Sid)).toEqual(["CleanupPrivateSpaces"]);
    expect(untagged[0]?.Action).toContain("sagemaker:DeleteSpace");
  });

  it("lets every writing call touch only profiles owned by this cluster (owner tag conditions)", () => {
    const writes = ["CreateUserProfile", "UpdateUserProfile", "DeleteUserProfile", "AddTags", "DeleteTags"].map(
      (a) => `sagemaker:${a}`,
    );
    for (const s of statements.filter((st) => st.Action.some((a) => writes.includes(a)))) {
      const owner = Object.entries(s.Condition ?? {}).flatMap(([op, keys]) =>
        Object.entries(keys)
          .filter(([key]) => key.endsWith("/sagemaker.gitops.io/owner"))
          .map(([key, value]) => `${op} ${key.split("/")[0]} ${value}`),
      );
      const mine = owner.filter((o) => /^StringLike aws:(Resource|Request)Tag CLUSTER_ID\/\*$/.test(o));
      expect(mine, `${s.Sid}: no owner-tag condition on this cluster's id`).toHaveLength(1);
    }
  });

  it("passes execution roles to SageMaker only", () => {
    const pass = statements.find((s) => s.Action.includes("iam:PassRole"));
    expect(pass?.Condition?.StringEquals?.["iam:PassedToService"]).toBe("sagemaker.amazonaws.com");
  });
});
