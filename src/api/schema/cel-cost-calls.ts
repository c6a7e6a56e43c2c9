/**
 * The cost of one call, ported from cel-go `checker/cost.go` (`functionCost`: string traversal, regex, containment,
 * concatenation, comparison and logical operators) with Kubernetes' estimates for its library functions taking
 * precedence (`k8s.io/apiserver/pkg/cel/library/cost.go`, `CostEstimator.EstimateCallCost`). Pure.
 */
import {
  add,
  byFactor,
  type CelExpr,
  type EntrySize,
  fixed,
  MAX_U64,
  minOf,
  mul,
  type Range,
  REGEX_STRING_LENGTH,
  type SizeEstimator,
  STRING_TRAVERSAL,
  sat,
  UNKNOWN,
  union,
  ZERO,
} from "./cel-ir.js";

/** What a call's cost needs from the estimator walking the expression. */
export interface CallContext {
  estimator: SizeEstimator;
  /** The library's sizeEstimate: computed size, else the schema's, else unknown. */
  sizeOf(e: CelExpr): Range;
  /** cel-go's sizeOrUnknown. */
  sizeOrUnknown(e: CelExpr): Range;
  path(e: CelExpr): string[];
  entrySize(e: CelExpr): EntrySize | undefined;
  setEntrySize(e: CelExpr, s: EntrySize): void;
}

export interface CallCost {
  cost: Range;
  size?: Range;
}

export function functionCost(
  c: CallContext,
  e: Extract<CelExpr, { kind: "call" }>,
  overload: string,
  argCosts: Range[],
): CallCost {
  const argSum = argCosts.reduce(add, ZERO);
  const k8s = k8sCallCost(c, e, overload);
  if (k8s) return { cost: add(k8s.cost, argSum), size: k8s.size };
  const [a0, a1, a2] = e.args;
  const target = e.target;
  switch (overload) {
    case "string_to_bytes":
      if (a0) {
        const sz = c.sizeOrUnknown(a0);
        return { cost: add(byFactor(sz, STRING_TRAVERSAL), argSum), size: { min: sz.min, max: sat(sz.max * 4n) } };
      }
      break;
    case "bytes_to_string":
      if (a0) {
        const sz = c.sizeOrUnknown(a0);
        return { cost: add(byFactor(sz, STRING_TRAVERSAL), argSum), size: { min: sz.min / 4n, max: sz.max } };
      }
      break;
    case "starts_with_string":
    case "ends_with_string":
      if (a0) return { cost: add(byFactor(c.sizeOrUnknown(a0), STRING_TRAVERSAL), argSum) };
      break;
    case "in_list":
      if (a1) return { cost: add(byFactor(c.sizeOrUnknown(a1), 1), argSum) };
      break;
    case "matches_string":
      if (target && a0) {
        const str = byFactor(add(c.sizeOrUnknown(target), fixed(1)), STRING_TRAVERSAL);
        const re = byFactor(c.sizeOrUnknown(a0), REGEX_STRING_LENGTH);
        return { cost: add(mul(str, re), argSum) };
      }
      break;
    case "contains_string":
      if (target && a0) {
        const str = byFactor(c.sizeOrUnknown(target), STRING_TRAVERSAL);
        const sub = byFactor(c.sizeOrUnknown(a0), STRING_TRAVERSAL);
        return { cost: add(mul(str, sub), argSum) };
      }
      break;
    case "logical_or":
    case "logical_and": {
      const [l = ZERO, r = ZERO] = argCosts;
      return { cost: { min: l.min, max: add(l, r).max } };
    }
    case "conditional":
      if (a1 && a2) {
        const size = union(c.sizeOrUnknown(a1), c.sizeOrUnknown(a2));
        const en1 = c.entrySize(a1);
        const en2 = c.entrySize(a2);
        if (en1 && en2)
          c.setEntrySize(e, {
            container: en1.container,
            key: union(en1.key, en2.key),
            val: union(en1.val, en2.val),
          });
        const [cond = ZERO, t = ZERO, f = ZERO] = argCosts;
        return { cost: add(cond, union(t, f)), size };
      }
      break;
    case "add_string":
    case "add_bytes":
    case "add_list":
      if (a0 && a1) {
        const size = add(c.sizeOrUnknown(a0), c.sizeOrUnknown(a1));
        const en1 = c.entrySize(a0);
        const en2 = c.entrySize(a1);
        if (en1 && en2)
          c.setEntrySize(e, {
            container: en1.container,
            key: union(en1.key, en2.key),
            val: union(en1.val, en2.val),
          });
        if (overload === "add_list") return { cost: add(fixed(1), argSum), size };
        return { cost: add(byFactor(size, STRING_TRAVERSAL), argSum), size };
      }
      break;
    case "less_string":
    case "greater_string":
    case "less_equals_string":
    case "greater_equals_string":
    case "less_bytes":
    case "greater_bytes":
    case "less_equals_bytes":
    case "greater_equals_bytes":
    case "equals":
    case "not_equals":
      if (a0 && a1) {
        const l = c.sizeOrUnknown(a0);
        const r = c.sizeOrUnknown(a1);
        const smallestMax = minOf(r.max, l.max);
        return {
          cost: add(byFactor({ min: smallestMax > 0n ? 1n : 0n, max: smallestMax }, STRING_TRAVERSAL), argSum),
        };
      }
      break;
  }
  return { cost: add(fixed(1), argSum) };
}

/** Kubernetes' estimates for its library functions (by function name, as `EstimateCallCost` switches). */
function k8sCallCost(
  c: CallContext,
  e: Extract<CelExpr, { kind: "call" }>,
  overload: string,
): { cost: Range; size?: Range } | undefined {
  const target = e.target;
  switch (e.fn) {
    case "indexOf":
    case "lastIndexOf":
      if (!target) return undefined;
      if (target.t.kind === "list") {
        let el = fixed(1);
        const elT = target.t.param;
        if (elT && (elT.kind === "string" || elT.kind === "bytes")) {
          const p = c.path(target);
          const elSize = (p.length ? c.estimator([...p, "@items"]) : undefined) ?? UNKNOWN;
          el = add(el, byFactor(elSize, STRING_TRAVERSAL));
        }
        return { cost: mul(c.sizeOf(target), el) };
      }
      return { cost: byFactor(c.sizeOf(target), STRING_TRAVERSAL) };
    case "lowerAscii":
    case "upperAscii":
    case "substring":
    case "trim":
      if (!target) return undefined;
      return { cost: byFactor(c.sizeOf(target), STRING_TRAVERSAL), size: c.sizeOf(target) };
    case "replace":
      if (target && e.args.length >= 2) return replaceCost(c, target, e.args[0] as CelExpr, e.args[1] as CelExpr);
      return undefined;
    case "split":
      if (!target) return undefined;
      {
        const sz = c.sizeOf(target);
        let max = sz.max;
        const limit = e.args[1];
        if (limit?.kind === "lit" && typeof limit.value === "bigint") max = BigInt.asUintN(64, limit.value); // Go's uint64(int64)
        return { cost: byFactor(sz, 2 * STRING_TRAVERSAL), size: { min: 0n, max } };
      }
    case "join":
      if (!target) return undefined;
      {
        const listSize = c.sizeOf(target);
        const p = c.path(target);
        const elSize = (p.length ? c.estimator([...p, "@items"]) : undefined) ?? UNKNOWN;
        let sz = mul(listSize, elSize);
        const sep = e.args[0];
        if (sep) {
          const seps = {
            min: listSize.min > 0n ? listSize.min - 1n : 0n,
            max: listSize.max > 0n ? listSize.max - 1n : 0n,
          };
          sz = add(sz, mul(c.sizeOf(sep), seps));
        }
        return { cost: byFactor(sz, STRING_TRAVERSAL), size: sz };
      }
    default:
      void overload;
      return undefined;
  }
}

function replaceCost(c: CallContext, target: CelExpr, from: CelExpr, to: CelExpr): { cost: Range; size: Range } {
  const sz = c.sizeOf(target);
  const toReplace = c.sizeOf(from);
  const replaceWith = c.sizeOf(to);
  const count = { min: 0n, max: 0n };
  const retained = { min: 0n, max: 0n };
  if (toReplace.min === 0n) {
    count.max = sz.max < MAX_U64 ? sz.max + 1n : sz.max;
    retained.max = sz.max;
  } else if (replaceWith.max <= toReplace.min) retained.max = sz.max;
  else count.max = BigInt(Math.ceil(Number(sz.max) / Number(toReplace.min)));
  if (toReplace.max === 0n) {
    count.min = sz.min < MAX_U64 ? sz.min + 1n : sz.min;
    retained.min = sz.min;
  } else if (toReplace.max <= replaceWith.min) retained.min = sz.min;
  else count.min = BigInt(Math.ceil(Number(sz.min) / Number(toReplace.max)));
  const size = add(mul(count, replaceWith), retained);
  return { cost: byFactor(sz, 2 * STRING_TRAVERSAL), size };
}
