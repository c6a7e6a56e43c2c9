export {
  type Blockers,
  blockersOf,
  describeBlockers,
  planCleanup,
  type StudioInventory,
} from "./cleanup.js";
export { conditionsFor, mergeConditions, type Outcome, type Phase } from "./conditions.js";
export { asksDomain, backoffFor, type ErrorVerdict, errorPolicy, type Failure, type Retry } from "./error-policy.js";
export { type Executed, execute, type ObserveOptions, observe, read } from "./execute.js";
export {
  decideFlap,
  type FlapDecision,
  type FlapPolicy,
  type FlapState,
  recordRepair,
} from "./flap-guard.js";
export { OWNER_TAG_VALUE_MAX, ownerOf, ownerTag } from "./ownership.js";
export { plan } from "./plan.js";
export {
  callsOf,
  eventsOf,
  isNeed,
  type Need,
  type Observation,
  type Plan,
  type PlanContext,
  type PlannedEvent,
  type PlanSettings,
  type Read,
  type SageMakerCall,
  type Step,
} from "./plan-types.js";
export type {
  AccountPort,
  AppRef,
  KubePort,
  PolicyPort,
  ReconcilerHooks,
  SageMakerPort,
  SageMakerReader,
} from "./ports.js";
export { ProfileReconciler, planSettings, type ReconcilerOptions } from "./reconciler.js";
export { buildStatus, type StatusInput } from "./status.js";
