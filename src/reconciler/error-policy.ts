/**
 * The error policy: what a failed reconcile reports and when it runs again, for every error: SageMaker's (classified
 * by src/sagemaker/errors.ts) and everything else (Kubernetes API errors, the leader fence, bugs), which is handed to
 * the controller (logged, counted, requeued with the work queue's per-key backoff). Pure: the backoff delay is an
 * input, taken from the per-key RateLimiter `backoffFor` names; nothing here sleeps.
 *
 * | error                                   | outcome                                  | action                       |
 * | --------------------------------------- | ---------------------------------------- | ---------------------------- |
 * | the domain does not exist               | Stalled DomainNotFound (deleting: let go) | stalled retry                |
 * | ResourceInUse                           | Retrying ResourceInUse / DeleteBlocked   | in-use backoff               |
 * | throttled, transient (5xx, network)     | Retrying Throttled / TransientError      | transient backoff            |
 * | ResourceNotFound (vanished mid-way)     | none                                     | poll                         |
 * | terminal (validation, access, limits)   | Stalled with the error code              | stalled retry                |
 * | the reconcile was aborted               | none                                     | handed to the controller     |
 * | anything else (Kubernetes, fence, bug)  | none                                     | handed to the controller     |
 */
import type { SageMakerUserProfile } from "../api/types.js";
import type { ClassifiedError } from "../sagemaker/index.js";
import {
  type Blockers,
  blockedHint,
  blockerCounts,
  blockersOf,
  describeBlockers,
  type StudioInventory,
} from "./cleanup.js";
import { domainNotFound } from "./domain.js";
import type { BackoffName, Plan, PlanSettings } from "./plan-types.js";
import { isDeleting } from "./resource.js";
import { seconds, truncate } from "./text.js";

export type Failure =
  /** A SageMaker call failed; `domainMissing` is DescribeDomain's answer when `asksDomain` wanted it. */
  | {
      sagemaker: { operation: string; classified: ClassifiedError };
      domainMissing?: boolean;
      /** The profile's apps and owned spaces, read when `asksStudio` wanted them (a refused delete). */
      studio?: StudioInventory;
    }
  /** Anything else; `aborted` when the controller gave up on the reconcile (stop deadline). */
  | { other: unknown; aborted?: boolean };

/** The next retry of the backoff `backoffFor` named: its delay and how many failures it has counted. */
export interface Retry {
  attempt: number;
  delayMs: number;
}

export interface ErrorVerdict extends Plan {
  /** Hand the error to the controller's error handling (logged, counted as an error, the queue's backoff). */
  raise?: true;
}

/**
 * Whether a refusal may mean the spec's domain does not exist. SageMaker does not document how profile calls answer a
 * missing domain (ResourceNotFound on Create, or a ValidationException), so DescribeDomain, whose ResourceNotFound is
 * documented, decides.
 */
export function asksDomain(failure: Failure): boolean {
  if (!("sagemaker" in failure)) return false;
  const c = failure.sagemaker.classified;
  return c.kind === "notFound" || (c.kind === "terminal" && c.code.startsWith("Validation"));
}

/** A refused DeleteUserProfile: the reconciler lists the profile's apps and owned spaces to name what blocks it. */
export function asksStudio(failure: Failure, resource: SageMakerUserProfile): boolean {
  return (
    "sagemaker" in failure &&
    isDeleting(resource) &&
    failure.sagemaker.operation === "DeleteUserProfile" &&
    failure.sagemaker.classified.kind === "inUse"
  );
}

/** The per-key backoff whose delay applies to this failure, if any. */
export function backoffFor(failure: Failure): BackoffName | undefined {
  if (!("sagemaker" in failure)) return undefined;
  const { kind } = failure.sagemaker.classified;
  return kind === "inUse" ? "inUse" : kind === "throttled" || kind === "transient" ? "transient" : undefined;
}

export function errorPolicy(
  resource: SageMakerUserProfile,
  failure: Failure,
  retry: Retry | undefined,
  settings: PlanSettings,
): ErrorVerdict {
  if (!("sagemaker" in failure)) return { steps: [], facts: {}, action: { requeue: "rateLimited" }, raise: true };
  const { operation, classified: c } = failure.sagemaker;
  if (failure.domainMissing) return domainNotFound(resource, settings, { operation, ...c });
  const deleting = isDeleting(resource);
  const delay = retry?.delayMs ?? settings.pollIntervalMs;
  switch (c.kind) {
    case "inUse": {
      if (deleting && failure.studio && operation === "DeleteUserProfile")
        return deleteBlocked(resource, blockersOf(resource, failure.studio), retry, delay, c.message);
      const why = deleting
        ? "the profile still has running apps or spaces; delete them (apps, then spaces) for the delete to proceed"
        : "the profile is busy: another change is in progress";
      const message = `SageMaker answered ResourceInUse (${why}); attempt ${retry?.attempt ?? 1}, retrying in ${seconds(delay)}: ${c.message}`;
      return {
        steps: [
          { event: { type: "Warning", reason: "ResourceInUse", note: `SageMaker answered ResourceInUse: ${why}` } },
        ],
        outcome: { phase: "Retrying", reason: deleting ? "DeleteBlocked" : "ResourceInUse", message },
        facts: {},
        action: { requeueAfter: delay },
      };
    }
    case "throttled":
    case "transient":
      return {
        steps: [],
        outcome: {
          phase: "Retrying",
          reason: c.kind === "throttled" ? "Throttled" : "TransientError",
          message: `${c.code}: ${c.message}; retrying in ${seconds(delay)}`,
        },
        facts: {},
        action: { requeueAfter: delay },
      };
    case "notFound":
      // The profile vanished between describe and write: look again soon.
      return { steps: [], facts: {}, action: { requeueAfter: settings.pollIntervalMs } };
    case "terminal":
      return {
        steps: [{ event: { type: "Warning", reason: c.code, note: truncate(c.message) } }],
        outcome: { phase: "Stalled", reason: c.code, message: truncate(c.message) },
        facts: {},
        action: { requeueAfter: settings.stalledRetryMs },
      };
  }
}

/**
 * DeleteUserProfile refused, with what blocks it named from ListApps and ListSpaces. An event when what blocks it
 * changed (not one per retry); retried with the ResourceInUse backoff, never given up.
 */
function deleteBlocked(
  resource: SageMakerUserProfile,
  blockers: Blockers,
  retry: Retry | undefined,
  delay: number,
  answer: string,
): ErrorVerdict {
  const counts = blockerCounts(blockers);
  const named = describeBlockers(blockers);
  // SageMaker refused, yet nothing is listed: a race with a deletion, or something the lists do not show.
  const what =
    named === "" ? `SageMaker answered ResourceInUse: ${answer}` : `${named} (${blockedHint(resource, blockers)})`;
  const previous = resource.status?.deleteBlockedBy;
  const wasBlocked = resource.status?.conditions?.some(
    (cond) => cond.type === "Synced" && cond.reason === "DeleteBlocked",
  );
  const changed =
    !wasBlocked ||
    previous?.apps !== counts.apps ||
    previous?.privateSpaces !== counts.privateSpaces ||
    previous?.sharedSpaces !== counts.sharedSpaces;
  return {
    steps: changed
      ? [{ event: { type: "Warning", reason: "DeleteBlocked", note: truncate(`Delete blocked by ${what}`) } }]
      : [],
    outcome: {
      phase: "Retrying",
      reason: "DeleteBlocked",
      message: truncate(`blocked by ${what}; attempt ${retry?.attempt ?? 1}, retrying in ${seconds(delay)}`),
    },
    facts: { deleteBlockedBy: counts },
    action: { requeueAfter: delay },
  };
}
