/** Fault injection: rules matched per call, in the order they were added. */
import type { Random } from "./rng.js";
import type { DropFault, ErrorFault, FaultRule, LatencyFault } from "./types.js";

export interface FaultPlan {
  drop: boolean;
  latencyMs: number;
  error?: ErrorFault;
  /** Run the operation, then wait this long before answering. */
  latencyAfterMs: number;
  /** Run the operation, then drop the connection instead of answering. */
  dropAfter: boolean;
}

interface ActiveRule {
  id: number;
  rule: FaultRule;
  remaining: number;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  constructor(private readonly random: Random) {}

  add(rule: FaultRule): number {
    const kinds = Number("code" in rule) + Number("latencyMs" in rule) + Number("drop" in rule);
    if (kinds !== 1) throw new Error("a fault rule has exactly one of code, latencyMs or drop");
    const rate = rule.rate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new Error("fault rate must be within 0..1");
    if ("code" in rule && "phase" in rule) throw new Error("an error fault has no phase (it always replaces the call)");
    const id = this.nextId++;
    this.rules.push({ id, rule: { ...rule }, remaining: rule.count ?? Number.POSITIVE_INFINITY });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): Array<FaultRule & { id: number; remaining?: number }> {
    return this.rules.map((r) => ({
      ...r.rule,
      id: r.id,
      ...(Number.isFinite(r.remaining) ? { remaining: r.remaining } : {}),
    }));
  }

  /** Decides what happens to one call: at most one drop, the sum of matching latencies, the first matching error. */
  plan(op: string): FaultPlan {
    const plan: FaultPlan = { drop: false, latencyMs: 0, latencyAfterMs: 0, dropAfter: false };
    if (this.rules.length === 0) return plan;
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.op !== undefined && rule.op !== op) continue;
      if (active.remaining <= 0) continue;
      const isDrop = "drop" in rule;
      const isError = "code" in rule;
      // A rule that could not change the outcome does not consume its chance or its count.
      const after = "phase" in rule && rule.phase === "after";
      if ((isDrop || isError) && (plan.drop || plan.error || plan.dropAfter)) continue;
      if (this.random() >= (rule.rate ?? 1)) continue;
      active.remaining--;
      if (isDrop) {
        if (after) plan.dropAfter = (rule as DropFault).drop;
        else plan.drop = (rule as DropFault).drop;
      } else if (isError) plan.error = rule as ErrorFault;
      else if (after) plan.latencyAfterMs += (rule as LatencyFault).latencyMs;
      else plan.latencyMs += (rule as LatencyFault).latencyMs;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return plan;
  }
}
