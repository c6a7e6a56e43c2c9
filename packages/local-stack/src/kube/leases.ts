/**
 * coordination.k8s.io/v1 Lease spec validation, as kube-apiserver does it (pkg/apis/coordination/validation/
 * validation.go `ValidateLeaseSpec` and `ValidateCoordinatedLeaseStrategy`). Pure.
 */
import type { FieldError } from "./errors.js";
import { invalidValue, isObject, type KubeObject, qualifiedNameErrors } from "./meta.js";

const STRATEGIES = ["OldestEmulationVersion"];

export function validateLease(obj: KubeObject): FieldError[] {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === "number" && duration <= 0)
    errs.push(invalidValue("spec.leaseDurationSeconds", duration, "must be greater than 0"));
  const transitions = spec.leaseTransitions;
  if (typeof transitions === "number" && transitions < 0)
    errs.push(invalidValue("spec.leaseTransitions", transitions, "must be greater than or equal to 0"));
  const strategy = typeof spec.strategy === "string" ? spec.strategy : undefined;
  if (strategy !== undefined) {
    // Upstream appends "strategy" to a path that already ends in it: the real field path is spec.strategy.strategy.
    const field = "spec.strategy.strategy";
    if (!strategy.includes("/")) {
      if (!STRATEGIES.includes(strategy))
        errs.push({
          field,
          reason: "FieldValueNotSupported",
          message: `Unsupported value: ${JSON.stringify(strategy)}: supported values: ${STRATEGIES.map((s) => JSON.stringify(s)).join(", ")}`,
        });
    } else for (const m of qualifiedNameErrors(strategy)) errs.push(invalidValue(field, strategy, m));
  }
  const preferred = spec.preferredHolder;
  if (typeof preferred === "string" && preferred !== "" && !strategy)
    errs.push({
      field: "spec.preferredHolder",
      reason: "FieldValueForbidden",
      message: "Forbidden: may only be specified if `strategy` is defined",
    });
  return errs;
}
