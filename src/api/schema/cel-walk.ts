/**
 * Walks a type-checked cel-js AST: the checks of cel-go's checker that cel-js does not make (the field named in
 * `has()`, indexing an object, literals of duration/timestamp/regex, equality on set or map lists, which the local
 * server cannot evaluate as the real one does), and the macro-expanded form (cel-go's comprehensions, from
 * `parser/macro.go`) that the cost estimator walks. Pure.
 */
import { re2CompileError } from "../re2.js";
import {
  CelCompileError,
  GO_OPERATOR,
  goIssue,
  isMacroCall,
  type Node,
  type TypeDecl,
  UNSUPPORTED,
} from "./cel-ast.js";
import { ORIGINAL_NAME } from "./cel-env.js";
import type { CelExpr, CelKind, CelT } from "./cel-ir.js";
import { type DeclType, declTypeAt, hasUnorderedList } from "./cel-types.js";
import { GO_DURATION } from "./cel-values.js";

/** A type as far as the walker needs it: a cel-js type declaration or a schema type. */
interface T {
  kind: CelKind | "message";
  name: string;
  elem?: T;
  key?: T;
}

function fromDecl(d: TypeDecl | undefined): T {
  if (!d) return { kind: "dyn", name: "dyn" };
  switch (d.kind) {
    case "list":
      return { kind: "list", name: d.name, elem: fromDecl(d.valueType) };
    case "map":
      return { kind: "map", name: d.name, key: fromDecl(d.keyType), elem: fromDecl(d.valueType) };
    case "optional":
      return { kind: "optional", name: d.name, elem: fromDecl(d.valueType) };
    case "message":
      if (d.name === "google.protobuf.Timestamp") return { kind: "timestamp", name: d.name };
      if (d.name === "google.protobuf.Duration") return { kind: "duration", name: d.name };
      return { kind: "message", name: d.name };
    case "primitive": {
      const k = d.name === "null" || d.name === "null_type" ? "null" : d.name;
      return { kind: k as CelKind, name: d.name };
    }
    default:
      return { kind: "dyn", name: d.name ?? "dyn" };
  }
}

function fromSchema(d: DeclType): T {
  switch (d.kind) {
    case "object":
      return { kind: "message", name: d.celName };
    case "list":
      return { kind: "list", name: d.celName, elem: d.elem ? fromSchema(d.elem) : undefined };
    case "map":
      return {
        kind: "map",
        name: d.celName,
        key: { kind: "string", name: "string" },
        elem: d.elem ? fromSchema(d.elem) : undefined,
      };
    default:
      return { kind: d.kind, name: d.celName };
  }
}

const celT = (t: T): CelT => {
  const kind: CelKind = t.kind === "message" ? "struct" : t.kind;
  return t.elem ? { kind, param: celT(t.elem) } : { kind };
};

const BOOL: T = { kind: "bool", name: "bool" };
const INT: T = { kind: "int", name: "int" };

/** Walks a checked cel-js AST: the checks cel-js leaves out, and the macro-expanded form for the cost estimator. */
export class Walker {
  usesOldSelf = false;
  private scope: Array<{ name: string; t: T }> = [];

  constructor(
    private readonly source: string,
    private readonly root: DeclType,
    private readonly objects: ReadonlyMap<string, DeclType>,
  ) {}

  private fail(n: Node, msg: string): never {
    throw new CelCompileError(
      "issues",
      goIssue(this.source, { summary: msg, range: { start: n.pos ?? n.start ?? 0 } }),
    );
  }

  private typeOf(n: Node): T {
    if (n.checkedType) return fromDecl(n.checkedType);
    if (n.op === "id") {
      for (let i = this.scope.length - 1; i >= 0; i--)
        if (this.scope[i]?.name === n.args) return (this.scope[i] as { t: T }).t;
      if (n.args === "self" || n.args === "oldSelf") return fromSchema(this.root);
      return this.fail(n, `undeclared reference to '${n.args}' (in container '')`);
    }
    if (n.op === ".") return this.fieldType(n, this.typeOf(n.args[0]), n.args[1]);
    if (n.op === "[]") {
      const t = this.typeOf(n.args[0]);
      return t.elem ?? { kind: "dyn", name: "dyn" };
    }
    throw new CelCompileError("unsupported", `this expression inside has() is ${UNSUPPORTED}`);
  }

  private fieldType(n: Node, t: T, field: string): T {
    if (t.kind === "map") return t.elem ?? { kind: "dyn", name: "dyn" };
    if (t.kind === "dyn") return t;
    if (t.kind === "message") {
      const decl = this.objects.get(t.name);
      if (!decl) throw new CelCompileError("unsupported", `field selection on ${t.name} is ${UNSUPPORTED}`);
      const f = decl.fields?.get(field);
      if (!f) return this.fail(n, `undefined field '${field}'`);
      return fromSchema(f.type);
    }
    return this.fail(n, `type '${t.name}' does not support field selection`);
  }

  private ident(name: string, t: T): CelExpr {
    return { kind: "ident", t: celT(t), name };
  }

  private call(fn: string, overloads: string[], args: CelExpr[], t: T, target?: CelExpr): CelExpr {
    return { kind: "call", t: celT(t), fn, overloads, args, target };
  }

  private lit(value: unknown, t: T): CelExpr {
    const size = typeof value === "string" ? Array.from(value).length : value instanceof Uint8Array ? value.length : 1;
    return { kind: "lit", t: celT(t), size, value };
  }

  toIR(n: Node): CelExpr {
    const t = this.typeOf(n);
    switch (n.op) {
      case "value":
        return this.lit(n.args, t);
      case "id":
        if (n.args === "oldSelf" && !this.scope.some((v) => v.name === "oldSelf")) this.usesOldSelf = true;
        return this.ident(n.args, t);
      case ".":
        return { kind: "select", t: celT(t), operand: this.toIR(n.args[0]), field: n.args[1], testOnly: false };
      case ".?":
        return this.call(
          "_?._",
          ["select_optional_field"],
          [this.toIR(n.args[0]), this.lit(n.args[1], { kind: "string", name: "string" })],
          t,
        );
      case "[]": {
        const ot = this.typeOf(n.args[0]);
        if (ot.kind === "message")
          this.fail(
            n,
            `found no matching overload for '_[_]' applied to '(${ot.name}, ${this.typeOf(n.args[1]).name})'`,
          );
        const overloads =
          ot.kind === "list" ? ["index_list"] : ot.kind === "map" ? ["index_map"] : ["index_list", "index_map"];
        return this.call("_[_]", overloads, [this.toIR(n.args[0]), this.toIR(n.args[1])], t);
      }
      case "[?]":
        return this.call("_[?_]", ["index_optional"], [this.toIR(n.args[0]), this.toIR(n.args[1])], t);
      case "list":
        return { kind: "list", t: celT(t), elems: (n.args as Node[]).map((x) => this.toIR(x)) };
      case "map":
        return { kind: "map", t: celT(t), entries: (n.args as Node[][]).map(([k, v]) => [this.toIR(k), this.toIR(v)]) };
      case "?:":
        return this.call(
          "_?_:_",
          ["conditional"],
          (n.args as Node[]).map((x) => this.toIR(x)),
          t,
        );
      case "&&":
      case "||":
        return this.call(
          `_${n.op}_`,
          [n.op === "&&" ? "logical_and" : "logical_or"],
          n.args.map((x: Node) => this.toIR(x)),
          t,
        );
      case "!_":
        return this.call("!_", ["logical_not"], [this.toIR(n.args)], t);
      case "-_":
        // cel-go's grammar reads a minus before a number as part of the literal.
        if (n.args?.op === "value" && (typeof n.args.args === "bigint" || typeof n.args.args === "number"))
          return this.lit(-n.args.args, t);
        return this.call("-_", ["negate"], [this.toIR(n.args)], t);
      case "call":
      case "rcall":
        return this.callIR(n, t);
      default:
        return this.binaryIR(n, t);
    }
  }

  private binaryIR(n: Node, t: T): CelExpr {
    const [l, r] = n.args as [Node, Node];
    const lt = this.typeOf(l);
    const rt = this.typeOf(r);
    if ((n.op === "==" || n.op === "!=") && (this.unordered(l) || this.unordered(r)))
      throw new CelCompileError(
        "unsupported",
        `comparing lists with x-kubernetes-list-type set or map (the real server compares them ignoring order) is ${UNSUPPORTED}`,
      );
    const kind = lt.kind === "string" || lt.kind === "bytes" ? lt.kind : "";
    const op: Record<string, string> = {
      "==": "equals",
      "!=": "not_equals",
      "<": kind ? `less_${kind}` : "less",
      "<=": kind ? `less_equals_${kind}` : "less_equals",
      ">": kind ? `greater_${kind}` : "greater",
      ">=": kind ? `greater_equals_${kind}` : "greater_equals",
      "+":
        lt.kind === "string"
          ? "add_string"
          : lt.kind === "bytes"
            ? "add_bytes"
            : lt.kind === "list"
              ? "add_list"
              : "add",
    };
    let overloads = [op[n.op] ?? n.op];
    if (n.op === "in")
      overloads = rt.kind === "list" ? ["in_list"] : rt.kind === "map" ? ["in_map"] : ["in_list", "in_map"];
    return this.call(GO_OPERATOR[n.op] ?? n.op, overloads, [this.toIR(l), this.toIR(r)], t);
  }

  /** A list compared with set or map semantics by the real server, reached by a known path. */
  private unordered(n: Node): boolean {
    const path: string[] = [];
    let cur = n;
    while (cur.op === "." || cur.op === "[]") {
      if (cur.op === ".") path.unshift(cur.args[1]);
      else path.unshift(this.typeOf(cur.args[0]).kind === "list" ? "@items" : "@values");
      cur = cur.args[0];
    }
    if (cur.op !== "id" || (cur.args !== "self" && cur.args !== "oldSelf")) return false;
    const d = declTypeAt(this.root, path);
    return d !== undefined && hasUnorderedList(d);
  }

  private callIR(n: Node, t: T): CelExpr {
    const name = ORIGINAL_NAME[n.args[0]] ?? n.args[0];
    if (n.op === "call" && name === "has" && n.args[1].length === 1) return this.hasIR(n.args[1][0], t);
    if (n.op === "rcall" && isMacroCall(n)) return this.macroIR(n, t);
    const target =
      n.op === "rcall" && n.args[1].op === "id" && n.args[1].args === "optional"
        ? undefined
        : n.op === "rcall"
          ? n.args[1]
          : undefined;
    const args: Node[] = n.op === "rcall" ? n.args[2] : n.args[1];
    this.validateLiteralArgs(n, name, target, args);
    const targetIR = target ? this.toIR(target) : undefined;
    const argIR = args.map((a) => this.toIR(a));
    const argKind = (target ? this.typeOf(target) : args[0] ? this.typeOf(args[0]) : undefined)?.kind;
    let overload = name;
    if (name === "matches" && target) overload = "matches_string";
    else if (name === "contains") overload = "contains_string";
    else if (name === "startsWith") overload = "starts_with_string";
    else if (name === "endsWith") overload = "ends_with_string";
    else if (name === "string" && argKind === "bytes") overload = "bytes_to_string";
    else if (name === "bytes" && argKind === "string") overload = "string_to_bytes";
    const fn = target?.op === "id" && target.args === "optional" ? `optional.${name}` : name;
    return this.call(fn, [overload], argIR, t, targetIR);
  }

  /** cel-go's ValidateDurationLiterals/ValidateTimestampLiterals/ValidateRegexLiterals (Kubernetes 1.29+). */
  private validateLiteralArgs(n: Node, name: string, target: Node | undefined, args: Node[]): void {
    const lit = (x: Node | undefined) =>
      x?.op === "value" && typeof x.args === "string" ? (x.args as string) : undefined;
    if (name === "duration" && !target) {
      const s = lit(args[0]);
      if (s !== undefined && !GO_DURATION.test(s)) this.fail(args[0], "invalid duration argument");
    }
    if (name === "timestamp" && !target) {
      const s = lit(args[0]);
      if (s !== undefined && !isRfc3339(s)) this.fail(args[0], "invalid timestamp");
    }
    if (name === "matches") {
      const re = lit(target ? args[0] : args[1]);
      if (re !== undefined && re2CompileError(re) !== undefined)
        this.fail(target ? args[0] : args[1], "invalid matches argument");
    }
    void n;
  }

  private hasIR(arg: Node, t: T): CelExpr {
    if (arg.op !== ".") this.fail(arg, "invalid argument to has() macro");
    const operandType = this.typeOf(arg.args[0]);
    this.fieldType(arg, operandType, arg.args[1]);
    return { kind: "select", t: celT(t), operand: this.toIR(arg.args[0]), field: arg.args[1], testOnly: true };
  }

  private macroIR(n: Node, t: T): CelExpr {
    const name: string = n.args[0];
    const range: Node = n.args[1];
    const [v, ...body] = n.args[2] as Node[];
    const rangeT = this.typeOf(range);
    const varT =
      rangeT.kind === "list"
        ? (rangeT.elem ?? { kind: "dyn", name: "dyn" })
        : rangeT.kind === "map"
          ? (rangeT.key ?? { kind: "dyn", name: "dyn" })
          : ({ kind: "dyn", name: "dyn" } as T);
    const iterRange = this.toIR(range);
    this.scope.push({ name: v.args, t: varT });
    const bodyIR = body.map((b) => this.toIR(b));
    this.scope.pop();
    const accuT: T = name === "exists_one" ? INT : name === "all" || name === "exists" ? BOOL : t;
    const accu = () => this.ident("@result", accuT);
    const comp = (accuInit: CelExpr, loopCond: CelExpr, loopStep: CelExpr, result: CelExpr): CelExpr => ({
      kind: "comp",
      t: celT(t),
      iterRange,
      iterVar: v.args,
      accuVar: "@result",
      accuInit,
      loopCond,
      loopStep,
      result,
    });
    const notStrictlyFalse = (x: CelExpr) => this.call("@not_strictly_false", ["not_strictly_false"], [x], BOOL);
    const emptyList = (): CelExpr => ({ kind: "list", t: celT(t), elems: [] });
    const addList = (item: CelExpr) =>
      this.call("_+_", ["add_list"], [accu(), { kind: "list", t: celT(t), elems: [item] }], t);
    const cond = (c: CelExpr, a: CelExpr, b: CelExpr, rt: T) => this.call("_?_:_", ["conditional"], [c, a, b], rt);
    const [b0, b1] = bodyIR as [CelExpr, CelExpr | undefined];
    switch (name) {
      case "all":
        return comp(
          this.lit(true, BOOL),
          notStrictlyFalse(accu()),
          this.call("_&&_", ["logical_and"], [accu(), b0], BOOL),
          accu(),
        );
      case "exists":
        return comp(
          this.lit(false, BOOL),
          notStrictlyFalse(this.call("!_", ["logical_not"], [accu()], BOOL)),
          this.call("_||_", ["logical_or"], [accu(), b0], BOOL),
          accu(),
        );
      case "exists_one":
        return comp(
          this.lit(0n, INT),
          this.lit(true, BOOL),
          cond(b0, this.call("_+_", ["add_int64"], [accu(), this.lit(1n, INT)], INT), accu(), INT),
          this.call("_==_", ["equals"], [accu(), this.lit(1n, INT)], BOOL),
        );
      case "map":
        return comp(emptyList(), this.lit(true, BOOL), b1 ? cond(b0, addList(b1), accu(), t) : addList(b0), accu());
      default: // filter
        return comp(emptyList(), this.lit(true, BOOL), cond(b0, addList(this.ident(v.args, varT)), accu(), t), accu());
    }
  }
}

/** RFC 3339 as Go's time.Parse(time.RFC3339) accepts it (cel-go's timestamp literal check). */
function isRfc3339(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/.exec(s);
  if (!m) return false;
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || se > 59) return false;
  const days = new Date(Date.UTC(Number(m[1]), mo, 0)).getUTCDate();
  if (d < 1 || d > days) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}
