/** Which spec.deletion.cleanup a namespace may use (pure): an explicit grant, the lowest level set wins. */
import { describe, expect, it } from "vitest";
import {
  cleanupPermission,
  permits,
  type SageMakerProfilePolicy,
  type SageMakerProfilePolicySpec,
} from "../../src/policy/index.js";

const policy = (name: string, spec: SageMakerProfilePolicySpec): SageMakerProfilePolicy => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerProfilePolicy",
  metadata: { name },
  spec,
});
/** `labels` null: the namespace is not in the cache yet. */
const decide = (policies: SageMakerProfilePolicy[], labels: Record<string, string> | null = {}) =>
  cleanupPermission({ namespace: "team-a", policies, namespaceLabels: labels ?? undefined });

describe("cleanupPermission", () => {
  it("is None without a covering policy that sets deletionCleanup, even where other rules allow everything", () => {
    expect(decide([])).toEqual({ level: "None", by: [] });
    expect(decide([policy("roles", { namespaces: ["team-a"], executionRoles: ["*"] })])).toEqual({
      level: "None",
      by: [],
    });
    expect(decide([policy("other-team", { namespaces: ["team-b"], deletionCleanup: "AppsAndSpaces" })])).toEqual({
      level: "None",
      by: [],
    });
  });

  it("is the lowest level the covering policies set; a policy that omits it does not constrain it", () => {
    const baseline = policy("baseline", { namespaceSelector: {}, deletionCleanup: "Apps" });
    const team = policy("team-a", { namespaces: ["team-a"], deletionCleanup: "AppsAndSpaces" });
    const silent = policy("silent", { namespaces: ["team-a"], domains: ["d-*"] });
    expect(decide([team, silent])).toEqual({ level: "AppsAndSpaces", by: ["SageMakerProfilePolicy/team-a"] });
    expect(decide([team, baseline])).toEqual({
      level: "Apps",
      by: ["SageMakerProfilePolicy/baseline", "SageMakerProfilePolicy/team-a"],
    });
  });

  it("waits while a selector policy that sets it cannot be evaluated (labels not known yet)", () => {
    const bySelector = policy("tenants", {
      namespaceSelector: { matchLabels: { tenant: "a" } },
      deletionCleanup: "Apps",
    });
    expect(decide([bySelector], null)).toHaveProperty("unknown");
    expect(decide([bySelector], { tenant: "a" })).toEqual({ level: "Apps", by: ["SageMakerProfilePolicy/tenants"] });
  });

  it("permits a level up to the granted one", () => {
    expect(permits("AppsAndSpaces", "Apps")).toBe(true);
    expect(permits("Apps", "AppsAndSpaces")).toBe(false);
    expect(permits("None", "Apps")).toBe(false);
    expect(permits("None", "None")).toBe(true);
  });
});
