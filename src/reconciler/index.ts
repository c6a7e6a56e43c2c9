export { type Outcome, type Phase, conditionsFor, mergeConditions } from "./conditions.js";
export {
  type Action,
  type Backoff,
  type KubePort,
  ProfileReconciler,
  type ReconcilerHooks,
  type ReconcilerOptions,
  type SageMakerPort,
} from "./reconciler.js";
