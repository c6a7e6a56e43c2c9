/**
 * The four kstatus conditions (Ready, Synced, Reconciling, Stalled) for each kind of reconcile outcome. Pure.
 * Argo CD and Flux read them: Reconciling=True means "in progress", Stalled=True means "needs a person", Ready=True means done.
 */
import type { Condition, ConditionType } from "../api/types.js";

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

/**
 * Merges desired conditions into the current list the kstatus way: lastTransitionTime changes only when status does, so a
 * reconcile that finds nothing new produces an identical status (and no write).
 */
export function mergeConditions(
  current: Condition[] | undefined,
  desired: Desired[],
  generation: number | undefined,
  now: string,
): Condition[] {
  return desired.map((d) => {
    const prev = current?.find((p) => p.type === d.type);
    const lastTransitionTime = prev && prev.status === d.status ? prev.lastTransitionTime : now;
    const out: Condition = { ...d, lastTransitionTime };
    if (generation !== undefined) out.observedGeneration = generation;
    return out;
  });
}
