/** Tenant guardrails: SageMakerProfilePolicy resources and their pure evaluation. */

export { type CleanupLevel, type CleanupPermission, cleanupPermission, permits } from "./cleanup.js";
export {
  type AdoptionDecision,
  adoptionDecision,
  covers,
  evaluatePolicies,
  NAMESPACE_NAME_LABEL,
  type PolicyDecision,
  type PolicyInput,
  partitionOf,
  partitionViolations,
  type SharedValue,
  settingValues,
  sharedValues,
  violationMessage,
} from "./evaluate.js";
export { globMatch } from "./glob.js";
export { hasDotSegments, NAMESPACE_PLACEHOLDER, pathPrefixMatch, splitPath } from "./matchers.js";
export { selectorMatches } from "./selector.js";
export {
  classify,
  KINDS,
  type Kind,
  type ModelLeaf,
  modelLeaves,
  NOT_SHARED_MEMBERS,
  NOT_SHARED_SHAPES,
  SHARED_MEMBERS,
} from "./shared-members.js";
export * from "./types.js";
