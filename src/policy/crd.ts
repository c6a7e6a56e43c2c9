/**
 * The SageMakerProfilePolicy CRD, written by scripts/generate.ts into crds/ and the chart. Cluster-scoped so that only
 * cluster administrators (RBAC on a cluster-scoped kind) can write the rules tenants are held to.
 */
import { GROUP, VERSION } from "../api/types.js";
import { POLICY_KIND, POLICY_PLURAL } from "./types.js";

const patterns = (what: string) => ({
  type: "array",
  description: `${what} Glob patterns: \`*\` matches any run of characters, \`?\` one. Omitted: no constraint; []: nothing allowed.`,
  maxItems: 256,
  "x-kubernetes-list-type": "set",
  items: { type: "string", minLength: 1, maxLength: 2048 },
});

const labelSelector = {
  type: "object",
  description: "Namespaces selected by label (an empty selector selects every namespace).",
  properties: {
    matchLabels: {
      type: "object",
      additionalProperties: { type: "string", maxLength: 63 },
      maxProperties: 64,
    },
    matchExpressions: {
      type: "array",
      maxItems: 64,
      items: {
        type: "object",
        required: ["key", "operator"],
        properties: {
          key: { type: "string", minLength: 1, maxLength: 317 },
          operator: { type: "string", enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
          values: { type: "array", maxItems: 256, items: { type: "string", maxLength: 63 } },
        },
        "x-kubernetes-validations": [
          {
            rule: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
            message: "values must be non-empty for In and NotIn, and absent for Exists and DoesNotExist",
          },
        ],
      },
    },
  },
};

export const policyCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${POLICY_PLURAL}.${GROUP}` },
  spec: {
    group: GROUP,
    names: {
      kind: POLICY_KIND,
      listKind: `${POLICY_KIND}List`,
      plural: POLICY_PLURAL,
      singular: POLICY_KIND.toLowerCase(),
      shortNames: ["smpp"],
      categories: ["sagemaker"],
    },
    scope: "Cluster",
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Namespaces", type: "string", jsonPath: ".spec.namespaces" },
          { name: "Domains", type: "string", jsonPath: ".spec.domains" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            description:
              "Guardrails for the SageMakerUserProfile resources of the namespaces it covers: which domains, IAM roles, instance types and security groups they may use.",
            required: ["spec"],
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: {
                type: "object",
                properties: {
                  namespaces: {
                    type: "array",
                    description: "Namespaces covered, by name.",
                    maxItems: 1024,
                    "x-kubernetes-list-type": "set",
                    items: { type: "string", maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
                  },
                  namespaceSelector: labelSelector,
                  domains: patterns("Allowed spec.domainId values."),
                  executionRoles: patterns(
                    "Allowed IAM role ARNs: userSettings.executionRole and every other role ARN in userSettings (Canvas, EMR).",
                  ),
                  instanceTypes: patterns("Allowed instance types in every defaultResourceSpec."),
                  securityGroups: patterns("Allowed userSettings.securityGroups entries."),
                  deletionCleanup: {
                    type: "string",
                    enum: ["None", "Apps", "AppsAndSpaces"],
                    description:
                      "The most spec.deletion.cleanup may delete in the covered namespaces (None, Apps, AppsAndSpaces). Omitted: not constrained by this policy; cleanup needs at least one covering policy that sets it, and the lowest level set wins.",
                  },
                },
                "x-kubernetes-validations": [
                  {
                    rule: "has(self.namespaces) || has(self.namespaceSelector)",
                    message: "set namespaces, namespaceSelector or both: a policy must say which namespaces it covers",
                  },
                ],
              },
              status: {
                type: "object",
                description: "Reserved; violations are reported on the SageMakerUserProfile resources.",
                "x-kubernetes-preserve-unknown-fields": true,
              },
            },
          },
        },
      },
    ],
  },
};
