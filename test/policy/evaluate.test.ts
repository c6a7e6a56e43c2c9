/** Policy evaluation (pure): coverage by name and selector, every rule, multiple policies, partitions, globs. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import {
  evaluatePolicies,
  globMatch,
  partitionOf,
  type SageMakerProfilePolicy,
  type SageMakerProfilePolicySpec,
  selectorMatches,
  violationMessage,
} from "../../src/policy/index.js";

const ROLE = "arn:aws:iam::123456789012:role/team-a-studio";

type Resource = Pick<SageMakerUserProfile, "metadata" | "spec">;
const resource = (spec: Partial<SageMakerUserProfile["spec"]> = {}, namespace = "team-a"): Resource => ({
  metadata: { name: "alice", namespace },
  spec: {
    domainId: "d-team0000000a",
    userSettings: {
      executionRole: ROLE,
      securityGroups: ["sg-0a1b2c3d4e5f60001"],
      jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } },
    } as SageMakerUserProfile["spec"]["userSettings"],
    ...spec,
  },
});

const policy = (name: string, spec: SageMakerProfilePolicySpec): SageMakerProfilePolicy => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerProfilePolicy",
  metadata: { name },
  spec,
});

const teamA = policy("team-a", {
  namespaces: ["team-a"],
  domains: ["d-team0000000a"],
  executionRoles: ["arn:aws:iam::123456789012:role/team-a-*"],
  instanceTypes: ["ml.t3.*", "ml.m5.large"],
  securityGroups: ["sg-0a1b2c3d4e5f6000?"],
});

const decide = (r: Resource, policies: SageMakerProfilePolicy[], labels?: Record<string, string>) =>
  evaluatePolicies({ resource: r, policies, namespaceLabels: labels ?? {} });

/** Policy specs with the right keys and wrong everything else, so the junk reaches the evaluator's branches. */
const policySpecJunk = fc.record(
  {
    namespaces: fc.oneof(fc.constant(["team-a"]), fc.anything()),
    namespaceSelector: fc.oneof(
      fc.record({ matchLabels: fc.anything(), matchExpressions: fc.oneof(fc.array(fc.anything()), fc.anything()) }),
      fc.anything(),
    ),
    domains: fc.oneof(fc.array(fc.anything()), fc.anything()),
    executionRoles: fc.oneof(fc.array(fc.anything()), fc.anything()),
    instanceTypes: fc.anything(),
    securityGroups: fc.anything(),
  },
  { requiredKeys: [] },
);

describe("evaluatePolicies", () => {
  it("no policy at all allows everything", () => {
    expect(decide(resource({ domainId: "d-anything0001" }), [])).toMatchObject({ allowed: true, policies: [] });
  });

  it("a policy for another namespace does not apply", () => {
    expect(decide(resource({}, "team-b"), [teamA])).toMatchObject({ allowed: true, policies: [] });
  });

  it("a resource inside every rule is allowed, and the decision names the policies applied", () => {
    expect(decide(resource(), [teamA])).toMatchObject({ allowed: true, policies: ["team-a"] });
  });

  it.each([
    ["domain", { domainId: "d-other0000001" }, ".spec.domainId", "domains"],
    [
      "execution role",
      { userSettings: { executionRole: "arn:aws:iam::123456789012:role/admin" } },
      ".spec.userSettings.executionRole",
      "executionRoles",
    ],
    [
      "instance type",
      { userSettings: { kernelGatewayAppSettings: { defaultResourceSpec: { instanceType: "ml.p4d.24xlarge" } } } },
      ".spec.userSettings.kernelGatewayAppSettings.defaultResourceSpec.instanceType",
      "instanceTypes",
    ],
    [
      "security group",
      { userSettings: { securityGroups: ["sg-0a1b2c3d4e5f60001", "sg-0ffffffffffffffff"] } },
      ".spec.userSettings.securityGroups[1]",
      "securityGroups",
    ],
    [
      "EMR role (every role ARN, not only executionRole)",
      {
        userSettings: {
          executionRole: ROLE,
          jupyterLabAppSettings: { emrSettings: { assumableRoleArns: ["arn:aws:iam::999999999999:role/x"] } },
        },
      },
      ".spec.userSettings.jupyterLabAppSettings.emrSettings.assumableRoleArns[0]",
      "executionRoles",
    ],
  ])("refuses a %s outside the policy, naming the field and the rule", (_what, spec, field, rule) => {
    const d = decide(resource(spec as never), [teamA]);
    expect(d.allowed).toBe(false);
    if (d.allowed !== false) return;
    expect(d.violations.map((v) => v.field)).toEqual([field]);
    expect(d.violations[0]?.source).toBe("SageMakerProfilePolicy/team-a");
    expect(d.violations[0]?.rule.startsWith(`${rule}: [`)).toBe(true);
    const message = violationMessage(d.violations);
    expect(message).toContain(field);
    expect(message).toContain(rule);
  });

  it("hidden instance types grant nothing and are not checked", () => {
    const r = resource({
      userSettings: { executionRole: ROLE, studioWebPortalSettings: { hiddenInstanceTypes: ["ml.p4d.24xlarge"] } },
    } as never);
    expect(decide(r, [teamA]).allowed).toBe(true);
  });

  it("an omitted list does not constrain; an empty list allows nothing", () => {
    const open = policy("open", { namespaces: ["team-a"] });
    expect(decide(resource({ domainId: "d-whatever00001" }), [open]).allowed).toBe(true);
    const closed = policy("closed", { namespaces: ["team-a"], domains: [] });
    expect(decide(resource(), [closed]).allowed).toBe(false);
  });

  it("every covering policy must be satisfied (adding a policy only restricts)", () => {
    const gpuBan = policy("no-gpu", { namespaceSelector: {}, instanceTypes: ["ml.t3.*"] });
    const r = resource({
      userSettings: {
        executionRole: ROLE,
        jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.m5.large" } },
      },
    } as never);
    expect(decide(r, [teamA]).allowed).toBe(true);
    const d = decide(r, [teamA, gpuBan]);
    expect(d.allowed).toBe(false);
    if (d.allowed === false) expect(d.violations.map((v) => v.source)).toEqual(["SageMakerProfilePolicy/no-gpu"]);
  });

  it("selects namespaces by label, and by the automatic kubernetes.io/metadata.name label", () => {
    const byLabel = policy("tenants", {
      namespaceSelector: { matchLabels: { tenant: "yes" } },
      domains: ["d-team0000000a"],
    });
    const other = resource({ domainId: "d-other0000001" });
    expect(decide(other, [byLabel], { tenant: "yes" }).allowed).toBe(false);
    expect(decide(other, [byLabel], { tenant: "no" }).allowed).toBe(true);
    const byName = policy("by-name", {
      namespaceSelector: {
        matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["team-a"] }],
      },
      domains: [],
    });
    expect(decide(other, [byName], {}).allowed).toBe(false);
  });

  it("fails closed while the namespace's labels are unknown and a selector policy exists", () => {
    const byLabel = policy("tenants", { namespaceSelector: { matchLabels: { tenant: "yes" } }, domains: ["x"] });
    const d = evaluatePolicies({ resource: resource(), policies: [byLabel], namespaceLabels: undefined });
    expect(d.allowed).toBe("unknown");
    // A policy naming the namespace still decides (and a violation wins over "unknown").
    const d2 = evaluatePolicies({ resource: resource(), policies: [byLabel, teamA], namespaceLabels: undefined });
    expect(d2.allowed).toBe("unknown");
    const d3 = evaluatePolicies({
      resource: resource({ domainId: "d-other0000001" }),
      policies: [byLabel, teamA],
      namespaceLabels: undefined,
    });
    expect(d3.allowed).toBe(false);
  });

  it("refuses ARNs of another partition than the operator's (aws-cn and aws-us-gov roles in an aws region)", () => {
    for (const arn of [
      "arn:aws-cn:iam::123456789012:role/team-a-studio",
      "arn:aws-us-gov:iam::123456789012:role/team-a-studio",
    ]) {
      const d = evaluatePolicies({
        resource: resource({ userSettings: { executionRole: arn } } as never),
        policies: [],
        namespaceLabels: {},
        partition: "aws",
      });
      expect(d.allowed).toBe(false);
      if (d.allowed === false) {
        expect(d.violations[0]?.field).toBe(".spec.userSettings.executionRole");
        expect(violationMessage(d.violations)).toMatch(/partition aws .*in aws-(cn|us-gov)/);
      }
    }
    const cn = evaluatePolicies({
      resource: resource({ userSettings: { executionRole: "arn:aws-cn:iam::123456789012:role/x" } } as never),
      policies: [],
      namespaceLabels: {},
      partition: partitionOf("cn-north-1"),
    });
    expect(cn.allowed).toBe(true);
  });

  it("partitionOf maps regions to partitions", () => {
    expect(
      ["us-east-1", "eu-west-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1"].map(partitionOf),
    ).toEqual(["aws", "aws", "aws-cn", "aws-cn", "aws-us-gov", "aws-iso"]);
  });

  it("never throws on junk (resources and policies the schema would refuse)", () => {
    fc.assert(
      fc.property(fc.anything(), policySpecJunk, fc.anything(), (spec, pspec, labels) => {
        const r = { metadata: { name: "x", namespace: "team-a" }, spec } as never;
        const p = { metadata: { name: "p" }, spec: pspec } as never;
        evaluatePolicies({ resource: r, policies: [p], namespaceLabels: labels as never, partition: "aws" });
      }),
      { numRuns: 500 },
    );
  });
});

describe("globMatch", () => {
  const reference = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replaceAll("*", ".*")
        .replaceAll("?", ".")}$`,
      "s",
    ).test(value);

  it("agrees with the obvious RegExp translation", () => {
    const chars = fc.constantFrom("a", "b", ":", "/", "*", "?", ".");
    const str = fc.string({ unit: chars, maxLength: 12 });
    fc.assert(
      fc.property(str, fc.string({ unit: fc.constantFrom("a", "b", ":", "/", "."), maxLength: 12 }), (p, v) => {
        expect(globMatch(p, v)).toBe(reference(p, v));
      }),
      { numRuns: 3000 },
    );
  });

  it("is fast on a pattern that makes backtracking engines explode", () => {
    const started = performance.now();
    expect(globMatch(`${"*a".repeat(50)}b`, "a".repeat(2048))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("selectorMatches", () => {
  it("implements In, NotIn, Exists, DoesNotExist and matchLabels (ANDed)", () => {
    const labels = { tier: "gold", team: "a" };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { tier: "gold" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { tier: "silver" } }, labels)).toBe(false);
    expect(
      selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["gold", "x"] }] }, labels),
    ).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["gold"] }] }, labels)).toBe(
      false,
    );
    expect(selectorMatches({ matchExpressions: [{ key: "nope", operator: "NotIn", values: ["gold"] }] }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: "team", operator: "Exists" }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, labels)).toBe(false);
    expect(
      selectorMatches(
        { matchLabels: { tier: "gold" }, matchExpressions: [{ key: "team", operator: "In", values: ["b"] }] },
        labels,
      ),
    ).toBe(false);
  });
});
