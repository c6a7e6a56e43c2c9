/**
 * The SageMakerProfilePolicy CRD, written by scripts/generate.ts into crds/ and the chart. Cluster-scoped so that only
 * cluster administrators (RBAC on a cluster-scoped kind) can write the rules tenants are held to.
 */
import { crdOf } from "../api/crd.js";
import { POLICY_KIND, POLICY_PLURAL } from "./types.js";

const patterns = (what: string) => ({
  type: "array",
  description: `${what} Glob patterns: \`*\` matches any run of characters, \`?\` one; \`{namespace}\` is replaced by the resource's namespace. Omitted: no constraint; []: nothing allowed.`,
  maxItems: 256,
  "x-kubernetes-list-type": "set",
  items: { type: "string", minLength: 1, maxLength: 2048 },
});

const pathPrefixes = (what: string, pattern: string) => ({
  type: "array",
  description: `${what} Compared by whole path segments (\`/team-a\` allows \`/team-a/x\`, not \`/team-a-x\`); \`{namespace}\` is replaced by the resource's namespace. Omitted: no constraint; []: nothing allowed.`,
  maxItems: 256,
  "x-kubernetes-list-type": "set",
  items: { type: "string", minLength: 1, maxLength: 2048, pattern },
});

const idBound = { type: "integer", format: "int64", minimum: 0, maximum: 4294967295 };
const idRanges = (what: string) => ({
  type: "array",
  description: `${what} Inclusive ranges. Omitted: no constraint; []: nothing allowed (the member must not be set).`,
  maxItems: 64,
  "x-kubernetes-list-type": "atomic",
  items: {
    type: "object",
    required: ["min", "max"],
    properties: { min: idBound, max: idBound },
    "x-kubernetes-validations": [{ rule: "self.min <= self.max", message: "min must not be greater than max" }],
  },
});

/** metav1.LabelSelector's schema (also used by SageMakerAccount's namespaceSelector). */
export const labelSelector = {
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

export const policyCrd = crdOf({
  kind: POLICY_KIND,
  plural: POLICY_PLURAL,
  shortNames: ["smpp"],
  scope: "Cluster",
  printerColumns: [
    { name: "Namespaces", type: "string", jsonPath: ".spec.namespaces" },
    { name: "Domains", type: "string", jsonPath: ".spec.domains" },
  ],
  description:
    "Guardrails for the SageMakerUserProfile resources of the namespaces it covers: which domains, IAM roles, instance types, security groups and other shared resources (images, lifecycle configs, KMS keys, secrets, S3 prefixes, file systems, POSIX ids, code repositories, profile names, tags) they may use.",
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
      images: patterns("Allowed SageMaker image and image version ARNs (sageMakerImageArn, sageMakerImageVersionArn)."),
      imageNames: patterns("Allowed custom image names (customImages[].imageName)."),
      appImageConfigs: patterns("Allowed app image config names (customImages[].appImageConfigName)."),
      lifecycleConfigs: patterns(
        "Allowed studio lifecycle config ARNs (lifecycleConfigArns, defaultResourceSpec.lifecycleConfigArn, builtInLifecycleConfigArn).",
      ),
      trainingPlans: patterns("Allowed training plan ARNs (defaultResourceSpec.trainingPlanArn; None always passes)."),
      secrets: patterns("Allowed Secrets Manager secret ARNs (Canvas identity provider OAuth settings)."),
      kmsKeys: patterns("Allowed KMS key ids, key ARNs and aliases, compared as written (s3KmsKeyId)."),
      s3Prefixes: pathPrefixes(
        "Allowed S3 URI prefixes (sharingSettings.s3OutputPath, Canvas s3ArtifactPath, S3 file system s3Uri).",
        "^(s3|https)://[^/]+(/.*)?$",
      ),
      fileSystems: patterns("Allowed EFS and FSx for Lustre file system ids (customFileSystemConfigs)."),
      fileSystemPaths: pathPrefixes(
        "Allowed directories of custom file systems (customFileSystemConfigs[].*.fileSystemPath).",
        "^/",
      ),
      posixUids: idRanges("Allowed POSIX user ids (customPosixUserConfig.uid)."),
      posixGids: idRanges("Allowed POSIX group ids (customPosixUserConfig.gid)."),
      codeRepositories: patterns(
        "Allowed code repository URLs (codeRepositories[].repositoryUrl); URLs with . or .. segments are refused.",
      ),
      userProfileNames: patterns(
        "Allowed SageMaker profile names: spec.userProfileName, else metadata.name (e.g. {namespace}-*).",
      ),
      singleSignOnUserValues: patterns("Allowed spec.singleSignOnUserValue values."),
      requiredTagKeys: patterns(
        "Tag keys spec.tags must contain, compared ignoring case: each pattern needs a matching key.",
      ),
      forbiddenTagKeys: patterns("Tag keys spec.tags must not contain, compared ignoring case."),
      instanceTypes: patterns("Allowed instance types in every defaultResourceSpec."),
      securityGroups: patterns("Allowed userSettings.securityGroups entries."),
      deletionCleanup: {
        type: "string",
        enum: ["None", "Apps", "AppsAndSpaces"],
        description:
          "The most spec.deletion.cleanup may delete in the covered namespaces (None, Apps, AppsAndSpaces). Omitted: not constrained by this policy; cleanup needs at least one covering policy that sets it, and the lowest level set wins.",
      },
      adoption: {
        type: "string",
        description:
          "Whether spec.adoptExisting may take over an existing profile that has no owner tag (made in the console, by another tool, or released with deletionPolicy: Retain). Every policy covering a namespace must allow it.",
        enum: ["Allowed", "Refused"],
        default: "Refused",
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
});
