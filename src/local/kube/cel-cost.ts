/**
 * Static cost of a CEL expression, ported from cel-go `checker/cost.go` (`coster`: costs of identifiers, selects,
 * calls, literals and comprehensions, size tracking through variables) with Kubernetes' estimates for its library
 * functions (`k8s.io/apiserver/pkg/cel/library/cost.go`, `CostEstimator.EstimateCallCost`) and the presence test
 * costing 0 (`checker.PresenceTestHasCost(false)` in `pkg/cel/environment/base.go`). Works on `CelExpr`, the
 * macro-expanded form built by `cel-check.ts`. Costs are uint64 with saturation, as in Go. Pure.
 */

export const MAX_U64 = (1n << 64n) - 1n;

export interface Range {
  min: bigint;
  max: bigint;
}

export type CelKind =
  | "bool"
  | "int"
  | "uint"
  | "double"
  | "string"
  | "bytes"
  | "list"
  | "map"
  | "struct"
  | "duration"
  | "timestamp"
  | "null"
  | "type"
  | "optional"
  | "dyn";

export interface CelT {
  kind: CelKind;
  /** List element, map value or optional value type. */
  param?: CelT;
}

export type CelExpr =
  | { kind: "lit"; t: CelT; size: number; value: unknown }
  | { kind: "ident"; t: CelT; name: string }
  | { kind: "select"; t: CelT; operand: CelExpr; field: string; testOnly: boolean }
  | { kind: "call"; t: CelT; fn: string; overloads: string[]; target?: CelExpr; args: CelExpr[] }
  | { kind: "list"; t: CelT; elems: CelExpr[] }
  | { kind: "map"; t: CelT; entries: Array<[CelExpr, CelExpr]> }
  | {
      kind: "comp";
      t: CelT;
      iterRange: CelExpr;
      iterVar: string;
      accuVar: string;
      accuInit: CelExpr;
      loopCond: CelExpr;
      loopStep: CelExpr;
      result: CelExpr;
    };

/** The sizes the schema allows along a path (`self`, field names, `@items`, `@values`, `@keys`). */
export type SizeEstimator = (path: readonly string[]) => Range | undefined;

const fixed = (n: bigint | number): Range => ({ min: BigInt(n), max: BigInt(n) });
const UNKNOWN: Range = { min: 0n, max: MAX_U64 };
const ZERO: Range = fixed(0);

const sat = (n: bigint): bigint => (n > MAX_U64 ? MAX_U64 : n);
export const add = (a: Range, b: Range): Range => ({ min: sat(a.min + b.min), max: sat(a.max + b.max) });
export const mul = (a: Range, b: Range): Range => ({ min: sat(a.min * b.min), max: sat(a.max * b.max) });
// Math.min/max take numbers, not bigints.
const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const union = (a: Range, b: Range): Range => ({ min: minOf(a.min, b.min), max: maxOf(a.max, b.max) });
/** Go's multiplyByCostFactor: float multiply, rounded up, saturated. */
function factor1(x: bigint, f: number): bigint {
  const xf = Number(x);
  if (xf > 0 && f > 0 && xf > Number(MAX_U64) / f) return MAX_U64;
  const c = Math.ceil(xf * f);
  if (c >= 2 ** 64) return MAX_U64;
  return BigInt(c);
}
export const byFactor = (r: Range, f: number): Range => ({ min: factor1(r.min, f), max: factor1(r.max, f) });

/** cel-go common/cost.go */
const STRING_TRAVERSAL = 0.1;
const REGEX_STRING_LENGTH = 0.25;
const LIST_CREATE = 10n;
const MAP_CREATE = 30n;
const ACCUMULATOR_NAMES = new Set(["@result", "__result__"]);

interface LocalVar {
  path: string[];
  size?: Range;
  entry?: EntrySize;
}
interface EntrySize {
  container: "list" | "map";
  key: Range;
  val: Range;
}

export function estimateCost(e: CelExpr, estimator: SizeEstimator): Range {
  return new Coster(estimator).cost(e);
}

class Coster {
  private paths = new Map<CelExpr, string[]>();
  private sizes = new Map<CelExpr, Range>();
  private entries = new Map<CelExpr, EntrySize>();
  private locals = new Map<string, LocalVar[]>();

  constructor(private readonly estimator: SizeEstimator) {}

  cost(e: CelExpr): Range {
    switch (e.kind) {
      case "lit":
        return ZERO;
      case "ident": {
        const v = this.peek(e.name);
        this.paths.set(e, v ? v.path : [e.name]);
        return fixed(1);
      }
      case "select": {
        if (e.testOnly) return this.cost(e.operand); // presence tests cost 0 in Kubernetes
        let sum = this.cost(e.operand);
        const k = e.operand.t.kind;
        if (k === "map" || k === "struct") sum = add(sum, fixed(1));
        this.paths.set(e, [...this.path(e.operand), e.field]);
        return sum;
      }
      case "call":
        return this.costCall(e);
      case "list": {
        let sum = ZERO;
        let item: Range = { min: e.elems.length === 0 ? 0n : MAX_U64, max: 0n };
        for (const x of e.elems) {
          sum = add(sum, this.cost(x));
          item = union(item, this.sizeOrUnknown(x));
        }
        this.entries.set(e, { container: "list", key: fixed(1), val: item });
        return add(sum, fixed(LIST_CREATE));
      }
      case "map": {
        let sum = ZERO;
        let k: Range = { min: e.entries.length === 0 ? 0n : MAX_U64, max: 0n };
        let v: Range = { ...k };
        for (const [ke, ve] of e.entries) {
          sum = add(add(sum, this.cost(ke)), this.cost(ve));
          k = union(k, this.sizeOrUnknown(ke));
          v = union(v, this.sizeOrUnknown(ve));
        }
        this.entries.set(e, { container: "map", key: k, val: v });
        return add(sum, fixed(MAP_CREATE));
      }
      case "comp":
        return this.costComprehension(e);
    }
  }

  private costComprehension(e: Extract<CelExpr, { kind: "comp" }>): Range {
    let sum = add(this.cost(e.iterRange), this.cost(e.accuInit));
    this.push(e.accuVar, {
      path: this.path(e.accuInit),
      size: this.computeSize(e.accuInit),
      entry: this.entrySize(e.accuInit),
    });
    // pushIterSingle: list items, or map keys
    const entry = this.entrySize(e.iterRange);
    const container = entry?.container ?? (e.iterRange.t.kind === "list" ? "list" : "map");
    const size = container === "list" ? entry?.val : entry?.key;
    this.push(e.iterVar, { path: [...this.path(e.iterRange), container === "list" ? "@items" : "@keys"], size });
    const loopCost = this.cost(e.loopCond);
    const stepCost = this.cost(e.loopStep);
    this.pop(e.iterVar);
    sum = add(sum, this.cost(e.result));
    this.pop(e.accuVar);
    const rangeCnt = this.sizeOrUnknown(e.iterRange);
    sum = add(sum, mul(rangeCnt, add(stepCost, loopCost)));
    if (e.accuInit.kind === "lit") {
      const s = this.computeSize(e.accuInit);
      if (s) this.sizes.set(e, s);
    } else if (e.accuInit.kind === "list" || e.accuInit.kind === "map") {
      this.sizes.set(e, rangeCnt);
      const stepEntry = this.entrySize(e.loopStep);
      if (stepEntry) this.entries.set(e, stepEntry);
    }
    return sum;
  }

  private costCall(e: Extract<CelExpr, { kind: "call" }>): Range {
    if (e.fn === "dyn" && e.args[0]) {
      const arg = e.args[0];
      const c = this.cost(arg);
      const s = this.computeSize(arg);
      if (s) this.sizes.set(e, s);
      const en = this.entrySize(arg);
      if (en) this.entries.set(e, en);
      return add(fixed(1), c);
    }
    const argCosts = e.args.map((a) => this.cost(a));
    if (e.overloads.length === 0) return ZERO;
    let sum = ZERO;
    if (e.target) sum = add(sum, this.cost(e.target));
    let fnCost: Range = { min: MAX_U64, max: 0n };
    let resultSize: Range | undefined;
    for (const overload of e.overloads) {
      const est = this.functionCost(e, overload, argCosts);
      fnCost = union(fnCost, est.cost);
      if (est.size) resultSize = resultSize ? union(resultSize, est.size) : est.size;
      const first = e.args[0];
      if (first && (overload === "index_list" || overload === "index_map")) {
        resultSize = this.entrySize(first)?.val;
        this.paths.set(e, [...this.path(first), overload === "index_list" ? "@items" : "@values"]);
      }
      resultSize ??= this.computeSize(e);
    }
    if (resultSize) this.sizes.set(e, resultSize);
    return add(sum, fnCost);
  }

  private functionCost(
    e: Extract<CelExpr, { kind: "call" }>,
    overload: string,
    argCosts: Range[],
  ): { cost: Range; size?: Range } {
    const argSum = argCosts.reduce(add, ZERO);
    const k8s = this.k8sCallCost(e, overload);
    if (k8s) return { cost: add(k8s.cost, argSum), size: k8s.size };
    const [a0, a1, a2] = e.args;
    const target = e.target;
    switch (overload) {
      case "string_to_bytes":
        if (a0) {
          const sz = this.sizeOrUnknown(a0);
          return { cost: add(byFactor(sz, STRING_TRAVERSAL), argSum), size: { min: sz.min, max: sat(sz.max * 4n) } };
        }
        break;
      case "bytes_to_string":
        if (a0) {
          const sz = this.sizeOrUnknown(a0);
          return { cost: add(byFactor(sz, STRING_TRAVERSAL), argSum), size: { min: sz.min / 4n, max: sz.max } };
        }
        break;
      case "starts_with_string":
      case "ends_with_string":
        if (a0) return { cost: add(byFactor(this.sizeOrUnknown(a0), STRING_TRAVERSAL), argSum) };
        break;
      case "in_list":
        if (a1) return { cost: add(byFactor(this.sizeOrUnknown(a1), 1), argSum) };
        break;
      case "matches_string":
        if (target && a0) {
          const str = byFactor(add(this.sizeOrUnknown(target), fixed(1)), STRING_TRAVERSAL);
          const re = byFactor(this.sizeOrUnknown(a0), REGEX_STRING_LENGTH);
          return { cost: add(mul(str, re), argSum) };
        }
        break;
      case "contains_string":
        if (target && a0) {
          const str = byFactor(this.sizeOrUnknown(target), STRING_TRAVERSAL);
          const sub = byFactor(this.sizeOrUnknown(a0), STRING_TRAVERSAL);
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
          const size = union(this.sizeOrUnknown(a1), this.sizeOrUnknown(a2));
          const en1 = this.entrySize(a1);
          const en2 = this.entrySize(a2);
          if (en1 && en2)
            this.entries.set(e, {
              container: en1.container,
              key: union(en1.key, en2.key),
              val: union(en1.val, en2.val),
            });
          const [c = ZERO, t = ZERO, f = ZERO] = argCosts;
          return { cost: add(c, union(t, f)), size };
        }
        break;
      case "add_string":
      case "add_bytes":
      case "add_list":
        if (a0 && a1) {
          const size = add(this.sizeOrUnknown(a0), this.sizeOrUnknown(a1));
          const en1 = this.entrySize(a0);
          const en2 = this.entrySize(a1);
          if (en1 && en2)
            this.entries.set(e, {
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
          const l = this.sizeOrUnknown(a0);
          const r = this.sizeOrUnknown(a1);
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
  private k8sCallCost(
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
            const p = this.path(target);
            const elSize = (p.length ? this.estimator([...p, "@items"]) : undefined) ?? UNKNOWN;
            el = add(el, byFactor(elSize, STRING_TRAVERSAL));
          }
          return { cost: mul(this.sizeOf(target), el) };
        }
        return { cost: byFactor(this.sizeOf(target), STRING_TRAVERSAL) };
      case "lowerAscii":
      case "upperAscii":
      case "substring":
      case "trim":
        if (!target) return undefined;
        return { cost: byFactor(this.sizeOf(target), STRING_TRAVERSAL), size: this.sizeOf(target) };
      case "replace":
        if (target && e.args.length >= 2) return this.replaceCost(target, e.args[0] as CelExpr, e.args[1] as CelExpr);
        return undefined;
      case "split":
        if (!target) return undefined;
        {
          const sz = this.sizeOf(target);
          let max = sz.max;
          const limit = e.args[1];
          if (limit?.kind === "lit" && typeof limit.value === "bigint") max = BigInt.asUintN(64, limit.value); // Go's uint64(int64)
          return { cost: byFactor(sz, 2 * STRING_TRAVERSAL), size: { min: 0n, max } };
        }
      case "join":
        if (!target) return undefined;
        {
          const listSize = this.sizeOf(target);
          const p = this.path(target);
          const elSize = (p.length ? this.estimator([...p, "@items"]) : undefined) ?? UNKNOWN;
          let sz = mul(listSize, elSize);
          const sep = e.args[0];
          if (sep) {
            const seps = {
              min: listSize.min > 0n ? listSize.min - 1n : 0n,
              max: listSize.max > 0n ? listSize.max - 1n : 0n,
            };
            sz = add(sz, mul(this.sizeOf(sep), seps));
          }
          return { cost: byFactor(sz, STRING_TRAVERSAL), size: sz };
        }
      default:
        void overload;
        return undefined;
    }
  }

  private replaceCost(target: CelExpr, from: CelExpr, to: CelExpr): { cost: Range; size: Range } {
    const sz = this.sizeOf(target);
    const toReplace = this.sizeOf(from);
    const replaceWith = this.sizeOf(to);
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

  /** library.CostEstimator.sizeEstimate: the computed size, else the schema's, else unknown. */
  private sizeOf(e: CelExpr): Range {
    return this.computeSize(e) ?? this.estimateByPath(e) ?? UNKNOWN;
  }

  private estimateByPath(e: CelExpr): Range | undefined {
    const p = this.path(e);
    return p.length ? this.estimator(p) : undefined;
  }

  private sizeOrUnknown(e: CelExpr): Range {
    return this.computeSize(e) ?? UNKNOWN;
  }

  private computeSize(e: CelExpr): Range | undefined {
    const known = this.sizes.get(e);
    if (known) return known;
    if (e.kind === "lit") return fixed(e.size);
    if (e.kind === "list") return fixed(e.elems.length);
    if (e.kind === "map") return fixed(e.entries.length);
    const p = this.nodePath(e);
    if (p.length) {
      const s = this.estimator(p);
      if (s) {
        this.sizes.set(e, s);
        return s;
      }
    }
    if (isScalar(e.t)) return fixed(1);
    if (e.kind === "ident") return this.peek(e.name)?.size;
    return undefined;
  }

  /** newAstNode's path: accumulator variables are not given to the size estimator. */
  private nodePath(e: CelExpr): string[] {
    const p = this.path(e);
    return p.length && ACCUMULATOR_NAMES.has(p[0] as string) ? [] : p;
  }

  private entrySize(e: CelExpr): EntrySize | undefined {
    const known = this.entries.get(e);
    if (known) return known;
    if (e.kind === "ident") return this.peek(e.name)?.entry;
    return undefined;
  }

  private path(e: CelExpr): string[] {
    if (e.kind === "ident") {
      const v = this.peek(e.name);
      if (v) return v.path;
    }
    return this.paths.get(e) ?? [];
  }

  private push(name: string, v: LocalVar): void {
    const stack = this.locals.get(name) ?? [];
    stack.push(v);
    this.locals.set(name, stack);
  }
  private pop(name: string): void {
    this.locals.get(name)?.pop();
  }
  private peek(name: string): LocalVar | undefined {
    const stack = this.locals.get(name);
    return stack?.[stack.length - 1];
  }
}

function isScalar(t: CelT): boolean {
  switch (t.kind) {
    case "bool":
    case "double":
    case "duration":
    case "int":
    case "timestamp":
    case "uint":
      return true;
    case "optional":
      return t.param ? isScalar(t.param) : false;
    default:
      return false;
  }
}
