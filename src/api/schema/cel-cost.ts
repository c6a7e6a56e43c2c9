/**
 * Static cost of a CEL expression, ported from cel-go `checker/cost.go` (`coster`: costs of identifiers, selects,
 * calls, literals and comprehensions, size tracking through variables), with the presence test costing 0
 * (`checker.PresenceTestHasCost(false)` in `k8s.io/apiserver/pkg/cel/environment/base.go`). Function costs are in
 * `cel-cost-calls.ts`. Works on `CelExpr`, the macro-expanded form built by `cel-walk.ts`. Pure.
 */
import { type CallContext, functionCost } from "./cel-cost-calls.js";
import {
  add,
  type CelExpr,
  type CelT,
  type EntrySize,
  fixed,
  MAX_U64,
  mul,
  type Range,
  type SizeEstimator,
  UNKNOWN,
  union,
  ZERO,
} from "./cel-ir.js";

const LIST_CREATE = 10n;
const MAP_CREATE = 30n;
const ACCUMULATOR_NAMES = new Set(["@result", "__result__"]);

interface LocalVar {
  path: string[];
  size?: Range;
  entry?: EntrySize;
}
export function estimateCost(e: CelExpr, estimator: SizeEstimator): Range {
  return new Coster(estimator).cost(e);
}

class Coster {
  private paths = new Map<CelExpr, string[]>();
  private sizes = new Map<CelExpr, Range>();
  private entries = new Map<CelExpr, EntrySize>();
  private locals = new Map<string, LocalVar[]>();

  private readonly context: CallContext;

  constructor(private readonly estimator: SizeEstimator) {
    this.context = {
      estimator,
      sizeOf: (e) => this.sizeOf(e),
      sizeOrUnknown: (e) => this.sizeOrUnknown(e),
      path: (e) => this.path(e),
      entrySize: (e) => this.entrySize(e),
      setEntrySize: (e, s) => this.entries.set(e, s),
    };
  }

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
      const est = functionCost(this.context, e, overload, argCosts);
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
