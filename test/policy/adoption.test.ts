/** The policy's adoption field: adoption is allowed only when policies cover the namespace and all of them allow it. */
import { describe, expect, it } from "vitest";
import {
  evaluatePolicies,
  type SageMakerProfilePolicy,
  type SageMakerProfilePolicySpec,
} from "../../src/policy/index.js";

const resource = { metadata: { name: "alice", namespace: "team-a" }, spec: { domainId: "d-team0000000a" } };
const policy = (name: string, spec: SageMakerProfilePolicySpec): SageMakerProfilePolicy => ({
  apiVersion: "sagemaker.gitops.io/v1alpha1",
  kind: "SageMakerProfilePolicy",
  metadata: { name },
  spec,
});
const adoption = (policies: SageMakerProfilePolicy[]) => {
  const decision = evaluatePolicies({ resource, policies, namespaceLabels: {} });
  if (decision.allowed !== true) throw new Error(`not allowed: ${JSON.stringify(decision)}`);
  return decision.adoption;
};

describe("adoption in the policy decision", () => {
  it("is refused when no policy covers the namespace, naming what to apply", () => {
    expect(adoption([policy("team-b", { namespaces: ["team-b"], adoption: "Allowed" })])).toEqual({
      allowed: false,
      why: "no SageMakerProfilePolicy covers namespace team-a; a cluster administrator must apply one with adoption: Allowed",
    });
  });

  it("is refused by default (a policy that does not mention it)", () => {
    const out = adoption([policy("team-a", { namespaces: ["team-a"] })]);
    expect(out).toEqual({
      allowed: false,
      why: "SageMakerProfilePolicy/team-a does not set adoption: Allowed (the default is Refused); a cluster administrator must set it to let namespace team-a adopt profiles",
    });
  });

  it("is allowed when the one covering policy allows it", () => {
    expect(adoption([policy("team-a", { namespaces: ["team-a"], adoption: "Allowed" })])).toEqual({ allowed: true });
  });

  it("needs every covering policy to allow it (adding a policy only restricts)", () => {
    const out = adoption([
      policy("everyone", { namespaceSelector: {}, adoption: "Allowed" }),
      policy("strict", { namespaces: ["team-a"], adoption: "Refused" }),
      policy("quiet", { namespaces: ["team-a"] }),
    ]);
    expect(out.allowed).toBe(false);
    expect(out.allowed === false && out.why).toMatch(
      /^SageMakerProfilePolicy\/quiet, SageMakerProfilePolicy\/strict do not set adoption: Allowed/,
    );
  });
});
