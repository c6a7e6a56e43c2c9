/**
 * Helpers over cel-js's AST shared by the rule checks: the errors of a rule that does not compile, in cel-go's
 * format (`ERROR: <input>:line:col: ...` with the line and a caret) and wording, and the shape of calls and macros.
 * Pure.
 */
import { ORIGINAL_NAME } from "./cel-env.js";

/**
 * Why an expression does not compile: `issues` (cel-go's parse/check errors, in its format), `type` (it does not
 * evaluate to the wanted type), or `unsupported` (the real server may accept it; this server cannot check it).
 */
export class CelCompileError extends Error {
  constructor(
    readonly kind: "issues" | "type" | "unsupported",
    message: string,
  ) {
    super(message);
  }
}

export const UNSUPPORTED = "not supported by the local API server";

// biome-ignore lint/suspicious/noExplicitAny: cel-js's AST nodes are untyped at runtime
export type Node = any;
// biome-ignore lint/suspicious/noExplicitAny: cel-js's type declarations
export type TypeDecl = any;
/** cel-go's issue format: `ERROR: <input>:1:5: message` with the line and a caret. */
export function goIssue(source: string, err: unknown): string {
  const e = err as { summary?: string; message?: string; range?: { start: number } };
  const summary = translate(e.summary ?? e.message ?? String(err));
  const at = Math.max(0, Math.min(e.range?.start ?? 0, source.length));
  const lineStart = source.lastIndexOf("\n", at - 1) + 1;
  const lineEnd = source.indexOf("\n", at);
  const line = source.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const lineNo = source.slice(0, at).split("\n").length;
  const col = at - lineStart;
  return `ERROR: <input>:${lineNo}:${col + 1}: ${summary}\n | ${line}\n | ${".".repeat(col)}^`;
}

export const GO_OPERATOR: Record<string, string> = {
  "==": "_==_",
  "!=": "_!=_",
  "<": "_<_",
  "<=": "_<=_",
  ">": "_>_",
  ">=": "_>=_",
  "+": "_+_",
  "-": "_-_",
  "*": "_*_",
  "/": "_/_",
  "%": "_%_",
  in: "@in",
};

/** cel-js wording → cel-go wording for the errors a rule author meets most. */
function translate(msg: string): string {
  const renamedBack = msg.replace(/k8s\w+/g, (n) => ORIGINAL_NAME[n] ?? n);
  let m = /^No such key: (.*)$/.exec(renamedBack);
  if (m) return `undefined field '${m[1]}'`;
  m = /^Unknown variable: (.*)$/.exec(renamedBack);
  if (m) return `undeclared reference to '${m[1]}' (in container '')`;
  m = /^no such overload: (.+?) (==|!=|<=|>=|<|>|\+|-|\*|\/|%|in) (.+)$/.exec(renamedBack);
  if (m) return `found no matching overload for '${GO_OPERATOR[m[2] as string]}' applied to '(${m[1]}, ${m[3]})'`;
  m = /^List elements must have the same type, (.*)$/.exec(renamedBack);
  if (m) return m[1] as string;
  return renamedBack;
}

/** Namespaces of the real environment's functions (`optional.of`, `sets.contains`, `format.dns1123Label`, ...). */
export const NAMESPACES = new Set(["optional", "sets", "lists", "strings", "format", "ip"]);

/** A call's function name, with its namespace when the receiver is one (and not a variable of that name). */
export const callName = (n: Node, variables: ReadonlySet<string> = new Set()): string => {
  if (n.op === "call") return n.args[0];
  const receiver = n.args[1];
  if (receiver?.op === "id" && NAMESPACES.has(receiver.args) && !variables.has(receiver.args))
    return `${receiver.args}.${n.args[0]}`;
  return n.args[0];
};

export const isMacroCall = (n: Node): boolean => {
  const name = n.args[0];
  if (n.op === "call") return name === "has" && n.args[1].length === 1;
  const args = n.args[2];
  if (name === "map") return (args.length === 2 || args.length === 3) && args[0]?.op === "id";
  return (
    (name === "all" || name === "exists" || name === "exists_one" || name === "filter") &&
    args.length === 2 &&
    args[0]?.op === "id"
  );
};

export function visit(n: Node, f: (x: Node) => void): void {
  if (!n || typeof n !== "object" || typeof n.op !== "string") return;
  f(n);
  const a = n.args;
  if (Array.isArray(a))
    for (const x of a) {
      if (!Array.isArray(x)) visit(x, f);
      else
        for (const y of x) {
          if (!Array.isArray(y)) visit(y, f);
          else for (const z of y) visit(z, f);
        }
    }
  else visit(a, f);
}
