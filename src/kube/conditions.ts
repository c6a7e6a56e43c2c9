/** Conditions the kstatus way: lastTransitionTime moves only when a condition's status changes. */

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, "lastTransitionTime">;

/**
 * Returns a new list with `condition` set: a condition of the same type is replaced in place, keeping its
 * lastTransitionTime when the status is unchanged (so an unchanged outcome yields an identical status and no write).
 */
export function setCondition<C extends Condition>(
  conditions: readonly C[] | undefined,
  condition: ConditionInput & Partial<Pick<C, "lastTransitionTime">>,
  now: Date | string,
): C[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === condition.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime =
    prev && prev.status === condition.status
      ? prev.lastTransitionTime
      : typeof now === "string"
        ? now
        : now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const next = { ...condition, lastTransitionTime } as C;
  if (next.observedGeneration === undefined) delete next.observedGeneration;
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition<C extends Condition>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
