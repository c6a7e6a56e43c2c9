/**
 * The macro-expanded form of a CEL expression that the cost estimator walks (what cel-go's checked AST is to
 * `checker/cost.go`), and cel-go's saturating uint64 arithmetic on cost and size ranges (`SizeEstimate`,
 * `CostEstimate`). Pure.
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

export const fixed = (n: bigint | number): Range => ({ min: BigInt(n), max: BigInt(n) });
export const UNKNOWN: Range = { min: 0n, max: MAX_U64 };
export const ZERO: Range = fixed(0);

export const sat = (n: bigint): bigint => (n > MAX_U64 ? MAX_U64 : n);
export const add = (a: Range, b: Range): Range => ({ min: sat(a.min + b.min), max: sat(a.max + b.max) });
export const mul = (a: Range, b: Range): Range => ({ min: sat(a.min * b.min), max: sat(a.max * b.max) });
// Math.min/max take numbers, not bigints.
export const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const union = (a: Range, b: Range): Range => ({ min: minOf(a.min, b.min), max: maxOf(a.max, b.max) });
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
export const STRING_TRAVERSAL = 0.1;
export const REGEX_STRING_LENGTH = 0.25;

/** The container kind and the sizes of keys (or indexes) and values of a list or map built in the expression. */
export interface EntrySize {
  container: "list" | "map";
  key: Range;
  val: Range;
}
