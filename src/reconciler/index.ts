export { conditionsFor, mergeConditions, type Outcome, type Phase } from "./conditions.js";
export {
  type Action,
  type Backoff,
  type KubePort,
  type PolicyPort,
  ProfileReconciler,
  type ReconcilerHooks,
  type ReconcilerOptions,
  type SageMakerPort,
} from "./reconciler.js";
