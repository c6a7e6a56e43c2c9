/**
 * The spec names a domain SageMaker does not have: nothing can be created there. Stalled, retried slowly (each retry
 * is one DescribeDomain) and at once on a spec change. A resource being deleted has no profile to delete: it goes.
 * Pure.
 */
import type { SageMakerUserProfile } from "../api/types.js";
import { letGo } from "./finalizer.js";
import type { Plan, PlanSettings } from "./plan-types.js";
import { isDeleting, stalledReason } from "./resource.js";
import { seconds, truncate } from "./text.js";

/** The refusal that made us ask about the domain, for the event. */
export interface Refusal {
  operation: string;
  code: string;
  message: string;
}

export function domainNotFound(resource: SageMakerUserProfile, settings: PlanSettings, cause?: Refusal): Plan {
  if (isDeleting(resource)) return letGo(resource);
  const { domainId } = resource.spec;
  const message = `domain ${domainId} does not exist (DescribeDomain answered ResourceNotFound): check spec.domainId and that the operator's AWS region is the domain's; retried every ${seconds(settings.stalledRetryMs)} and at once when the spec changes`;
  const answered = cause ? ` (${cause.operation} answered ${cause.code}: ${cause.message})` : "";
  return {
    // Once: a retry that finds the domain still missing says nothing new.
    steps:
      stalledReason(resource) === "DomainNotFound"
        ? []
        : [
            {
              event: {
                type: "Warning",
                reason: "DomainNotFound",
                note: truncate(`domain ${domainId} does not exist${answered}`),
              },
            },
          ],
    outcome: { phase: "Stalled", reason: "DomainNotFound", message },
    facts: {},
    action: { requeueAfter: settings.stalledRetryMs },
  };
}
