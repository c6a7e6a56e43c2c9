/**
 * The `x-kubernetes-validations` rules of one schema node, compiled as apiextensions-apiserver
 * `pkg/apiserver/schema/cel/compilation.go` (`Compile`, `compileRule`) compiles them: one environment per node with
 * `self` typed from the schema and `oldSelf` of the same type (optional with `optionalOldSelf`), each rule's
 * program, worst-case cost and cardinality, and its messageExpression. Used both when a CRD is admitted and when
 * custom resources are validated. Pure.
 */
import type { Environment } from "@marcbachmann/cel-js";
import { CelCompileError, type CheckedExpression, checkExpression, maxCardinality } from "./cel-check.js";
import { baseEnvironment } from "./cel-env.js";
import { type DeclType, declTypeOf, objectTypes, registerDeclTypes } from "./cel-types.js";
import { celEquals } from "./cel-values.js";
import { isObject } from "./json.js";
import { listOf, type SchemaNode } from "./schema-node.js";

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface RuleError {
  /** Invalid (a compile error or wrong type), or unsupported here (the real server may accept it). */
  kind: "invalid" | "unsupported";
  detail: string;
}

export interface CompiledRule {
  source: ValidationRule;
  error?: RuleError;
  messageError?: RuleError;
  rule?: CheckedExpression;
  message?: CheckedExpression;
  usesOldSelf: boolean;
  /** How many times data of this node fits in one request: the cost multiplier under unbounded lists and maps. */
  maxCardinality: bigint;
}

export interface NodeRules {
  decl: DeclType;
  rules: CompiledRule[];
}

function ruleOf(raw: unknown): ValidationRule {
  const r = isObject(raw) ? raw : {};
  const s = (k: string) => (typeof r[k] === "string" ? (r[k] as string) : undefined);
  return {
    rule: s("rule") ?? "",
    message: s("message"),
    messageExpression: s("messageExpression"),
    reason: s("reason"),
    fieldPath: s("fieldPath"),
    optionalOldSelf: typeof r.optionalOldSelf === "boolean" ? r.optionalOldSelf : undefined,
  };
}

const cache = new WeakMap<SchemaNode, Map<boolean, NodeRules | string>>();

/**
 * Compiles the rules of `schema` (a resource root or an embedded resource when `isResourceRoot`). Returns an error
 * text when the schema cannot be typed for CEL.
 */
export function compileNodeRules(schema: SchemaNode, isResourceRoot: boolean): NodeRules | string {
  const byRoot = cache.get(schema) ?? new Map<boolean, NodeRules | string>();
  cache.set(schema, byRoot);
  const known = byRoot.get(isResourceRoot);
  if (known) return known;
  const result = compile(schema, isResourceRoot);
  byRoot.set(isResourceRoot, result);
  return result;
}

function compile(schema: SchemaNode, isResourceRoot: boolean): NodeRules | string {
  const decl = declTypeOf(schema, isResourceRoot);
  if (!decl) return "unable to convert structural schema to CEL declarations";
  const types = baseEnvironment().clone();
  registerDeclTypes(types, decl, celEquals);
  const env = (optionalOldSelf: boolean): Environment => {
    const e = types.clone();
    e.registerVariable("self", decl.celName);
    e.registerVariable("oldSelf", optionalOldSelf ? `optional<${decl.celName}>` : decl.celName);
    return e;
  };
  const envs = new Map<boolean, Environment>();
  const envFor = (optionalOldSelf: boolean): Environment => {
    let e = envs.get(optionalOldSelf);
    if (!e) {
      e = env(optionalOldSelf);
      envs.set(optionalOldSelf, e);
    }
    return e;
  };
  const objects = new Map(objectTypes(decl).map((t) => [t.celName, t]));
  const cardinality = maxCardinality(decl.minSerializedSize);
  const rules = listOf(schema, "x-kubernetes-validations").map((raw): CompiledRule => {
    const source = ruleOf(raw);
    const out: CompiledRule = { source, usesOldSelf: false, maxCardinality: cardinality };
    if (!source.rule.trim()) return out;
    const ruleEnv = envFor(source.optionalOldSelf === true);
    try {
      out.rule = checkExpression(ruleEnv, source.rule, "bool", decl, objects);
      out.usesOldSelf = out.rule.usesOldSelf;
    } catch (err) {
      out.error = asRuleError(err, "compilation failed: ", "cel expression must evaluate to a bool");
      return out;
    }
    if (source.messageExpression) {
      try {
        out.message = checkExpression(ruleEnv, source.messageExpression, "string", decl, objects);
      } catch (err) {
        out.messageError = asRuleError(
          err,
          "messageExpression compilation failed: ",
          "messageExpression must evaluate to a string",
        );
      }
    }
    return out;
  });
  return { decl, rules };
}

function asRuleError(err: unknown, issuesPrefix: string, typeDetail: string): RuleError {
  if (err instanceof CelCompileError) {
    if (err.kind === "unsupported") return { kind: "unsupported", detail: err.message };
    if (err.kind === "type") return { kind: "invalid", detail: typeDetail };
    return { kind: "invalid", detail: issuesPrefix + err.message };
  }
  // An exception cel-js should not throw: refuse rather than pass.
  return { kind: "unsupported", detail: `the local API server could not check this expression: ${String(err)}` };
}
