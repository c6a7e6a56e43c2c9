/** Tenant guardrails: SageMakerProfilePolicy resources and their pure evaluation. */

export { type CleanupLevel, type CleanupPermission, cleanupPermission, permits } from "./cleanup.js";
export {
  covers,
  evaluatePolicies,
  NAMESPACE_NAME_LABEL,
  type PolicyDecision,
  type PolicyInput,
  partitionOf,
  partitionViolations,
  settingValues,
  violationMessage,
} from "./evaluate.js";
export { globMatch } from "./glob.js";
export { selectorMatches } from "./selector.js";
export * from "./types.js";
