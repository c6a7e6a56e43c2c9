/**
 * The status a reconcile writes, from the previous status, the outcome, SageMaker's facts and the drift. Pure.
 * Conditions keep their transition times unless their status changes, so an unchanged outcome builds an unchanged
 * status, and the status writer (which compares) writes nothing: no write per resync.
 */
import type { SageMakerUserProfileStatus } from "../api/types.js";
import type { DriftResult } from "../drift/index.js";
import { conditionsFor, mergeConditions, type Outcome } from "./conditions.js";

type Status = SageMakerUserProfileStatus;

export interface StatusInput {
  outcome: Outcome;
  facts: Partial<Status>;
  /** undefined leaves status.drift as it was. */
  drift?: DriftResult;
  /** The generation reconciled (a newer spec has queued its own reconcile). */
  generation: number | undefined;
  userProfileName: string;
}

export function buildStatus(previous: Status | undefined, input: StatusInput, now: Date): Status {
  const { outcome, facts, drift, generation } = input;
  // Whole seconds, as metav1.Time writes them: conditions written in the same second with the same outcome are then
  // equal across resources, and the operator's cache keeps one copy of them (src/operator/profile-cache.ts).
  const at = `${now.toISOString().slice(0, 19)}Z`;
  const prev = previous ?? {};
  const status: Status = {
    ...prev,
    ...definedOnly(facts),
    observedGeneration: generation,
    userProfileName: input.userProfileName,
    conditions: mergeConditions(prev.conditions, conditionsFor(outcome), generation, at),
  };
  if (drift) {
    status.drift = drift.drifted
      ? {
          count: drift.fields.length,
          fields: drift.fields,
          detectedTime: sameFields(prev.drift?.fields, drift.fields) ? (prev.drift?.detectedTime ?? at) : at,
        }
      : { count: 0, fields: [] };
  }
  if (outcome.phase !== "Stalled" && !facts.failureReason) delete status.failureReason;
  // Deletion progress is shown only while it is current.
  if (!facts.deleteBlockedBy) delete status.deleteBlockedBy;
  if (!facts.cleanup) delete status.cleanup;
  if (NOT_OURS.has(outcome.reason)) {
    // A profile this resource may not write: status says it exists (the message), nothing of its settings or state.
    for (const key of ["ownedBy", "userProfileArn", "profileStatus", "failureReason", "homeEfsFileSystemUid"] as const)
      delete status[key];
    delete status.drift;
  }
  if (outcome.phase === "InSync") {
    // lastSyncTime moves when the profile becomes in sync, not on every resync (that would be a write per resync).
    const wasInSync = prev.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (!wasInSync || !prev.lastSyncTime) status.lastSyncTime = at;
  }
  return status;
}

/** Outcomes for a profile that is not this resource's. */
const NOT_OURS = new Set(["OwnershipConflict", "AlreadyExists", "AdoptionNotAllowed", "OwnedByAnother"]);

const sameFields = (a: string[] | undefined, b: string[]) =>
  !!a && a.length === b.length && a.every((x, i) => x === b[i]);

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
