/**
 * Compiles one `x-kubernetes-validations` expression the way apiextensions-apiserver
 * `pkg/apiserver/schema/cel/compilation.go` (`compileRule`) does: parsed and type-checked with `self` (and `oldSelf`)
 * typed from the schema, of the wanted result type, with its worst-case cost (`cel-cost.ts`). Names outside the real
 * environment are refused as the real server refuses them; names of the real environment cel-js lacks are refused
 * as not supported here; cel-js functions whose semantics differ from Go's are renamed to faithful ones. Pure.
 */
import type { Environment } from "@marcbachmann/cel-js";
import { CelCompileError, callName, goIssue, isMacroCall, type Node, UNSUPPORTED, visit } from "./cel-ast.js";
import { estimateCost } from "./cel-cost.js";
import { MACROS, RENAMED, SUPPORTED_FUNCTIONS, UNSUPPORTED_FUNCTIONS } from "./cel-env.js";
import type { CelExpr, SizeEstimator } from "./cel-ir.js";
import { type DeclType, declTypeAt, MAX_REQUEST_SIZE_BYTES } from "./cel-types.js";
import { Walker } from "./cel-walk.js";

export { CelCompileError, UNSUPPORTED } from "./cel-ast.js";

export interface CheckedExpression {
  /** The source with cel-js functions renamed to their Go-faithful versions. */
  source: string;
  program: (vars: Record<string, unknown>) => unknown;
  usesOldSelf: boolean;
  ir: CelExpr;
  /** The estimated worst-case cost of one evaluation. */
  maxCost: bigint;
}

/** Parses, checks and costs `expression`; `want` is the type it must evaluate to. Throws CelCompileError. */
export function checkExpression(
  env: Environment,
  expression: string,
  want: "bool" | "string",
  root: DeclType,
  objectTypes: ReadonlyMap<string, DeclType>,
): CheckedExpression {
  const original = parseOrThrow(env, expression);
  scanFunctions(expression, original.ast);
  const source = renameFunctions(expression, original.ast);
  const parsed = parseOrThrow(env, source);
  const result = parsed.check();
  if (!result.valid) throw new CelCompileError("issues", goIssue(expression, result.error));
  const walker = new Walker(expression, root, objectTypes);
  const ir = walker.toIR(parsed.ast);
  if (result.type !== want) throw new CelCompileError("type", `must evaluate to a ${want}`);
  const estimator: SizeEstimator = (path) => {
    if (path.length === 0) return undefined;
    const t = declTypeAt(root, path.slice(1));
    return t ? { min: 0n, max: BigInt(t.maxElements) } : undefined;
  };
  return {
    source,
    program: (vars) => parsed(vars),
    usesOldSelf: walker.usesOldSelf,
    ir,
    maxCost: estimateCost(ir, estimator).max,
  };
}

/** compilation.go maxCardinality: how often a value of this minimum size fits in one request. */
export const maxCardinality = (minSerializedSize: number): bigint =>
  BigInt(Math.floor(MAX_REQUEST_SIZE_BYTES / (minSerializedSize + 1)));

function parseOrThrow(env: Environment, source: string) {
  try {
    return env.parse(source);
  } catch (err) {
    // cel-js does not parse optional entries of list and map literals (`[?x]`, `{?'k': v}`); cel-go does.
    if (/[[{,]\s*\?/.test(withoutStrings(source)))
      throw new CelCompileError("unsupported", `optional entries in list and map literals are ${UNSUPPORTED}`);
    throw new CelCompileError("issues", goIssue(source, err));
  }
}

/** The source with the contents of string literals blanked, to look at its syntax only. */
const withoutStrings = (source: string): string =>
  source.replace(/'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, (m) => " ".repeat(m.length));

/** Refuses unknown names as the real server does, and names this server cannot evaluate as unsupported. */
function scanFunctions(source: string, n: Node): void {
  const variables = new Set<string>();
  visit(n, (x) => {
    if (x.op === "rcall" && isMacroCall(x)) variables.add(x.args[2][0].args);
  });
  visit(n, (x) => {
    if (x.op !== "call" && x.op !== "rcall") return;
    const name = callName(x, variables);
    const at = { range: { start: x.op === "rcall" ? x.args[1].start : x.start } };
    if (x.op === "rcall" && x.args[1]?.op === "id" && x.args[1].args === "cel")
      throw new CelCompileError(
        "issues",
        goIssue(source, { ...at, summary: "undeclared reference to 'cel' (in container '')" }),
      );
    if (isMacroCall(x) && MACROS.has(name)) return;
    const twoVariable = x.op === "rcall" && ["all", "exists", "exists_one"].includes(name) && x.args[2].length === 3;
    if (UNSUPPORTED_FUNCTIONS.has(name) || name.startsWith("format.") || twoVariable)
      throw new CelCompileError(
        "unsupported",
        `the function ${twoVariable ? `${name}() with two variables` : `'${name}'`} is ${UNSUPPORTED}`,
      );
    if (!SUPPORTED_FUNCTIONS.has(name))
      throw new CelCompileError(
        "issues",
        goIssue(source, { ...at, summary: `undeclared reference to '${name}' (in container '')` }),
      );
  });
}

/** Renames calls of cel-js functions with non-Go semantics, in place in the source (same-length names). */
function renameFunctions(source: string, ast: Node): string {
  const edits: number[] = [];
  visit(ast, (x) => {
    if ((x.op !== "call" && x.op !== "rcall") || !RENAMED[x.args[0]]) return;
    let i = x.op === "rcall" ? x.args[1].end : x.start;
    while (i < source.length && /[\s.]/.test(source[i] as string)) i++;
    if (source.startsWith(x.args[0], i)) edits.push(i);
  });
  let out = source;
  for (const at of edits) {
    const name = /^\w+/.exec(out.slice(at))?.[0] ?? "";
    out = out.slice(0, at) + (RENAMED[name] ?? name) + out.slice(at + name.length);
  }
  return out;
}
