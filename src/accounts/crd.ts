/**
 * The SageMakerAccount CRD, written by scripts/generate.ts into crds/ and the chart. Cluster-scoped: only cluster
 * administrators decide which AWS accounts and roles the operator may use, and which namespaces may use them.
 */
import { crdOf } from "../api/crd.js";
import { labelSelector } from "../policy/crd.js";
import { ACCOUNT_KIND, ACCOUNT_PLURAL } from "./types.js";

// An AWS region name (us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5).
const REGION = { type: "string", minLength: 1, maxLength: 32, pattern: "^[a-z]{2}(-[a-z]+)+-[0-9]+$" };
const rate = (what: string) => ({ type: "number", minimum: 0.01, maximum: 1000, description: what });

export const accountCrd = crdOf({
  kind: ACCOUNT_KIND,
  plural: ACCOUNT_PLURAL,
  shortNames: ["smacct"],
  scope: "Cluster",
  printerColumns: [
    { name: "Account", type: "string", jsonPath: ".spec.accountId" },
    { name: "Role", type: "string", jsonPath: ".spec.roleArn" },
    { name: "Default", type: "boolean", jsonPath: ".spec.default" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Expires", type: "date", jsonPath: ".status.credentialsExpiry" },
  ],
  description:
    "An AWS account the operator manages SageMaker profiles in: the role it assumes there, the regions and rate limits, and the namespaces that may use it.",
  spec: {
    type: "object",
    required: ["accountId", "regions", "namespaceSelector"],
    properties: {
      accountId: {
        type: "string",
        minLength: 12,
        maxLength: 12,
        pattern: "^[0-9]{12}$",
        description: "The 12-digit AWS account id; GetCallerIdentity through the credentials must answer it.",
      },
      roleArn: {
        type: "string",
        // arn:<partition>:iam::<12 digits>:role/ + a path of at most 512 and a name of at most 64.
        maxLength: 640,
        pattern: "^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\x21-\\x7e]{1,576}$",
        description: "The IAM role to assume (AssumeRole). Omitted: the operator's own identity.",
      },
      externalId: {
        type: "string",
        minLength: 2,
        maxLength: 1224,
        pattern: "^[\\w+=,.@:/-]*$",
        description: "Passed as AssumeRole's ExternalId (the spoke role's sts:ExternalId condition).",
      },
      sessionTags: {
        type: "array",
        maxItems: 50,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["key"],
        description: "Session tags passed to AssumeRole (the trust policy must allow sts:TagSession).",
        items: {
          type: "object",
          required: ["key", "value"],
          properties: {
            key: {
              type: "string",
              minLength: 1,
              maxLength: 128,
              pattern: "^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+$",
            },
            value: { type: "string", maxLength: 256, pattern: "^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$" },
          },
        },
      },
      regions: {
        type: "array",
        minItems: 1,
        maxItems: 64,
        "x-kubernetes-list-type": "set",
        items: REGION,
        description: "Regions profiles may use in this account.",
      },
      defaultRegion: { ...REGION, description: "The region of a profile that names none." },
      rateLimits: {
        type: "array",
        maxItems: 64,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["region"],
        description:
          "SageMaker call rates per region; a region not listed uses the operator's defaults (aws.rps, aws.burst, aws.mutatingRps).",
        items: {
          type: "object",
          required: ["region"],
          properties: {
            region: REGION,
            rps: rate("Calls per second over all SageMaker calls."),
            burst: { type: "integer", minimum: 1, maximum: 10000, description: "Token bucket size." },
            mutatingRps: rate("Calls per second for create, update, delete and tag calls."),
          },
        },
      },
      namespaceSelector: {
        ...labelSelector,
        description:
          "Namespaces whose profiles may use this account ({} selects every namespace). A SageMakerProfilePolicy may narrow it further.",
      },
      default: {
        type: "boolean",
        description: "The account of profiles that name none and whose namespace has no account label.",
      },
    },
    "x-kubernetes-validations": [
      {
        rule: "!has(self.defaultRegion) || self.defaultRegion in self.regions",
        message: "defaultRegion must be one of regions",
      },
      {
        rule: "!has(self.rateLimits) || self.rateLimits.all(l, l.region in self.regions)",
        message: "rateLimits may only name regions listed in regions",
      },
      {
        rule: "!has(self.roleArn) || self.roleArn.contains(':iam::' + self.accountId + ':role/')",
        message: "roleArn must be a role of accountId",
      },
    ],
  },
  status: {
    type: "object",
    properties: {
      observedGeneration: { type: "integer", format: "int64" },
      conditions: {
        type: "array",
        maxItems: 8,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        items: {
          type: "object",
          required: ["type", "status", "reason", "message", "lastTransitionTime"],
          properties: {
            type: { type: "string", enum: ["Ready", "Stalled"] },
            status: { type: "string", enum: ["True", "False", "Unknown"] },
            reason: { type: "string", maxLength: 1024 },
            message: { type: "string", maxLength: 32768 },
            lastTransitionTime: { type: "string", format: "date-time" },
            observedGeneration: { type: "integer", format: "int64" },
          },
        },
      },
      callerArn: { type: "string", maxLength: 2048, description: "What GetCallerIdentity answered." },
      credentialsExpiry: {
        type: "string",
        format: "date-time",
        description: "When the current assumed-role credentials expire.",
      },
      lastCheckTime: { type: "string", format: "date-time" },
    },
  },
});
