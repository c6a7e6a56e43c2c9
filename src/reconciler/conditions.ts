/**
 * The four kstatus conditions (Ready, Synced, Reconciling, Stalled) for each kind of reconcile outcome. Pure.
 * Argo CD and Flux read them: Reconciling=True means "in progress", Stalled=True means "needs a person", Ready=True means done.
 */
import type { Condition, ConditionType } from "../api/types.js";
import { setCondition } from "../kube/index.js";

export type Phase =
  /** AWS equals the spec. */
  | "InSync"
  /** Work sent to AWS (create, update, delete) or waiting for SageMaker to finish; not an error. */
  | "Progressing"
  /** A transient answer (ResourceInUse, throttling, network); retried with backoff. */
  | "Retrying"
  /** Cannot proceed without a person: terminal errors, Failed states, ownership, policy. */
  | "Stalled"
  /** Nothing is written by design (Observe drift, paused). */
  | "Held";

export interface Outcome {
  phase: Phase;
  /** CamelCase reason, e.g. InSync, Creating, ResourceInUse, ValidationException, OwnershipConflict, DriftDetected. */
  reason: string;
  message: string;
}

type Desired = Pick<Condition, "type" | "status" | "reason" | "message">;

export function conditionsFor(outcome: Outcome): Desired[] {
  const { phase, reason, message } = outcome;
  const c = (type: ConditionType, status: Condition["status"], r = reason, m = message): Desired => ({
    type,
    status,
    reason: r,
    message: m,
  });
  switch (phase) {
    case "InSync":
      return [c("Ready", "True"), c("Synced", "True"), c("Reconciling", "False"), c("Stalled", "False")];
    case "Progressing":
      return [c("Ready", "False"), c("Synced", "False"), c("Reconciling", "True"), c("Stalled", "False")];
    case "Retrying":
      return [c("Ready", "False"), c("Synced", "False"), c("Reconciling", "True"), c("Stalled", "False")];
    case "Stalled":
      return [c("Ready", "False"), c("Synced", "False"), c("Reconciling", "False"), c("Stalled", "True")];
    case "Held":
      return [
        c("Ready", reason === "Paused" ? "Unknown" : "False"),
        c("Synced", "False"),
        c("Reconciling", "False"),
        c("Stalled", "False"),
      ];
  }
}

/** Sets every desired condition the kstatus way (lastTransitionTime moves only when a status does). */
export function mergeConditions(
  current: Condition[] | undefined,
  desired: Desired[],
  generation: number | undefined,
  now: string,
): Condition[] {
  return desired.reduce<Condition[]>(
    (list, d) => setCondition(list, { ...d, observedGeneration: generation }, now),
    current ?? [],
  );
}
