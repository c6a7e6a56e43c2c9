/**
 * The CEL environment of `x-kubernetes-validations` rules, as far as the local API server implements it: the
 * functions of the real server's base environment (`k8s.io/apiserver/pkg/cel/environment/base.go`) that cel-js
 * evaluates the way cel-go does, with Go's semantics where cel-js differs (RE2 for `matches`, ASCII-only case
 * mapping, string positions in code points). The rest of the real environment is listed so a rule using it is
 * refused as "not supported by the local API server" instead of being passed or mistaken for an unknown name. Pure.
 */
import { Environment, type Optional } from "@marcbachmann/cel-js";
import { re2Search } from "../re2.js";
import { DURATION_GETTERS, formatDuration, formatTimestamp, TIME_FIELD, TIME_GETTERS, timeParts } from "./cel-time.js";
import { celEquals } from "./cel-values.js";

/** Functions cel-js evaluates like cel-go, plus those registered below. */
export const SUPPORTED_FUNCTIONS = new Set([
  // core
  "size",
  "int",
  "uint",
  "double",
  "string",
  "bytes",
  "bool",
  "dyn",
  "type",
  "duration",
  "timestamp",
  "matches",
  "contains",
  "startsWith",
  "endsWith",
  ...TIME_GETTERS,
  // ext.Strings (version 2)
  "charAt",
  "indexOf",
  "lastIndexOf",
  "lowerAscii",
  "upperAscii",
  "replace",
  "split",
  "substring",
  "trim",
  "join",
  // optional types
  "hasValue",
  "value",
  "orValue",
  "or",
  "optional.of",
  "optional.none",
]);

/** Macros, checked and costed by `cel-check.ts`. */
export const MACROS = new Set(["has", "all", "exists", "exists_one", "map", "filter"]);

/** The rest of the real server's environment: names a rule may use there, which this server cannot evaluate. */
export const UNSUPPORTED_FUNCTIONS = new Set([
  // ext.Strings
  "format",
  "strings.quote",
  // Kubernetes libraries: lists, regex, URLs, quantity, IP/CIDR, format, semver, authz, selectors
  "isSorted",
  "sum",
  "max",
  "min",
  "find",
  "findAll",
  "url",
  "isURL",
  "getScheme",
  "getHost",
  "getHostname",
  "getPort",
  "getEscapedPath",
  "getQuery",
  "quantity",
  "isQuantity",
  "sign",
  "isInteger",
  "asInteger",
  "asApproximateFloat",
  "add",
  "sub",
  "isGreaterThan",
  "isLessThan",
  "compareTo",
  "ip",
  "isIP",
  "ip.isCanonical",
  "family",
  "isUnspecified",
  "isLoopback",
  "isLinkLocalMulticast",
  "isLinkLocalUnicast",
  "isGlobalUnicast",
  "cidr",
  "isCIDR",
  "containsIP",
  "containsCIDR",
  "masked",
  "prefixLength",
  "validate",
  "semver",
  "isSemver",
  "major",
  "minor",
  "patch",
  "authorizer",
  "serviceAccount",
  "path",
  "group",
  "resource",
  "subresource",
  "namespace",
  "name",
  "check",
  "allowed",
  "reason",
  "error",
  "errored",
  "fieldSelector",
  "labelSelector",
  // ext.Sets, ext.Lists (version 3), two-variable comprehensions
  "sets.contains",
  "sets.equivalent",
  "sets.intersects",
  "slice",
  "flatten",
  "distinct",
  "reverse",
  "sort",
  "sortBy",
  "lists.range",
  "first",
  "last",
  "existsOne",
  "transformList",
  "transformMap",
  "transformMapEntry",
  // optional library functions cel-js lacks
  "optional.ofNonZeroValue",
  "optMap",
  "optFlatMap",
]);

/**
 * cel-js functions whose semantics differ from cel-go's: a rule is evaluated with these renamed to Go-faithful
 * implementations. The new names have the same length so error positions stay right.
 */
export const RENAMED: Record<string, string> = {
  has: "h_s",
  matches: "k8sRe2M",
  lowerAscii: "k8sLowerAs",
  upperAscii: "k8sUpperAs",
  substring: "k8sSubstr",
  indexOf: "k8sIdxO",
  lastIndexOf: "k8sLastIdxO",
  // Timestamp getters take a time zone as cel-go reads it (an IANA name or a "+01:00" offset); cel-js only names.
  ...Object.fromEntries(TIME_GETTERS.map((g) => [g, g.replace(/^get/, "k8s")])),
};
export const ORIGINAL_NAME = Object.fromEntries(Object.entries(RENAMED).map(([a, b]) => [b, a]));

const codePoints = (s: string): string[] => Array.from(s);

function outOfRange(what: string): Error {
  return new Error(`index out of range: ${what}`);
}

function substring(s: string, start: bigint, end?: bigint): string {
  const cps = codePoints(s);
  const e = end ?? BigInt(cps.length);
  if (start < 0n || start > BigInt(cps.length)) throw outOfRange(String(start));
  if (e < 0n || e > BigInt(cps.length)) throw outOfRange(String(e));
  if (e < start) throw new Error(`invalid substring range. start: ${start}, end: ${e}`);
  return cps.slice(Number(start), Number(e)).join("");
}

function indexOf(s: string, sub: string, from = 0n, last = false): bigint {
  const cps = codePoints(s);
  const subCps = codePoints(sub);
  if (from < 0n || from > BigInt(cps.length)) throw outOfRange(String(from));
  const n = subCps.length;
  const matchesAt = (i: number) => subCps.every((c, j) => cps[i + j] === c);
  if (last) {
    const startAt = Math.min(Number(from), cps.length - n);
    for (let i = startAt; i >= 0; i--) if (matchesAt(i)) return BigInt(i);
    return -1n;
  }
  for (let i = Number(from); i + n <= cps.length; i++) if (matchesAt(i)) return BigInt(i);
  return -1n;
}

const asciiCase = (s: string, upper: boolean): string =>
  s.replace(upper ? /[a-z]+/g : /[A-Z]+/g, (m) => (upper ? m.toUpperCase() : m.toLowerCase()));

/** Go's strings.Replace: the first n occurrences (all when n < 0); "" matches before each code point and at the end. */
function replace(s: string, from: string, to: string, n = -1n): string {
  if (n === 0n || from === to) return s;
  if (from === "") {
    const cps = codePoints(s);
    const limit = n < 0n ? cps.length + 1 : Math.min(Number(n), cps.length + 1);
    let out = "";
    for (let i = 0; i <= cps.length; i++) out += (i < limit ? to : "") + (cps[i] ?? "");
    return out;
  }
  const parts = s.split(from);
  if (n < 0n || BigInt(parts.length - 1) <= n) return parts.join(to);
  const k = Number(n) + 1;
  return `${parts.slice(0, k).join(to)}${from}${parts.slice(k).join(from)}`;
}

// biome-ignore lint/suspicious/noExplicitAny: cel-js's macro API is untyped
type AstNode = any;
interface MacroChecker {
  check(node: AstNode, ctx: unknown): unknown;
  createError(code: string, message: string, node: AstNode): Error;
  getType(name: string): unknown;
}
interface MacroEvaluator {
  run(node: AstNode, ctx: unknown): unknown;
  debugType(v: unknown): { fieldLazy(obj: unknown, field: string, node: AstNode, ev: MacroEvaluator): unknown };
}

let base: Environment | undefined;

/** The shared base environment; every rule environment is a clone of it. */
export function baseEnvironment(): Environment {
  if (base) return base;
  const env = new Environment({
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: true,
    unlistedVariablesAreDyn: false,
  });
  env.registerFunction(`string.${RENAMED.matches}(string): bool`, (s: string, re: string) => re2Search(re).test(s));
  env.registerFunction(`${RENAMED.matches}(string, string): bool`, (s: string, re: string) => re2Search(re).test(s));
  env.registerFunction(`string.${RENAMED.lowerAscii}(): string`, (s: string) => asciiCase(s, false));
  env.registerFunction(`string.${RENAMED.upperAscii}(): string`, (s: string) => asciiCase(s, true));
  env.registerFunction(`string.${RENAMED.substring}(int): string`, (s: string, a: bigint) => substring(s, a));
  env.registerFunction(`string.${RENAMED.substring}(int, int): string`, (s: string, a: bigint, b: bigint) =>
    substring(s, a, b),
  );
  env.registerFunction(`string.${RENAMED.indexOf}(string): int`, (s: string, x: string) => indexOf(s, x));
  env.registerFunction(`string.${RENAMED.indexOf}(string, int): int`, (s: string, x: string, f: bigint) =>
    indexOf(s, x, f),
  );
  env.registerFunction(`string.${RENAMED.lastIndexOf}(string): int`, (s: string, x: string) =>
    indexOf(s, x, BigInt(codePoints(s).length), true),
  );
  env.registerFunction(`string.${RENAMED.lastIndexOf}(string, int): int`, (s: string, x: string, f: bigint) =>
    indexOf(s, x, f, true),
  );
  // cel-js's has() only takes field selections down from a variable; cel-go's takes any operand: `has(a[0].b)`.
  env.registerFunction(`${RENAMED.has}(ast): bool`, ({ args }: { args: AstNode[] }) => ({
    args,
    typeCheck(checker: MacroChecker, macro: { args: AstNode[] }, ctx: unknown) {
      const node = macro.args[0] as AstNode;
      if (node.op !== ".") throw checker.createError("invalid_macro_argument", "invalid argument to has() macro", node);
      checker.check(node.args[0], ctx);
      return checker.getType("bool");
    },
    evaluate(ev: MacroEvaluator, macro: { args: AstNode[] }, ctx: unknown) {
      const node = macro.args[0] as AstNode;
      const obj = ev.run(node.args[0], ctx);
      if (obj === null || obj === undefined) throw new Error(`No such key: ${node.args[1]}`);
      return ev.debugType(obj).fieldLazy(obj, node.args[1], node, ev) !== undefined;
    },
  }));
  for (const g of TIME_GETTERS) {
    const name = RENAMED[g] as string;
    const field = TIME_FIELD[g];
    env.registerFunction(`google.protobuf.Timestamp.${name}(): int`, (d: Date) => BigInt(field(timeParts(d))));
    env.registerFunction(`google.protobuf.Timestamp.${name}(string): int`, (d: Date, tz: string) =>
      BigInt(field(timeParts(d, tz))),
    );
    // Durations share some getter names: delegate to cel-js's (total hours, minutes, seconds, milliseconds).
    if (DURATION_GETTERS.has(g))
      env.registerFunction(`google.protobuf.Duration.${name}(): int`, (d: Record<string, () => bigint>) =>
        (d[g] as () => bigint).call(d),
      );
  }
  // cel-go compares optionals by presence and value; cel-js has no such overload.
  env.registerOperator(
    "optional<V> == optional<V>",
    (a: Optional, b: Optional) => a.hasValue() === b.hasValue() && (!a.hasValue() || celEquals(a.value(), b.value())),
  );
  env.registerFunction("string(google.protobuf.Timestamp): string", formatTimestamp);
  env.registerFunction("string(google.protobuf.Duration): string", formatDuration);
  env.registerFunction("string.charAt(int): string", (s: string, i: bigint) => {
    const cps = codePoints(s);
    if (i < 0n || i > BigInt(cps.length)) throw outOfRange(String(i));
    return cps[Number(i)] ?? "";
  });
  env.registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) => replace(s, a, b));
  env.registerFunction("string.replace(string, string, int): string", (s: string, a: string, b: string, n: bigint) =>
    replace(s, a, b, n),
  );
  base = env;
  return env;
}
